"""The stop-signal handler (engine/interrupt.py), driven by calling it as the signal would, in-process.

The loop runs each coroutine as a task to completion, as pytest-asyncio's ``asyncio.Runner`` runs the
suite's items and fixtures; the "engine" is a task the item awaits through ``asyncio.shield``, as
``Scheduler.outcome`` does.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from litellm_smoke.engine import interrupt


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    interrupt.reset()
    yield
    interrupt.reset()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> None:
    """What ``asyncio.Runner.run`` does (3.11+; pytest-asyncio uses a backport on 3.10)."""
    loop.run_until_complete(loop.create_task(coro))


def test_outside_the_loop_it_is_a_plain_keyboard_interrupt_once() -> None:
    with pytest.raises(KeyboardInterrupt, match="signal SIGTERM"):
        interrupt.handle(signal.SIGTERM, None)
    assert interrupt.requested() == signal.SIGTERM
    interrupt.handle(signal.SIGINT, None)  # a second signal is ignored: the cleanup must not be cut short
    assert interrupt.requested() == signal.SIGTERM


def test_inside_a_task_step_it_raises_nothing_and_the_run_unwinds_by_cancellation(
    loop: asyncio.AbstractEventLoop,
) -> None:
    unwound: list[str] = []

    async def check() -> None:
        try:
            interrupt.handle(signal.SIGTERM, None)  # the signal lands inside this check's step
            unwound.append("handler returned")
            await asyncio.sleep(3600)
        finally:
            unwound.append("check cleaned up")

    async def item() -> None:
        task = asyncio.get_running_loop().create_task(check())
        await asyncio.shield(task)

    with pytest.raises(KeyboardInterrupt, match="signal SIGTERM"), interrupt.guarded():
        run(loop, item())
    assert unwound == ["handler returned", "check cleaned up"]
    assert asyncio.all_tasks(loop) == set()  # cancelled and done: nothing stored a KeyboardInterrupt


def test_a_teardown_runs_to_its_end_and_the_stop_comes_after_it(loop: asyncio.AbstractEventLoop) -> None:
    deleted: list[str] = []

    async def delete_minted_key() -> None:
        interrupt.handle(signal.SIGTERM, None)  # the signal arrives during the key's deletion
        await asyncio.sleep(0.01)
        deleted.append("key")

    with interrupt.deferred():
        run(loop, delete_minted_key())
        interrupt.check()  # no stop while the teardown lasts
    assert deleted == ["key"]
    with pytest.raises(KeyboardInterrupt, match="signal SIGTERM"):
        interrupt.check()  # the next item's setup stops the run


def test_a_stop_queued_as_the_item_ended_does_not_cancel_the_teardown_that_runs_next(
    loop: asyncio.AbstractEventLoop,
) -> None:
    finished: list[str] = []

    async def item() -> None:
        # The signal comes while the loop stops after the item: the stop is left for the next run.
        asyncio.get_running_loop().call_soon(interrupt.handle, signal.SIGTERM, None)

    async def finaliser() -> None:
        await asyncio.sleep(0.01)
        finished.append("finaliser")

    run(loop, item())
    with interrupt.deferred():
        try:
            run(loop, finaliser())
        except asyncio.CancelledError:
            pytest.fail("the stop left from the item's run cancelled the teardown")
    assert finished == ["finaliser"]
    assert interrupt.requested() == signal.SIGTERM


def test_a_cancellation_without_a_stop_request_stays_a_cancellation() -> None:
    with pytest.raises(asyncio.CancelledError), interrupt.guarded():
        raise asyncio.CancelledError


def test_between_two_runs_of_the_loop_it_wakes_the_engines_loop_for_the_next(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """The signal lands in asyncio's machinery of an item, outside the loop's run (the runner about to
    start it): nothing is raised there, the item's run is cancelled as soon as it starts."""
    started: list[str] = []

    async def check() -> None:
        started.append("check")
        await asyncio.sleep(2)  # a stop that did not wake the loop lets it run to its end
        started.append("ran to its end")

    def item_call() -> None:
        with interrupt.guarded():
            interrupt.handle(signal.SIGHUP, None)  # no loop runs: recorded, the engine's loop woken
            run(loop, check())

    interrupt.watch(loop)
    with pytest.raises(KeyboardInterrupt, match="signal SIGHUP"):
        item_call()
    assert started == []  # cancelled before its first step: the wake-up was queued first


def test_after_the_loop_handed_back_a_result_the_boundary_raises(loop: asyncio.AbstractEventLoop) -> None:
    """The signal lands after the item's run (its result on the way out): the result is handed back
    (no "Task exception was never retrieved"), and the item's boundary stops the run."""
    outcomes: list[str] = []

    async def check() -> None:
        return None

    def item_call() -> None:
        with interrupt.guarded():
            run(loop, check())
            interrupt.handle(signal.SIGINT, None)  # synchronous code, no engine loop to wake: recorded only
            outcomes.append("handed back")

    with pytest.raises(KeyboardInterrupt, match="signal SIGINT"):
        item_call()
    assert outcomes == ["handed back"]


def test_outside_an_item_and_outside_the_loop_it_raises_at_once() -> None:
    interrupt.watch(None)
    with pytest.raises(KeyboardInterrupt):
        interrupt.handle(signal.SIGINT, None)

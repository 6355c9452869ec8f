"""Stopping a run on a signal: the first SIGINT, SIGTERM or SIGHUP is a request the run carries out.

A ``KeyboardInterrupt`` raised by a signal handler lands wherever the main thread happens to be.
While the event loop runs, that is inside some task's step: asyncio stores it in that task, the
task's dependents re-raise it, and the teardown that should delete the minted key runs on a loop
that was torn out of ``run_until_complete`` ("Event loop stopped before Future completed").

So the handler (:func:`handle`, installed by ``cli/_guard.py`` in the pytest child of
``litellm-smoke check``) never raises inside the loop:

- while an event loop runs in the main thread (the checks, the async fixtures), it only records
  the request and wakes the loop; on the loop, :func:`_stop` cancels every task on it (the
  engine's checks and the pytest item or fixture being run). Cancelled tasks unwind through their
  ``finally`` blocks (responses closed), and pytest gets its ``KeyboardInterrupt`` at the item's
  boundary, outside the loop (:func:`as_keyboard_interrupt`, used by the plugin);
- during a teardown (:func:`deferred`) it only records the request: the engine's tasks are
  awaited, the minted keys deleted, the HTTP client closed; the run stops at the next boundary;
- anywhere else (collection, synchronous fixtures, pytest's reporting) it raises
  ``KeyboardInterrupt`` as Python does.

One request per run: a second signal (a parent's death after its own SIGTERM, a second Ctrl-C) is
ignored, so nothing cuts the cleanup short; ``litellm-smoke check`` kills the child's process group
if it takes too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class _State:
    def __init__(self) -> None:
        self.signum: int | None = None
        self.deferring = 0


_state = _State()


def requested() -> int | None:
    """The signal that asked the run to stop, or None."""
    return _state.signum


def reason() -> str:
    signum = _state.signum
    return f"signal {signal.Signals(signum).name}" if signum is not None else "interrupted"


def install() -> None:
    """Handle SIGINT, SIGTERM and SIGHUP with :func:`handle` (main thread only)."""
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handle)


def handle(signum: int, frame: FrameType | None) -> None:
    """The stop-signal handler: see the module docstring."""
    if _state.signum is not None:
        return  # one request per run: the cleanup under way must not be cut short
    _state.signum = signum
    if _state.deferring:
        return  # a teardown is running: let it finish, stop at the next boundary
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise KeyboardInterrupt(reason()) from None
    loop.call_soon_threadsafe(_stop, loop)


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    """On the loop, in no task: cancel every task of the run.

    Not in a teardown: the item may have finished in the loop's last turn, leaving this callback to
    the next run of the loop, which may be a finaliser deleting the minted key.
    """
    if _state.deferring:
        return
    for task in asyncio.all_tasks(loop):
        task.cancel(reason())


def check() -> None:
    """At a boundary outside the loop: a stop requested earlier (during a teardown) stops the run now."""
    if _state.signum is not None and not _state.deferring:
        raise KeyboardInterrupt(reason())


@contextlib.contextmanager
def as_keyboard_interrupt() -> Iterator[None]:
    """Around code that runs the loop: a cancellation caused by a stop request becomes pytest's
    ``KeyboardInterrupt``, raised here, outside the loop and outside every task."""
    try:
        yield
    except asyncio.CancelledError:
        if _state.signum is None:
            raise
        raise KeyboardInterrupt(reason()) from None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A teardown: a stop requested now is only recorded, the cleanup runs to its end."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1


def reset() -> None:
    """Forget a request (tests that run several sessions in one process)."""
    _state.signum = None

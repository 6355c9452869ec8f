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
  boundary, outside the loop (:func:`guarded`, used by the plugin around an item's setup and call);
- inside an item's setup or call but between two runs of the loop (asyncio's runner about to
  start it or handing back a result, a synchronous fixture), it records the request, wakes the
  engine's loop (:func:`watch`) for its next run, and the item's boundary raises;
- during a teardown (:func:`deferred`) it only records the request: the engine's tasks are
  awaited, the minted keys deleted, the HTTP client closed; the run stops at the next boundary;
- between items (pytest's reporting) it records the request: the next item's setup raises (a
  ``KeyboardInterrupt`` at an arbitrary line of pytest's reporting can crash its rendering);
- before the items run (collection, the embedded proxy's start) it raises ``KeyboardInterrupt``
  as Python does.

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
        self.deferring = 0  # inside a teardown
        self.guarding = 0  # inside pytest's item loop, an item's setup or call, discovery: never raise here
        self.loop: asyncio.AbstractEventLoop | None = None  # the engine's loop, while the engine lives


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


def installed() -> bool:
    """Whether :func:`handle` handles SIGINT in this process (the pytest child of ``check``)."""
    return signal.getsignal(signal.SIGINT) is handle


def handle(signum: int, frame: FrameType | None) -> None:
    """The stop-signal handler: see the module docstring."""
    if _state.signum is not None:
        return  # one request per run: the cleanup under way must not be cut short
    _state.signum = signum
    if _state.deferring:
        return  # a teardown is running: let it finish, stop at the next boundary
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        # Between two turns of asyncio's machinery (a runner about to start the loop, or just out of
        # it with a result to hand back), or in synchronous code of an item or a fixture: wake the
        # engine's loop for its next run; the item's boundary raises if no loop runs again.
        loop = _state.loop if _state.guarding else None
    if loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(_stop, loop)
        return
    if not _state.guarding:
        raise KeyboardInterrupt(reason())  # before the items run (collection): as Python does


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    """On the loop, in no task: cancel every task of the run.

    Not in a teardown: the item may have finished in the loop's last turn, leaving this callback to
    the next run of the loop, which may be a finaliser deleting the minted key.
    """
    if _state.deferring:
        return
    for task in asyncio.all_tasks(loop):
        task.cancel(reason())


def watch(loop: asyncio.AbstractEventLoop | None) -> None:
    """The engine's loop (None: the engine is closed): a stop requested while it is between runs wakes it."""
    _state.loop = loop


def check() -> None:
    """At a boundary outside the loop: a stop requested earlier stops the run now."""
    if _state.signum is not None and not _state.deferring:
        raise KeyboardInterrupt(reason())


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Around pytest work that runs event loops (an item's setup or call): a stop request ends it
    with pytest's ``KeyboardInterrupt``, raised here, outside the loop and outside every task."""
    check()
    _state.guarding += 1
    try:
        yield
    except asyncio.CancelledError:
        if _state.signum is None:
            raise
        raise KeyboardInterrupt(reason()) from None
    finally:
        _state.guarding -= 1
    check()  # the request came while no loop ran (synchronous code): the work ended, the run stops


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
    _state.loop = None

"""Child processes for the benchmarks: timed, measured (rusage of that one child), always reaped.

Every child runs in its own session, so it and everything it forks can be signalled as one
process group, and a terminal's Ctrl-C reaches only the harness, which then stops its children
itself. ``REGISTRY.stop_all()`` is called on every exit path of ``run.py``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Run:
    """One finished child: wall time from spawn to reap, its own resources, and its output."""

    argv: tuple[str, ...]
    returncode: int
    wall: float
    cpu: float  # user + system seconds of the child and the descendants it reaped
    maxrss_kb: int  # peak RSS of the child (or of a reaped descendant, if larger)
    output: str  # stdout and stderr, interleaved
    timed_out: bool


def _pdeathsig() -> None:
    # If the harness is SIGKILLed no cleanup runs; the kernel then kills the child instead.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Registry:
    """The live children of this harness, by pid (each leads its own process group)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[int, subprocess.Popen[bytes]] = {}

    def add(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live[process.pid] = process

    def discard(self, pid: int) -> None:
        with self._lock:
            self._live.pop(pid, None)

    def _alive(self) -> list[subprocess.Popen[bytes]]:
        with self._lock:
            live = list(self._live.values())
        # poll() also reaps children nobody waits for; a waiter thread racing it is harmless.
        alive = [p for p in live if p.returncode is None and p.poll() is None]
        for process in live:
            if process not in alive:
                self.discard(process.pid)
        return alive

    def stop_all(self) -> None:
        """SIGINT each live group (lets pytest tear its fixtures down), then SIGKILL what is left."""
        for process in self._alive():
            _signal_group(process.pid, signal.SIGINT)
        deadline = time.monotonic() + _GRACE_SECONDS
        while self._alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        for process in self._alive():
            _signal_group(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + _GRACE_SECONDS
        while self._alive() and time.monotonic() < deadline:
            time.sleep(0.05)


REGISTRY = _Registry()


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    output: Path,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session with stdout+stderr going to ``output``; registered for cleanup."""
    with output.open("wb") as sink:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_pdeathsig if sys.platform.startswith("linux") else None,
        )
    REGISTRY.add(process)
    return process


class _Waiter(threading.Thread):
    """Reaps one child with wait4, so its own rusage (not the harness's cumulative one) is known."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.status: int | None = None
        self.rusage: object | None = None
        self.reaped_at: float | None = None

    def run(self) -> None:
        try:
            _, status, rusage = os.wait4(self.process.pid, 0)
        except ChildProcessError:  # reaped elsewhere; nothing to measure
            status, rusage = 0, None
        self.reaped_at = time.perf_counter()
        self.status, self.rusage = status, rusage
        self.process.returncode = os.waitstatus_to_exitcode(status)
        REGISTRY.discard(self.process.pid)


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    output: Path,
    timeout: float,
) -> Run:
    """Run ``argv`` to completion (at most ``timeout`` s, then its group is killed) and measure it."""
    started = time.perf_counter()
    process = spawn(argv, env=env, cwd=cwd, output=output)
    waiter = _Waiter(process)
    waiter.start()
    waiter.join(timeout)
    timed_out = waiter.is_alive()
    if timed_out:
        _signal_group(process.pid, signal.SIGINT)
        waiter.join(_GRACE_SECONDS)
        if waiter.is_alive():
            _signal_group(process.pid, signal.SIGKILL)
            waiter.join(_GRACE_SECONDS)
    # Whatever the leader left behind in its group (it is gone, the group id may linger).
    _signal_group(process.pid, signal.SIGKILL)
    ended = waiter.reaped_at or time.perf_counter()
    usage = waiter.rusage
    cpu = (usage.ru_utime + usage.ru_stime) if usage is not None else float("nan")  # type: ignore[attr-defined]
    maxrss = int(usage.ru_maxrss) if usage is not None else -1  # type: ignore[attr-defined]
    text = output.read_text(encoding="utf-8", errors="replace")
    code = process.returncode if process.returncode is not None else -9
    return Run(tuple(argv), code, ended - started, cpu, maxrss, text, timed_out)


def stop(process: subprocess.Popen[bytes], grace: float = _GRACE_SECONDS) -> None:
    """Stop a long-running child started with :func:`spawn`: SIGTERM its group, then SIGKILL."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(grace)
    _signal_group(process.pid, signal.SIGKILL)
    REGISTRY.discard(process.pid)


def free_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that completes TCP handshakes (the kernel does) but never reads or answers.

    That is what a hung process or a stateful firewall looks like: connect succeeds, the request
    is sent, no byte ever comes back.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)  # room for every connection a run opens; none is ever accept()ed
        yield int(sock.getsockname()[1])
    finally:
        sock.close()

"""The scheduler of a smoke session: every selected check's network work on one event loop.

A :class:`Job` is one pytest item's work (a coroutine factory), the checks it ``needs`` (a
failed or skipped prerequisite skips it, pointing at the root cause) and the checks it must run
``after`` (order only, e.g. the key delete after every other key check). A need listed in
``overlap`` too is speculative (eager mode only): the job starts without waiting for it and is
reported as the graph says once both are done. If that prerequisite fails, the job is cancelled
(if still running) and skipped pointing at it, whatever it got; the SDK checks overlap the plain
check that sends the same request, so a model costs one upstream latency, not two. The :class:`Scheduler`
runs jobs as asyncio tasks, at most ``limit`` at once: a job sends its requests one after the
other, so the limit bounds the requests in flight across all models. Each pytest item then
awaits its own job's :class:`Outcome` and reports it, in collection order.

One cause, one failure:

- a prerequisite that failed (or was itself skipped) skips its dependents with
  ``"<its title> -- see <root check>"``; a failure may block only some models
  (:attr:`Outcome.blocks`: the model list check blocks exactly the missing models);
- LiteLLM answers 429 "... in cooldown" / "No deployments available" after it saw a model
  fail. Such a failure, when an earlier check of the same model failed for another reason, is
  reported as a consequence of that check (skipped, pointing at it), not as a second root cause.

Nothing here knows the individual checks; ``suite/_engine.py`` builds the jobs.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from litellm_smoke.errors import SmokeFailure

COOLDOWN = re.compile(r"in cooldown|no deployments available|cooldown_list", re.IGNORECASE)
"""What LiteLLM's router says (HTTP 429) while a deployment cools down after failed calls."""

_SKIP = pytest.skip.Exception
_FAIL = pytest.fail.Exception


@dataclass(frozen=True)
class Job:
    """One check's network work. ``key`` is the pytest item name (``test_chat_completion[m]``)."""

    key: str
    run: Callable[[], Awaitable[Any]]
    model: str | None = None
    needs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    overlap: tuple[str, ...] = ()  # needs it may run alongside (eager mode): reported as if after them
    ready: Callable[[], Awaitable[None]] | None = None  # awaited before the job takes a slot (an import)


@dataclass
class Outcome:
    """What a job came to. ``error`` is re-raised by its pytest item; ``reason`` is a skip's reason."""

    status: str  # passed | failed | skipped
    value: Any = None
    error: BaseException | None = None
    reason: str = ""
    duration_ms: float = 0.0
    root: str | None = None  # the check a skip points at
    blocks: frozenset[str] | None = None  # a failure that blocks only these models' dependents

    def blocks_model(self, model: str | None) -> bool:
        if self.status == "passed":
            return False
        if self.status == "failed" and self.blocks is not None:
            return model is not None and model in self.blocks
        return True


def title_of(error: BaseException | None) -> str:
    if isinstance(error, SmokeFailure):
        return error.title
    text = str(error or "").strip()
    return text.splitlines()[0] if text else type(error).__name__


def is_cooldown(error: BaseException | None) -> bool:
    return isinstance(error, SmokeFailure) and bool(COOLDOWN.search(f"{error.title}\n{error.got}"))


class Scheduler:
    """Runs jobs concurrently (``eager``) or each when first asked for (lazy: today's serial order).

    :param limit: how many jobs may run at once (their requests are in flight at the same time).
    :param eager: start every job at :meth:`start`; lazy mode runs a job (and its prerequisites)
        only when :meth:`outcome` asks for it, so ``-x`` stops the requests with the reports.
    """

    def __init__(self, jobs: Iterable[Job], *, limit: int, eager: bool) -> None:
        self.jobs = {job.key: job for job in jobs}
        self.limit = max(1, limit)
        self.eager = eager
        self._tasks: dict[str, asyncio.Task[Outcome]] = {}
        self._speculative: dict[str, asyncio.Task[Outcome]] = {}
        self._raw: dict[str, Outcome] = {}
        self._raw_done: dict[str, asyncio.Event] = {}
        self._started: dict[str, float] = {}
        self._semaphore: asyncio.Semaphore | None = None

    def start(self) -> None:
        """Create the tasks (eager mode); call inside the running loop."""
        if self.eager:
            for key in self.jobs:
                self._task(key)

    async def outcome(self, key: str) -> Outcome:
        return await asyncio.shield(self._task(key))

    async def aclose(self) -> None:
        """Cancel what has not finished (``-x``, Ctrl-C) and wait for it."""
        pending = [task for task in (*self._tasks.values(), *self._speculative.values()) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def _task(self, key: str) -> asyncio.Task[Outcome]:
        task = self._tasks.get(key)
        if task is None:
            self._raw_done[key] = asyncio.Event()
            task = self._tasks[key] = asyncio.get_running_loop().create_task(self._run(self.jobs[key]))
        return task

    async def _run(self, job: Job) -> Outcome:
        overlap = set(job.overlap) if self.eager else set()
        for need in job.needs:
            if need not in self.jobs or need in overlap:
                continue  # deselected: it makes no request, and does not hold its dependents back
            prerequisite = await self._task(need)
            if prerequisite.blocks_model(job.model):
                self._raw_done[job.key].set()
                return _skipped_by(need, prerequisite)
        for before in job.after:
            if before in self.jobs:
                await self._task(before)
        overlapped = [need for need in job.needs if need in overlap and need in self.jobs]
        if overlapped:
            raw = await self._speculate(job, overlapped)
        else:
            raw = await self._execute(job)
        if raw.status == "failed" and job.model is not None and is_cooldown(raw.error):
            cause = await self._cooldown_cause(job)
            if cause is not None:
                return Outcome(
                    "skipped",
                    reason=f"consequence, not a second cause: LiteLLM put {job.model} in cooldown after "
                    f"{cause} failed ({title_of(raw.error)}) -- see {cause}",
                    duration_ms=raw.duration_ms,
                    root=cause,
                )
        return raw

    async def _speculate(self, job: Job, overlapped: list[str]) -> Outcome:
        """Run ``job`` alongside its ``overlapped`` prerequisites; their failure decides, as if it waited."""
        running = self._speculative[job.key] = asyncio.get_running_loop().create_task(self._execute(job))
        for need in overlapped:
            prerequisite = await self._task(need)
            if prerequisite.blocks_model(job.model):
                running.cancel()  # its answer is not reported: stop waiting for it (a slow upstream)
                await asyncio.gather(running, return_exceptions=True)
                return _skipped_by(need, prerequisite)
        return await running

    async def _execute(self, job: Job) -> Outcome:
        try:
            raw = await self._attempt(job)
            self._raw[job.key] = raw
            return raw
        finally:
            self._raw_done[job.key].set()

    async def _attempt(self, job: Job) -> Outcome:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        if job.ready is not None:
            await job.ready()  # without a slot: the limit counts requests in flight, not waits
        async with self._semaphore:
            started = time.perf_counter()
            self._started[job.key] = time.monotonic()
            try:
                value = await job.run()
            except _SKIP as exc:
                return Outcome("skipped", reason=str(exc.msg), duration_ms=_ms(started))
            except (Exception, _FAIL) as exc:
                blocks = getattr(exc, "blocks", None)
                if isinstance(exc, SmokeFailure) and exc.security:
                    blocks = frozenset()  # a leak or an open door: what depends on this check still works
                return Outcome("failed", error=exc, duration_ms=_ms(started), blocks=blocks)
            return Outcome("passed", value=value, duration_ms=_ms(started))

    async def _cooldown_cause(self, job: Job) -> str | None:
        """The earlier failed check of the same model that put it in cooldown, if there is one."""
        failed_at = time.monotonic()
        dependents = self._dependents(job.key)  # started alongside it, but they come after it in the graph
        peers = [
            key
            for key, other in self.jobs.items()
            if key != job.key
            and key not in dependents
            and other.model == job.model
            and self._started.get(key, failed_at) < failed_at
        ]
        # A peer that was in flight may have failed first: wait for its answer before deciding.
        await asyncio.gather(*(self._raw_done[key].wait() for key in peers))
        # The first in check order, not the first to finish: the same answer at every concurrency.
        causes = [
            key
            for key in peers
            if key in self._raw and self._raw[key].status == "failed" and not is_cooldown(self._raw[key].error)
        ]
        return causes[0] if causes else None

    def _dependents(self, key: str) -> set[str]:
        """The jobs that need ``key``, directly or through other jobs."""
        found: set[str] = set()
        frontier = {key}
        while frontier:
            frontier = {k for k, job in self.jobs.items() if k not in found and frontier & set(job.needs)}
            found |= frontier
        return found


def _skipped_by(need: str, prerequisite: Outcome) -> Outcome:
    """The outcome of a job whose prerequisite ``need`` failed or was skipped: a skip pointing at the root."""
    root = prerequisite.root or need
    why = prerequisite.reason if prerequisite.status == "skipped" else title_of(prerequisite.error)
    why = why.split(" -- see ")[0]
    return Outcome("skipped", reason=f"{why} -- see {root}", root=root)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)

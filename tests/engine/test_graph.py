"""The scheduler: concurrency bound, dependencies, skips that point at the root cause, cooldown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from litellm_smoke.checks.models import ModelsMissing
from litellm_smoke.engine.graph import Job, Scheduler, is_cooldown
from litellm_smoke.errors import SmokeFailure

pytestmark = pytest.mark.asyncio


def _failure(title: str, got: str = "HTTP 500", *, security: bool = False) -> SmokeFailure:
    return SmokeFailure(title, expected="ok", got=got, hint="look", security=security)


def _job(key: str, log: list[str], *, fail: BaseException | None = None, delay: float = 0.0, **kw: Any) -> Job:
    async def run() -> str:
        log.append(f"start {key}")
        await asyncio.sleep(delay)
        log.append(f"end {key}")
        if fail is not None:
            raise fail
        return key

    return Job(key, run, **kw)


async def _all(scheduler: Scheduler) -> dict[str, tuple[str, str]]:
    scheduler.start()
    outcomes = {key: await scheduler.outcome(key) for key in scheduler.jobs}
    return {key: (o.status, o.reason) for key, o in outcomes.items()}


async def test_limit_bounds_the_jobs_in_flight() -> None:
    in_flight, peak = 0, 0

    def job(key: str) -> Job:
        async def run() -> None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

        return Job(key, run)

    scheduler = Scheduler([job(f"j{i}") for i in range(20)], limit=3, eager=True)
    outcomes = await _all(scheduler)
    assert peak == 3
    assert {status for status, _ in outcomes.values()} == {"passed"}


async def test_concurrent_jobs_take_the_time_of_one() -> None:
    log: list[str] = []
    scheduler = Scheduler([_job(f"j{i}", log, delay=0.2) for i in range(8)], limit=8, eager=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _all(scheduler)
    assert loop.time() - started < 0.6


async def test_failed_prerequisite_skips_dependents_pointing_at_the_root() -> None:
    log: list[str] = []
    jobs = [
        _job("master", log, fail=_failure("master key rejected: 400")),
        _job("listed", log, needs=("master",)),
        _job("chat[m]", log, model="m", needs=("master", "listed")),
        _job("open", log),
    ]
    outcomes = await _all(Scheduler(jobs, limit=8, eager=True))
    assert outcomes["master"][0] == "failed"
    assert outcomes["listed"] == ("skipped", "master key rejected: 400 -- see master")
    # the chain is followed to the root: chat points at master, not at the skipped list check
    assert outcomes["chat[m]"] == ("skipped", "master key rejected: 400 -- see master")
    assert outcomes["open"][0] == "passed"
    assert "start listed" not in log and "start chat[m]" not in log  # skipped jobs send nothing


async def test_missing_model_blocks_only_its_own_checks() -> None:
    log: list[str] = []
    missing = ModelsMissing(["e"], "model list: missing e", expected="e", got="c", hint="config")
    jobs = [
        _job("listed", log, fail=missing),
        _job("chat[c]", log, model="c", needs=("listed",)),
        _job("embed[e]", log, model="e", needs=("listed",)),
    ]
    outcomes = await _all(Scheduler(jobs, limit=8, eager=True))
    assert outcomes["chat[c]"][0] == "passed"
    assert outcomes["embed[e]"] == ("skipped", "model list: missing e -- see listed")


async def test_security_finding_does_not_block_dependents() -> None:
    log: list[str] = []
    jobs = [
        _job("master", log, fail=_failure("master key: echoed", security=True)),
        _job("listed", log, needs=("master",)),
    ]
    outcomes = await _all(Scheduler(jobs, limit=8, eager=True))
    assert outcomes["master"][0] == "failed"
    assert outcomes["listed"][0] == "passed"


async def test_deselected_prerequisite_does_not_hold_dependents() -> None:
    log: list[str] = []
    outcomes = await _all(Scheduler([_job("chat[m]", log, needs=("master", "listed"))], limit=8, eager=True))
    assert outcomes["chat[m]"][0] == "passed"


async def test_after_orders_without_skipping() -> None:
    log: list[str] = []
    jobs = [
        _job("delete", log, after=("generate", "use")),
        _job("use", log, delay=0.05, fail=_failure("use failed"), after=("generate",)),
        _job("generate", log, delay=0.05),
    ]
    outcomes = await _all(Scheduler(jobs, limit=8, eager=True))
    assert log.index("end use") < log.index("start delete")
    assert log.index("end generate") < log.index("start use")
    assert outcomes["delete"][0] == "passed"  # order only: a failed predecessor does not skip it


COOLDOWN = "No deployments available for selected model, Try again in 5 seconds. All deployments ... in cooldown."


@pytest.mark.parametrize("limit", [1, 8])
async def test_cooldown_after_a_failure_of_the_same_model_is_a_consequence(limit: int) -> None:
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.05, fail=_failure("chat m: expected HTTP 200, got 500")),
        _job("stream[m]", log, model="m", fail=_failure("chat m: stream: got 429", got=f"HTTP 429 {COOLDOWN}")),
        _job("stream[other]", log, model="other", fail=_failure("chat o: got 429", got=f"HTTP 429 {COOLDOWN}")),
    ]
    outcomes = await _all(Scheduler(jobs, limit=limit, eager=limit > 1))
    assert outcomes["chat[m]"][0] == "failed"
    status, reason = outcomes["stream[m]"]
    assert status == "skipped"
    assert "in cooldown after chat[m] failed" in reason and reason.endswith("-- see chat[m]")
    # another model's cooldown has no earlier failure to blame: it is a root cause of its own
    assert outcomes["stream[other]"][0] == "failed"


async def test_cooldown_without_an_earlier_failure_is_a_root_cause() -> None:
    log: list[str] = []
    jobs = [_job("stream[m]", log, model="m", fail=_failure("429", got=COOLDOWN)), _job("chat[m]", log, model="m")]
    scheduler = Scheduler(jobs, limit=1, eager=False)
    outcomes = await _all(scheduler)
    assert outcomes["stream[m]"][0] == "failed"


async def test_cooldown_signatures() -> None:
    assert is_cooldown(_failure("x", got="HTTP 429: All deployments for selected model are in cooldown"))
    assert is_cooldown(_failure("x", got="No deployments available for selected model"))
    assert not is_cooldown(_failure("x", got="HTTP 429 rate limit exceeded"))
    assert not is_cooldown(ValueError("in cooldown"))


async def test_lazy_mode_sends_nothing_until_asked() -> None:
    log: list[str] = []
    scheduler = Scheduler([_job("a", log), _job("b", log, needs=("a",))], limit=1, eager=False)
    scheduler.start()
    await asyncio.sleep(0.01)
    assert log == []
    assert (await scheduler.outcome("b")).status == "passed"
    assert log == ["start a", "end a", "start b", "end b"]


async def test_aclose_cancels_what_is_in_flight() -> None:
    log: list[str] = []
    scheduler = Scheduler([_job("slow", log, delay=30)], limit=1, eager=True)
    scheduler.start()
    await asyncio.sleep(0.01)
    await scheduler.aclose()
    assert log == ["start slow"]


async def test_skip_and_unexpected_errors_become_outcomes() -> None:
    async def skips() -> None:
        pytest.skip("no database")

    async def breaks() -> None:
        raise KeyError("bug")

    jobs: list[Job] = [Job("skip", skips), Job("bug", breaks), Job("dep", _noop(), needs=("skip",))]
    scheduler = Scheduler(jobs, limit=2, eager=True)
    scheduler.start()
    assert (await scheduler.outcome("skip")).reason == "no database"
    bug = await scheduler.outcome("bug")
    assert bug.status == "failed" and isinstance(bug.error, KeyError)
    assert (await scheduler.outcome("dep")).reason == "no database -- see skip"


def _noop() -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        return None

    return run


# -- speculative needs: a dependent sent alongside its prerequisite, reported as if after it -------


async def test_overlapped_need_runs_alongside_and_reports_as_after() -> None:
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.1),
        _job("sdk[m]", log, model="m", delay=0.1, needs=("chat[m]",), overlap=("chat[m]",)),
    ]
    scheduler = Scheduler(jobs, limit=8, eager=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    outcomes = await _all(scheduler)
    assert loop.time() - started < 0.19  # one latency, not two
    assert log.index("start sdk[m]") < log.index("end chat[m]")
    assert outcomes == {"chat[m]": ("passed", ""), "sdk[m]": ("passed", "")}


async def test_failed_overlapped_need_skips_the_dependent_whatever_it_got() -> None:
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.05, fail=_failure("chat m: expected HTTP 200, got 500")),
        _job("sdk[m]", log, model="m", fail=_failure("chat m: the OpenAI SDK got HTTP 500"), needs=("chat[m]",),
             overlap=("chat[m]",)),
    ]  # fmt: skip
    outcomes = await _all(Scheduler(jobs, limit=8, eager=True))
    assert outcomes["chat[m]"][0] == "failed"
    assert outcomes["sdk[m]"] == ("skipped", "chat m: expected HTTP 200, got 500 -- see chat[m]")


async def test_failed_overlapped_need_cancels_the_dependent_in_flight() -> None:
    """A slow upstream is waited for once: the dependent's request is dropped when its prerequisite fails."""
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.05, fail=_failure("chat m: timed out")),
        _job("sdk[m]", log, model="m", delay=30, needs=("chat[m]",), overlap=("chat[m]",)),
    ]
    loop = asyncio.get_running_loop()
    started = loop.time()
    outcomes = await asyncio.wait_for(_all(Scheduler(jobs, limit=8, eager=True)), 5)
    assert loop.time() - started < 1
    assert outcomes["sdk[m]"] == ("skipped", "chat m: timed out -- see chat[m]")
    assert "end sdk[m]" not in log


async def test_lazy_mode_does_not_overlap() -> None:
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.01, fail=_failure("chat m: 500")),
        _job("sdk[m]", log, model="m", needs=("chat[m]",), overlap=("chat[m]",)),
    ]
    outcomes = await _all(Scheduler(jobs, limit=1, eager=False))
    assert outcomes["sdk[m]"] == ("skipped", "chat m: 500 -- see chat[m]")
    assert "start sdk[m]" not in log  # serial mode sends nothing for a skipped check, as before


async def test_cooldown_is_never_blamed_on_a_dependent_sent_alongside() -> None:
    """The SDK's failure reached the proxy first and cooled the model down; the plain check got the 429.

    Blaming the SDK would point the plain check at its own dependent, which points back: the plain
    check stays the one failure, and the SDK check is skipped pointing at it.
    """
    log: list[str] = []
    jobs = [
        _job("chat[m]", log, model="m", delay=0.05, fail=_failure("chat m: got 429", got=f"HTTP 429 {COOLDOWN}")),
        _job("sdk[m]", log, model="m", fail=_failure("chat m: SDK got 500"), needs=("chat[m]",),
             overlap=("chat[m]",)),
        _job("stream[m]", log, model="m", delay=0.1, fail=_failure("stream: got 429", got=f"HTTP 429 {COOLDOWN}")),
    ]  # fmt: skip
    outcomes = await asyncio.wait_for(_all(Scheduler(jobs, limit=8, eager=True)), 5)
    assert outcomes["chat[m]"][0] == "failed"
    assert outcomes["sdk[m]"] == ("skipped", "chat m: got 429 -- see chat[m]")
    assert [key for key, (status, _) in outcomes.items() if status == "failed"] == ["chat[m]"]


async def test_ready_is_awaited_without_holding_a_slot() -> None:
    gate = asyncio.Event()
    log: list[str] = []

    async def ready() -> None:
        await gate.wait()

    jobs = [Job("sdk", _noop(), ready=ready), _job("plain", log)]
    scheduler = Scheduler(jobs, limit=1, eager=True)
    scheduler.start()
    assert (await asyncio.wait_for(scheduler.outcome("plain"), 1)).status == "passed"
    gate.set()
    assert (await scheduler.outcome("sdk")).status == "passed"

"""When the openai SDK import may start before the checks are selected (issue 11: its ~0.7 s of CPU
overlaps collection and the first requests), and when not: a run that may not run the SDK checks
never pays for it."""

from __future__ import annotations

import pytest

from litellm_smoke import fixtures
from litellm_smoke.fixtures import SmokeSession
from litellm_smoke.offline.replay import resolve_replay_dir, with_recorded_models
from litellm_smoke.plugin import _sdk_checks_will_run
from litellm_smoke.settings import resolve

SUITE = ("--pyargs", "litellm_smoke.suite")


@pytest.fixture(autouse=True)
def _target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-preimport-test-0123456789")


@pytest.mark.parametrize(
    "args",
    [(*SUITE,), (*SUITE, "-m", "smoke"), (*SUITE, "-m", "smoke and openai_sdk"), (*SUITE, "--smoke-concurrency", "8")],
    ids=["suite", "m-smoke", "m-sdk", "concurrency-8"],
)
def test_a_run_that_surely_runs_the_sdk_checks_starts_early(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    assert _sdk_checks_will_run(pytester.parseconfigure(*args))


@pytest.mark.parametrize(
    "args",
    [
        ("-m", "smoke"),  # the suite is not named: maybe a project's own smoke tests only
        (*SUITE, "-k", "not sdk"),
        (*SUITE, "-m", "smoke and not openai_sdk"),
        (*SUITE, "--co"),
        (*SUITE, "-x"),
        (*SUITE, "--deselect", "x"),
        (*SUITE, "--smoke-concurrency", "1"),
        (*SUITE, "--no-models"),
    ],
    ids=["not-named", "k", "m-not-sdk", "collect-only", "exitfirst", "deselect", "serial", "no-models"],
)
def test_a_run_that_may_not_run_them_waits_for_the_selection(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    assert not _sdk_checks_will_run(pytester.parseconfigure(*args))


def _session(environ: dict[str, str], *, offline: bool = False) -> SmokeSession:
    settings = resolve({}, environ, {}, offline=offline)
    if offline:
        settings = with_recorded_models(settings, resolve_replay_dir(settings.replay_dir))
    return SmokeSession(settings, preimport_sdk=True)


def test_the_import_starts_only_once_the_target_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bool] = []
    monkeypatch.setattr(fixtures, "preimport_sdk", lambda freeze: started.append(freeze))
    dead = _session({"LITELLM_BASE_URL": "http://127.0.0.1:9", "LITELLM_MASTER_KEY": "sk-preimport-0123456789"})
    try:
        dead.inventory()
    finally:
        dead.close()
    assert dead.preflight is not None and started == []  # a dead target never pays for the import
    alive = _session({}, offline=True)
    try:
        alive.inventory()
    finally:
        alive.close()
    assert alive.preflight is None and started == [True]

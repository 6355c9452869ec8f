"""Self-tests: each smoke check passes on the healthy replay and fails, by name and with its cause, on its fault.

The suite runs exactly as a user runs it offline (``pytest --pyargs litellm_smoke.suite -m smoke
--offline``), in process through pytester, against a mutated copy of the shipped recordings.
Outcomes are read from the outside: the JUnit XML and the terminal output. Every run also
asserts that the master key appears nowhere in stdout, stderr or the JUnit XML (harness.run_offline).
"""

from __future__ import annotations

import fnmatch
import re

import pytest

from tests.helpers.paths import REPO

from .harness import MASTER_KEY, Outcome, Recordings, fnmatch_escape, run_offline, spy_requests
from .scenarios import API_CHECKS, APIS, DISCOVERED_CHECKS, SCENARIOS, SMOKE_CHECKS, Scenario, markdown


def _assert_failed_line(output: pytest.LineMatcher, name: str) -> None:
    output.fnmatch_lines([f"FAILED *::{fnmatch_escape(name)} - *"])


def test_opt_in_api_surfaces_pass_healthy(pytester: pytest.Pytester, healthy: Recordings) -> None:
    run = run_offline(pytester, healthy, *APIS)
    assert run.result.ret == 0, run.output
    assert run.names("passed") >= set(API_CHECKS)


def test_healthy_replay_passes_every_check(pytester: pytest.Pytester, healthy: Recordings) -> None:
    run = run_offline(pytester, healthy)
    assert run.result.ret == 0, run.output
    every = {*SMOKE_CHECKS, *DISCOVERED_CHECKS}
    assert not set(API_CHECKS) & set(run.cases), "the API surfaces are opt-in"
    assert run.names("passed") >= every, f"not passed: {every - run.names('passed')}"
    # the image model is named, never passed
    assert "not verified (mode image_generation)" in run.cases["test_model_not_verified[heartcode-image]"].text
    assert not run.names("failed") | run.names("error")
    for name in run.names("skipped"):
        assert run.cases[name].text.strip(), f"{name} skipped without a reason"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_fault_is_caught(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, healthy: Recordings, scenario: Scenario
) -> None:
    recordings = healthy.copy()
    scenario.mutate(recordings)
    for name, value in scenario.env.items():
        monkeypatch.setenv(name, value)
    run = run_offline(pytester, recordings, *scenario.args)

    assert run.result.ret != 0
    assert run.names("failed") | run.names("error") == set(scenario.failing), run.output
    expected = "passed" if scenario.others == "pass" else "skipped"
    # With model lists given, only those models' checks exist; otherwise every discovered one must.
    names = SMOKE_CHECKS if "--chat-model" in scenario.args else (*SMOKE_CHECKS, *DISCOVERED_CHECKS)
    if "--api" in scenario.args:
        names = (*names, *API_CHECKS)
    wrong = {
        n: run.cases[n].outcome
        for n in names
        if n not in scenario.failing and n not in scenario.skipped and run.cases[n].outcome != expected
    }
    assert not wrong, f"checks unrelated to {scenario.id} did not {expected[:-2]}: {wrong}"
    # One cause, one failure: the dependents of the failing check skip and name it.
    for name in scenario.skipped:
        case = run.cases[name]
        assert case.outcome == "skipped", f"{name} is {case.outcome}, expected skipped -- see {scenario.failing[0]}"
        assert f"-- see {scenario.failing[0]}" in case.text, (
            f"{name} does not point at {scenario.failing[0]}:\n{case.text}"
        )

    primary = run.cases[scenario.failing[0]]
    lines = [line.strip() for line in primary.text.splitlines()]
    assert any(fnmatch.fnmatchcase(line, scenario.message) for line in lines), (
        f"{scenario.failing[0]} did not fail with {scenario.message!r}:\n{primary.text}"
    )
    for name in scenario.failing:
        text = run.cases[name].text
        # A SmokeFailure, not a traceback: it says what was expected, what came, and where to look.
        assert "expected:" in text, f"{name} failed without a SmokeFailure:\n{text}"
        assert "look at:" in text, f"{name} failed without a SmokeFailure:\n{text}"
        if scenario.common:
            assert fnmatch.fnmatchcase(text, scenario.common), f"{name} lacks {scenario.common!r}:\n{text}"
        _assert_failed_line(run.result.stdout, name)


def test_every_check_is_proven_to_fail() -> None:
    """A check no scenario makes fail could be a check that cannot fail."""
    proven = {name for scenario in SCENARIOS for name in scenario.failing}
    # The agent model's plain chat checks are the same checks as the first chat model's.
    same = ("test_chat_completion[", "test_chat_streaming[", "test_chat_openai_sdk[", "test_model_health[")
    every = {*SMOKE_CHECKS, *(n for n in (*DISCOVERED_CHECKS, *API_CHECKS) if not n.startswith(same))}
    every -= {n for n in API_CHECKS if "heartcode-agent" in n}  # the same checks as the first chat model's
    assert every - proven == set()


def test_unrecorded_request_fails_loudly_naming_it(pytester: pytest.Pytester, healthy: Recordings) -> None:
    recordings = healthy.copy()
    recordings.remove(recordings.embeddings("str"))
    run = run_offline(pytester, recordings)
    assert run.names("failed") == {"test_embeddings_openai_sdk_single[heartcode-embed]"}
    # The SDK turns the transport's exception into "Connection error."; the replay logs the miss,
    # and pytest shows it with the failing check.
    miss = (
        "offline replay: no recording for POST /v1/embeddings auth=master model=heartcode-embed stream=false input=str"
    )
    run.result.stdout.fnmatch_lines([f"*{miss}*"])


def test_unrecorded_raw_request_names_the_nearest_recordings(pytester: pytest.Pytester, healthy: Recordings) -> None:
    recordings = healthy.copy()
    recordings.remove(recordings.models("wrong-key"))
    run = run_offline(pytester, recordings)
    assert run.names("failed") == {"test_auth_wrong_key_rejected"}
    text = run.cases["test_auth_wrong_key_rejected"].text
    assert "offline replay: no recording for GET /v1/models auth=wrong-key" in text
    assert "get_v1_models__master.json" in text  # what is recorded for that route


def test_bad_replay_dir_is_one_clear_line(pytester: pytest.Pytester) -> None:
    missing = pytester.path / "nowhere"
    run = run_offline(pytester, missing)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    # a usage error, before any test: one line on stderr, like every invalid setting
    run.result.stderr.fnmatch_lines([f"ERROR: litellm-smoke --offline: replay directory {missing} does not exist*"])
    assert "Traceback" not in run.output


def test_offline_run_opens_no_socket_and_imports_no_litellm(pytester: pytest.Pytester, healthy: Recordings) -> None:
    # A subprocess: in process, litellm may already be imported by another test, and the guard
    # below must not outlive the run.
    pytester.makepyfile(
        guard="""
        import socket, sys
        import pytest

        def _refuse(*args, **kwargs):
            raise AssertionError("the offline run tried to open a network connection")

        def pytest_configure(config):
            socket.socket.connect = _refuse
            socket.socket.connect_ex = _refuse
            socket.getaddrinfo = _refuse
            socket.create_connection = _refuse

        def pytest_sessionfinish(session):
            imported = sorted(m for m in sys.modules if m == "litellm" or m.startswith("litellm."))
            print("LITELLM-MODULES:", ",".join(imported) or "none")
    """
    )
    run = run_offline(pytester, healthy, "-p", "guard", "-s", subprocess=True)
    assert run.result.ret == 0, run.output
    assert run.names("passed") >= set(SMOKE_CHECKS)
    run.result.stdout.fnmatch_lines(["*LITELLM-MODULES: none"])
    assert MASTER_KEY not in run.output


@pytest.mark.parametrize("page", ["docs/offline.md"])
def test_docs_tables_match_the_corpus(page: str) -> None:
    docs = (REPO / page).read_text(encoding="utf-8")
    assert markdown() in docs, f"{page} is stale: paste the output of `python -m tests.selftest.scenarios`"


def _verdicts(run: Outcome) -> dict[str, tuple[str, str]]:
    """Each check's outcome and first message line, with the per-run random probe names evened out."""
    verdicts = {}
    for name, case in run.cases.items():
        first = case.text.strip().splitlines()[0] if case.text.strip() else ""
        verdicts[name] = (case.outcome, re.sub(r"-[0-9a-f]{6,}\b", "-<random>", first))
    return verdicts


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_serial_run_gives_the_same_results(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, healthy: Recordings, scenario: Scenario
) -> None:
    """``--smoke-concurrency 1`` (each check when pytest reaches it) and the default concurrency
    agree on every check's outcome and message, on every fault of the corpus."""
    recordings = healthy.copy()
    scenario.mutate(recordings)
    for name, value in scenario.env.items():
        monkeypatch.setenv(name, value)
    concurrent = run_offline(pytester, recordings, *scenario.args)
    serial = run_offline(pytester, recordings, *scenario.args, "--smoke-concurrency", "1")
    assert _verdicts(serial) == _verdicts(concurrent)
    assert serial.result.ret == concurrent.result.ret


def test_deselected_check_sends_no_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, healthy: Recordings
) -> None:
    sent = spy_requests(monkeypatch)
    run = run_offline(pytester, healthy, "-k", "not streaming and not openai_sdk and not tool_call")
    assert run.result.ret == 0, run.output
    assert not [line for line in sent if "stream=true" in line], sent
    assert not [line for line in sent if "tools" in line], sent
    chat_calls = [line for line in sent if line.startswith("POST /v1/chat/completions auth=master model=heartcode")]
    # the raw chat check of each chat model, and the json_schema check: no stream, no SDK call
    assert len(chat_calls) == 3, sent
    # the SDK's single embedding (keyless probes of the route matrix send a string input too)
    assert not [line for line in sent if "input=str" in line and "auth=master" in line], sent


def test_wrong_master_key_is_one_failure_at_any_concurrency(pytester: pytest.Pytester, healthy: Recordings) -> None:
    recordings = healthy.copy()
    scenario = next(s for s in SCENARIOS if s.id == "wrong-master-key")
    scenario.mutate(recordings)
    for concurrency in ("1", "2", "32"):
        run = run_offline(pytester, recordings, *scenario.args, "--smoke-concurrency", concurrency)
        assert run.names("failed") == {"test_auth_master_key_accepted"}, (concurrency, run.output)


def test_exitfirst_stops_the_requests_with_the_reports(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, healthy: Recordings
) -> None:
    """With -x each check runs when pytest reaches it (as before): a stopped run sends nothing more."""
    sent = spy_requests(monkeypatch)
    recordings = healthy.copy()
    scenario = next(s for s in SCENARIOS if s.id == "wrong-key-accepted")
    scenario.mutate(recordings)
    run = run_offline(pytester, recordings, "-x")
    assert run.names("failed") == {"test_auth_wrong_key_rejected"}
    assert not any("/v1/chat/completions auth=master model=heartcode" in line for line in sent), sent

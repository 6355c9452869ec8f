"""Reports of a smoke run: verdict and exit code, JSON, table, progress, JUnit, GitHub summary and masks.

The unit tests call litellm_smoke.report directly; the plugin tests run small smoke-marked test
files through pytester (no proxy, no network: a conftest replaces the client with a stand-in).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from textwrap import dedent

import httpx
import pytest

from litellm_smoke import report
from litellm_smoke._secrets import MASK, REDACT, Secret, redact
from litellm_smoke.checks import health
from litellm_smoke.client.http import ProxyClient, Usage
from litellm_smoke.plugin import CheckResult
from litellm_smoke.report import CheckRow, RunReport, decide

MASTER = "sk-report-master-key-0123456789"
LEAKY = "sk-leaky-upstream-key-abcdef"


def result(
    name: str,
    outcome: str = "passed",
    *,
    model: str | None = None,
    param: str | None = None,
    reason: str = "",
    ms: float = 12.0,
) -> CheckResult:
    nodeid = f"litellm_smoke/suite/test_smoke.py::{name}" + (f"[{param}]" if param else "")
    return CheckResult(nodeid=nodeid, name=name, model=model, outcome=outcome, duration_ms=ms, reason=reason)


def rows(*results: CheckResult) -> list[CheckRow]:
    return [CheckRow.from_result(r) for r in results]


# -- verdict -----------------------------------------------------------------------------------

HEALTHY = rows(result("test_reachability"), result("test_chat_completion", model="m1", param="m1"))
FAILED = rows(
    result("test_reachability"),
    result("test_chat_completion", "failed", model="m1", param="m1", reason="chat m1: expected HTTP 200, got 500"),
)
UNREACHABLE = rows(
    result("test_reachability", "failed", reason="target unreachable: connection refused (http://127.0.0.1:9)"),
    result(
        "test_readiness", "skipped", reason="Skipped: target unreachable: connection refused -- see test_reachability"
    ),
)
ALL_SKIPPED = rows(result("test_chat_completion", "skipped", reason="Skipped: no chat models configured"))


@pytest.mark.parametrize(
    ("pytest_exit", "checks", "interrupted", "code", "status", "summary"),
    [
        pytest.param(0, HEALTHY, False, 0, "healthy", "HEALTHY: all 2 checks passed", id="healthy"),
        pytest.param(1, FAILED, False, 1, "failed", "UNHEALTHY: 1 of 2 checks failed*", id="check-failed"),
        pytest.param(
            1, UNREACHABLE, False, 3, "unreachable", "TARGET UNREACHABLE: connection refused*", id="unreachable"
        ),
        pytest.param(1, HEALTHY, False, 1, "failed", "UNHEALTHY: tests failed*", id="non-check-failure"),
        pytest.param(5, [], False, 2, "no_checks", "NO CHECKS RAN*", id="no-tests-collected"),
        pytest.param(4, [], False, 2, "usage_error", "USAGE ERROR*", id="pytest-usage-error"),
        pytest.param(3, [], False, 2, "usage_error", "INTERNAL ERROR*", id="internal-error"),
        pytest.param(2, [], False, 2, "usage_error", "*collection errors*", id="collection-error"),
        pytest.param(2, HEALTHY, True, 130, "interrupted", "INTERRUPTED*", id="ctrl-c"),
        pytest.param(0, [], False, 2, "no_checks", "NO CHECKS RAN*", id="passed-but-no-smoke-check"),
        pytest.param(0, ALL_SKIPPED, False, 2, "no_checks", "NOTHING VERIFIED*", id="all-skipped"),
        pytest.param(-15, [], False, 2, "usage_error", "*status -15*", id="killed"),
    ],
)
def test_decide_maps_pytest_exit_and_results_to_the_cli_exit_code(
    pytest_exit: int, checks: list[CheckRow], interrupted: bool, code: int, status: str, summary: str
) -> None:
    verdict = decide(pytest_exit, checks, interrupted=interrupted)
    assert (verdict.code, verdict.status) == (code, status)
    pytest.LineMatcher([verdict.summary]).fnmatch_lines([summary])


@pytest.mark.parametrize(
    ("check", "label"),
    [
        pytest.param(result("test_chat_completion", model="m1", param="m1"), "chat_completion", id="model-param"),
        pytest.param(
            result("test_auth_unauthenticated_rejected", param="chat"),
            "auth_unauthenticated_rejected[chat]",
            id="other-param",
        ),
        pytest.param(result("test_readiness"), "readiness", id="plain"),
        pytest.param(
            result("test_chat_streaming", "skipped", param="no-chat-model"),
            "chat_streaming[no-chat-model]",
            id="placeholder",
        ),
    ],
)
def test_check_names_drop_test_prefix_and_the_model_param(check: CheckResult, label: str) -> None:
    assert CheckRow.from_result(check).name == label


def test_skip_reasons_are_short_and_point_at_the_preflight() -> None:
    assert UNREACHABLE[1].reason == "not run: see reachability"
    assert ALL_SKIPPED[0].reason == "no chat models configured"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://admin:s3cret@proxy.example:4443/litellm?api_key=abc#x", "https://proxy.example:4443/litellm"),
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
        ("http://[::1]:4000/", "http://[::1]:4000/"),
        (None, None),
    ],
)
def test_public_url_drops_credentials_query_and_fragment(url: str | None, shown: str | None) -> None:
    assert report.public_url(url) == shown


# -- JSON --------------------------------------------------------------------------------------


def _sample_report(tmp_path: Path) -> tuple[RunReport, Path]:
    REDACT.add(MASTER)
    usage = Usage()
    usage.add("m1", {"prompt_tokens": 7, "completion_tokens": 2})
    usage.add("e1", {"prompt_tokens": 3})
    results = [
        result("test_reachability", ms=3.2),
        result(
            "test_chat_completion",
            "failed",
            model="m1",
            param="m1",
            reason=f"chat m1: upstream said 'invalid key {LEAKY}' with Bearer {MASTER}",
        ),
        result("test_embeddings_batch", "skipped", param="no-embedding-model", reason="Skipped: no embedding models"),
    ]
    run = RunReport.collect(
        results,
        1,
        target=f"https://user:{MASTER}@proxy.example/?key={MASTER}",
        target_kind="external",
        litellm_version="1.108.7",
        chat_models=["m1"],
        embedding_models=[],
        usage=usage,
        started=1_700_000_000.0,
        finished=1_700_000_012.5,
    )
    return run, run.write(tmp_path / "out" / "report.json")


def test_json_report_has_every_field_the_issue_asks_for(tmp_path: Path) -> None:
    _, path = _sample_report(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == report.REPORT_SCHEMA
    assert data["verdict"] == {
        "code": 1,
        "status": "failed",
        "summary": "UNHEALTHY: 1 of 3 checks failed (1 passed, 1 skipped)",
    }
    assert data["pytest_exit_status"] == 1
    assert data["target"] == {"url": "https://proxy.example/", "kind": "external"}
    assert data["litellm_version"] == "1.108.7"
    assert data["usage"] == {
        "model_calls": {"m1": 1, "e1": 1},
        "model_calls_total": 2,
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 12,
    }
    assert (data["started"], data["finished"], data["duration_s"]) == (
        "2023-11-14T22:13:20+00:00",
        "2023-11-14T22:13:32+00:00",
        12.5,
    )
    assert data["counts"] == {"passed": 1, "failed": 1, "skipped": 1, "total": 3}
    chat = data["checks"][1]
    assert set(chat) == {"name", "test", "nodeid", "status", "latency_ms", "model", "reason"}
    assert (chat["name"], chat["status"], chat["model"], chat["latency_ms"]) == (
        "chat_completion",
        "failed",
        "m1",
        12.0,
    )
    assert chat["nodeid"].endswith("::test_chat_completion[m1]")


def test_json_report_never_contains_a_secret(tmp_path: Path) -> None:
    _, path = _sample_report(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert MASTER not in text and LEAKY not in text
    assert "sk-" not in text.replace(MASK, "")
    assert MASK in text  # the reason is kept, the keys in it are not


def test_json_report_round_trips_into_rows(tmp_path: Path) -> None:
    run, path = _sample_report(tmp_path)
    loaded = report.load_rows(path)
    assert loaded is not None
    assert loaded[1] == run.checks
    assert report.load_rows(tmp_path / "missing.json") is None
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert report.load_rows(tmp_path / "broken.json") is None


# -- terminal and GitHub -----------------------------------------------------------------------


def test_table_has_one_row_per_check_and_ends_with_the_verdict() -> None:
    lines = report.table_lines(FAILED, decide(1, FAILED))
    texts = [text for text, _ in lines]
    assert texts[0].split() == ["check", "model", "verdict", "latency", "reason"]
    assert texts[2].split()[:4] == ["chat_completion", "m1", "FAIL", "12"]
    assert texts[2].endswith("chat m1: expected HTTP 200, got 500")
    assert texts[-1] == "UNHEALTHY: 1 of 2 checks failed (1 passed) -> exit 1"
    assert lines[2][1] == {"red": True, "bold": True}


def test_progress_line_shows_verdict_model_latency_and_the_reason_of_a_failure() -> None:
    text, markup = report.progress_line(FAILED[1])
    assert text.split()[:5] == ["FAIL", "chat_completion", "m1", "12", "ms"]
    assert text.endswith("chat m1: expected HTTP 200, got 500")
    assert markup == {"red": True, "bold": True}
    assert report.progress_line(HEALTHY[0])[0].split() == ["PASS", "reachability", "-", "12", "ms"]


def test_markdown_summary_is_a_table_with_escaped_cells(tmp_path: Path) -> None:
    run, _ = _sample_report(tmp_path)
    text = report.markdown_summary(run)
    assert text.startswith("### ❌ litellm-smoke: UNHEALTHY: 1 of 3 checks failed")
    assert "| check | model | verdict | latency | reason |" in text
    assert "target `https://proxy.example/` · LiteLLM 1.108.7 · 3 checks in 12.5 s · 2 model calls, 12 tokens" in text
    assert MASTER not in text and LEAKY not in text
    table = [line for line in text.splitlines() if line.startswith("| chat_completion")]
    assert len(table) == 1 and table[0].count(" | ") == 4


def test_step_summary_is_appended_only_when_github_sets_the_variable(tmp_path: Path) -> None:
    run, _ = _sample_report(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    assert report.write_step_summary(run, {}) is None
    assert report.write_step_summary(run, {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### ❌ litellm-smoke")


def test_github_mask_prints_the_command_under_actions_and_always_redacts() -> None:
    lines: list[str] = []
    assert report.Masker({}, lines.append)("sk-minted-outside-actions-1") is False
    under_actions = report.Masker({"GITHUB_ACTIONS": "true"}, lines.append)
    assert under_actions(Secret("sk-minted-in-actions-22")) is True
    assert under_actions("line-one\nline-two") is True
    assert under_actions("") is False
    assert lines == ["::add-mask::sk-minted-in-actions-22\n", "::add-mask::line-one\n", "::add-mask::line-two\n"]
    assert redact("key sk-minted-outside-actions-1 and line-one") == f"key {MASK} and {MASK}"


# -- LiteLLM version ---------------------------------------------------------------------------


def _client(handler: httpx.MockTransport) -> ProxyClient:
    return ProxyClient("http://proxy.test", Secret(MASTER), 2.0, transport=handler)


@pytest.mark.asyncio
async def test_version_comes_from_readiness_details_with_the_master_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "healthy", "db": "Not connected", "litellm_version": "1.108.7"})

    async with _client(httpx.MockTransport(answer)) as client:
        assert await health.fetch_litellm_version(client) == "1.108.7"
        assert client.litellm_version == "1.108.7"
    assert seen[0].url.path == "/health/readiness/details"
    assert seen[0].headers["authorization"] == f"Bearer {MASTER}"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda r: httpx.Response(401, json={"error": {"message": "auth"}}), id="401"),
        pytest.param(lambda r: httpx.Response(200, text="<html>"), id="not-json"),
        pytest.param(lambda r: httpx.Response(200, json={"status": "healthy"}), id="old-body-without-version"),
    ],
)
async def test_version_lookup_never_fails_the_run(answer: object) -> None:
    async with _client(httpx.MockTransport(answer)) as client:  # type: ignore[arg-type]
        assert await health.fetch_litellm_version(client) is None


@pytest.mark.asyncio
async def test_version_lookup_survives_a_dead_target() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(httpx.MockTransport(refuse)) as client:
        client.litellm_version = "1.99.0"  # seen earlier on an x-litellm-version header
        assert await health.fetch_litellm_version(client) == "1.99.0"


# -- the plugin's hooks, black-box -------------------------------------------------------------

PYTESTER_ARGS = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")

FAKE_CONFTEST = """
    import pytest
    from litellm_smoke.client.http import Usage

    class FakeClient:
        litellm_version = "1.108.7"

        def __init__(self):
            self.usage = Usage()
            self.usage.add("m1", {"prompt_tokens": 5, "completion_tokens": 1})

    @pytest.fixture(scope="session")
    def smoke_client():
        return FakeClient()
"""

FAKE_CHECKS = f"""
    import pytest
    from litellm_smoke.errors import SmokeFailure

    pytestmark = pytest.mark.smoke

    def test_reachability(smoke_client):
        pass

    def test_chat_completion(smoke_client, chat_model):
        if chat_model == "m2":
            raise SmokeFailure("chat m2: expected HTTP 200, got 500", expected="200",
                               got="upstream echoed Bearer {MASTER}", hint="look at | the upstream")

    def test_embeddings_batch(embedding_model):
        pass
"""


@pytest.fixture
def fake_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("LITELLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LITELLM_MASTER_KEY", MASTER)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", "m1,m2")
    pytester.makeconftest(dedent(FAKE_CONFTEST))
    pytester.makepyfile(test_checks=dedent(FAKE_CHECKS))
    return pytester


def test_plugin_writes_json_table_and_junit_properties(fake_suite: pytest.Pytester) -> None:
    out = fake_suite.path / "reports"
    run = fake_suite.runpytest(*PYTESTER_ARGS, f"--smoke-json={out / 'smoke.json'}", f"--junitxml={out / 'junit.xml'}")
    run.assert_outcomes(passed=2, failed=1, skipped=1)
    run.stdout.fnmatch_lines(
        [
            "*= litellm-smoke verdict =*",
            "check *model*verdict*latency*reason",
            "reachability *-*PASS*ms",
            "chat_completion *m1*PASS*ms",
            "chat_completion *m2*FAIL*ms*chat m2: expected HTTP 200, got 500",
            # no embedding list, and the (fake) target at port 9 cannot be asked for its models
            "embeddings_batch[[]no-embedding-model[]] *-*SKIP*-*not run: see reachability",
            "UNHEALTHY: 1 of 4 checks failed (2 passed, 1 skipped) -> exit 1",
        ],
        consecutive=True,
    )

    data = json.loads((out / "smoke.json").read_text(encoding="utf-8"))
    assert data["verdict"]["code"] == 1
    assert data["target"] == {"url": "http://127.0.0.1:9", "kind": None}
    assert data["litellm_version"] == "1.108.7"
    assert data["usage"]["model_calls"] == {"m1": 1} and data["usage"]["total_tokens"] == 6
    assert [c["status"] for c in data["checks"]] == ["passed", "passed", "failed", "skipped"]

    junit = ET.parse(out / "junit.xml").getroot()
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in junit.iter("testcase")
    }
    assert props["test_chat_completion[m1]"]["model"] == "m1"
    assert props["test_chat_completion[m1]"]["litellm_version"] == "1.108.7"
    assert float(props["test_chat_completion[m1]"]["latency_ms"] or "nan") >= 0
    assert props["test_reachability"].keys() == {"latency_ms", "litellm_version"}

    everything = run.stdout.str() + run.stderr.str() + "".join(p.read_text() for p in out.iterdir())
    assert MASTER not in everything


def test_progress_mode_prints_a_line_per_check_instead_of_dots(fake_suite: pytest.Pytester) -> None:
    run = fake_suite.runpytest(*PYTESTER_ARGS, "-q", "--smoke-progress")
    run.stdout.fnmatch_lines(
        [
            "PASS  reachability *-*ms",
            "PASS  chat_completion *m1*ms",
            "FAIL  chat_completion *m2*ms  chat m2: expected HTTP 200, got 500",
            "SKIP  embeddings_batch[[]no-embedding-model[]]*not run: see reachability",
        ],
        consecutive=True,
    )
    assert not [line for line in run.stdout.lines if set(line.strip()) <= set(".FsE") and line.strip()]


def test_step_summary_is_written_when_github_sets_the_variable(
    fake_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = fake_suite.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    fake_suite.runpytest(*PYTESTER_ARGS, "-k", "not m2")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### ✅ litellm-smoke: HEALTHY: 2 passed, 1 skipped (3 checks)")
    assert "| chat_completion | m1 | PASS |" in text


def test_unwritable_json_path_fails_the_run(fake_suite: pytest.Pytester) -> None:
    blocker = fake_suite.path / "blocker"
    blocker.write_text("a file, not a directory", encoding="utf-8")
    run = fake_suite.runpytest(*PYTESTER_ARGS, "-k", "not m2", f"--smoke-json={blocker / 'smoke.json'}")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stdout.fnmatch_lines(["litellm-smoke: cannot write --smoke-json *"])


def test_no_table_without_smoke_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    run = pytester.runpytest(*PYTESTER_ARGS)
    run.assert_outcomes(passed=1)
    assert "litellm-smoke verdict" not in run.stdout.str()


def test_mask_command_bypasses_capture_and_stays_out_of_junit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    minted = "sk-minted-virtual-key-0123456789"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    pytester.makepyfile(
        dedent(f"""
        import pytest
        @pytest.mark.smoke
        def test_mint(smoke_mask):
            smoke_mask("{minted}")
            print("captured-output-marker")
    """)
    )
    junit = pytester.path / "junit.xml"
    # A subprocess: fd-level capture is real there, as in CI.
    run = pytester.runpytest_subprocess(*PYTESTER_ARGS, f"--junitxml={junit}", "-o", "junit_logging=all")
    run.assert_outcomes(passed=1)
    assert f"::add-mask::{minted}" in run.stdout.lines
    assert "captured-output-marker" not in run.stdout.str()  # capture was on, the mask went around it
    assert minted not in junit.read_text(encoding="utf-8")

"""The reachability preflight, run as a user runs it: one failure naming the cause, the rest skipped."""

from __future__ import annotations

import pytest

from tests.helpers.servers import black_hole, dead_port, html_error_server

KEY = "sk-preflight-test-key-0123456789"
SMOKE = (
    "--pyargs",
    "litellm_smoke.suite",
    "-m",
    "smoke",
    "-p",
    "no:cacheprovider",
    "-rs",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)


def run_smoke(pytester: pytest.Pytester, url: str, *extra: str) -> pytest.RunResult:
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(*SMOKE, f"--litellm-url={url}", f"--junitxml={junit}", *extra)
    result.junit = junit.read_text() if junit.exists() else ""  # type: ignore[attr-defined]
    return result


def assert_one_failure(result: pytest.RunResult, cause: str) -> None:
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, result.stdout.str()
    assert outcomes.get("skipped", 0) >= 10
    assert "passed" not in outcomes
    result.stdout.fnmatch_lines(["*test_reachability*", f"*{cause}*"])
    result.stdout.fnmatch_lines(["*see test_reachability*"])
    text = result.stdout.str() + result.stderr.str() + result.junit  # type: ignore[attr-defined]
    assert KEY not in text


def test_dead_port_is_one_failure_naming_connection_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", "m1,m2")
    result = run_smoke(pytester, dead_port())
    assert_one_failure(result, "target unreachable: connection refused*")


def test_black_holed_port_times_out_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", "m1")
    with black_hole() as url:
        result = run_smoke(pytester, url, "--smoke-timeout=0.5")
    assert_one_failure(result, "target unreachable: timed out*")


def test_html_error_page_is_named_wrong_service(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", "m1")
    with html_error_server() as url:
        result = run_smoke(pytester, url)
    assert_one_failure(result, "wrong service*HTML page*load balancer*")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("--litellm-url=gw.example:4000", f"--litellm-master-key={KEY}"),
            "*invalid target URL 'gw.example:4000' from option --litellm-url*",
            id="malformed-url",
        ),
        pytest.param(
            ("--litellm-url=http://127.0.0.1:4000",), "*missing master key*LITELLM_MASTER_KEY*", id="missing-key"
        ),
        pytest.param(
            ("--smoke-timeout=soon",), "*invalid timeout 'soon' from option --smoke-timeout*", id="bad-timeout"
        ),
        pytest.param(
            ("--expect-db=maybe",), "*invalid expect db 'maybe'*expected true, false, or unset*", id="bad-expect-db"
        ),
    ],
)
def test_invalid_settings_stop_before_any_test(pytester: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    result = pytester.runpytest(*SMOKE, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: litellm-smoke: {message.lstrip('*')}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert KEY not in result.stderr.str() + result.stdout.str()


def test_report_header_is_a_reproduction_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    result = pytester.runpytest(
        *SMOKE, "--co", f"--litellm-url={dead_port()}", "--chat-model=c1", "--embedding-model=e1"
    )
    result.stdout.fnmatch_lines(
        [
            "litellm-smoke: target=http://127.0.0.1:* chat_models=c1 embedding_models=e1 "
            "expect_db=either timeout=30s master_key=set concurrency=64"
        ]
    )
    result.stdout.fnmatch_lines(["*test_chat_completion[[]c1[]]*", "*test_embeddings_batch[[]e1[]]*"])
    assert KEY not in result.stdout.str()

"""Each smoke check fails on a real fault seen through a real LiteLLM, and passes when healthy.

One LiteLLM boot (data/faults.yaml) serves every scenario: its fault models map to fake-upstream
behaviours. The suite runs exactly as a user runs it against a deployment (LITELLM_BASE_URL +
LITELLM_MASTER_KEY), in-process via pytester; outcomes are asserted from the outside.
"""

from __future__ import annotations

import pytest

from tests.helpers.live import Live

pytestmark = pytest.mark.embedded

SMOKE = ("--pyargs", "litellm_smoke.suite", "-m", "smoke", "-rfEs", "-o", "asyncio_default_fixture_loop_scope=function")


def run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    live: Live,
    *args: str,
    chat: str = "heartcode-chat-sfw",
    embed: str = "heartcode-embed",
    key: str | None = None,
) -> pytest.RunResult:
    monkeypatch.setenv("LITELLM_BASE_URL", live.url)
    monkeypatch.setenv("LITELLM_MASTER_KEY", key or live.key)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", chat)
    monkeypatch.setenv("LITELLM_EMBEDDING_MODELS", embed)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(*SMOKE, f"--junitxml={junit}", *args)
    leaked = [k for k in {live.key, key} if k and k in result.stdout.str() + result.stderr.str() + junit.read_text()]
    assert not leaked, "a master key leaked into the output or JUnit"
    return result


def failed_tests(result: pytest.RunResult) -> set[str]:
    return {line.split("::")[-1].split(" ")[0] for line in result.stdout.lines if line.startswith("FAILED ")}


def test_healthy_gateway_passes_every_check(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, faults_proxy: Live
) -> None:
    result = run(pytester, monkeypatch, faults_proxy)
    # no database here: the 6 virtual-key checks and the database check skip with their reasons
    result.assert_outcomes(passed=21, skipped=7)  # 16 smoke + 5 security checks


@pytest.mark.parametrize(
    ("kwargs", "args", "failing", "message"),
    [
        pytest.param(
            {"chat": "fault-empty-content"},
            (),
            {
                "test_chat_completion[fault-empty-content]",
                "test_chat_streaming[fault-empty-content]",
            },  # the SDK check sends the same request: it skips, pointing at chat_completion
            "*chat fault-empty-content: the assistant message is empty*",
            id="chat-empty-content",
        ),
        pytest.param(
            {"chat": "fault-no-usage"},
            ("-k", "chat_completion or openai_sdk"),
            {"test_chat_completion[fault-no-usage]"},  # the SDK check depends on it: skipped, pointing there
            "*chat fault-no-usage: no usage token counts*",
            id="chat-no-usage",
        ),
        pytest.param(
            {"chat": "fault-500"},
            ("-k", "chat or model_health"),
            {
                "test_chat_completion[fault-500]",
                "test_chat_streaming[fault-500]",
                "test_model_health[fault-500]",
            },
            "*chat fault-500: expected HTTP 200, got 500*",
            id="upstream-500",
        ),
        pytest.param(
            {"chat": "fault-stream-cut"},
            ("-k", "streaming"),
            {"test_chat_streaming[fault-stream-cut]"},
            "*chat fault-stream-cut: stream: event * is an error*",
            id="stream-cut",
        ),
        pytest.param(
            {"chat": "fault-slow"},
            ("-k", "test_chat_completion", "--smoke-timeout=1"),
            {"test_chat_completion[fault-slow]"},
            "*POST /v1/chat/completions failed: timed out waiting for the response*",
            id="slow-upstream",
        ),
        pytest.param(
            {"embed": "fault-embed-short"},
            ("-k", "embeddings_batch"),
            {"test_embeddings_batch[fault-embed-short]"},
            "*vectors of different lengths*",
            id="embed-inconsistent-dims",
        ),
        pytest.param(
            {"embed": "fault-embed-missing"},
            ("-k", "embeddings"),
            {"test_embeddings_batch[fault-embed-missing]"},
            "*2 vectors for 3 inputs*",
            id="embed-missing-vector",
        ),
        pytest.param(
            {"chat": "heartcode-chat-sfw,not-deployed"},
            ("-k", "models_listed"),
            {"test_models_listed"},
            "*model list: missing not-deployed*",
            id="model-missing",
        ),
        pytest.param(
            {},
            ("-k", "readiness", "--expect-db=true"),
            {"test_readiness"},
            "*a database is expected but readiness reports db=none*",
            id="db-expected-none",
        ),
        pytest.param(
            {"key": "sk-litellm-smoke-not-the-master-key"},
            ("-k", "master_key"),
            {"test_auth_master_key_accepted"},
            "*master key rejected: GET /v1/models answered 400*",
            id="wrong-master-key",
        ),
    ],
)
def test_fault_fails_the_check_that_exists_for_it(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    faults_proxy: Live,
    kwargs: dict[str, str],
    args: tuple[str, ...],
    failing: set[str],
    message: str,
) -> None:
    result = run(pytester, monkeypatch, faults_proxy, *args, **kwargs)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert failing <= failed_tests(result), result.stdout.str()
    assert not any("openai_sdk" in name for name in failed_tests(result)), "one request, one failure"
    result.stdout.fnmatch_lines([message])
    assert "Traceback" not in result.stdout.str()

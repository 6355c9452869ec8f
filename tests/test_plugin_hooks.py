"""The plugin's hooks, black-box: small smoke-marked test files run through pytester.

No proxy, no network: a conftest replaces the client with a stand-in.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from textwrap import dedent

import pytest

MASTER = "sk-report-master-key-0123456789"
LEAKY = "sk-leaky-upstream-key-abcdef"


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
    assert data["usage"]["model_calls"] == {"m1": 1}
    assert data["usage"]["total_tokens"] == 6
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

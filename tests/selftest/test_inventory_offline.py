"""Discovery, exclusions and the no-false-green rule, through the whole suite offline."""

from __future__ import annotations

import openai  # noqa: F401 - imported once here; pytester's in-process runs would otherwise re-import it each run
import pytest

from .harness import AGENT_MODEL, Recordings, run_offline, spy_requests


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request the suite sends to the replay, as a signature line."""
    return spy_requests(monkeypatch)


def _model_calls(sent: list[str]) -> list[str]:
    # keyless requests are the auth probes and the route auth matrix: refused before any model runs
    routes = ("/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/rerank", "/v1/moderations")
    return [
        line
        for line in sent
        if any(route in line for route in routes) and "auth=none" not in line and "UNKNOWN_MODEL" not in line
    ]


def _nothing_served(r: Recordings) -> None:
    r.model_info()["response"]["json"]["data"] = []
    r.models()["response"]["json"]["data"] = []


def test_a_run_that_verified_no_model_fails(pytester: pytest.Pytester, healthy: Recordings) -> None:
    recordings = healthy.copy()
    _nothing_served(recordings)
    run = run_offline(pytester, recordings)
    assert run.result.ret == 1, run.output
    assert run.names("failed") == {"test_models_listed"}
    text = run.cases["test_models_listed"].text
    assert "no model verified" in text and "--no-models" in text
    run.result.stdout.fnmatch_lines(["*UNHEALTHY: 1 of * checks failed*"])


def test_the_auth_only_gate_is_explicit_and_asks_no_model(
    pytester: pytest.Pytester, healthy: Recordings, sent: list[str]
) -> None:
    run = run_offline(pytester, healthy, "--no-models")
    assert run.result.ret == 0, run.output
    assert _model_calls(sent) == [], sent
    assert "auth-only gate (--no-models)" in run.cases["test_models_listed"].text
    assert run.names("passed") >= {"test_auth_master_key_accepted", "test_auth_wrong_key_rejected"}


def test_excluding_every_model_is_no_green(pytester: pytest.Pytester, healthy: Recordings) -> None:
    run = run_offline(pytester, healthy, "--exclude-model", "heartcode-*")
    assert run.result.ret == 1, run.output
    assert "every model is excluded" in run.cases["test_models_listed"].text


def test_excluded_models_and_capabilities_cost_nothing(
    pytester: pytest.Pytester, healthy: Recordings, sent: list[str]
) -> None:
    run = run_offline(
        pytester, healthy, "--exclude-model", "heartcode-embed", "--exclude-model", f"{AGENT_MODEL}:function_calling"
    )
    assert run.result.ret == 0, run.output
    keyed = [line for line in sent if "auth=none" not in line]  # the route matrix probes every route keyless
    assert not any("embeddings" in line or "tools" in line for line in keyed), sent
    assert not any("tool_call" in name or "heartcode-embed" in name for name in run.cases)
    run.result.stdout.fnmatch_lines(["*excluded: heartcode-embed*"])


def test_discovered_inventory_is_in_the_header(pytester: pytest.Pytester, healthy: Recordings) -> None:
    run = run_offline(pytester, healthy)
    run.result.stdout.fnmatch_lines(
        [
            "litellm-smoke inventory (discovered): 6 model(s) to verify, about * upstream call(s)",
            "  heartcode-chat-sfw: chat (from /model/info)",
            f"  {AGENT_MODEL}: chat [[]function_calling, response_schema[]] (from /model/info)",
            "*heartcode-image: image_generation (from /model/info) -- not verified (mode image_generation)",
        ]
    )


def test_model_info_unavailable_falls_back_to_the_model_list(
    pytester: pytest.Pytester, healthy: Recordings, sent: list[str]
) -> None:
    recordings = healthy.copy()
    recordings.model_info()["response"] = {"status": 404, "json": {"detail": "Not Found"}}
    body = recordings.models()["response"]["json"]
    body["data"] = [m for m in body["data"] if m["id"] in ("heartcode-chat-sfw", "heartcode-embed")]
    run = run_offline(pytester, recordings)
    assert run.result.ret == 0, run.output
    run.result.stdout.fnmatch_lines(["*heartcode-embed: embedding (from /v1/models + name rule)*"])
    assert "test_embeddings_batch[heartcode-embed]" in run.names("passed")


def test_wrong_master_key_without_lists_is_one_failure(pytester: pytest.Pytester, healthy: Recordings) -> None:
    """Discovery cannot ask a proxy that refuses the key: the master key check is the one failure."""
    recordings = healthy.copy()
    rejected = recordings.models("wrong-key")
    for doc in recordings:
        if doc["match"]["auth"] == "master":
            doc["response"] = dict(rejected["response"])
    run = run_offline(pytester, recordings)
    assert run.names("failed") == {"test_auth_master_key_accepted"}, run.output
    assert "-- see test_auth_master_key_accepted" in run.cases["test_models_listed"].text

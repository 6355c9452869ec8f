"""What a healthy run sends stays within the cost the README states ("Cost of a healthy run").

The offline suite runs in process against the shipped recordings; every request reaching the replay
transport (raw httpx and the OpenAI SDK alike) is kept and read here: a raised ``max_tokens``, an
extra model call or a bare ``/health`` (which calls every model) fails this test, not a bill.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest

from litellm_smoke.checks.chat import MAX_TOKENS
from litellm_smoke.client.routes import ROUTE_MATRIX
from litellm_smoke.offline.replay import ReplayTransport
from litellm_smoke.security.well_known_keys import probe_keys

from .harness import CHAT_MODEL, EMBED_MODEL, Recordings, run_offline

# README, "Cost of a healthy run": per chat model 3 completions (raw, streamed, SDK) with
# max_tokens 8; per embedding model 2 calls (3 inputs, then 1); the negative probes use max_tokens 1.
CHAT_CALLS_PER_MODEL = 3
EMBEDDING_CALLS_PER_MODEL = 2
EMBEDDING_INPUTS_PER_MODEL = 4
PROBE_MAX_TOKENS = 1
# every request of a healthy offline run: 16 checks, plus the readiness look-up of the key checks,
# which then skip (no database), plus the security checks' version look-up; the route auth matrix
# (one keyless probe per route, refused before any model runs) and the well-known-key probes come on top
MAX_REQUESTS = 17 + 1 + 1 + len(ROUTE_MATRIX) + len(probe_keys())  # + GET /model/info (capabilities)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str], Any]]:
    requests: list[tuple[str, str, dict[str, str], Any]] = []
    original = ReplayTransport.handle_async_request

    async def keep(self: ReplayTransport, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        if isinstance(body, dict):
            body["<keyed>"] = "authorization" in request.headers
        requests.append((request.method, request.url.path, dict(request.url.params), body))
        return await original(self, request)

    monkeypatch.setattr(ReplayTransport, "handle_async_request", keep)
    return requests


def test_a_healthy_run_stays_within_the_stated_cost(
    pytester: pytest.Pytester, healthy: Recordings, sent: list[tuple[str, str, dict[str, str], Any]]
) -> None:
    # the README's per-model cost, for the seed's two models given as lists (discovery adds models,
    # each costing what docs/checks.md states for its mode)
    run = run_offline(pytester, healthy, "--chat-model", CHAT_MODEL, "--embedding-model", EMBED_MODEL)
    assert run.result.ret == 0, run.output
    assert 0 < len(sent) <= MAX_REQUESTS, [f"{m} {p}" for m, p, _, _ in sent]

    # every keyless body (auth probes, the route matrix) is one no model could act on
    for _, _, _, body in sent:
        if isinstance(body, dict) and not body["<keyed>"] and "max_tokens" in body:
            assert body["max_tokens"] <= PROBE_MAX_TOKENS, body
    chats = [body for method, path, _, body in sent if (method, path) == ("POST", "/v1/chat/completions")]
    # billable: a configured model with the master key; the rest are probes that must be refused
    billable = [body for body in chats if body["model"] == CHAT_MODEL and body["<keyed>"]]
    assert len(billable) == CHAT_CALLS_PER_MODEL
    for body in chats:
        limit = MAX_TOKENS if body in billable else PROBE_MAX_TOKENS
        assert 0 < body["max_tokens"] <= limit, body
        assert body.get("n", 1) == 1, body
    assert MAX_TOKENS <= 8

    embeds = [b for method, path, _, b in sent if (method, path) == ("POST", "/v1/embeddings") and b["<keyed>"]]
    assert Counter(body["model"] for body in embeds) == {EMBED_MODEL: EMBEDDING_CALLS_PER_MODEL}
    inputs = sum(len(b["input"]) if isinstance(b["input"], list) else 1 for b in embeds)
    assert inputs <= EMBEDDING_INPUTS_PER_MODEL

    health = [params for method, path, params, _ in sent if path == "/health"]
    assert sorted(p.get("model", "<all models>") for p in health) == sorted([CHAT_MODEL, EMBED_MODEL])

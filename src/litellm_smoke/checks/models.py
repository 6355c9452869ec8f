"""Inventory and error hygiene."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from litellm_smoke.checks._common import ERROR_ENVELOPE, assert_no_echo, expect_envelope, expect_status
from litellm_smoke.checks.auth import probe_chat_body
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import CHAT, MODELS
from litellm_smoke.errors import SmokeFailure


class ModelsMissing(SmokeFailure):
    """The model list lacks expected models: only the checks of ``blocks`` depend on this failure."""

    def __init__(self, missing: Sequence[str], title: str, *, expected: str, got: str, hint: str) -> None:
        super().__init__(title, expected=expected, got=got, hint=hint)
        self.blocks = frozenset(missing)


async def models_listed(client: ProxyClient, expected: Sequence[str]) -> list[str]:
    """Every expected model name appears in ``/v1/models``; the missing ones are named."""
    response = await client.get(MODELS)
    expect_status(response, 200, "model list", "see the master key check first", expected=f"GET {MODELS} -> 200")
    body = json_body(response, "model list", "LiteLLM answers /v1/models with JSON")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise SmokeFailure(
            "model list: no 'data' list in the body",
            expected='{"object": "list", "data": [{"id": ...}, ...]}',
            got=describe(response),
            hint="this is not an OpenAI-compatible model list",
        )
    served = [str(m.get("id")) for m in data if isinstance(m, dict)]
    missing = [m for m in expected if m not in served]
    if missing:
        raise ModelsMissing(
            missing,
            f"model list: missing {', '.join(missing)}",
            expected=f"all of {', '.join(expected)}",
            got=f"GET {MODELS} -> 200 listing {', '.join(served) or 'no models'}",
            hint="check model_list in the proxy config (model_name), or the models this key may use",
        )
    return served


async def unknown_model_rejected(client: ProxyClient) -> None:
    """An unknown model gets a 4xx with LiteLLM's ``{"error": {...}}`` envelope, never a 5xx."""
    model = "litellm-smoke-no-such-model-" + secrets.token_hex(4)
    response = await client.post(CHAT, probe_chat_body(model))
    assert_no_echo(response, [client.master_key], "unknown model")
    got = describe(response)
    if response.is_success:
        raise SmokeFailure(
            f"unknown model accepted: {model} answered {response.status_code}",
            expected="HTTP 400 'Invalid model name passed in'",
            got=got,
            hint="a wildcard route or a fallback catches every model name; requests for typos get billed",
        )
    if response.status_code >= 500:
        raise SmokeFailure(
            f"unknown model: server error {response.status_code} instead of a client error",
            expected=f"HTTP 4xx {ERROR_ENVELOPE}",
            got=got,
            hint="the proxy crashes on bad input; clients will retry a 5xx and alerts will fire",
        )
    if not 400 <= response.status_code < 500:
        raise SmokeFailure(
            f"unknown model: unexpected HTTP {response.status_code}",
            expected=f"HTTP 4xx {ERROR_ENVELOPE}",
            got=got,
            hint="redirects or informational answers mean something in front of LiteLLM",
        )
    expect_envelope(
        response,
        json_body(response, "unknown model", "LiteLLM answers errors with JSON"),
        "unknown model: error without LiteLLM's envelope",
        f"HTTP 4xx {ERROR_ENVELOPE}",
        "OpenAI clients read error.message; a bare body breaks their error handling",
    )

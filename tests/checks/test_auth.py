"""checks/auth.py: only LiteLLM's own 401 (or its DB-less 400) with its error envelope proves auth."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import auth
from litellm_smoke.client.routes import CHAT, MODELS
from litellm_smoke.errors import SmokeFailure

from .proxy import MASTER, ScriptedProxy, error, proxy

ENVELOPE_401 = httpx.Response(401, json=error())
NO_DB_400 = httpx.Response(400, json=error("No connected db.", "no_db_connection"))
NOT_LITELLM = [
    pytest.param(httpx.Response(401, text="Unauthorized"), id="plain-text"),
    pytest.param(httpx.Response(401, json={"detail": "Not authenticated"}), id="detail"),
    pytest.param(httpx.Response(401, json={"error": {"message": "", "type": "auth_error"}}), id="empty-message"),
    pytest.param(httpx.Response(401, json={"error": "Unauthorized"}), id="error-string"),
]
MODELS_OK = httpx.Response(200, json={"object": "list", "data": [{"id": "m"}]})


# -- no key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", MODELS), ("POST", CHAT)])
@pytest.mark.asyncio
async def test_no_key_401_with_the_envelope_passes_and_the_probe_is_cheap(method: str, path: str) -> None:
    scripted = ScriptedProxy({(method, path): ENVELOPE_401})
    await auth.unauthenticated_rejected(scripted.client(), method, path, "m")
    (request,) = scripted.requests
    assert "authorization" not in request.headers
    if method == "POST":
        assert scripted.bodies(path) == [
            {"model": "m", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
        ]
    else:
        assert request.content == b""


@pytest.mark.asyncio
async def test_no_key_chat_probe_without_a_known_model_names_litellm_smokes_own_probe_model() -> None:
    # A run that knows no chat model (--no-models) still sends a chat body: it names litellm-smoke's own
    # made-up model (docs/checks.md), which no deployment has and which reads as the smoke test's in proxy logs.
    scripted = ScriptedProxy({("POST", CHAT): ENVELOPE_401})
    await auth.unauthenticated_rejected(scripted.client(), "POST", CHAT, None)
    assert scripted.bodies(CHAT) == [
        {"model": "litellm-smoke-probe", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
    ]


@pytest.mark.parametrize("answer", NOT_LITELLM)
@pytest.mark.asyncio
async def test_no_key_401_without_litellms_envelope_fails(answer: httpx.Response) -> None:
    with pytest.raises(SmokeFailure, match=r"401 without LiteLLM's error envelope|not JSON"):
        await auth.unauthenticated_rejected(proxy("GET", MODELS, answer), "GET", MODELS, None)


@pytest.mark.parametrize("status", [400, 403, 404, 500])
@pytest.mark.asyncio
async def test_no_key_answered_with_another_error_fails(status: int) -> None:
    answer = httpx.Response(status, json=error("nope"))
    with pytest.raises(SmokeFailure, match=f"expected HTTP 401, got {status}") as caught:
        await auth.unauthenticated_rejected(proxy("GET", MODELS, answer), "GET", MODELS, None)
    assert ("install prisma" in str(caught.value)) is (status == 500)
    assert not caught.value.security


@pytest.mark.asyncio
async def test_no_key_accepted_is_a_security_failure() -> None:
    with pytest.raises(SmokeFailure, match="unauthenticated request accepted") as caught:
        await auth.unauthenticated_rejected(proxy("GET", MODELS, MODELS_OK), "GET", MODELS, None)
    assert caught.value.security
    with pytest.raises(SmokeFailure, match="unauthenticated request accepted"):
        await auth.unauthenticated_rejected(proxy("POST", CHAT, httpx.Response(204)), "POST", CHAT, None)


# -- wrong key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [ENVELOPE_401, NO_DB_400], ids=["401", "400-no-db"])
@pytest.mark.asyncio
async def test_wrong_key_rejected_by_litellm_passes(answer: httpx.Response) -> None:
    scripted = ScriptedProxy({("GET", MODELS): answer})
    await auth.wrong_key_rejected(scripted.client())
    (request,) = scripted.requests
    sent = request.headers["authorization"]
    assert sent.startswith("Bearer sk-litellm-smoke-wrong-")
    assert MASTER not in sent


@pytest.mark.parametrize("status", [403, 404, 429, 500])
@pytest.mark.asyncio
async def test_wrong_key_answered_with_another_status_fails(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"expected HTTP 400 or 401, got {status}"):
        await auth.wrong_key_rejected(proxy("GET", MODELS, httpx.Response(status, json=error("boom"))))


@pytest.mark.parametrize("answer", NOT_LITELLM)
@pytest.mark.asyncio
async def test_wrong_key_401_without_litellms_envelope_fails(answer: httpx.Response) -> None:
    with pytest.raises(SmokeFailure, match="without LiteLLM's error envelope"):
        await auth.wrong_key_rejected(proxy("GET", MODELS, answer))


@pytest.mark.asyncio
async def test_wrong_key_accepted_or_echoed_is_a_security_failure() -> None:
    with pytest.raises(SmokeFailure, match="wrong key accepted") as caught:
        await auth.wrong_key_rejected(proxy("GET", MODELS, MODELS_OK))
    assert caught.value.security

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=error(f"bad key {request.headers['authorization'][7:]}"))

    with pytest.raises(SmokeFailure, match="wrong key: the response echoes") as caught:
        await auth.wrong_key_rejected(proxy("GET", MODELS, echo))
    assert caught.value.security


@pytest.mark.asyncio
async def test_wrong_key_accepted_and_echoed_never_shows_the_made_up_key() -> None:
    # A gateway that accepts any key and echoes it base64-encoded in its 200 (a debug "token" field; not
    # key-shaped, so only knowing the key masks it): the made-up key is a secret of the run too, and the
    # failure that quotes this body must not show it.
    echoed: list[str] = []

    def accept_and_echo(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        echoed.append(base64.b64encode(key.encode()).decode())
        return httpx.Response(200, json={"object": "list", "data": [], "token": echoed[0]})

    with pytest.raises(SmokeFailure, match="wrong key accepted") as caught:
        await auth.wrong_key_rejected(proxy("GET", MODELS, accept_and_echo))
    assert caught.value.security
    assert echoed and echoed[0] not in str(caught.value)
    assert '"token":"[REDACTED]"' in caught.value.got


# -- no 'Bearer ' --------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [ENVELOPE_401, NO_DB_400], ids=["401", "400"])
@pytest.mark.asyncio
async def test_key_without_bearer_rejected_by_litellm_passes(answer: httpx.Response) -> None:
    scripted = ScriptedProxy({("GET", MODELS): answer})
    await auth.missing_bearer_prefix_rejected(scripted.client())
    assert scripted.requests[0].headers["authorization"] == MASTER


@pytest.mark.parametrize("answer", NOT_LITELLM)
@pytest.mark.asyncio
async def test_key_without_bearer_401_without_the_envelope_fails(answer: httpx.Response) -> None:
    with pytest.raises(SmokeFailure, match="without LiteLLM's error envelope"):
        await auth.missing_bearer_prefix_rejected(proxy("GET", MODELS, answer))


@pytest.mark.parametrize("status", [403, 404, 500])
@pytest.mark.asyncio
async def test_key_without_bearer_answered_with_another_status_fails(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"expected HTTP 401, got {status}"):
        await auth.missing_bearer_prefix_rejected(proxy("GET", MODELS, httpx.Response(status, json=error())))


@pytest.mark.asyncio
async def test_key_without_bearer_accepted_or_echoed_is_a_security_failure() -> None:
    with pytest.raises(SmokeFailure, match="key without 'Bearer ' accepted") as caught:
        await auth.missing_bearer_prefix_rejected(proxy("GET", MODELS, MODELS_OK))
    assert caught.value.security
    echo = httpx.Response(401, json=error(f"Malformed API Key passed in: {MASTER}"))
    with pytest.raises(SmokeFailure, match="echoes a credential") as caught:
        await auth.missing_bearer_prefix_rejected(proxy("GET", MODELS, echo))
    assert caught.value.security


# -- master key ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_master_key_accepted() -> None:
    scripted = ScriptedProxy({("GET", MODELS): MODELS_OK})
    await auth.master_key_accepted(scripted.client())
    assert scripted.requests[0].headers["authorization"] == f"Bearer {MASTER}"


@pytest.mark.parametrize("answer", [httpx.Response(401, json=error()), httpx.Response(204), NO_DB_400])
@pytest.mark.asyncio
async def test_master_key_needs_exactly_200(answer: httpx.Response) -> None:
    with pytest.raises(SmokeFailure, match="master key rejected"):
        await auth.master_key_accepted(proxy("GET", MODELS, answer))


@pytest.mark.asyncio
async def test_master_key_echoed_in_a_header_fails() -> None:
    answer = httpx.Response(200, json={"data": []}, headers={"x-debug-key": MASTER})
    with pytest.raises(SmokeFailure, match="echoes a credential back in header") as caught:
        await auth.master_key_accepted(proxy("GET", MODELS, answer))
    assert caught.value.security


def test_probe_body_is_the_cheapest_chat() -> None:
    body: dict[str, Any] = auth.probe_chat_body("m")
    assert body == {"model": "m", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}

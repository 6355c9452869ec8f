"""checks/models.py: exact model names, and an unknown model refused by LiteLLM itself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from litellm_smoke.checks import models
from litellm_smoke.client.routes import CHAT, MODELS
from litellm_smoke.errors import SmokeFailure

from .proxy import MASTER, ScriptedProxy, error, proxy


def listing(*ids: Any) -> httpx.Response:
    return httpx.Response(200, json={"object": "list", "data": [{"id": i, "object": "model"} for i in ids]})


@pytest.mark.asyncio
async def test_every_expected_model_listed_passes() -> None:
    served = await models.models_listed(proxy("GET", MODELS, listing("chat", "embed", "other")), ["chat", "embed"])
    assert served == ["chat", "embed", "other"]


@pytest.mark.parametrize(
    ("served", "expected", "missing"),
    [
        pytest.param(("heartcode-chat-sfw-v2",), ["heartcode-chat"], "heartcode-chat", id="prefix-of-a-served-name"),
        pytest.param(("heartcode-chat",), ["heartcode-chat-sfw"], "heartcode-chat-sfw", id="longer-than-served"),
        pytest.param(("Chat",), ["chat"], "chat", id="case"),
        pytest.param(("a", "c"), ["a", "b", "c", "d"], "b, d", id="two-missing"),
        pytest.param((), ["a"], "a", id="none-served"),
    ],
)
@pytest.mark.asyncio
async def test_a_missing_model_is_named(served: tuple[str, ...], expected: list[str], missing: str) -> None:
    with pytest.raises(SmokeFailure, match=f"model list: missing {missing}$|model list: missing {missing}\n"):
        await models.models_listed(proxy("GET", MODELS, listing(*served)), expected)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json=error()),
        httpx.Response(201, json={"data": []}),
        httpx.Response(200, json={"object": "list"}),
        httpx.Response(200, json={"data": {"chat": {}}}),
        httpx.Response(200, json=[{"id": "chat"}]),
    ],
)
@pytest.mark.asyncio
async def test_a_model_list_that_is_not_one_fails(answer: httpx.Response) -> None:
    with pytest.raises(SmokeFailure, match="model list: "):
        await models.models_listed(proxy("GET", MODELS, answer), ["chat"])


@pytest.mark.asyncio
async def test_non_object_entries_are_ignored() -> None:
    answer = httpx.Response(200, json={"data": ["chat", {"id": "embed"}]})
    assert await models.models_listed(proxy("GET", MODELS, answer), ["embed"]) == ["embed"]


# -- unknown model -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 404, 422, 499])
@pytest.mark.asyncio
async def test_unknown_model_4xx_with_the_envelope_passes(status: int) -> None:
    scripted = ScriptedProxy({("POST", CHAT): httpx.Response(status, json=error("Invalid model name", "invalid"))})
    await models.unknown_model_rejected(scripted.client())
    (body,) = scripted.bodies(CHAT)
    assert body["model"].startswith("litellm-smoke-no-such-model-")
    assert body["max_tokens"] == 1


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(httpx.Response(404, text="404 page not found"), id="plain-text"),
        pytest.param(httpx.Response(400, json={"detail": "Invalid model"}), id="detail"),
        pytest.param(httpx.Response(400, json={"error": {"message": ""}}), id="empty-message"),
    ],
)
@pytest.mark.asyncio
async def test_unknown_model_4xx_without_the_envelope_fails(answer: httpx.Response) -> None:
    with pytest.raises(
        SmokeFailure, match=r"unknown model: (error without LiteLLM's envelope|the response is not JSON)"
    ):
        await models.unknown_model_rejected(proxy("POST", CHAT, answer))


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(200, json={"object": "chat.completion"}), "unknown model accepted"),
        (httpx.Response(500, json=error("boom")), "server error 500"),
        (httpx.Response(503, json=error("boom")), "server error 503"),
        (httpx.Response(302, headers={"location": "/login"}), "unexpected HTTP 302"),
        (httpx.Response(399, json=error()), "unexpected HTTP 399"),
    ],
)
@pytest.mark.asyncio
async def test_unknown_model_accepted_or_crashing_fails(answer: httpx.Response, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=fragment):
        await models.unknown_model_rejected(proxy("POST", CHAT, answer))


@pytest.mark.asyncio
async def test_unknown_model_echoing_the_master_key_fails() -> None:
    answer = httpx.Response(400, json=error(f"Invalid model, key={MASTER}"))
    with pytest.raises(SmokeFailure, match="unknown model: the response echoes") as caught:
        await models.unknown_model_rejected(proxy("POST", CHAT, answer))
    assert caught.value.security

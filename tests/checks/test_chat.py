"""checks/chat.py: each condition of a chat answer is needed, and what the suite sends stays cheap."""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import chat
from litellm_smoke.client.routes import CHAT
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy, chunk, proxy, sse

HEALTHY: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "pong"}}],
    "usage": {"prompt_tokens": 6, "completion_tokens": 1, "total_tokens": 7},
}


def _broken(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(HEALTHY)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return body


def test_a_healthy_completion_is_read_back() -> None:
    seen = chat._check_completion("m", copy.deepcopy(HEALTHY), "got")
    assert seen == {
        "content": "pong",
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 6, "completion_tokens": 1, "total_tokens": 7},
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param(["not", "an", "object"], "not a JSON object", id="list-body"),
        pytest.param(_broken("object", "text_completion"), "legacy text_completion", id="text-completion"),
        pytest.param(
            _broken("object", "chat.completion.chunk"), "object is 'chat.completion.chunk'", id="chunk-object"
        ),
        pytest.param(_broken("object", KeyError), "object is None", id="no-object"),
        pytest.param(_broken("choices", []), "no choices", id="empty-choices"),
        pytest.param(_broken("choices", {"0": {}}), "no choices", id="choices-not-list"),
        pytest.param(_broken("choices", ["pong"]), "no choices", id="choice-not-object"),
        pytest.param(_broken("choices.0.message.role", "user"), "not an assistant message", id="user-role"),
        pytest.param(_broken("choices.0.message.role", KeyError), "not an assistant message", id="no-role"),
        pytest.param(_broken("choices.0.message", "pong"), "not an assistant message", id="message-not-object"),
        pytest.param(_broken("choices.0.message.content", "  \n"), "assistant message is empty", id="blank"),
        pytest.param(_broken("choices.0.message.content", None), "assistant message is empty", id="null-content"),
        pytest.param(_broken("choices.0.message.content", ["pong"]), "assistant message is empty", id="list-content"),
        pytest.param(_broken("choices.0.finish_reason", None), "no finish_reason", id="null-finish"),
        pytest.param(_broken("choices.0.finish_reason", KeyError), "no finish_reason", id="no-finish"),
        pytest.param(_broken("usage.total_tokens", 0), "no usage token counts", id="total-zero"),
        pytest.param(_broken("usage.completion_tokens", KeyError), "no usage token counts", id="one-count-missing"),
        pytest.param(_broken("usage.prompt_tokens", -1), "no usage token counts", id="negative"),
        pytest.param(_broken("usage.total_tokens", True), "no usage token counts", id="bool-count"),
        pytest.param(_broken("usage.total_tokens", "7"), "no usage token counts", id="string-count"),
        pytest.param(_broken("usage", [6, 1, 7]), "no usage token counts", id="usage-not-object"),
    ],
)
def test_each_broken_part_of_a_completion_fails(body: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^chat m: ") as caught:
        chat._check_completion("m", body, "got")
    assert fragment in str(caught.value)


def test_zero_prompt_or_completion_tokens_are_counts() -> None:
    body = _broken("usage", {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 1})
    assert chat._check_completion("m", body, "got")["usage"]["prompt_tokens"] == 0


def test_the_text_completion_hint_needs_the_legacy_shape() -> None:
    with pytest.raises(SmokeFailure) as caught:
        chat._check_completion("m", _broken("object", "chat.completion.chunk"), "got")
    assert "legacy" not in str(caught.value)
    body = _broken("object", "response")
    body["choices"] = [{"text": "pong", "index": 0}]
    with pytest.raises(SmokeFailure, match="legacy text_completion"):
        chat._check_completion("m", body, "got")


def test_the_request_is_cheap_and_deterministic() -> None:
    body = chat.chat_body("m")
    assert body["max_tokens"] == chat.MAX_TOKENS <= 8
    assert body["temperature"] == 0
    assert body["model"] == "m"
    assert body["user"] == "litellm-smoke"
    assert body["messages"] == [{"role": "user", "content": chat.PROMPT}]
    assert "stream" not in body
    assert chat.chat_body("m", stream=True)["stream"] is True


@pytest.mark.asyncio
async def test_chat_completion_sends_one_cheap_request_and_counts_usage() -> None:
    scripted = ScriptedProxy({("POST", CHAT): httpx.Response(200, json=HEALTHY)})
    client = scripted.client()
    seen = await chat.chat_completion(client, "m")
    assert seen["content"] == "pong"
    assert scripted.bodies(CHAT) == [chat.chat_body("m")]
    assert client.usage.model_calls == {"m": 1}
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (6, 1)


@pytest.mark.parametrize("status", [201, 400, 500])
@pytest.mark.asyncio
async def test_chat_completion_needs_http_200(status: int) -> None:
    client = proxy("POST", CHAT, httpx.Response(status, json=HEALTHY))
    with pytest.raises(SmokeFailure, match=f"expected HTTP 200, got {status}"):
        await chat.chat_completion(client, "m")
    assert client.usage.model_calls == {}


# -- streaming ---------------------------------------------------------------------------------------

HEALTHY_STREAM = (chunk("", role="assistant"), chunk("po"), chunk("ng"), chunk(finish="stop"), "[DONE]")


@pytest.mark.asyncio
async def test_a_healthy_stream_is_reassembled() -> None:
    scripted = ScriptedProxy({("POST", CHAT): sse(*HEALTHY_STREAM)})
    client = scripted.client()
    seen = await chat.chat_streaming(client, "m")
    assert seen == {"content": "pong", "finish_reason": "stop", "events": 5}
    assert scripted.bodies(CHAT) == [chat.chat_body("m", stream=True)]
    assert client.usage.model_calls == {"m": 1}


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        pytest.param(
            (chunk("", role="assistant"), chunk(finish="stop"), "[DONE]"),
            "reassembled assistant text is empty",
            id="no-content-deltas",
        ),
        pytest.param(
            (chunk("", role="assistant"), chunk("  "), chunk(finish="stop"), "[DONE]"),
            "reassembled assistant text is empty",
            id="whitespace-deltas",
        ),
        pytest.param((chunk("pong"), "[DONE]"), "no finish_reason arrived", id="no-finish-reason"),
        pytest.param(
            (chunk("pong"), chunk(finish="stop"), "[DONE]", chunk("late")), "[DONE] at event 3 of 4", id="after-done"
        ),
        pytest.param((chunk("pong"), chunk(finish="stop")), "ended without data: [DONE]", id="no-done"),
        pytest.param(
            ({**chunk("pong"), "object": "chat.completion"}, chunk(finish="stop"), "[DONE]"),
            "event 1 is not a chat.completion.chunk",
            id="object-not-chunk",
        ),
        pytest.param(
            ({**chunk("pong"), "choices": {"0": {}}}, chunk(finish="stop"), "[DONE]"),
            "event 1 is not a chat.completion.chunk",
            id="choices-not-list",
        ),
        pytest.param((["pong"], chunk(finish="stop"), "[DONE]"), "event 1 is not a chat.completion.chunk", id="list"),
        pytest.param(
            (chunk("po"), {"error": {"message": "upstream died"}}, "[DONE]"), "event 2 is an error", id="error-event"
        ),
        pytest.param((chunk("po"), '{"object": "chat.comp', "[DONE]"), "event 2 is not JSON", id="cut-json"),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_stream_fails(events: tuple[Any, ...], fragment: str) -> None:
    client = proxy("POST", CHAT, sse(*events))
    with pytest.raises(SmokeFailure) as caught:
        await chat.chat_streaming(client, "m")
    assert fragment in str(caught.value)
    assert client.usage.model_calls == {}


@pytest.mark.asyncio
async def test_stream_without_events_or_with_the_wrong_type_or_status_fails() -> None:
    empty = proxy("POST", CHAT, httpx.Response(200, headers={"content-type": "text/event-stream"}, text=": ping\n\n"))
    with pytest.raises(SmokeFailure, match="no SSE events"):
        await chat.chat_streaming(empty, "m")
    untyped = proxy("POST", CHAT, httpx.Response(200, content=b"data: [DONE]\n\n"))
    with pytest.raises(SmokeFailure, match="asked for SSE, got no content-type"):
        await chat.chat_streaming(untyped, "m")
    as_json = proxy("POST", CHAT, sse(*HEALTHY_STREAM, content_type="application/json"))
    with pytest.raises(SmokeFailure, match="asked for SSE, got application/json"):
        await chat.chat_streaming(as_json, "m")
    error = proxy("POST", CHAT, httpx.Response(429, headers={"content-type": "text/event-stream"}, text="data: {}\n\n"))
    with pytest.raises(SmokeFailure, match="expected HTTP 200, got 429"):
        await chat.chat_streaming(error, "m")


@pytest.mark.asyncio
async def test_a_stream_may_carry_non_dict_choices_and_empty_deltas() -> None:
    events = (
        {**chunk("po"), "choices": ["junk", {"index": 0, "delta": None}, {"index": 0, "delta": {"content": "po"}}]},
        chunk("ng", "stop"),
        "[DONE]",
    )
    seen = await chat.chat_streaming(proxy("POST", CHAT, sse(*events)), "m")
    assert seen["content"] == "pong"
    assert seen["finish_reason"] == "stop"


@pytest.mark.asyncio
async def test_the_last_finish_reason_wins_and_an_early_one_is_kept() -> None:
    events = (chunk("po", "length"), chunk("ng"), "[DONE]")
    seen = await chat.chat_streaming(proxy("POST", CHAT, sse(*events)), "m")
    assert seen["finish_reason"] == "length"


@pytest.mark.asyncio
async def test_the_sdk_check_sends_the_same_cheap_body_and_checks_the_same_shape() -> None:
    scripted = ScriptedProxy({("POST", CHAT): httpx.Response(200, json=HEALTHY)})
    client = scripted.client()
    seen = await chat.chat_completion_sdk(client, "m")
    assert seen["content"] == "pong"
    assert scripted.bodies(CHAT) == [chat.chat_body("m")]
    assert client.usage.model_calls == {"m": 1}
    broken = proxy("POST", CHAT, httpx.Response(200, json=_broken("usage.total_tokens", 0)))
    with pytest.raises(SmokeFailure, match="no usage token counts"):
        await chat.chat_completion_sdk(broken, "m")
    failing = proxy("POST", CHAT, httpx.Response(503, json={"error": {"message": "down"}}))
    with pytest.raises(SmokeFailure, match="the OpenAI SDK got HTTP 503"):
        await chat.chat_completion_sdk(failing, "m")


@pytest.mark.asyncio
async def test_the_sdk_check_counts_the_usage_it_read() -> None:
    client = proxy("POST", CHAT, httpx.Response(200, json=HEALTHY))
    await chat.chat_completion_sdk(client, "m")
    assert client.usage.model_calls == {"m": 1}
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (6, 1)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param(_broken("choices.0.message.content", ["pong"]), "assistant message is empty", id="list-content"),
        pytest.param(_broken("usage", [6, 1, 7]), "no usage token counts", id="usage-not-object"),
    ],
)
@pytest.mark.asyncio
async def test_a_wrongly_typed_field_through_the_sdk_is_our_failure_not_a_pydantic_warning(
    body: dict[str, Any], fragment: str
) -> None:
    # the SDK builds its objects without validating them, so a wrongly typed field reaches model_dump: the check
    # must judge it, not let pydantic warn about it (a warning is noise in a CLI run, an error under -W error)
    client = proxy("POST", CHAT, httpx.Response(200, json=body))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SmokeFailure, match=fragment):
            await chat.chat_completion_sdk(client, "m")


@pytest.mark.asyncio
async def test_a_stream_with_a_byte_that_is_not_utf8_is_judged_not_a_crash() -> None:
    body = b"".join(
        b"data: " + event + b"\n\n"
        for event in (
            json.dumps(chunk("", role="assistant")).encode(),
            json.dumps(chunk("po")).encode().replace(b"po", b"p\xffo"),
            json.dumps(chunk("ng", "stop")).encode(),
            b"[DONE]",
        )
    )
    client = proxy("POST", CHAT, httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body))
    seen = await chat.chat_streaming(client, "m")
    assert seen == {"content": "p\ufffdong", "finish_reason": "stop", "events": 4}

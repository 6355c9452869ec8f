"""checks/surfaces.py: the Responses and Messages APIs, plain and streamed; each condition of an answer is needed."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import surfaces
from litellm_smoke.client.routes import MESSAGES, RESPONSES
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy, sse

RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "pong"}]},
    ],
    "usage": {"input_tokens": 12, "output_tokens": 2, "total_tokens": 14},
}
MESSAGE: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "pong"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 12, "output_tokens": 2},
}
PATH = {"responses": RESPONSES, "messages": MESSAGES}
HEALTHY = {"responses": RESPONSE, "messages": MESSAGE}


def _with(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is KeyError:
            del target[key]
        else:
            target[key] = value
    return body


def _scripted(api: str, answer: Any, status: int = 200) -> ScriptedProxy:
    response = httpx.Response(status, text=answer) if isinstance(answer, str) else httpx.Response(status, json=answer)
    return ScriptedProxy({("POST", PATH[api]): response})


# -- plain -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_healthy_call_sends_one_small_request_and_reads_the_text(api: str) -> None:
    scripted = _scripted(api, HEALTHY[api])
    client = scripted.client()
    assert await surfaces.api_call(client, api, "m") == {"text": "pong"}
    expected: dict[str, Any] = (
        {"model": "m", "input": surfaces.PROMPT, "max_output_tokens": 16, "user": "litellm-smoke"}
        if api == "responses"
        else {"model": "m", "messages": [{"role": "user", "content": surfaces.PROMPT}], "max_tokens": 16}
    )
    assert scripted.bodies(PATH[api]) == [expected]
    assert client.usage.model_calls == {"m": 1}


@pytest.mark.parametrize(
    ("api", "answer", "fragment"),
    [
        pytest.param("responses", _with(RESPONSE, {"object": "chat.completion"}), "shape", id="r-object"),
        pytest.param("responses", _with(RESPONSE, {"object": KeyError}), "shape", id="r-no-object"),
        pytest.param("responses", ["x"], "shape", id="r-list-body"),
        pytest.param("responses", _with(RESPONSE, {"output": []}), "no assistant text", id="r-no-output"),
        pytest.param("responses", _with(RESPONSE, {"output": KeyError}), "no assistant text", id="r-output-missing"),
        pytest.param("responses", _with(RESPONSE, {"output.1.type": "reasoning"}), "no assistant text", id="r-type"),
        pytest.param(
            "responses", _with(RESPONSE, {"output.1.content.0.type": "refusal"}), "no assistant text", id="r-refusal"
        ),
        pytest.param(
            "responses", _with(RESPONSE, {"output.1.content.0.text": "  "}), "no assistant text", id="r-blank"
        ),
        pytest.param("responses", _with(RESPONSE, {"output.1.content.0.text": None}), "no assistant text", id="r-null"),
        pytest.param(
            "responses", _with(RESPONSE, {"output.1.content": KeyError}), "no assistant text", id="r-no-content"
        ),
        pytest.param(
            "responses", _with(RESPONSE, {"output.1.content.0": "pong"}), "no assistant text", id="r-part-str"
        ),
        pytest.param("responses", _with(RESPONSE, {"output.1": "pong"}), "no assistant text", id="r-item-str"),
        pytest.param("responses", _with(RESPONSE, {"usage": KeyError}), "no usage token counts", id="r-no-usage"),
        pytest.param("responses", _with(RESPONSE, {"usage": [14]}), "no usage token counts", id="r-usage-list"),
        pytest.param(
            "responses",
            _with(RESPONSE, {"usage.input_tokens": 0, "usage.output_tokens": 0}),
            "no usage token counts",
            id="r-zero",
        ),
        pytest.param(
            "responses", _with(RESPONSE, {"usage.input_tokens": KeyError}), "no usage token counts", id="r-no-input"
        ),
        pytest.param(
            "responses", _with(RESPONSE, {"usage.output_tokens": "2"}), "no usage token counts", id="r-output-str"
        ),
        pytest.param("messages", _with(MESSAGE, {"type": "chat.completion"}), "shape", id="m-type"),
        pytest.param("messages", _with(MESSAGE, {"role": "user"}), "shape", id="m-role"),
        pytest.param("messages", _with(MESSAGE, {"role": KeyError}), "shape", id="m-no-role"),
        pytest.param("messages", ["x"], "shape", id="m-list-body"),
        pytest.param("messages", _with(MESSAGE, {"content": []}), "no assistant text", id="m-no-content"),
        pytest.param("messages", _with(MESSAGE, {"content": KeyError}), "no assistant text", id="m-content-missing"),
        pytest.param("messages", _with(MESSAGE, {"content.0.type": "tool_use"}), "no assistant text", id="m-tool-use"),
        pytest.param("messages", _with(MESSAGE, {"content.0.text": ""}), "no assistant text", id="m-empty"),
        pytest.param("messages", _with(MESSAGE, {"content.0.text": None}), "no assistant text", id="m-null"),
        pytest.param("messages", _with(MESSAGE, {"content.0": "pong"}), "no assistant text", id="m-part-str"),
        pytest.param("messages", _with(MESSAGE, {"usage": KeyError}), "no usage token counts", id="m-no-usage"),
        pytest.param(
            "messages",
            _with(MESSAGE, {"usage.input_tokens": 0, "usage.output_tokens": 0}),
            "no usage token counts",
            id="m-zero",
        ),
        pytest.param(
            "messages", _with(MESSAGE, {"usage.output_tokens": KeyError}), "no usage token counts", id="m-no-output"
        ),
        pytest.param(
            "messages", _with(MESSAGE, {"usage.input_tokens": True}), "no usage token counts", id="m-input-bool"
        ),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_answer_fails(api: str, answer: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=rf"^{api} m: ") as caught:
        await surfaces.api_call(_scripted(api, answer).client(), api, "m")
    assert fragment in str(caught.value)


@pytest.mark.asyncio
async def test_the_texts_of_every_part_are_joined_and_one_usage_side_may_be_zero() -> None:
    answer = _with(
        RESPONSE,
        {
            "output.1.content": [
                {"type": "output_text", "text": "po"},
                {"type": "output_text", "text": None},
                {"type": "output_text", "text": "ng"},
            ],
            "usage.output_tokens": 0,
        },
    )
    assert await surfaces.api_call(_scripted("responses", answer).client(), "responses", "m") == {"text": "pong"}
    answer = _with(
        MESSAGE,
        {"content": [{"type": "text", "text": "po"}, {"type": "text", "text": 7}, {"type": "text", "text": "ng"}]},
    )
    answer["usage"] = {"input_tokens": 0, "output_tokens": 1}
    assert await surfaces.api_call(_scripted("messages", answer).client(), "messages", "m") == {"text": "pong"}


def test_the_text_readers_say_none_when_there_is_no_text() -> None:
    assert surfaces.responses_text(None) is None
    assert surfaces.responses_text({"output": None}) is None
    assert surfaces.messages_text({"content": None}) is None
    assert surfaces.messages_text([]) is None
    assert surfaces.messages_text({"content": [{"type": "text", "text": 1}]}) == ""


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.parametrize("status", [201, 400, 404, 500])
@pytest.mark.asyncio
async def test_any_status_but_200_fails(api: str, status: int) -> None:
    with pytest.raises(SmokeFailure, match=rf"^{api} m: expected HTTP 200, got {status}") as caught:
        await surfaces.api_call(_scripted(api, HEALTHY[api], status).client(), api, "m")
    assert f"HTTP 200 from {PATH[api]}" in str(caught.value)


# -- streamed ----------------------------------------------------------------------------------------------

RESPONSES_STREAM: tuple[Any, ...] = (
    {"type": "response.created", "response": {"status": "in_progress"}},
    {"type": "response.output_text.delta", "delta": "po"},
    {"type": "response.output_text.delta", "delta": "ng"},
    {
        "type": "response.completed",
        "response": {"status": "completed", "usage": {"input_tokens": 5, "output_tokens": 2}},
    },
    "[DONE]",
)
MESSAGES_STREAM: tuple[Any, ...] = (
    {"type": "message_start", "message": {"role": "assistant"}},
    {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "po"}},
    {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "ng"}},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"input_tokens": 5, "output_tokens": 2}},
    {"type": "message_stop"},
)
STREAM = {"responses": RESPONSES_STREAM, "messages": MESSAGES_STREAM}


def _stream(api: str, *events: Any, content_type: str = "text/event-stream") -> ScriptedProxy:
    return ScriptedProxy({("POST", PATH[api]): sse(*events, content_type=content_type)})


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_healthy_stream_is_read_to_its_end(api: str) -> None:
    scripted = _stream(api, *STREAM[api])
    client = scripted.client()
    assert await surfaces.api_stream(client, api, "m") == {
        "text": "pong",
        "events": len(STREAM[api]) - (api == "responses"),
    }
    sent = scripted.bodies(PATH[api])
    assert len(sent) == 1 and sent[0]["stream"] is True
    assert client.usage.model_calls == {"m": 1}


def _without(events: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    return tuple(e for e in events if not (isinstance(e, dict) and e.get("type") == kind))


def _replace(events: tuple[Any, ...], kind: str, new: Any) -> tuple[Any, ...]:
    return tuple(new if isinstance(e, dict) and e.get("type") == kind else e for e in events)


@pytest.mark.parametrize(
    ("api", "events", "fragment"),
    [
        pytest.param(
            "responses",
            _without(RESPONSES_STREAM, "response.completed"),
            "ended without response.completed",
            id="r-cut",
        ),
        pytest.param(
            "responses", _without(RESPONSES_STREAM, "response.output_text.delta"), "no text deltas", id="r-no-text"
        ),
        pytest.param(
            "responses",
            _replace(
                RESPONSES_STREAM, "response.output_text.delta", {"type": "response.output_text.delta", "delta": " "}
            ),
            "no text deltas",
            id="r-blank-text",
        ),
        pytest.param(
            "responses",
            _replace(RESPONSES_STREAM, "response.completed", {"type": "response.completed", "response": {}}),
            "no usage token counts",
            id="r-no-usage",
        ),
        pytest.param(
            "responses",
            _replace(RESPONSES_STREAM, "response.completed", {"type": "response.completed"}),
            "no usage token counts",
            id="r-no-response",
        ),
        pytest.param(
            "responses",
            (*RESPONSES_STREAM[:2], {"type": "error", "message": "boom"}, *RESPONSES_STREAM[2:]),
            "an error event",
            id="r-error",
        ),
        pytest.param(
            "responses",
            (*RESPONSES_STREAM[:2], "{not json", *RESPONSES_STREAM[2:]),
            "an event is not JSON",
            id="r-bad-json",
        ),
        pytest.param("messages", _without(MESSAGES_STREAM, "message_stop"), "ended without message_stop", id="m-cut"),
        pytest.param("messages", _without(MESSAGES_STREAM, "content_block_delta"), "no text deltas", id="m-no-text"),
        pytest.param(
            "messages",
            _replace(MESSAGES_STREAM, "content_block_delta", {"type": "content_block_delta", "delta": "pong"}),
            "no text deltas",
            id="m-delta-str",
        ),
        pytest.param("messages", _without(MESSAGES_STREAM, "message_delta"), "no usage token counts", id="m-no-usage"),
        pytest.param(
            "messages",
            _replace(
                MESSAGES_STREAM,
                "message_delta",
                {"type": "message_delta", "usage": {"input_tokens": 0, "output_tokens": 0}},
            ),
            "no usage token counts",
            id="m-zero-usage",
        ),
        pytest.param(
            "messages", (*MESSAGES_STREAM[:2], {"type": "error"}, *MESSAGES_STREAM[2:]), "an error event", id="m-error"
        ),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_stream_fails(api: str, events: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=rf"^{api} m: stream: ") as caught:
        await surfaces.api_stream(_stream(api, *events).client(), api, "m")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_stream_that_is_not_sse_fails(api: str) -> None:
    with pytest.raises(SmokeFailure, match=rf"^{api} m: stream: asked for SSE, got something else"):
        await surfaces.api_stream(_stream(api, *STREAM[api], content_type="application/json").client(), api, "m")


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_streamed_call_answered_other_than_200_fails(api: str) -> None:
    answer = httpx.Response(500, json={"error": {"message": "boom"}})
    with pytest.raises(SmokeFailure, match=rf"^{api} m: expected HTTP 200, got 500"):
        await surfaces.api_stream(ScriptedProxy({("POST", PATH[api]): answer}).client(), api, "m")


@pytest.mark.asyncio
async def test_the_messages_stream_uses_the_first_usage_and_skips_non_object_events() -> None:
    events = (*MESSAGES_STREAM[:3], "[1, 2]", *MESSAGES_STREAM[3:])
    result = await surfaces.api_stream(_stream("messages", *events).client(), "messages", "m")
    assert result == {"text": "pong", "events": len(MESSAGES_STREAM)}


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_stream_that_breaks_off_fails_as_such(api: str) -> None:
    class CutOff(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b'data: {"type": "x"}\n\n'
            raise httpx.ReadError("connection reset")

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=CutOff())

    with pytest.raises(SmokeFailure, match=rf"^{api} m: stream: the stream broke off or stalled"):
        await surfaces.api_stream(ScriptedProxy({("POST", PATH[api]): broken}).client(), api, "m")


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.asyncio
async def test_a_stream_without_a_content_type_is_not_sse(api: str) -> None:
    body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in STREAM[api]).encode()
    answer = httpx.Response(200, content=body)
    assert "content-type" not in answer.headers
    with pytest.raises(SmokeFailure, match=rf"^{api} m: stream: asked for SSE, got something else"):
        await surfaces.api_stream(ScriptedProxy({("POST", PATH[api]): answer}).client(), api, "m")


@pytest.mark.asyncio
async def test_text_delta_events_without_a_delta_are_no_text() -> None:
    events = _replace(RESPONSES_STREAM, "response.output_text.delta", {"type": "response.output_text.delta"})
    with pytest.raises(SmokeFailure, match=r"^responses m: stream: no text deltas"):
        await surfaces.api_stream(_stream("responses", *events).client(), "responses", "m")
    events = _replace(MESSAGES_STREAM, "content_block_delta", {"type": "content_block_delta", "delta": {}})
    with pytest.raises(SmokeFailure, match=r"^messages m: stream: no text deltas"):
        await surfaces.api_stream(_stream("messages", *events).client(), "messages", "m")


NGINX_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@pytest.mark.parametrize("api", ["responses", "messages"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.asyncio
async def test_an_html_error_page_names_that_something_else_answered(api: str, stream: bool) -> None:
    # an ingress in front of the proxy answers its own error page: the title says LiteLLM did not answer
    page = httpx.Response(502, text=NGINX_502, headers={"content-type": "text/html"})
    client = ScriptedProxy({("POST", PATH[api]): page}).client()
    call = surfaces.api_stream if stream else surfaces.api_call
    with pytest.raises(SmokeFailure, match=rf"^{api} m: expected HTTP 200, got 502 \(an HTML page \(text/html\)"):
        await call(client, api, "m")


@pytest.mark.asyncio
async def test_a_responses_stream_whose_end_comes_after_done_fails() -> None:
    # The OpenAI SDK stops reading at data: [DONE]: a response.completed sent after it never reaches a client.
    events = (*_without(RESPONSES_STREAM, "response.completed")[:-1], "[DONE]", RESPONSES_STREAM[3])
    with pytest.raises(SmokeFailure, match=r"^responses m: stream: ended without response.completed"):
        await surfaces.api_stream(_stream("responses", *events).client(), "responses", "m")

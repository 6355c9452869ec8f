"""checks/tools.py: a forced tool call (plain and streamed) and a json_schema answer; each condition is needed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import tools
from litellm_smoke.client.routes import CHAT
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy, sse

ARGS = '{"city": "Paris"}'
USAGE = {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48}


def _call(name: Any = tools.TOOL_NAME, arguments: Any = ARGS) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


def _answer(*calls: Any, message: Any = None) -> dict[str, Any]:
    msg = message if message is not None else {"role": "assistant", "content": None, "tool_calls": list(calls)}
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": msg}],
        "usage": USAGE,
    }


def _scripted(answer: Any, status: int = 200) -> ScriptedProxy:
    response = httpx.Response(status, text=answer) if isinstance(answer, str) else httpx.Response(status, json=answer)
    return ScriptedProxy({("POST", CHAT): response})


# -- the call itself ---------------------------------------------------------------------------------------


def test_a_well_formed_call_is_read_back() -> None:
    assert tools.check_tool_call("a", tools.TOOL_NAME, ARGS, "got") == {
        "name": tools.TOOL_NAME,
        "arguments": {"city": "Paris"},
    }
    assert tools.check_tool_call("a", tools.TOOL_NAME, "{}", "got")["arguments"] == {}


@pytest.mark.parametrize(
    ("name", "arguments", "fragment"),
    [
        pytest.param("get_time", ARGS, "names 'get_time', not 'get_weather'", id="other-function"),
        pytest.param(None, ARGS, "names None", id="no-name"),
        pytest.param(tools.TOOL_NAME, "Paris", "arguments are not a JSON object", id="not-json"),
        pytest.param(tools.TOOL_NAME, '["Paris"]', "arguments are not a JSON object", id="json-list"),
        pytest.param(tools.TOOL_NAME, '"Paris"', "arguments are not a JSON object", id="json-string"),
        pytest.param(tools.TOOL_NAME, {"city": "Paris"}, "arguments are not a JSON object", id="object-not-string"),
        pytest.param(tools.TOOL_NAME, None, "arguments are not a JSON object", id="no-arguments"),
        pytest.param(tools.TOOL_NAME, "", "arguments are not a JSON object", id="empty"),
    ],
)
def test_each_broken_call_fails(name: Any, arguments: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^tool call a: ") as caught:
        tools.check_tool_call("a", name, arguments, "got")
    assert fragment in str(caught.value)


# -- non-streamed ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_healthy_tool_call_sends_the_forced_choice_and_counts_usage() -> None:
    scripted = _scripted(_answer(_call()))
    client = scripted.client()
    assert await tools.tool_call(client, "a") == {"name": tools.TOOL_NAME, "arguments": {"city": "Paris"}}
    assert scripted.bodies(CHAT) == [tools.tool_body("a")]
    sent = scripted.bodies(CHAT)[0]
    assert sent["tools"] == [tools.TOOL]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": tools.TOOL_NAME}}
    assert sent["max_tokens"] == tools.MAX_TOKENS == 32
    assert sent["temperature"] == 0
    assert sent["user"] == "litellm-smoke"
    # a question only the forced tool answers (get_weather's city), so a model that does not honour
    # tool_choice still has a reason to call it, and none to write text instead
    assert [m["role"] for m in sent["messages"]] == ["user"]
    assert "weather in Paris" in sent["messages"][0]["content"]
    assert "stream" not in sent
    assert tools.tool_body("a", stream=True)["stream"] is True
    assert client.usage.model_calls == {"a": 1}
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (40, 8)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(_answer(message={"role": "assistant", "content": "sunny"}), "no tool_calls", id="stripped"),
        pytest.param(_answer(), "no tool_calls", id="empty-calls"),
        pytest.param(_answer("get_weather"), "no tool_calls", id="call-not-object"),
        pytest.param(_answer(message={"role": "assistant", "tool_calls": {"0": _call()}}), "no tool_calls", id="dict"),
        pytest.param(_answer(message="sunny"), "no tool_calls", id="message-not-object"),
        pytest.param({"choices": []}, "no tool_calls", id="no-choices"),
        pytest.param({"choices": ["x"]}, "no tool_calls", id="choice-not-object"),
        pytest.param({"choices": {"0": {}}}, "no tool_calls", id="choices-not-list"),
        pytest.param(["x"], "no tool_calls", id="list-body"),
        pytest.param(_answer({"type": "function", "function": "get_weather"}), "names None", id="function-not-obj"),
        pytest.param(_answer(_call(name="other")), "names 'other'", id="other-function"),
        pytest.param(_answer(_call(arguments="city=Paris")), "not a JSON object", id="bad-arguments"),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_tool_answer_fails(answer: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^tool call a: ") as caught:
        await tools.tool_call(_scripted(answer).client(), "a")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("status", [201, 400, 500])
@pytest.mark.asyncio
async def test_a_tool_call_answered_other_than_200_fails(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"^tool call a: expected HTTP 200, got {status}"):
        await tools.tool_call(_scripted(_answer(_call()), status).client(), "a")


@pytest.mark.asyncio
async def test_only_the_first_call_counts() -> None:
    answer = _answer(_call(), _call(name="other", arguments="x"))
    assert (await tools.tool_call(_scripted(answer).client(), "a"))["name"] == tools.TOOL_NAME
    with pytest.raises(SmokeFailure, match="names 'other'"):
        await tools.tool_call(_scripted(_answer(_call(name="other"), _call())).client(), "a")


# -- streamed ----------------------------------------------------------------------------------------------


def _delta_chunk(*calls: Any, choices: Any = None) -> dict[str, Any]:
    if choices is None:
        choices = [{"index": 0, "delta": {"tool_calls": list(calls)}}]
    return {"id": "c1", "object": "chat.completion.chunk", "choices": choices}


def _part(index: Any = 0, name: Any = None, arguments: Any = None) -> dict[str, Any]:
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    return {"index": index, "function": function}


HEALTHY_STREAM = (
    _delta_chunk(_part(0, tools.TOOL_NAME, "")),
    _delta_chunk(_part(0, arguments='{"city": ')),
    _delta_chunk(_part(0, arguments='"Paris"}')),
    "[DONE]",
)


def _stream(*events: Any) -> ScriptedProxy:
    return ScriptedProxy({("POST", CHAT): sse(*events)})


@pytest.mark.asyncio
async def test_a_healthy_streamed_call_reassembles_and_is_sent_streamed() -> None:
    scripted = _stream(*HEALTHY_STREAM)
    client = scripted.client()
    assert await tools.tool_call_streaming(client, "a") == {"name": tools.TOOL_NAME, "arguments": {"city": "Paris"}}
    assert scripted.bodies(CHAT) == [tools.tool_body("a", stream=True)]
    assert client.usage.model_calls == {"a": 1}


@pytest.mark.asyncio
async def test_a_streamed_call_without_index_or_with_a_role_delta_still_reassembles() -> None:
    events = (
        _delta_chunk(choices=[{"index": 0, "delta": {"role": "assistant"}}]),
        _delta_chunk({"function": {"name": tools.TOOL_NAME, "arguments": '{"city"'}}),
        _delta_chunk({"index": "0", "function": {"arguments": ': "Paris"}'}}),
        _delta_chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]),
        "[DONE]",
    )
    assert (await tools.tool_call_streaming(_stream(*events).client(), "a"))["arguments"] == {"city": "Paris"}


@pytest.mark.asyncio
async def test_the_lowest_call_index_is_checked() -> None:
    events = (
        _delta_chunk(_part(1, "other", "{}")),
        _delta_chunk(_part(0, tools.TOOL_NAME, ARGS)),
        "[DONE]",
    )
    assert (await tools.tool_call_streaming(_stream(*events).client(), "a"))["name"] == tools.TOOL_NAME
    events = (_delta_chunk(_part(0, "other", "{}")), _delta_chunk(_part(1, tools.TOOL_NAME, ARGS)), "[DONE]")
    with pytest.raises(SmokeFailure, match="names 'other'"):
        await tools.tool_call_streaming(_stream(*events).client(), "a")


@pytest.mark.asyncio
async def test_a_junk_entry_in_tool_calls_does_not_hide_the_call_after_it() -> None:
    events = (_delta_chunk(None, "x", _part(0, tools.TOOL_NAME, ARGS)), "[DONE]")
    assert (await tools.tool_call_streaming(_stream(*events).client(), "a"))["name"] == tools.TOOL_NAME


@pytest.mark.asyncio
async def test_events_after_done_are_not_read() -> None:
    events = (_delta_chunk(_part(0, tools.TOOL_NAME, ARGS)), "[DONE]", "not json")
    assert (await tools.tool_call_streaming(_stream(*events).client(), "a"))["name"] == tools.TOOL_NAME


@pytest.mark.asyncio
async def test_an_empty_name_delta_keeps_the_name_already_sent() -> None:
    events = (_delta_chunk(_part(0, tools.TOOL_NAME, '{"city": ')), _delta_chunk(_part(0, "", '"Paris"}')), "[DONE]")
    assert (await tools.tool_call_streaming(_stream(*events).client(), "a"))["name"] == tools.TOOL_NAME


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        pytest.param(HEALTHY_STREAM[:-1], "ended without data: [DONE]", id="no-done"),
        pytest.param((*HEALTHY_STREAM[:1], "{not json", "[DONE]"), "an event is not JSON", id="not-json"),
        pytest.param(
            (_delta_chunk(choices=[{"index": 0, "delta": {"content": "sunny"}}]), "[DONE]"),
            "no tool_calls deltas",
            id="stripped",
        ),
        pytest.param(("[DONE]",), "no tool_calls deltas", id="only-done"),
        pytest.param((_delta_chunk(_part(0, None, ARGS)), "[DONE]"), "no tool_calls deltas", id="no-name"),
        pytest.param((_delta_chunk(_part(0, "", ARGS)), "[DONE]"), "no tool_calls deltas", id="empty-name"),
        pytest.param((_delta_chunk(_part(0, 7, ARGS)), "[DONE]"), "no tool_calls deltas", id="name-not-string"),
        pytest.param((_delta_chunk("get_weather"), "[DONE]"), "no tool_calls deltas", id="call-not-object"),
        pytest.param(
            (_delta_chunk({"index": 0, "function": "get_weather"}), "[DONE]"), "no tool_calls deltas", id="fn-str"
        ),
        pytest.param(
            (_delta_chunk(choices=[{"index": 0, "delta": "x"}]), "[DONE]"), "no tool_calls deltas", id="delta-str"
        ),
        pytest.param((_delta_chunk(choices=["x"]), "[DONE]"), "no tool_calls deltas", id="choice-not-object"),
        pytest.param(('["list"]', "[DONE]"), "no tool_calls deltas", id="chunk-not-object"),
        pytest.param(
            (_delta_chunk(_part(0, "other", "{}")), "[DONE]"), "names 'other', not 'get_weather'", id="other-function"
        ),
        pytest.param(
            (_delta_chunk(_part(0, tools.TOOL_NAME, "{")), "[DONE]"), "arguments are not a JSON object", id="cut-args"
        ),
        pytest.param(
            (_delta_chunk(_part(0, tools.TOOL_NAME, None)), "[DONE]"),
            "arguments are not a JSON object",
            id="no-args",
        ),
        pytest.param(
            (_delta_chunk(_part(0, tools.TOOL_NAME, "")), _delta_chunk(_part(0, arguments=7)), "[DONE]"),
            "arguments are not a JSON object",
            id="args-not-string",
        ),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_stream_fails(events: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^tool call a: ") as caught:
        await tools.tool_call_streaming(_stream(*events).client(), "a")
    assert fragment in str(caught.value)


@pytest.mark.asyncio
async def test_a_streamed_call_answered_other_than_200_fails() -> None:
    answer = httpx.Response(500, json={"error": {"message": "boom"}})
    with pytest.raises(SmokeFailure, match=r"^tool call a: expected HTTP 200, got 500"):
        await tools.tool_call_streaming(ScriptedProxy({("POST", CHAT): answer}).client(), "a")


@pytest.mark.asyncio
async def test_a_stream_that_breaks_off_fails_as_such() -> None:
    class CutOff(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b'data: {"choices": []}\n\n'
            raise httpx.ReadError("connection reset")

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=CutOff())

    with pytest.raises(SmokeFailure, match="stream broke off or stalled"):
        await tools.tool_call_streaming(ScriptedProxy({("POST", CHAT): broken}).client(), "a")


# -- json_schema -------------------------------------------------------------------------------------------


def _content(content: Any) -> dict[str, Any]:
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": USAGE,
    }


@pytest.mark.asyncio
async def test_a_healthy_json_schema_answer_is_parsed_and_the_request_asks_for_the_schema() -> None:
    scripted = _scripted(_content('{"answer": "pong"}'))
    client = scripted.client()
    assert await tools.json_schema_response(client, "a") == {"answer": "pong"}
    sent = scripted.bodies(CHAT)
    assert sent == [tools.schema_body("a")]
    # the question names the JSON the schema asks for, so a model that ignores response_format still answers it
    assert [m["role"] for m in sent[0]["messages"]] == ["user"]
    assert '{"answer": "pong"}' in sent[0]["messages"][0]["content"]
    assert sent[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": tools.SCHEMA_NAME, "strict": True, "schema": tools.SCHEMA},
    }
    assert sent[0]["max_tokens"] == 32 and sent[0]["temperature"] == 0 and sent[0]["user"] == "litellm-smoke"
    assert client.usage.model_calls == {"a": 1}
    assert client.usage.prompt_tokens == 40


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(_content("pong"), "(not a JSON object)", id="prose"),
        pytest.param(_content('["pong"]'), "(not a JSON object)", id="json-list"),
        pytest.param(_content(None), "(not a JSON object)", id="no-content"),
        pytest.param(_content({"answer": "pong"}), "(not a JSON object)", id="content-object"),
        pytest.param(_content("{}"), "('answer' is missing or not a string)", id="no-answer"),
        pytest.param(_content('{"answer": 1}'), "('answer' is missing or not a string)", id="answer-number"),
        pytest.param(
            _content('{"answer": "pong", "why": "x"}'), "(unexpected properties ['why'])", id="additional-property"
        ),
        pytest.param({"choices": []}, "(not a JSON object)", id="no-choices"),
        pytest.param({"choices": ["x"]}, "(not a JSON object)", id="choice-not-object"),
        pytest.param({"choices": [{"message": "x"}]}, "(not a JSON object)", id="message-not-object"),
        pytest.param(["x"], "(not a JSON object)", id="list-body"),
    ],
)
@pytest.mark.asyncio
async def test_each_answer_off_the_schema_fails(answer: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^json_schema a: the content does not match") as caught:
        await tools.json_schema_response(_scripted(answer).client(), "a")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("status", [201, 400, 500])
@pytest.mark.asyncio
async def test_a_json_schema_answer_other_than_200_fails(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"^json_schema a: expected HTTP 200, got {status}"):
        await tools.json_schema_response(_scripted(_content('{"answer": "pong"}'), status).client(), "a")


def test_the_schema_problem_is_none_only_for_the_exact_shape() -> None:
    assert tools._schema_problem({"answer": ""}) is None
    assert tools._schema_problem(json.loads('{"answer": "pong"}')) is None

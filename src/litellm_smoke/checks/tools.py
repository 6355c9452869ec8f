"""Declared capabilities: a forced tool call (plain and streamed) and a json_schema response.

Asked only of models whose ``/model/info`` declares ``supports_function_calling`` or
``supports_response_schema``: a model that does not declare a capability is not asked. A proxy
(or a gateway in front of it) that drops ``tools`` or ``response_format`` from requests fails here.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from litellm_smoke.checks._common import expect_status, read_stream, sse_event
from litellm_smoke.checks.chat import chat_body
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import CHAT
from litellm_smoke.client.sse import DONE, parse_sse
from litellm_smoke.errors import SmokeFailure

TOOL_NAME = "get_weather"
TOOL = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
SCHEMA_NAME = "pong_answer"
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
MAX_TOKENS = 32


def tool_body(model: str, *, stream: bool = False) -> dict[str, Any]:
    return chat_body(
        model,
        stream=stream,
        prompt="What is the weather in Paris? Answer with the tool.",
        max_tokens=MAX_TOKENS,
        tools=[TOOL],
        tool_choice={"type": "function", "function": {"name": TOOL_NAME}},
    )


def schema_body(model: str) -> dict[str, Any]:
    return chat_body(
        model,
        prompt='Reply with the JSON {"answer": "pong"}.',
        max_tokens=MAX_TOKENS,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
        },
    )


_TOOL_SHAPE = (
    '{"choices": [{"message": {"tool_calls": [{"type": "function", "function": '
    f'{{"name": "{TOOL_NAME}", "arguments": "{{...JSON...}}"}}}}]}}}}]}}'
)
_STRIPPED = (
    "the model declares supports_function_calling, so a forced tool_choice must come back as a tool "
    "call: the proxy or a gateway in front of it drops 'tools'/'tool_choice', or the upstream ignores them"
)


def _fail(model: str, problem: str, expected: str, got: str, hint: str) -> SmokeFailure:
    return SmokeFailure(f"tool call {model}: {problem}", expected=expected, got=got, hint=hint)


def check_tool_call(model: str, name: Any, arguments: Any, got: str) -> dict[str, Any]:
    """The function name is the forced one and the arguments are a JSON object."""
    if name != TOOL_NAME:
        raise _fail(model, f"the tool call names {name!r}, not {TOOL_NAME!r}", _TOOL_SHAPE, got, _STRIPPED)
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _fail(
            model,
            "the tool call's arguments are not a JSON object",
            'function.arguments: a JSON object as a string, e.g. "{\\"city\\": \\"Paris\\"}"',
            got,
            "clients json.loads() the arguments; a proxy that re-frames tool calls broke them",
        )
    return {"name": name, "arguments": parsed}


def _status(model: str, response: httpx.Response, got: str) -> None:
    expect_status(
        response,
        200,
        f"tool call {model}",
        "the proxy or upstream refused the tools request; the error text names which",
        expected="HTTP 200 with a tool call",
        got=got,
        origin=True,
    )


async def tool_call(client: ProxyClient, model: str) -> dict[str, Any]:
    """A non-streamed chat with a forced ``tool_choice``: one well-formed call of that function."""
    response = await client.post(CHAT, tool_body(model))
    got = describe(response)
    _status(model, response, got)
    body = json_body(response, f"tool call {model}", "LiteLLM answers chat with JSON")
    choices = body.get("choices") if isinstance(body, dict) else None
    message = (
        choices[0].get("message") if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
    )
    calls = message.get("tool_calls") if isinstance(message, dict) else None
    if not isinstance(calls, list) or not calls or not isinstance(calls[0], dict):
        raise _fail(model, "no tool_calls in the answer", _TOOL_SHAPE, got, _STRIPPED)
    function: dict[str, Any] = calls[0]["function"] if isinstance(calls[0].get("function"), dict) else {}
    seen = check_tool_call(model, function.get("name"), function.get("arguments"), got)
    client.usage.add(model, body.get("usage"))
    return seen


async def tool_call_streaming(client: ProxyClient, model: str) -> dict[str, Any]:
    """The same forced tool call streamed: the deltas reassemble into one well-formed call."""
    response = await client.post(CHAT, tool_body(model, stream=True), stream=True)
    expected = "a complete SSE stream ending with data: [DONE]"
    raw = await read_stream(response, lambda problem, got, hint: _fail(model, problem, expected, got, hint))
    got = describe(response, raw)
    _status(model, response, got)
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    done = False
    for payload in parse_sse(raw):
        if payload.strip() == DONE:
            done = True
            break
        chunk = sse_event(
            payload, lambda problem, got, hint: _fail(model, problem, "data: {chat.completion.chunk}", got, hint)
        )
        for choice in chunk.get("choices") or [] if isinstance(chunk, dict) else []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            for call in (delta or {}).get("tool_calls") or [] if isinstance(delta, dict) else []:
                if not isinstance(call, dict):
                    continue
                index = call.get("index", 0) if isinstance(call.get("index", 0), int) else 0
                function: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
                if isinstance(function.get("name"), str) and function["name"]:
                    names[index] = function["name"]
                if isinstance(function.get("arguments"), str):
                    arguments[index] = arguments.get(index, "") + function["arguments"]
    if not done:
        raise _fail(
            model, "stream: ended without data: [DONE]", "a final data: [DONE] event", got, "the stream was cut off"
        )
    if not names:
        raise _fail(
            model,
            "stream: no tool_calls deltas",
            "delta.tool_calls with the function name and arguments",
            got,
            _STRIPPED,
        )
    first = min(names)
    seen = check_tool_call(model, names[first], arguments.get(first, ""), got)
    client.usage.add(model, None)
    return seen


async def json_schema_response(client: ProxyClient, model: str) -> dict[str, Any]:
    """A ``response_format: json_schema`` answer whose content parses and validates against the schema."""
    response = await client.post(CHAT, schema_body(model))
    got = describe(response)
    what = f"json_schema {model}"
    expect_status(
        response,
        200,
        what,
        "the proxy or upstream refused response_format; the error text names which",
        expected="HTTP 200 with JSON content",
        got=got,
        origin=True,
    )
    body = json_body(response, what, "LiteLLM answers chat with JSON")
    choices = body.get("choices") if isinstance(body, dict) else None
    message = (
        choices[0].get("message") if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
    )
    content = message.get("content") if isinstance(message, dict) else None
    try:
        parsed = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        parsed = None
    problem = _schema_problem(parsed)
    if problem:
        raise SmokeFailure(
            f"{what}: the content does not match the requested schema ({problem})",
            expected=f"message.content: JSON matching {json.dumps(SCHEMA)}",
            got=got,
            hint="the model declares supports_response_schema: the proxy or a gateway drops response_format, "
            "or the upstream ignores it",
        )
    client.usage.add(model, body.get("usage"))
    assert isinstance(parsed, dict)
    return parsed


def _schema_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "not a JSON object"
    if not isinstance(value.get("answer"), str):
        return "'answer' is missing or not a string"
    extra = set(value) - {"answer"}
    if extra:
        return f"unexpected properties {sorted(extra)}"
    return None

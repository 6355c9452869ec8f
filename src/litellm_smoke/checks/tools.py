"""Declared capabilities: a forced tool call (plain and streamed) and a json_schema response.

Asked only of models whose ``/model/info`` declares ``supports_function_calling`` or
``supports_response_schema``: a model that does not declare a capability is not asked. A proxy
(or a gateway in front of it) that drops ``tools`` or ``response_format`` from requests fails here.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from litellm_smoke.checks._common import not_litellm
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import SMOKE_TAG, ProxyClient
from litellm_smoke.client.routes import CHAT
from litellm_smoke.client.sse import DONE, parse_sse
from litellm_smoke.errors import SmokeFailure, excerpt

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
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "What is the weather in Paris? Answer with the tool."}],
        "tools": [TOOL],
        "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "user": SMOKE_TAG,
    }
    if stream:
        body["stream"] = True
    return body


def schema_body(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": 'Reply with the JSON {"answer": "pong"}.'}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
        },
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "user": SMOKE_TAG,
    }


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
    if response.status_code != 200:
        raise _fail(
            model,
            f"expected HTTP 200, got {response.status_code}{not_litellm(response)}",
            "HTTP 200 with a tool call",
            got,
            "the proxy or upstream refused the tools request; the error text names which",
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
    try:
        raw = (await response.aread()).decode("utf-8", "replace")
    except httpx.HTTPError as exc:
        raise _fail(
            model,
            "stream: the stream broke off or stalled",
            "a complete SSE stream ending with data: [DONE]",
            f"{type(exc).__name__}: {excerpt(str(exc))}",
            "a hung upstream, a buffering proxy, or a dropped connection",
        ) from None
    finally:
        await response.aclose()
    got = describe(response, raw)
    _status(model, response, got)
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    done = False
    for payload in parse_sse(raw):
        if payload.strip() == DONE:
            done = True
            break
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise _fail(
                model,
                "stream: an event is not JSON",
                "data: {chat.completion.chunk}",
                excerpt(payload),
                "a malformed SSE event",
            ) from None
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
    if response.status_code != 200:
        raise SmokeFailure(
            f"{what}: expected HTTP 200, got {response.status_code}{not_litellm(response)}",
            expected="HTTP 200 with JSON content",
            got=got,
            hint="the proxy or upstream refused response_format; the error text names which",
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

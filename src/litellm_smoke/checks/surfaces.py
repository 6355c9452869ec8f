"""Other API surfaces agent clients use, opt-in per run (``--api responses,messages``).

The OpenAI Responses API (``/v1/responses``) and the Anthropic Messages API (``/v1/messages``),
each plain and streamed: the shape, non-empty text, usage, and a stream that ends properly.
One call each, ``max_output_tokens``/``max_tokens`` 16. (LiteLLM 1.108.7 serves ``/v1/messages``
of ``openai/`` models through the upstream's Responses API.)
"""

from __future__ import annotations

from typing import Any

import httpx

from litellm_smoke.checks._common import expect_status, is_number, read_stream, sse_event
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import SMOKE_TAG, ProxyClient
from litellm_smoke.client.routes import MESSAGES, RESPONSES
from litellm_smoke.client.sse import DONE, parse_sse
from litellm_smoke.errors import SmokeFailure

PROMPT = "Reply with the single word: pong"
MAX_TOKENS = 16


def _fail(api: str, model: str, problem: str, expected: str, got: str, hint: str) -> SmokeFailure:
    return SmokeFailure(f"{api} {model}: {problem}", expected=expected, got=got, hint=hint)


def _body(api: str, model: str, stream: bool) -> tuple[str, dict[str, Any]]:
    if api == "responses":
        body: dict[str, Any] = {"model": model, "input": PROMPT, "max_output_tokens": MAX_TOKENS, "user": SMOKE_TAG}
        path = RESPONSES
    else:
        body = {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": MAX_TOKENS}
        path = MESSAGES
    if stream:
        body["stream"] = True
    return path, body


def _usage_ok(usage: Any) -> bool:
    return (
        isinstance(usage, dict)
        and is_number(usage.get("input_tokens"))
        and is_number(usage.get("output_tokens"))
        and usage["input_tokens"] + usage["output_tokens"] > 0
    )


def _status(api: str, model: str, response: httpx.Response, got: str) -> None:
    expect_status(
        response,
        200,
        f"{api} {model}",
        "the proxy does not serve this API for the model, or the upstream failed; the error text names which",
        expected=f"HTTP 200 from {RESPONSES if api == 'responses' else MESSAGES}",
        got=got,
        origin=True,
    )


def responses_text(body: Any) -> str | None:
    """The assistant text of a Responses API ``response`` object, or None when it has none."""
    output = body.get("output") if isinstance(body, dict) else None
    parts = [
        part.get("text")
        for item in output or []
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    texts = [t for t in parts if isinstance(t, str)]
    return "".join(texts) if texts else None


def messages_text(body: Any) -> str | None:
    """The text of an Anthropic ``message``, or None when it has none."""
    content = body.get("content") if isinstance(body, dict) else None
    texts = [c.get("text") for c in content or [] if isinstance(c, dict) and c.get("type") == "text"]
    return "".join(t for t in texts if isinstance(t, str)) if texts else None


async def api_call(client: ProxyClient, api: str, model: str) -> dict[str, Any]:
    """One plain call of ``api`` (responses | messages): its own shape, text, usage."""
    path, request = _body(api, model, stream=False)
    response = await client.post(path, request)
    got = describe(response)
    _status(api, model, response, got)
    body = json_body(response, f"{api} {model}", "LiteLLM answers with JSON")
    if api == "responses":
        shape = '{"object": "response", "status": "completed", "output": [{"type": "message", "content": [...]}], ...}'
        ok_shape = isinstance(body, dict) and body.get("object") == "response"
        text = responses_text(body)
    else:
        shape = '{"type": "message", "role": "assistant", "content": [{"type": "text", "text": ...}], ...}'
        ok_shape = isinstance(body, dict) and body.get("type") == "message" and body.get("role") == "assistant"
        text = messages_text(body)
    if not ok_shape:
        raise _fail(
            api, model, "the answer does not have this API's shape", shape, got, "clients of this API cannot parse it"
        )
    if not text or not text.strip():
        raise _fail(api, model, "no assistant text", shape, got, "the upstream produced no text, or the proxy lost it")
    if not _usage_ok(body.get("usage")):
        raise _fail(
            api,
            model,
            "no usage token counts",
            "usage.input_tokens and usage.output_tokens",
            got,
            "spend tracking and budgets depend on usage; the proxy dropped it",
        )
    client.usage.add(model, None)
    return {"text": text}


async def api_stream(client: ProxyClient, api: str, model: str) -> dict[str, Any]:
    """The same call streamed: typed SSE events, text deltas, and the API's final event with usage."""
    path, request = _body(api, model, stream=True)
    response = await client.post(path, request, stream=True)
    raw = await read_stream(
        response, lambda problem, got, hint: _fail(api, model, problem, "a complete SSE stream", got, hint)
    )
    got = describe(response, raw)
    _status(api, model, response, got)
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        raise _fail(
            api,
            model,
            "stream: asked for SSE, got something else",
            "content-type: text/event-stream",
            got,
            "stream=true ignored",
        )
    events = []
    for payload in parse_sse(raw):
        if payload.strip() == DONE:  # LiteLLM ends a streamed /v1/responses with it, as chat does;
            break  # the OpenAI SDK stops reading there, so an event after it never reaches a client
        event = sse_event(payload, lambda problem, got, hint: _fail(api, model, problem, "data: {...}", got, hint))
        if isinstance(event, dict):
            events.append(event)
    types = [str(e.get("type")) for e in events]
    if api == "responses":
        text = "".join(str(e.get("delta", "")) for e in events if e.get("type") == "response.output_text.delta")
        final = next((e for e in events if e.get("type") == "response.completed"), None)
        usage = final.get("response", {}).get("usage") if isinstance(final, dict) else None
        last = "response.completed"
    else:
        text = "".join(
            str(e.get("delta", {}).get("text", ""))
            for e in events
            if e.get("type") == "content_block_delta" and isinstance(e.get("delta"), dict)
        )
        final = next((e for e in events if e.get("type") == "message_stop"), None)
        usage = next((e.get("usage") for e in events if e.get("type") == "message_delta"), None)
        last = "message_stop"
    if "error" in types:
        raise _fail(api, model, "stream: an error event", "no error events", got, "the upstream failed mid-stream")
    if final is None:
        raise _fail(api, model, f"stream: ended without {last}", f"a final {last} event", got, "the stream was cut off")
    if not text.strip():
        raise _fail(
            api, model, "stream: no text deltas", "text deltas with the answer", got, "the upstream streamed no text"
        )
    if not _usage_ok(usage):
        raise _fail(
            api,
            model,
            "stream: no usage token counts",
            "usage with input_tokens and output_tokens at the end of the stream",
            got,
            "spend tracking of streamed calls depends on it",
        )
    client.usage.add(model, None)
    return {"text": text, "events": len(events)}

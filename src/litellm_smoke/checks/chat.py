"""Chat completions: plain, streamed, and through the official OpenAI SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx

from litellm_smoke.checks._common import expect_status, is_number, sse_event, via_sdk
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import SMOKE_TAG, ProxyClient, ResponseTooLarge
from litellm_smoke.client.routes import CHAT
from litellm_smoke.client.sse import DONE, parse_sse
from litellm_smoke.errors import SmokeFailure, excerpt

PROMPT = "Reply with the single word: pong"
MAX_TOKENS = 8


def chat_body(
    model: str, *, stream: bool = False, prompt: str = PROMPT, max_tokens: int = MAX_TOKENS, **extra: Any
) -> dict[str, Any]:
    """A deterministic, cheap request: fixed prompt, temperature 0, at most ``max_tokens`` tokens.

    ``extra`` fields (``tools``, ``response_format``) go after the messages.
    """
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        **extra,
        "max_tokens": max_tokens,
        "temperature": 0,
        "user": SMOKE_TAG,
    }
    if stream:
        body["stream"] = True
    return body


def _fail(model: str, problem: str, expected: str, got: str, hint: str) -> SmokeFailure:
    return SmokeFailure(f"chat {model}: {problem}", expected=expected, got=got, hint=hint)


def _check_completion(model: str, body: Any, got: str) -> dict[str, Any]:
    shape = (
        '{"object": "chat.completion", "choices": [{"message": {"role": "assistant", "content": "..."}, '
        '"finish_reason": ...}], "usage": {...}}'
    )
    if not isinstance(body, dict):
        raise _fail(model, "the body is not a JSON object", shape, got, "this is not an OpenAI chat response")
    if body.get("object") != "chat.completion":
        old = body.get("object") == "text_completion" or any(
            isinstance(c, dict) and "text" in c for c in body.get("choices") or []
        )
        raise _fail(
            model,
            f"object is {body.get('object')!r}, not 'chat.completion'"
            + (" (the legacy text_completion shape)" if old else ""),
            shape,
            got,
            "the route or upstream answers in another format; OpenAI chat clients will not parse it",
        )
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _fail(model, "no choices", shape, got, "the upstream returned no completion")
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(message, dict) or message.get("role") != "assistant":
        raise _fail(model, "choices[0].message is not an assistant message", shape, got, "check the upstream")
    if not isinstance(content, str) or not content.strip():
        raise _fail(
            model,
            "the assistant message is empty",
            "non-empty choices[0].message.content",
            got,
            "the upstream produced no text: content filter, max_tokens too small for a reasoning model, "
            "or a broken upstream",
        )
    if not choice.get("finish_reason"):
        raise _fail(model, "no finish_reason", "choices[0].finish_reason set", got, "check the upstream")
    usage = body.get("usage")
    names = ("prompt_tokens", "completion_tokens", "total_tokens")
    raw = [usage.get(k) for k in names] if isinstance(usage, dict) else []
    counts: dict[str, float] = {k: v for k, v in zip(names, raw, strict=False) if is_number(v) and v >= 0}
    if len(counts) != len(names) or not counts["total_tokens"]:
        raise _fail(
            model,
            "no usage token counts",
            "usage.prompt_tokens, completion_tokens, total_tokens (total > 0)",
            got,
            "spend tracking and budgets depend on usage; the upstream or proxy dropped it",
        )
    return {"content": content, "finish_reason": choice["finish_reason"], "usage": counts}


async def chat_completion(client: ProxyClient, model: str) -> dict[str, Any]:
    """A non-streamed chat completion, raw HTTP, with a strictly OpenAI-shaped answer."""
    response = await client.post(CHAT, chat_body(model))
    expect_status(
        response,
        200,
        f"chat {model}",
        "the proxy or its upstream failed; the error text names which",
        expected="HTTP 200 chat.completion",
        origin=True,
    )
    body = json_body(response, f"chat {model}", "LiteLLM answers chat with JSON")
    seen = _check_completion(model, body, describe(response))
    client.usage.add(model, seen["usage"])
    return seen


async def chat_completion_sdk(client: ProxyClient, model: str) -> dict[str, Any]:
    """The same request through the official ``openai`` SDK: proves real clients work through the proxy."""
    sdk = client.openai()
    completion = await via_sdk(
        sdk.chat.completions.create(**chat_body(model)),
        lambda problem, got, hint: _fail(model, problem, "a chat.completion object", got, hint),
    )
    body = completion.model_dump(warnings=False)  # a wrongly typed field is ours to report, not pydantic's
    seen = _check_completion(model, body, excerpt(json.dumps(body)))
    client.usage.add(model, seen["usage"])
    return seen


async def chat_streaming(client: ProxyClient, model: str) -> dict[str, Any]:
    """A streamed chat: SSE, every event a ``chat.completion.chunk``, text, a finish_reason, ``[DONE]``."""
    response = await client.post(CHAT, chat_body(model, stream=True), stream=True)
    try:
        raw = (await client.read(response)).decode("utf-8", "replace")
    except httpx.TimeoutException:
        raise _fail(
            model,
            f"the stream stalled for over {client.timeout:g}s",
            "a complete SSE stream",
            f"POST {CHAT} -> {response.status_code}, then nothing",
            "a hung upstream or a buffering proxy",
        ) from None
    except ResponseTooLarge as exc:
        raise _fail(
            model,
            f"the stream passed the {client.http.max_body // (1024 * 1024)} MB size cap",
            "a complete SSE stream ending with data: [DONE]",
            excerpt(str(exc)),
            "no chat answer is that long at max_tokens 8: an endless stream, or not LiteLLM",
        ) from None
    except httpx.TransportError as exc:
        raise _fail(
            model,
            "the stream broke off",
            "a complete SSE stream ending with data: [DONE]",
            f"{type(exc).__name__}: {excerpt(str(exc))}",
            "the connection dropped mid-stream",
        ) from None
    finally:
        await response.aclose()
    got = describe(response, raw)
    expect_status(
        response,
        200,
        f"chat {model}: stream",
        "errors before the first chunk come back as JSON with a status code",
        expected="HTTP 200 text/event-stream",
        got=got,
    )
    ctype = response.headers.get("content-type", "")
    if not ctype.startswith("text/event-stream"):
        raise _fail(
            model,
            f"stream: asked for SSE, got {ctype or 'no content-type'}",
            "content-type: text/event-stream",
            got,
            "the proxy or something in front of it ignores stream=true, or buffers and rewrites the stream",
        )
    events = parse_sse(raw)
    if not events:
        raise _fail(model, "stream: no SSE events", "data: {...} events", got, "the stream was empty")
    parts: list[str] = []
    finish: str | None = None
    for number, payload in enumerate(events, 1):
        if payload.strip() == DONE:
            if number != len(events):
                raise _fail(
                    model,
                    f"stream: data: [DONE] at event {number} of {len(events)}",
                    "[DONE] as the last event",
                    got,
                    "events after [DONE] are lost by clients",
                )
            break
        chunk = sse_event(
            payload,
            lambda problem, got, hint: _fail(
                model, problem, "data: {chat.completion.chunk}", got, f"{hint} breaks every streaming client"
            ),
            f"stream: event {number} is not JSON",
        )
        if isinstance(chunk, dict) and "error" in chunk:
            raise _fail(
                model,
                f"stream: event {number} is an error",
                "chunks only",
                excerpt(payload),
                "the upstream failed mid-stream",
            )
        if (
            not isinstance(chunk, dict)
            or chunk.get("object") != "chat.completion.chunk"
            or not isinstance(chunk.get("choices"), list)
        ):
            raise _fail(
                model,
                f"stream: event {number} is not a chat.completion.chunk",
                '{"object": "chat.completion.chunk", "choices": [...]}',
                excerpt(payload),
                "the stream is not OpenAI-shaped",
            )
        for choice in chunk["choices"]:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or {}
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                parts.append(delta["content"])
            finish = choice.get("finish_reason") or finish
    else:
        raise _fail(
            model,
            "stream: ended without data: [DONE]",
            "a final data: [DONE] event",
            got,
            "the stream was cut off (proxy timeout, buffering load balancer, or upstream crash)",
        )
    text = "".join(parts)
    if not text.strip():
        raise _fail(
            model,
            "stream: the reassembled assistant text is empty",
            "non-empty delta.content",
            got,
            "the upstream streamed no text",
        )
    if not finish:
        raise _fail(
            model,
            "stream: no finish_reason arrived",
            "a chunk with finish_reason",
            got,
            "the stream ended without saying why",
        )
    client.usage.add(model, None)
    return {"content": text, "finish_reason": finish, "events": len(events)}

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeGuard, TypeVar

import httpx

from litellm_smoke._secrets import Secret
from litellm_smoke.client.diagnosis import content_kind, describe
from litellm_smoke.errors import SmokeFailure, excerpt

ERROR_ENVELOPE = '{"error": {"message": ..., "type": ..., "code": ...}}'


def envelope_problem(body: Any) -> str | None:
    """Why a body is not LiteLLM's error envelope, or None when it is."""
    if not isinstance(body, dict) or "error" not in body:
        return "no top-level 'error' object"
    error = body["error"]
    if not isinstance(error, dict):
        return "'error' is not an object"
    message = error.get("message")
    if isinstance(message, (dict, list)):
        # LiteLLM <=1.61.x passes the exception's dict through; 1.63+ sends it as a string.
        return "'error.message' is an object, not a string (LiteLLM <=1.61.x does this; 1.63+ sends a string)"
    if not isinstance(message, str) or not message:
        return "'error.message' is missing or empty"
    return None


def assert_no_echo(response: httpx.Response, secrets: Iterable[Secret | str | None], what: str) -> None:
    """A response must not carry a credential the request sent (in its body or any header)."""
    haystacks = [response.text] + [f"{k}: {v}" for k, v in response.headers.items()]
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if not value:
            continue
        for haystack in haystacks:
            if value in haystack:
                place = "the body" if haystack is haystacks[0] else f"header {haystack.split(':', 1)[0]!r}"
                raise SmokeFailure(
                    f"{what}: the response echoes a credential back in {place}",
                    expected="error responses that never repeat the API key that was sent",
                    got=describe(response),
                    hint="anyone who can read logs or error pages can read the key; LiteLLM <=1.74.12 echoes "
                    "a malformed key in its 401 ('Passed in: ...'), the first release that does not is 1.74.14 "
                    "(there is no 1.74.13): upgrade, or fix the component that echoes it",
                    security=True,
                )


def expect_status(response: httpx.Response, expected: int, what: str, hint: str) -> None:
    if response.status_code != expected:
        raise SmokeFailure(
            f"{what}: expected HTTP {expected}, got {response.status_code}",
            expected=f"HTTP {expected}",
            got=describe(response),
            hint=hint,
        )


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def not_litellm(response: Any) -> str:  # Any: the SDK's exc.response may be another httpx build
    """`` (an HTML page …: a load balancer … answered, not LiteLLM)`` when the error page is not LiteLLM's."""
    kind = content_kind(response)
    return f" ({kind})" if kind.startswith("an HTML page") else ""


T = TypeVar("T")
Fail = Callable[[str, str, str], SmokeFailure]
"""``fail(problem, got, hint)``: a check's own failure factory with its title and expectation bound."""


async def via_sdk(call: Awaitable[T], fail: Fail) -> T:
    """Await an ``openai`` SDK call; its errors become the check's SmokeFailure, with the HTTP answer."""
    import openai

    try:
        return await call
    except openai.APIStatusError as exc:
        request = exc.response.request
        raise fail(
            f"the OpenAI SDK got HTTP {exc.status_code}{not_litellm(exc.response)}",
            f"{request.method} {request.url.path} -> {exc.status_code}: {excerpt(exc.response.text)}",
            "the proxy or its upstream failed",
        ) from None
    except openai.APIError as exc:  # connection, timeout, or a body the SDK cannot parse
        raise fail(
            f"the OpenAI SDK failed: {type(exc).__name__}",
            excerpt(str(exc)),
            "the SDK could not talk to the proxy or parse its answer",
        ) from None

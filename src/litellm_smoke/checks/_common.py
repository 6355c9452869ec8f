from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeGuard, TypeVar

import httpx

from litellm_smoke._secrets import Redactor, Secret
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
    """A response must not carry a credential the request sent (in its body or any header), in any form:
    upper-cased, without its prefix, base64/hex/percent/JSON-escaped, or a fragment of 12+ characters
    (see :class:`~litellm_smoke._secrets.Redactor`).
    """
    matcher = Redactor(secrets)
    haystacks = [response.text] + [f"{k}: {v}" for k, v in response.headers.items()]
    for haystack in haystacks:
        if matcher.leaks(haystack):
            place = "the body" if haystack is haystacks[0] else f"header {haystack.split(':', 1)[0]!r}"
            raise SmokeFailure(
                f"{what}: the response echoes a credential back in {place}",
                expected="error responses that never repeat the API key that was sent, in any form",
                got=matcher(describe(response)),  # masked here too, even if the run's redactor lacks the key
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
    """A real, finite JSON number: not a bool, and not the infinity that ``1e999999`` parses to."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
        result = await call
    except openai.APIStatusError as exc:
        request = exc.response.request
        raise fail(
            f"the OpenAI SDK got HTTP {exc.status_code}{not_litellm(exc.response)}",
            f"{request.method} {request.url.path} -> {exc.status_code}: {excerpt(exc.response.text)}",
            "the proxy or its upstream failed",
        ) from None
    except openai.APIError as exc:  # connection, timeout, or a body the SDK cannot parse
        cause = exc.__cause__
        raise fail(
            f"the OpenAI SDK failed: {type(exc).__name__}",
            excerpt(f"{exc}" + (f" ({type(cause).__name__}: {cause})" if cause is not None else "")),
            "the SDK could not talk to the proxy or parse its answer",
        ) from None
    except (ValueError, TypeError, RecursionError, AttributeError, KeyError) as exc:
        # a hostile or broken body: invalid JSON, a 5,000-digit integer, nesting past the recursion limit
        raise fail(
            f"the OpenAI SDK could not parse the answer: {type(exc).__name__}",
            excerpt(str(exc)) or type(exc).__name__,
            "the proxy answered with a body that is not the OpenAI shape",
        ) from None
    if isinstance(result, (str, bytes)):  # the SDK hands back non-JSON content as text
        text = result if isinstance(result, str) else result.decode("utf-8", "replace")
        raise fail("the OpenAI SDK got a non-JSON answer", excerpt(text) or "(empty body)", "check what answers here")
    return result

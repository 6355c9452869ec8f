from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeGuard, TypeVar

import httpx

from litellm_smoke._secrets import Redactor, Secret
from litellm_smoke.client.diagnosis import describe, expect_status, not_litellm
from litellm_smoke.errors import SmokeFailure, excerpt

__all__ = [
    "ERROR_ENVELOPE",
    "Fail",
    "assert_no_echo",
    "envelope_problem",
    "expect_envelope",
    "expect_status",
    "is_number",
    "not_litellm",
    "read_stream",
    "sse_event",
    "via_sdk",
]

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


def expect_envelope(
    response: httpx.Response, body: Any, title: str, expected: str, hint: str, *, origin: bool = False
) -> None:
    """An error answer must carry LiteLLM's envelope: else ``{title} ({problem})``.

    :param origin: name an HTML error page in the title too (:func:`not_litellm`).
    """
    problem = envelope_problem(body)
    if problem:
        raise SmokeFailure(
            f"{title} ({problem}){not_litellm(response) if origin else ''}",
            expected=expected,
            got=describe(response),
            hint=hint,
        )


def is_number(value: Any) -> TypeGuard[int | float]:
    """A real, finite JSON number: not a bool, and not the infinity that ``1e999999`` parses to."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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


async def read_stream(response: httpx.Response, fail: Fail) -> str:
    """The whole streamed body as text, the response closed after; a stream that breaks off or stalls is
    the check's failure."""
    try:
        return (await response.aread()).decode("utf-8", "replace")
    except httpx.HTTPError as exc:
        raise fail(
            "stream: the stream broke off or stalled",
            f"{type(exc).__name__}: {excerpt(str(exc))}",
            "a hung upstream, a buffering proxy, or a dropped connection",
        ) from None
    finally:
        await response.aclose()


def sse_event(payload: str, fail: Fail, problem: str = "stream: an event is not JSON") -> Any:
    """One SSE event's JSON; one that does not parse is the check's failure ``problem``."""
    try:
        return json.loads(payload)
    except ValueError:
        raise fail(problem, excerpt(payload), "a malformed SSE event") from None

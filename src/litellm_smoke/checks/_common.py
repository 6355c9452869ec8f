from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard

import httpx

from .._secrets import Secret
from ..client import describe
from ..errors import SmokeFailure

ERROR_ENVELOPE = '{"error": {"message": ..., "type": ..., "code": ...}}'


def envelope_problem(body: Any) -> str | None:
    """Why a body is not LiteLLM's error envelope, or None when it is."""
    if not isinstance(body, dict) or "error" not in body:
        return "no top-level 'error' object"
    error = body["error"]
    if not isinstance(error, dict):
        return "'error' is not an object"
    if not isinstance(error.get("message"), str) or not error["message"]:
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
                    hint="anyone who can read logs or error pages can read the key; upgrade LiteLLM "
                    "(PR #39787 made auth errors generic) or fix the component that echoes it",
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

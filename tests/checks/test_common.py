"""checks/_common.py: the error envelope, echo detection and the number test the checks rely on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.checks import _common
from litellm_smoke.errors import SmokeFailure

_OBJECT_MESSAGE = "'error.message' is an object, not a string (LiteLLM <=1.61.x does this; 1.63+ sends a string)"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"error": {"message": "Authentication Error", "type": "auth_error"}}, None),
        ({"detail": "Not authenticated"}, "no top-level 'error' object"),
        ("Unauthorized", "no top-level 'error' object"),
        (None, "no top-level 'error' object"),
        ({"error": "Unauthorized"}, "'error' is not an object"),
        ({"error": {"message": ""}}, "'error.message' is missing or empty"),
        ({"error": {"type": "auth_error"}}, "'error.message' is missing or empty"),
        ({"error": {"message": 401}}, "'error.message' is missing or empty"),
        # LiteLLM <=1.61.x passes the exception's dict through as the message
        ({"error": {"message": {"error": "Invalid key"}}}, _OBJECT_MESSAGE),
        ({"error": {"message": ["Invalid key"]}}, _OBJECT_MESSAGE),
        ({"error": {"message": "Invalid key"}, "detail": "x"}, None),
    ],
)
def test_envelope_problem_names_what_is_missing(body: Any, problem: str | None) -> None:
    assert _common.envelope_problem(body) == problem


def _response(text: str = "", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(401, text=text, headers=headers, request=httpx.Request("GET", "http://proxy.test/v1/models"))


def test_an_echoed_credential_is_a_security_failure_naming_where() -> None:
    secret = "abc-not-sk-shaped-secret-123"
    with pytest.raises(SmokeFailure, match="echoes a credential back in the body") as caught:
        _common.assert_no_echo(_response(f"bad key {secret}"), [Secret(secret)], "probe")
    assert caught.value.security
    with pytest.raises(SmokeFailure, match="in header 'x-debug'"):
        _common.assert_no_echo(_response("ok", {"x-debug": secret}), [None, "", secret], "probe")


def test_no_echo_passes_when_nothing_sent_comes_back() -> None:
    _common.assert_no_echo(_response("bad key", {"x-debug": "nothing"}), [Secret("s3cret-value"), None, ""], "probe")


def test_is_number_excludes_bools_and_strings() -> None:
    assert _common.is_number(0)
    assert _common.is_number(1.5)
    assert not _common.is_number(True)
    assert not _common.is_number("1")
    assert not _common.is_number(None)


def test_expect_status() -> None:
    _common.expect_status(_response(), 401, "probe", "hint")
    with pytest.raises(SmokeFailure, match="probe: expected HTTP 200, got 401"):
        _common.expect_status(_response(), 200, "probe", "hint")


def test_not_litellm_names_html_pages_only() -> None:
    html = httpx.Response(502, text="<html><body>Bad Gateway</body></html>", headers={"content-type": "text/html"})
    assert "HTML page" in _common.not_litellm(html)
    assert _common.not_litellm(httpx.Response(502, json={"error": {"message": "x"}})) == ""


def test_expect_envelope_names_an_html_origin_only_when_asked() -> None:
    # a JSON body served as text/html (an ingress' error page template): callers that already read the body as
    # JSON keep the plain title; origin=True adds who answered
    page = _response('{"detail": "Unauthorized"}', {"content-type": "text/html"})
    body = {"detail": "Unauthorized"}
    with pytest.raises(SmokeFailure) as plain:
        _common.expect_envelope(page, body, "probe: 401 without the envelope", "401 envelope", "hint")
    assert plain.value.title == "probe: 401 without the envelope (no top-level 'error' object)"
    with pytest.raises(SmokeFailure) as named:
        _common.expect_envelope(page, body, "probe: 401 without the envelope", "401 envelope", "hint", origin=True)
    assert named.value.title.startswith("probe: 401 without the envelope (no top-level 'error' object) (an HTML page")
    _common.expect_envelope(page, {"error": {"message": "Authentication Error"}}, "probe", "e", "h", origin=True)


@pytest.mark.asyncio
async def test_a_stream_with_bytes_that_are_not_utf8_is_read_not_crashed_on() -> None:
    # A hostile or broken proxy may send any bytes: the stream is still text for the checks to judge
    # (its events then fail as not JSON), never a UnicodeDecodeError traceback.
    response = httpx.Response(200, stream=httpx.ByteStream(b'data: {"a": "\xff\xfe"}\n\n'))

    def fail(problem: str, got: str, hint: str) -> SmokeFailure:
        return SmokeFailure(problem, expected="-", got=got, hint=hint)

    text = await _common.read_stream(response, fail)
    assert text == 'data: {"a": "\ufffd\ufffd"}\n\n'
    assert response.is_closed

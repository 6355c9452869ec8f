"""Transformed echoes of a secret (issue 13 item 3) and terminal escapes (item 9), at unit level."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse

import httpx
import pytest

from litellm_smoke._secrets import MASK, Redactor
from litellm_smoke.checks._common import assert_no_echo
from litellm_smoke.errors import SmokeFailure, excerpt, printable
from litellm_smoke.report import CheckRow, Verdict, markdown_summary, table_lines
from litellm_smoke.report.terminal import progress_line
from litellm_smoke.report.verdict import RunReport

KEY = "sk-AbCdEf0123456789xyzXYZ-qwerty"

FORMS = {
    "verbatim": KEY,
    "upper": KEY.upper(),
    "lower": KEY.lower(),
    "no-prefix": KEY[3:],
    "base64": base64.b64encode(KEY.encode()).decode(),
    "base64-in-basic-auth": base64.b64encode(b"user:" + KEY.encode()).decode(),
    "base64url": base64.urlsafe_b64encode(KEY.encode()).decode(),
    "hex": KEY.encode().hex(),
    "hex-upper": KEY.encode().hex().upper(),
    "percent": urllib.parse.quote(KEY, safe=""),
    "percent-every-byte": "".join(f"%{b:02X}" for b in KEY.encode()),
    "json-escaped-first": "\\u0073" + KEY[1:],
    "json-escaped-all": "".join(f"\\u{ord(c):04x}" for c in KEY),
    "split": KEY[:15] + '", "b": "' + KEY[15:],
    "fragment-12": KEY[8:20],
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_form_of_a_secret_is_masked(form: str) -> None:
    redactor = Redactor([KEY])
    text = f"error: invalid key <{form}> sent"
    assert redactor.leaks(text)
    masked = redactor(text)
    assert MASK in masked
    assert masked.startswith("error: invalid key <")
    assert masked.endswith("> sent")
    for window in (KEY[i : i + 12].lower() for i in range(len(KEY) - 11)):
        assert window not in masked.lower()


def test_ordinary_text_and_public_prefixes_are_not_masked() -> None:
    redactor = Redactor(["sk-litellm-smoke-wrong-0123456789abcdef", "sk-test-master-key-value"])
    text = "litellm-smoke check: --master-key-env PROD_KEY; alias litellm-smoke-20261129"
    assert redactor(text) == text


def test_a_database_url_is_masked_whole_not_by_its_public_parts() -> None:
    redactor = Redactor(["postgresql://u:pw-9Zx8@db.internal:5432/litellm", "pw-9Zx8"])
    assert redactor("host db.internal:5432/litellm") == "host db.internal:5432/litellm"
    assert "pw-9Zx8" not in redactor("postgresql://u:pw-9Zx8@db.internal:5432/litellm")


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers, request=httpx.Request("GET", "http://t/v1/models"))


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_the_echo_check_fails_on_every_form_and_prints_none(form: str) -> None:
    body = json.dumps({"error": {"message": "x"}}).encode()[:-2] + b', "m": "' + form.encode() + b'"}}'
    with pytest.raises(SmokeFailure) as info:
        assert_no_echo(_response(401, body), [KEY], "wrong key")
    assert info.value.security
    assert not Redactor([KEY]).leaks(str(info.value))


def test_the_echo_check_reads_headers_too() -> None:
    with pytest.raises(SmokeFailure, match="header 'x-echo'"):
        assert_no_echo(_response(401, b"{}", {"x-echo": KEY.upper()}), [KEY], "wrong key")


def test_the_echo_check_on_a_large_body_is_fast() -> None:
    body = (b"a" * 1024 + b"\\u0041%41") * 8000  # 8 MB of escapes and text, no key
    started = time.perf_counter()
    assert_no_echo(_response(401, body), [KEY, "sk-other-0123456789ABCDEF"], "wrong key")
    assert time.perf_counter() - started < 10


ESCAPES = "\x1b[2J\x1b[H\x1b]52;c;c2stc3RvbGVu\x07\rPASS \x1b[32mHEALTHY\x1b[0m\x08\x9b31m\u202e"


def test_printable_strips_every_terminal_control() -> None:
    cleaned = printable(ESCAPES)
    assert not any(c in cleaned for c in "\x1b\x07\r\x08\x9b\u202e")
    assert "PASS" in cleaned  # the text stays readable, only the controls go


def test_excerpt_looks_at_a_bounded_prefix_and_never_cuts_a_secret_in_two() -> None:
    huge = "x " * 3000 + KEY + " " + "y" * 50_000_000
    started = time.perf_counter()
    out = excerpt(huge)
    assert time.perf_counter() - started < 1
    assert len(out) <= 300
    redactor = Redactor([KEY])
    cut = " " * 8170 + KEY  # the excerpt window ends inside the key
    assert not redactor.leaks(excerpt(cut).replace(MASK, ""))
    assert KEY[:6] not in excerpt(cut)


def test_reasons_and_model_names_reach_the_terminal_and_markdown_without_controls() -> None:
    row = CheckRow(
        name="chat_completion",
        test="test_chat_completion",
        nodeid="suite/test_smoke.py::test_chat_completion[m]",
        status="failed",
        latency_ms=1.0,
        model="m\x1b[31m",
        reason=ESCAPES,
    )
    verdict = Verdict(1, "failed", "UNHEALTHY")
    lines = [text for text, _ in table_lines([row], verdict)] + [progress_line(row)[0]]
    report = RunReport(checks=[row], verdict=verdict, pytest_exit=1)
    for text in [*lines, markdown_summary(report)]:
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "\r" not in text
        assert "\x08" not in text

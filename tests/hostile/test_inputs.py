"""Hostile or broken input to ``check`` (issue 13 items 4, 5, 6, 10): one line, exit 2, before any request.

Run in-process against the hostile server in its healthy mode: the server records every request,
so "before any request" is asserted, not assumed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from litellm_smoke.cli import main
from litellm_smoke.errors import ExitCode
from litellm_smoke.settings import SettingsError, parse_timeout, parse_url
from tests.hostile.cases import leaked
from tests.hostile.server import MASTER_KEY, MODEL, HostileServer, serve

URL_KEY = "sk-inurl-9f8e7d6c5b4a3210XYZ"


@pytest.fixture
def target() -> Iterator[tuple[str, HostileServer]]:
    with serve("healthy") as pair:
        yield pair


def _check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, key: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("LITELLM_MASTER_KEY", key)
    code = main(["check", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (MASTER_KEY + "\nX-Injected: 1", "a line break"),
        (MASTER_KEY[:10] + "é" + MASTER_KEY[10:], "a non-ASCII character"),
        (MASTER_KEY[:10] + "\x1b[2J" + MASTER_KEY[10:], "a control character"),
        (MASTER_KEY[:10] + " " + MASTER_KEY[10:], "a space"),
    ],
    ids=["newline", "non-ascii", "control", "inner-space"],
)
def test_a_master_key_no_header_can_carry_is_a_settings_error(
    target: tuple[str, HostileServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    words: str,
) -> None:
    url, server = target
    code, out, err = _check(capsys, monkeypatch, key, "--url", url, "--chat-model", MODEL)
    assert code == ExitCode.USAGE
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert f"invalid master key from environment variable LITELLM_MASTER_KEY: it contains {words}" in err
    assert not leaked(err, [MASTER_KEY])
    assert "Traceback" not in err
    assert server.requests == []  # refused before any request


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://admin:s3cr3t-Passw0rd@127.0.0.1:4000", "without user:password@"),
        ("http://[::1", "an http(s) URL with a host"),
        (f"http://127.0.0.1:4000/?k={URL_KEY}", "looks like an API key"),
        ("http://127.0.0.1:4000/?x=1", "without ?query or #fragment"),
        ("http://127.0.0.1:4000/#top", "without ?query or #fragment"),
        ("http://127.0.0.1:4000/\x1b[2J", "without spaces or control characters"),
    ],
    ids=["credentials", "broken-ipv6", "key-in-query", "query", "fragment", "control-char"],
)
def test_a_bad_url_is_one_line_exit_2_and_never_printed_with_its_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, words: str
) -> None:
    code, out, err = _check(capsys, monkeypatch, MASTER_KEY, "--url", url)
    assert code == ExitCode.USAGE, err
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert words in err
    assert "s3cr3t" not in err
    assert "admin" not in err
    assert URL_KEY not in err.replace("[REDACTED]", "")
    assert "\x1b" not in err
    assert "Traceback" not in err


def test_url_credentials_are_refused_in_every_source(monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused, not stripped: httpx would send them as Basic auth in place of the master key, and a
    # URL the user typed should not silently change meaning.
    with pytest.raises(SettingsError) as info:
        parse_url("https://user:hunter2-Secret9@gw.example:443/prefix", "environment variable LITELLM_BASE_URL")
    assert "hunter2" not in str(info.value)
    assert "user" not in str(info.value).split("from")[0]
    assert "'https://***@gw.example:443/prefix'" in str(info.value)


def test_a_path_prefix_stays_allowed() -> None:
    assert parse_url("http://127.0.0.1:4000/litellm/", "x") == "http://127.0.0.1:4000/litellm"


@pytest.mark.parametrize("name", ["sk-modelname-0123456789abcd", "Bearer abcdefghij0123456789"])
def test_a_key_as_model_name_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    code, _, err = _check(capsys, monkeypatch, MASTER_KEY, "--url", "http://127.0.0.1:4000", "--chat-model", name)
    assert code == ExitCode.USAGE, err
    assert "looks like an API key" in err
    assert name not in err


def test_timeout_has_an_upper_bound() -> None:
    assert parse_timeout("600", "x") == 600
    with pytest.raises(SettingsError, match="at most 600 seconds"):
        parse_timeout("601", "option --timeout")
    with pytest.raises(SettingsError):
        parse_timeout("1e999", "option --timeout")

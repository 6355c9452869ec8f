"""_secrets.py: the redactor hides every known secret completely, longer ones first, and key-shaped text."""

from __future__ import annotations

import pytest

from litellm_smoke._secrets import MASK, Redactor, Secret


def test_a_secret_that_extends_another_is_hidden_whole() -> None:
    # "abc" would be replaced inside "abcdef" first and leave "def" behind if shorter secrets went first
    short, long = "proxy-master-Q7v9", "proxy-master-Q7v9-tail-XK2"
    for order in ((short, long), (long, short)):
        redact = Redactor(order)
        assert redact(f"a {long} b {short} c") == f"a {MASK} b {MASK} c"
        redact = Redactor()
        for secret in order:
            redact.add(secret)
        assert "tail-XK2" not in redact(f"key={long}")


def test_known_secrets_key_shaped_text_and_bearer_values_are_masked() -> None:
    redact = Redactor(["", "plain-secret-value"])
    redact.add(Secret("other-secret-value"))
    redact.add(None)
    redact.add("")
    text = redact("plain-secret-value other-secret-value sk-abcdef123 Authorization: Bearer abcdefgh123 sk-abc")
    assert text == f"{MASK} {MASK} {MASK} Authorization: Bearer {MASK} sk-abc"


def test_short_bearer_values_and_partial_masks_stay() -> None:
    assert Redactor()("bearer short Bearer Be****ke") == "bearer short Bearer Be****ke"


@pytest.mark.parametrize("value", ["s3cret-value", ""])
def test_secret_never_shows_itself(value: str) -> None:
    secret = Secret(value)
    assert secret.reveal() == value
    assert repr(secret) == str(secret) == f"{secret}" == "Secret('**********')"
    assert bool(secret) is bool(value)
    assert secret == Secret(value)
    assert secret != value
    assert hash(secret) == hash(Secret(value))
    assert secret != Secret(value + "x")


def test_windows_of_a_value_are_its_substrings_and_of_nothing_none() -> None:
    from litellm_smoke._secrets import _windows

    assert _windows("", 4) == set()
    assert _windows("abc", 4) == {"abc"}
    assert _windows("abcd", 4) == {"abcd"}
    assert _windows("abcde", 4) == {"abcd", "bcde"}


def test_nothing_is_masked_or_leaked_before_a_secret_is_known() -> None:
    redact = Redactor([None, ""])
    assert redact.spans("proxy-master-Q7v9") == []
    assert not redact.leaks("proxy-master-Q7v9")
    redact.add(Secret("proxy-master-Q7v9"))
    assert redact.leaks("a PROXY-MASTER-q7V9 b")
    assert redact.spans("a proxy-master-Q7v9 b proxy-master-Q7v9") == [(2, 19), (22, 39)]
    assert redact.spans("") == []

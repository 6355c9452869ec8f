"""_secrets.py: the redactor hides every known secret completely, longer ones first, and key-shaped text."""

from __future__ import annotations

import base64

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


# -- Exact masking at the edges: what is hidden, and what must stay (mutation survivors, issue 16).

SECRETS = ("Qx7Lm2Np9Rt4Zk5", "Qx7Lm2Np9Rt4Zk5W", "Qx7Lm2Np9Rt4Zk5Wv", "sk-AbCdEf0123456789xyzXYZ-qwerty")
"""A 15-character secret (whose base64 forms are exactly 16 characters long) and longer ones."""


def _escaped(char: str) -> str:
    return f"\\u{ord(char):04x}"


def test_distinct_secrets_hash_apart() -> None:
    # equal secrets hash alike (see above); a constant hash would turn every set of secrets into a list
    assert len({hash(Secret(f"secret-value-{i}")) for i in range(8)}) > 1


@pytest.mark.parametrize("secret", SECRETS)
def test_every_aligned_12_bytes_of_a_secret_in_base64_are_masked(secret: str) -> None:
    # base64 of any 12 bytes of the secret, at each of the 3 byte alignments, first and last included:
    # cutting a fixed 4 characters off each end of an alignment's encoding lost the last 12 bytes
    raw = secret.encode()
    redact = Redactor([secret])
    for i in range(len(raw) - 11):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            blob = encode(raw[i : i + 12]).decode()
            assert redact.mask_known(f"blob <{blob}> end") == f"blob <{MASK}> end", (i, blob)


@pytest.mark.parametrize("prefix", [b"", b"\0", b"\0\0", b"XX", b"XX\0XX", b"user:"])
def test_base64_of_fewer_than_12_bytes_of_a_secret_is_no_leak(prefix: bytes) -> None:
    # whatever bytes come first, 11 bytes of the secret are below the documented 12-byte fragment
    secret = SECRETS[-1]
    redact = Redactor([secret])
    for i in range(len(secret) - 10):
        text = "blob " + base64.b64encode(prefix + secret.encode()[i : i + 11]).decode() + " end"
        assert redact.mask_known(text) == text, (i, text)
        assert not redact.leaks(text)


def test_base64_of_11_bytes_and_6_bits_of_a_secret_is_no_leak() -> None:
    # 11 whole bytes of the secret between a byte whose last 2 bits differ from the secret's byte before
    # them (a zero byte before its first) and one that shares only its first 6 bits with the secret's next:
    # 94 bits of the secret, below the 12-byte fragment, at the alignment where both edge characters mix
    secret = SECRETS[-1]
    redact = Redactor([secret])
    raw = secret.encode()
    for i in range(len(raw) - 11):
        before = bytes([raw[i - 1] ^ 0x03]) if i else b"\0"
        text = "blob " + base64.b64encode(before + raw[i : i + 11] + bytes([raw[i + 11] ^ 0x03])).decode() + " end"
        assert redact.mask_known(text) == text, (i, text)
        assert not redact.leaks(text)


def test_every_12_bytes_of_a_secret_in_hex_are_masked() -> None:
    secret = SECRETS[-1]
    redact = Redactor([secret])
    for i in range(len(secret) - 11):
        for digits in (secret.encode()[i : i + 12].hex(), secret.encode()[i : i + 12].hex().upper()):
            assert redact.mask_known(f"<{digits}>") == f"<{MASK}>", (i, digits)


@pytest.mark.parametrize(
    "template",
    ["{}", "{} sent", "Authorization: Basic {}", 'x {{"auth": "{}"}} y', "auth {} end"],
)
def test_a_base64_blob_carrying_a_secret_is_masked_whole_and_nothing_around_it(template: str) -> None:
    # basic auth: "admin:" puts the secret at an offset, and the blob's edges encode foreign bytes
    secret = SECRETS[-1]
    for blob in (base64.b64encode(f"admin:{secret}\n".encode()), base64.b64encode(f"x{secret}".encode())):
        text = template.format(blob.decode())
        assert Redactor([secret])(text) == template.format(MASK), text


def test_escaped_characters_at_either_end_of_a_secret_mask_exactly_the_secret() -> None:
    secret = SECRETS[-1]
    redact = Redactor([secret])
    forms = [
        _escaped(secret[0]) + secret[1:],  # JSON-escaped first character, the rest literal
        secret[0] + _escaped(secret[1]) + secret[2:],  # literal first character, then an escape
        secret[:-1] + _escaped(secret[-1]),  # escaped last character
        secret[:-1] + f"%{ord(secret[-1]):02X}",
    ]
    for form in forms:
        assert redact.mask_known(form) == MASK, form
        assert redact.mask_known(f'key="{form}" end') == f'key="{MASK}" end', form


def test_a_character_that_lower_cases_to_two_keeps_the_mask_in_place() -> None:
    secret = SECRETS[-1]
    # "İ".lower() is two characters: positions in the lower-cased text shift by one
    assert Redactor([secret]).mask_known(f"İ {secret} end") == f"İ {MASK} end"
    assert Redactor([secret]).mask_known(f"{secret}İ") == f"{MASK}İ"


def test_every_copy_of_a_secret_is_masked() -> None:
    secret = SECRETS[-1]
    redact = Redactor([secret])
    assert redact.mask_known(f"{secret} {secret}, {secret}; {secret}") == f"{MASK} {MASK}, {MASK}; {MASK}"


def test_a_fragment_overlapping_itself_is_masked_to_its_last_character() -> None:
    # "000000000000" is a fragment of the secret: both of its occurrences in 13 zeros are leaks
    redact = Redactor(["Ab-000000000000-Zz"])
    assert redact.mask_known("balance 0000000000000 due") == f"balance {MASK} due"


def test_fragments_inside_a_public_prefix_are_not_masked() -> None:
    # the public part is matched whatever its case; "team42-share" is random-looking (digits) yet public
    redact = Redactor(["SK-Team42-Shared-Qx7Lm2Np9Rt4"], public=("sk-TEAM42-shared-",))
    text = "keys of the team42-shared- pool, TEAM42-SHARED-"
    assert redact(text) == text
    assert not redact.leaks(text)
    assert redact("SK-Team42-Shared-Qx7Lm2Np9Rt4") == MASK


def test_two_secrets_that_touch_are_one_span() -> None:
    first, second = "Qx7Lm2Np9Rt4Zk", "Wv8Kj3Hg5Fd1Yy"
    redact = Redactor([first, second])
    text = f"<{first}{second}>"
    assert redact.spans(text) == [(1, 1 + len(first) + len(second))]
    assert redact.mask_known(text) == f"<{MASK}>"


@pytest.mark.parametrize("secret", ["Qx7Lm2Np9Rt4", "sk-Qx7Lm2Np9", "Qx7Lm2Np9Rt4Z", "Qx7Lm2Np9Rt4Zk"])
def test_a_short_secret_encoded_whole_in_base64_is_masked(secret: str) -> None:
    # 12 to 14 characters: cutting 4 characters off each end of its encoding left less than the 16 of a
    # 12-byte fragment, so base64("Qx7Lm2Np9Rt4") went out unmasked. Every character whose bits all come
    # from the secret is kept instead: its encoding on its own, as a basic-auth header carries it.
    redact = Redactor([secret])
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        blob = encode(secret.encode()).decode().rstrip("=")
        assert redact.leaks(f"Authorization: Basic {blob}"), blob
        assert MASK in redact.mask_known(f"Authorization: Basic {blob}"), blob

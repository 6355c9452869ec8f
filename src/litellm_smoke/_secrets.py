"""Secret masking: the master key and minted keys never reach output.

A hostile (or merely careless) server does not echo a key verbatim only: it upper-cases it, drops
the ``sk-`` prefix, base64- or hex-encodes it, percent- or JSON-escapes it (``\\u0073k-…``), or
splits it across two fields. :class:`Redactor` therefore matches every *form* of a known secret:

- case-insensitively, after decoding ``\\uXXXX``, ``\\xXX`` and ``%XX`` escapes;
- any fragment of at least :data:`FRAGMENT_CHARS` characters (this covers the key without its
  prefix and a key split in two) that holds a digit or both cases: a fragment that reads like a
  word (``-master-key-``) would mask ordinary text; a secret shorter than that only as a whole;
- its hex form (fragments of ``2 * FRAGMENT_CHARS`` hex digits), and its base64 and base64url
  forms at every byte alignment (fragments of 16 characters, i.e. 12 bytes).

Unknown key-shaped strings (``sk-…``) and ``Bearer`` tokens are masked as well.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator

MASK = "[REDACTED]"
FRAGMENT_CHARS = 12
"""A run of this many characters of a secret counts as a leak of the secret."""
_B64_FRAGMENT = 16  # 12 bytes
PUBLIC_PARTS = ("sk-litellm-smoke-wrong-", "sk-litellm-smoke-offline-", "sk-smoke-", "sk-salt-")
"""Public prefixes litellm-smoke builds keys from: a fragment that lies inside one is no leak (else
every "litellm-smoke" in a report would be masked once the deliberately wrong key is known)."""

# Anything that looks like a LiteLLM/OpenAI key, whether we know it or not.
KEY_PATTERN = re.compile(r"(?i)\bsk-[A-Za-z0-9_\-]{6,}")
# LiteLLM's own partial masking ("sk-...abcd", "Be****ke") leaks a few characters; keep it.
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}")
# The escapes a server may wrap a secret in; decoded before matching.
_REPEATED_MASK = re.compile(r"(?:\[REDACTED\]){2,}")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})")


class Secret:
    """A string that does not show itself: ``repr``/``str``-formatting print a mask.

    Call :meth:`reveal` only where the value is put on the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def _windows(value: str, size: int) -> set[str]:
    """Every substring of ``size`` characters (the whole value when it is shorter)."""
    if len(value) <= size:
        return {value} if value else set()
    return {value[i : i + size] for i in range(len(value) - size + 1)}


def _random_looking(fragment: str) -> bool:
    """A fragment with a digit or with both cases: unlike ``-master-key-``, no ordinary word looks so."""
    return any(c.isdigit() for c in fragment) or (
        any(c.islower() for c in fragment) and any(c.isupper() for c in fragment)
    )


def _base64_forms(value: str) -> set[str]:
    """The base64 text that encodes ``value`` wherever it sits in an encoded string (3 alignments).

    Each alignment keeps exactly the characters whose 6 bits all come from ``value``: the ones at
    either end that also carry a neighbouring byte (or padding) are dropped. Every 12 bytes of the
    value, wherever they start, are then one 16-character window of one of these forms.
    """
    raw = value.encode("utf-8")
    forms: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        inner = encoded[(8 * offset + 5) // 6 : 8 * (offset + len(raw)) // 6]
        if len(inner) >= _B64_FRAGMENT:
            forms.add(inner)
            forms.add(inner.translate(str.maketrans("+/", "-_")))
    return forms


class _Normalised:
    """``text`` lower-cased with escapes decoded, and for each character the span it came from."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str) -> None:
        lowered = text.lower()
        if len(lowered) == len(text) and not _ESCAPE.search(text):
            self.text = lowered  # the common case: positions map one to one
            self.starts: list[int] | None = None
            self.ends: list[int] | None = None
            return
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []

        def literal(start: int, stop: int) -> None:
            for index in range(start, stop):
                for char in text[index].lower():
                    chars.append(char)
                    starts.append(index)
                    ends.append(index + 1)

        position = 0
        for match in _ESCAPE.finditer(text):
            literal(position, match.start())
            code = int(next(group for group in match.groups() if group is not None), 16)
            for char in chr(code).lower():
                chars.append(char)
                starts.append(match.start())
                ends.append(match.end())
            position = match.end()
        literal(position, len(text))
        self.text, self.starts, self.ends = "".join(chars), starts, ends

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """The span of the original text that characters ``start:stop`` of the normalised text came from."""
        if self.starts is None or self.ends is None:
            return start, stop
        return self.starts[start], self.ends[stop - 1]


def _occurrences(haystack: str, needles: Iterable[str]) -> Iterator[tuple[int, int]]:
    for needle in needles:
        start = haystack.find(needle)
        while start != -1:
            yield start, start + len(needle)
            start = haystack.find(needle, start + 1)


_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")


def _run(text: str, start: int, stop: int) -> tuple[int, int]:
    while start > 0 and text[start - 1] in _BASE64_CHARS:
        start -= 1
    while stop < len(text) and text[stop] in _BASE64_CHARS:
        stop += 1
    return start, stop


class Redactor:
    """Replaces known secrets (in every form, see the module docstring) and anything key-shaped in text."""

    def __init__(self, secrets: Iterable[str | Secret | None] = (), public: Iterable[str] = PUBLIC_PARTS) -> None:
        self._public = tuple(p.lower() for p in public)
        self._secrets: set[str] = set()
        self._folded: set[str] = set()  # fragments matched against the normalised text
        self._exact: set[str] = set()  # case-sensitive forms (base64) matched against the original text
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | Secret | None) -> None:
        """Learn a secret: from now on every form of it is masked."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if not value or value in self._secrets:
            return
        self._secrets.add(value)
        folded = value.lower()
        self._folded.add(folded)
        if "://" in value:
            # A URL (a database URL) is masked whole: its host and port are public, and its
            # password is registered as a secret of its own.
            return
        self._folded |= {
            fragment.lower()
            for fragment in _windows(value, FRAGMENT_CHARS)
            if _random_looking(fragment) and not any(fragment.lower() in p for p in self._public)
        }
        self._folded |= _windows(value.encode("utf-8").hex(), 2 * FRAGMENT_CHARS)
        for form in _base64_forms(value):
            self._exact |= _windows(form, _B64_FRAGMENT)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The merged spans of ``text`` that carry a known secret in any form."""
        if not self._secrets or not text:
            return []
        normalised = _Normalised(text)
        found = [normalised.span(a, b) for a, b in _occurrences(normalised.text, self._folded)]
        # A base64 match takes its whole run: the characters around it encode the secret's edges.
        found += [_run(text, a, b) for a, b in _occurrences(text, self._exact)]
        merged: list[tuple[int, int]] = []
        for start, stop in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
            else:
                merged.append((start, stop))
        return merged

    def leaks(self, text: str) -> bool:
        """Whether ``text`` carries a known secret in any form (no positions: fast on a large body)."""
        if not self._secrets or not text:
            return False
        folded = _ESCAPE.sub(lambda m: chr(int(next(g for g in m.groups() if g is not None), 16)), text).lower()
        return any(needle in folded for needle in self._folded) or any(needle in text for needle in self._exact)

    def mask_known(self, text: str) -> str:
        """``text`` with every form of every known secret replaced by :data:`MASK`."""
        pieces: list[str] = []
        position = 0
        for start, stop in self.spans(text):
            pieces += [text[position:start], MASK]
            position = stop
        pieces.append(text[position:])
        return "".join(pieces)

    @staticmethod
    def mask_shapes(text: str) -> str:
        """``text`` with unknown key-shaped strings and bearer tokens replaced by :data:`MASK`."""
        text = KEY_PATTERN.sub(MASK, text)
        return _BEARER_PATTERN.sub(lambda m: m.group(1) + MASK, text)

    def __call__(self, text: str) -> str:
        return _REPEATED_MASK.sub(MASK, self.mask_shapes(self.mask_known(text)))


# One process-wide redactor: every key the run learns about is added here, and
# every message leaving the suite (failures, reports, logs) passes through it.
REDACT = Redactor()


def redact(text: str) -> str:
    return REDACT(text)

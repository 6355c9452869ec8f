"""Secret masking: the master key and minted keys never reach output."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[REDACTED]"

# Anything that looks like a LiteLLM/OpenAI key, whether we know it or not.
KEY_PATTERN = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")
# LiteLLM's own partial masking ("sk-...abcd", "Be****ke") leaks a few characters; keep it.
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}")


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


class Redactor:
    """Replaces known secrets and anything key-shaped in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = {s for s in secrets if s}

    def add(self, secret: str | Secret | None) -> None:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value:
            self._secrets.add(value)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        text = KEY_PATTERN.sub(MASK, text)
        return _BEARER_PATTERN.sub(lambda m: m.group(1) + MASK, text)


# One process-wide redactor: every key the run learns about is added here, and
# every message leaving the suite (failures, reports, logs) passes through it.
REDACT = Redactor()


def redact(text: str) -> str:
    return REDACT(text)

"""Master keys published in docs and examples: one list, shared by lint-config and the live checks.

The shipped list is ``litellm_smoke/data/well_known_keys.yaml`` (digests, never keys in clear);
a team extends it with files of the same shape, passed as ``extra``.

Stable API:
    is_well_known(key, extra=()) -> WellKnownKey | None
    load_well_known_keys(extra=()) -> tuple[WellKnownKey, ...]
    probe_keys(extra=()) -> tuple[tuple[WellKnownKey, str], ...]   # (entry, published key) to present to a proxy
    WELL_KNOWN_KEY_DIGESTS: frozenset[str]                        # sha256 hex of the shipped keys
    LITELLM_BOOT_REFUSED_DIGESTS: frozenset[str]                  # the subset LiteLLM >=1.108 refuses to boot with
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litellm_smoke.security._files import DataFile

SHIPPED = "well_known_keys.yaml"
_HEX64 = re.compile(r"[0-9a-f]{64}")


class WellKnownKeysError(ValueError):
    """A well-known-keys file is unreadable or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class WellKnownKey:
    label: str
    sha256: str
    source: str
    probe_b64: str | None = None
    origin: str = SHIPPED

    def __repr__(self) -> str:  # the probe is public, but keep it out of reprs and tracebacks anyway
        return f"WellKnownKey(label={self.label!r}, sha256={self.sha256[:12]}..., origin={self.origin!r})"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_well_known(key: str, extra: Sequence[Path] = ()) -> WellKnownKey | None:
    """The entry whose digest matches ``key`` exactly (surrounding whitespace ignored), else None."""
    wanted = digest(key.strip())
    return next((entry for entry in load_well_known_keys(extra) if entry.sha256 == wanted), None)


def probe_keys(extra: Sequence[Path] = ()) -> tuple[tuple[WellKnownKey, str], ...]:
    """(entry, key) for every entry that publishes its key, to present to a proxy that must refuse it."""
    return tuple(
        (entry, base64.b64decode(entry.probe_b64).decode()) for entry in load_well_known_keys(extra) if entry.probe_b64
    )


def load_well_known_keys(extra: Sequence[Path] = ()) -> tuple[WellKnownKey, ...]:
    return _FILES.load(extra)


def parse_well_known_keys(text: str, origin: str) -> list[WellKnownKey]:
    """Parse one file (YAML or JSON). Raises WellKnownKeysError naming ``origin`` and the entry."""
    return _FILES.parse(text, origin)


def _entry(raw: Mapping[str, Any], origin: str, where: str) -> WellKnownKey:
    sha = str(raw.get("sha256", "")).strip().lower()
    if not _HEX64.fullmatch(sha):
        raise WellKnownKeysError(f"{where}: 'sha256' must be 64 hex digits (sha256 of the key), not the key")
    label = " ".join(str(raw.get("label") or "").split())
    if not label:
        raise WellKnownKeysError(f"{where}: 'label' is required (messages name the key by it)")
    probe = raw.get("probe")
    if probe is not None:
        try:
            published = base64.b64decode(str(probe), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise WellKnownKeysError(f"{where}: 'probe' is not base64 of a UTF-8 key") from exc
        if digest(published) != sha:
            raise WellKnownKeysError(f"{where}: 'probe' does not match 'sha256'")
    return WellKnownKey(
        label=label,
        sha256=sha,
        source=" ".join(str(raw.get("source") or "").split()),
        probe_b64=None if probe is None else str(probe),
        origin=origin,
    )


_FILES = DataFile("well-known-keys file", "keys", SHIPPED, WellKnownKeysError, _entry)


WELL_KNOWN_KEY_DIGESTS: frozenset[str] = frozenset(entry.sha256 for entry in _FILES.shipped)
# The subset LiteLLM itself refuses to boot with (>=1.108): litellm/proxy/auth/master_key_boot_check.py
# PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS in litellm 1.108.7 ("sk-1234").
LITELLM_BOOT_REFUSED_DIGESTS: frozenset[str] = frozenset(
    {"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"}
)

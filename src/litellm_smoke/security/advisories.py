"""Known-bad LiteLLM releases: is this version (or this pin, or this image) affected by a published advisory?

The shipped data is ``litellm_smoke/data/advisories.yaml`` (fields documented at its top and in
docs/security.md). A team adds its own entries with files of the same shape, passed as ``extra``;
their entries are added to the shipped ones, never replace them.

Stable API (other modules and the config linter build on it):
    known_bad(version, extra=()) -> list[Advisory]
    allowed_by(pin, extra=()) -> list[Advisory]
    known_bad_image(digest, extra=()) -> list[Advisory]
    load_advisories(extra=()) -> tuple[Advisory, ...]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from litellm_smoke.security._files import DataFile

Severity = Literal["malicious", "vulnerable"]
SEVERITIES: tuple[Severity, ...] = ("malicious", "vulnerable")
SHIPPED = "advisories.yaml"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class AdvisoryDataError(ValueError):
    """An advisory file is unreadable or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    url: str
    date: str
    says: str = ""


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    severity: Severity
    affected: SpecifierSet
    fixed: str | None
    safe: str
    summary: str
    image_digests: tuple[str, ...]
    sources: tuple[Source, ...]
    corroborated: bool
    note: str = ""
    origin: str = SHIPPED

    @property
    def malicious(self) -> bool:
        return self.severity == "malicious"

    @property
    def names(self) -> str:
        """The id with its aliases, e.g. ``PYSEC-2026-2 (MAL-2026-2144)``."""
        return f"{self.id} ({', '.join(self.aliases)})" if self.aliases else self.id

    @property
    def cve(self) -> str | None:
        return next((name for name in (self.id, *self.aliases) if name.startswith("CVE-")), None)

    def affects(self, version: Version) -> bool:
        return self.affected.contains(version, prereleases=True)


def parse_version(text: str) -> Version | None:
    """A LiteLLM version as reported (``1.82.8``, ``v1.83.7-stable``, ``1.108.7``); None if not a version."""
    cleaned = text.strip().removeprefix("v").removeprefix("V")
    cleaned = re.sub(r"[-.]?(stable|nightly|lts)$", "", cleaned, flags=re.IGNORECASE)
    try:
        return Version(cleaned)
    except InvalidVersion:
        return None


def known_bad(version: str, extra: Sequence[Path] = ()) -> list[Advisory]:
    """The advisories affecting ``version``, malicious first. Empty for a clean or unparsable version."""
    parsed = parse_version(version)
    if parsed is None:
        return []
    return _ordered(a for a in load_advisories(extra) if a.affects(parsed))


def allowed_by(pin: str, extra: Sequence[Path] = ()) -> list[Advisory]:
    """The advisories whose affected versions a requirement pin admits (``==1.82.8``, ``>=1.80,<1.90``).

    Exact for ``==`` pins; for ranges it tests the versions at and next to every boundary named
    by the pin or the advisory (plus the extremes), which finds each overlap of ``<``/``<=``/``>=``/
    ``>``/``==`` combinations; ``!=`` gaps and wildcards are approximated. Raises ValueError naming
    the pin when it is not a PEP 440 specifier set.
    """
    try:
        spec = SpecifierSet(pin.strip())
    except InvalidSpecifier as exc:
        raise ValueError(f"not a version specifier: {pin!r}") from exc
    found = []
    for advisory in load_advisories(extra):
        candidates = {*_boundaries(spec), *_boundaries(advisory.affected)}
        if any(advisory.affects(v) and spec.contains(v, prereleases=True) for v in candidates):
            found.append(advisory)
    return _ordered(found)


def known_bad_image(digest: str, extra: Sequence[Path] = ()) -> list[Advisory]:
    """The advisories listing this image digest (``sha256:<64 hex>``, as in ``image@sha256:...``)."""
    wanted = digest.strip().lower()
    return _ordered(a for a in load_advisories(extra) if wanted in a.image_digests)


def load_advisories(extra: Sequence[Path] = ()) -> tuple[Advisory, ...]:
    """The shipped advisories followed by those of each ``extra`` file (in order)."""
    return _FILES.load(extra)


def parse_advisories(text: str, origin: str) -> list[Advisory]:
    """Parse one advisory file (YAML or JSON). Raises AdvisoryDataError naming ``origin`` and the entry."""
    return _FILES.parse(text, origin)


def _entry(raw: Mapping[str, Any], origin: str, where: str) -> Advisory:
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise AdvisoryDataError(f"{where}: 'id' must be a non-empty string")
    where = f"advisory file {origin}, entry {ident}"
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise AdvisoryDataError(f"{where}: 'severity' must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    try:
        affected = SpecifierSet(str(raw.get("affected", "")))
    except InvalidSpecifier as exc:
        raise AdvisoryDataError(f"{where}: 'affected' is not a PEP 440 specifier set") from exc
    if not str(affected):
        raise AdvisoryDataError(f"{where}: 'affected' is empty (it would match every version)")
    fixed = raw.get("fixed")
    if fixed is not None and parse_version(str(fixed)) is None:
        raise AdvisoryDataError(f"{where}: 'fixed' is not a version: {fixed!r}")
    digests = tuple(str(d).strip().lower() for d in _strings(raw.get("image_digests"), where, "image_digests"))
    for digest in digests:
        if not _DIGEST.fullmatch(digest):
            raise AdvisoryDataError(f"{where}: image digest {digest!r} is not sha256:<64 hex>")
    sources = tuple(_source(s, where) for s in (raw.get("sources") or []))
    if not sources:
        raise AdvisoryDataError(f"{where}: at least one source (url, date) is required")
    return Advisory(
        id=ident.strip(),
        aliases=tuple(_strings(raw.get("aliases"), where, "aliases")),
        severity=severity,
        affected=affected,
        fixed=None if fixed is None else str(fixed),
        safe=str(raw.get("safe") or (f"{fixed} or later" if fixed else "no fixed release is known")),
        summary=" ".join(str(raw.get("summary", "")).split()),
        image_digests=digests,
        sources=sources,
        corroborated=bool(raw.get("corroborated", False)),
        note=" ".join(str(raw.get("note") or "").split()),
        origin=origin,
    )


_FILES = DataFile("advisory file", "advisories", SHIPPED, AdvisoryDataError, _entry, yaml_error_type=True)


def _strings(value: Any, where: str, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdvisoryDataError(f"{where}: {name!r} must be a list of strings")
    return list(value)


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, Mapping) or not raw.get("url") or not raw.get("date"):
        raise AdvisoryDataError(f"{where}: each source needs 'url' and 'date'")
    return Source(url=str(raw["url"]), date=str(raw["date"]), says=str(raw.get("says", "")))


_LOWEST, _HIGHEST = Version("0"), Version("999999")


def _boundaries(spec: SpecifierSet) -> Iterable[Version]:
    """Versions at and just beside each boundary of ``spec``, plus the extremes."""
    yield _LOWEST
    yield _HIGHEST
    for item in spec:
        version = parse_version(item.version.replace(".*", ""))
        if version is None:
            continue
        yield version
        release = version.release
        yield Version(".".join(map(str, (*release, 1))))  # just above: 1.82.8 -> 1.82.8.1
        nonzero = [i for i, part in enumerate(release) if part]
        if nonzero:  # just below: 1.84.0 -> 1.83.999999.999999
            i = nonzero[-1]
            below = (*release[:i], release[i] - 1, *([999999] * (len(release) - i)))
            yield Version(".".join(map(str, below)))


def _ordered(advisories: Iterable[Advisory]) -> list[Advisory]:
    return sorted(advisories, key=lambda a: SEVERITIES.index(a.severity))

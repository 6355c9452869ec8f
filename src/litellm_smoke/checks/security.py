"""Security of the deployment itself: a known-bad LiteLLM release, publicly known master keys.

No model is called: the version comes from headers already seen, ``/health/readiness/details``
(master key) or the public readiness body of old releases; key probes use ``GET /v1/models``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from litellm_smoke._secrets import Secret
from litellm_smoke.checks._common import assert_no_echo
from litellm_smoke.client.diagnosis import describe
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import MODELS, READINESS, READINESS_DETAILS
from litellm_smoke.errors import SmokeFailure
from litellm_smoke.security.advisories import Advisory, known_bad, parse_version
from litellm_smoke.security.well_known_keys import digest, is_well_known, probe_keys

ALLOW_VULNERABLE_HINT = (
    "LITELLM_SMOKE_ALLOW_VULNERABLE=true turns a vulnerable (never a malicious) release into a warning"
)


@dataclass(frozen=True)
class VersionReport:
    """The version the proxy reports, where it came from, and the advisories it falls under."""

    version: str | None
    source: str
    advisories: tuple[Advisory, ...] = ()
    warning: str | None = None  # set when a vulnerable release is allowed (LITELLM_SMOKE_ALLOW_VULNERABLE)

    @property
    def known(self) -> bool:
        return self.version is not None and parse_version(self.version) is not None


_VERSION_TEXT = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


def _version_text(raw: object) -> str | None:
    """A reported version as text fit for a message, or None: at most 64 characters of [0-9A-Za-z.+_-]."""
    text = raw.strip() if isinstance(raw, str) else ""
    return text if _VERSION_TEXT.fullmatch(text) else None


async def reported_version(client: ProxyClient) -> tuple[str | None, str]:
    """(version, where it came from). No model call, never raises; (None, why) when nothing reports one.

    A value that cannot be a version (too long, control characters, markup) counts as not reported.
    """
    if _version_text(client.litellm_version):
        return _version_text(client.litellm_version), "x-litellm-version header"
    for path, key in ((READINESS_DETAILS, True), (READINESS, False)):
        try:
            response = await client.get(path) if key else await client.get(path, key=None)
        except SmokeFailure:
            continue
        if response.status_code != 200:
            continue
        try:
            body = response.json()
        except ValueError:
            continue
        version = _version_text(body.get("litellm_version") if isinstance(body, dict) else None)
        if version:
            client.litellm_version = client.litellm_version or version
            return version, f"{path} body"
    return None, f"no x-litellm-version header and no litellm_version in {READINESS_DETAILS} or {READINESS}"


async def version_not_known_bad(
    client: ProxyClient, *, allow_vulnerable: bool = False, advisory_files: Sequence[Path] = ()
) -> VersionReport:
    """The LiteLLM release the proxy reports is not a known-bad one (security/advisories.py).

    malicious: SECURITY failure naming the advisory and the release to run instead (always).
    vulnerable: failure naming the CVE and the fixed release; with ``allow_vulnerable`` a warning
    in the returned report instead. Unknown or unparsable version: reported, not failed.
    """
    version, source = await reported_version(client)
    if version is None:
        return VersionReport(None, source)
    found = tuple(known_bad(version, advisory_files))
    report = VersionReport(version, source, found)
    if not found:
        return report
    malicious = [a for a in found if a.malicious]
    if malicious:
        advisory = malicious[0]
        raise SmokeFailure(
            f"LiteLLM {version} is a malicious release ({advisory.names})",
            expected="a LiteLLM release without a published malicious-code advisory",
            got=f"LiteLLM {version} ({source}): {advisory.summary}",
            hint=f"replace it now with {advisory.safe}, treat the host as compromised and rotate every credential "
            f"it could read; sources: {', '.join(s.url for s in advisory.sources[:2])}"
            + ("" if advisory.corroborated else " (advisory not independently corroborated)"),
            security=True,
        )
    summary = "; ".join(_vulnerable_line(a) for a in found)
    if allow_vulnerable:
        return VersionReport(version, source, found, warning=f"LiteLLM {version} is vulnerable: {summary}")
    fixes = [v for v in (parse_version(a.fixed) for a in found if a.fixed) if v is not None]
    newest_fix = str(max(fixes)) if fixes else "a release without these advisories"
    raise SmokeFailure(
        f"LiteLLM {version} has {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}: "
        + ", ".join(a.cve or a.id for a in found),
        expected="a LiteLLM release without known security advisories",
        got=f"LiteLLM {version} ({source}): {summary}",
        hint=f"upgrade to {newest_fix} or later; {ALLOW_VULNERABLE_HINT}",
        security=True,
    )


def _vulnerable_line(advisory: Advisory) -> str:
    fixed = f"fixed in {advisory.fixed}" if advisory.fixed else "no fixed release known"
    return f"{advisory.cve or advisory.id} ({advisory.summary.rstrip('.')}; {fixed})"


def master_key_not_well_known(master_key: Secret | None, key_files: Sequence[Path] = ()) -> None:
    """The run's own master key is not a publicly known one (security/well_known_keys.py)."""
    if master_key is None:
        return
    entry = is_well_known(master_key.reveal(), key_files)
    if entry is not None:
        raise SmokeFailure(
            "the proxy's master key is a publicly known key",
            expected="a master key nobody else knows",
            got=f"LITELLM_MASTER_KEY is {entry.label}",
            hint='rotate it now: set a new random key (echo "sk-$(openssl rand -hex 32)") on the proxy and '
            "wherever clients use it; anyone who read the same docs can use the current one",
            security=True,
        )


async def well_known_keys_refused(client: ProxyClient, key_files: Sequence[Path] = ()) -> tuple[str, ...]:
    """Each publicly known key that publishes its value is refused by ``GET /v1/models`` (free, no model).

    The run's own master key is skipped here (master_key_not_well_known reports it). Returns the
    labels of the keys probed. Messages name a key by its label, never its value.
    """
    own = digest(client.master_key.reveal()) if client.master_key else None
    probed: list[str] = []
    accepted: list[tuple[str, str]] = []
    for entry, key in probe_keys(key_files):
        if entry.sha256 == own:
            continue
        response = await client.get(MODELS, key=key)
        assert_no_echo(response, [key, client.master_key], f"publicly known key ({entry.label})")
        probed.append(entry.label)
        if response.is_success:
            accepted.append((entry.label, describe(response)))
    if accepted:
        raise SmokeFailure(
            f"{len(accepted)} publicly known key(s) accepted: " + "; ".join(label for label, _ in accepted),
            expected=f"HTTP 401 (or 400 without a database) for GET {MODELS} with a key published in docs",
            got=accepted[0][1],
            hint="a virtual key or a custom auth hook accepts a key anyone can read in public docs; delete or "
            "rotate that key (`/key/list` with the master key shows its alias) and check the auth hook",
            security=True,
        )
    return tuple(probed)

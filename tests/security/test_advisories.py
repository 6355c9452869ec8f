from __future__ import annotations

from pathlib import Path

import pytest

from litellm_smoke.security import advisories
from litellm_smoke.security.advisories import AdvisoryDataError, allowed_by, known_bad, known_bad_image, parse_version


def ids(found: list[advisories.Advisory]) -> list[str]:
    return [a.id for a in found]


@pytest.mark.parametrize("version", ["1.82.7", "1.82.8", "v1.82.8", "1.107.0"])
def test_malicious_releases_are_known_bad_and_listed_first(version: str) -> None:
    found = known_bad(version)
    assert found
    assert found[0].malicious
    assert found[0].fixed
    assert found[0].safe


def test_1_82_8_names_both_advisory_ids() -> None:
    [first, *_] = known_bad("1.82.8")
    assert first.id == "PYSEC-2026-2"
    assert "MAL-2026-2144" in first.aliases
    assert "MAL-2026-2144" in first.names


@pytest.mark.parametrize("version", ["1.82.6", "1.83.0", "1.106.12", "1.108.0", "1.108.7", "1.110.2"])
def test_neighbours_of_malicious_releases_are_not_malicious(version: str) -> None:
    assert not any(a.malicious for a in known_bad(version))


@pytest.mark.parametrize("version", ["1.108.7", "1.110.2", "1.84.0"])
def test_current_releases_are_clean(version: str) -> None:
    assert known_bad(version) == []


def test_vulnerable_release_names_cve_and_fix() -> None:
    found = known_bad("1.74.14")
    host_header = next(a for a in found if a.id == "GHSA-4xpc-pv4p-pm3w")
    assert host_header.severity == "vulnerable"
    assert host_header.cve == "CVE-2026-49468"
    assert host_header.fixed == "1.84.0"


@pytest.mark.parametrize("text", ["", "unknown", "not-a-version", "1.x"])
def test_unknown_versions_are_not_judged(text: str) -> None:
    assert known_bad(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.83.7-stable", "1.83.7"), ("v1.84.0", "1.84.0"), ("1.108.7", "1.108.7"), ("1.83.10.rc.1", "1.83.10rc1")],
)
def test_parse_version_accepts_litellm_tags(text: str, expected: str) -> None:
    assert str(parse_version(text)) == expected


@pytest.mark.parametrize(
    ("pin", "expected_in", "expected_out"),
    [
        ("==1.82.8", {"PYSEC-2026-2"}, {"LITELLM-2026-10-21-v1.107.0"}),
        (">=1.80,<2", {"PYSEC-2026-2", "LITELLM-2026-10-21-v1.107.0", "GHSA-4xpc-pv4p-pm3w"}, set()),
        (">=1.108.7,<1.111", set(), {"PYSEC-2026-2", "LITELLM-2026-10-21-v1.107.0", "GHSA-4xpc-pv4p-pm3w"}),
        ("<1.90", {"GHSA-4xpc-pv4p-pm3w", "PYSEC-2026-2"}, {"LITELLM-2026-10-21-v1.107.0"}),
        (">1.82.8,<1.107", {"GHSA-4xpc-pv4p-pm3w"}, {"PYSEC-2026-2", "LITELLM-2026-10-21-v1.107.0"}),
        ("~=1.106.0", set(), {"LITELLM-2026-10-21-v1.107.0"}),
    ],
)
def test_allowed_by_finds_overlapping_pins(pin: str, expected_in: set[str], expected_out: set[str]) -> None:
    found = set(ids(allowed_by(pin)))
    assert expected_in <= found
    assert not expected_out & found


def test_allowed_by_rejects_a_non_specifier() -> None:
    with pytest.raises(ValueError, match="not a version specifier"):
        allowed_by("latest")


TEAM_FILE = """
advisories:
  - id: TEAM-1
    severity: vulnerable
    affected: "==1.108.7"
    fixed: "1.108.8"
    summary: our own finding
    image_digests: ["sha256:%s"]
    sources: [{url: "https://wiki.example/sec/1", date: "2026-11-29"}]
""" % ("ab" * 32)


def test_team_file_adds_entries(tmp_path: Path) -> None:
    team = tmp_path / "team.yaml"
    team.write_text(TEAM_FILE)
    assert ids(known_bad("1.108.7", [team])) == ["TEAM-1"]
    assert ids(known_bad_image("sha256:" + "AB" * 32, [team])) == ["TEAM-1"]
    assert known_bad("1.108.7") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("advisories: [{id: X, severity: bad, affected: '<1', sources: [{url: u, date: d}]}]", "severity"),
        ("advisories: [{id: X, severity: vulnerable, affected: 'nope', sources: [{url: u, date: d}]}]", "specifier"),
        ("advisories: [{id: X, severity: vulnerable, affected: '', sources: [{url: u, date: d}]}]", "every version"),
        ("advisories: [{id: X, severity: vulnerable, affected: '<1'}]", "source"),
        ("advisories: {}", "list 'advisories'"),
        ("[: not yaml", "not valid"),
    ],
)
def test_malformed_team_file_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(body)
    with pytest.raises(AdvisoryDataError, match=message) as info:
        known_bad("1.0", [bad])
    assert str(bad) in str(info.value)


def test_missing_team_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDataError, match="not a regular file"):
        known_bad("1.0", [tmp_path / "absent.yaml"])


def test_every_shipped_entry_is_sourced_and_dated() -> None:
    for advisory in advisories.load_advisories():
        assert advisory.sources
        assert all(s.url.startswith("https://") and s.date[:2] == "20" for s in advisory.sources)
        assert advisory.summary
        assert advisory.safe

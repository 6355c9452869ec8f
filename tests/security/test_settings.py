"""The security settings: resolved once, bad values and bad files are one line naming the cause."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from litellm_smoke.cli import main
from litellm_smoke.errors import ExitCode
from litellm_smoke.settings import SettingsError, resolve

GOOD_ADVISORIES = """
advisories:
  - id: TEAM-1
    severity: vulnerable
    affected: "==1.0.0"
    sources: [{url: "https://wiki.example/1", date: "2026-11-29"}]
"""


def test_defaults_fail_vulnerable_releases_and_add_no_files() -> None:
    settings = resolve({}, {})
    assert (settings.allow_vulnerable, settings.advisory_files, settings.well_known_key_files) == (False, (), ())


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("false", False), ("no", False)])
def test_allow_vulnerable_from_env(raw: str, expected: bool) -> None:
    assert resolve({}, {"LITELLM_SMOKE_ALLOW_VULNERABLE": raw}).allow_vulnerable is expected


def test_allow_vulnerable_bad_value() -> None:
    with pytest.raises(SettingsError, match=r"invalid allow vulnerable 'maybe' from environment variable"):
        resolve({}, {"LITELLM_SMOKE_ALLOW_VULNERABLE": "maybe"})


def test_team_files_from_env_option_and_ini(tmp_path: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(GOOD_ADVISORIES)
    two.write_text(GOOD_ADVISORIES.replace("TEAM-1", "TEAM-2"))
    env = {"LITELLM_SMOKE_ADVISORIES": f"{one}{os.pathsep}{two}"}
    assert resolve({}, env).advisory_files == (str(one), str(two))
    assert resolve({"--advisories": [str(two)]}, env).advisory_files == (str(two),)
    assert resolve({}, {}, {"litellm_advisories": [str(one)]}).advisory_files == (str(one),)


@pytest.mark.parametrize(
    ("env_name", "body", "message"),
    [
        ("LITELLM_SMOKE_ADVISORIES", None, "not a regular file"),
        ("LITELLM_SMOKE_ADVISORIES", "advisories: [{id: X, severity: bad}]", "'severity' must be one of"),
        ("LITELLM_SMOKE_WELL_KNOWN_KEYS", None, "not a regular file"),
        ("LITELLM_SMOKE_WELL_KNOWN_KEYS", "keys: [{label: x, sha256: sk-1234}]", "64 hex digits"),
    ],
)
def test_bad_team_file_is_a_settings_error_naming_it(
    tmp_path: Path, env_name: str, body: str | None, message: str
) -> None:
    path = tmp_path / "team.yaml"
    if body is not None:
        path.write_text(body)
    with pytest.raises(SettingsError, match=message) as info:
        resolve({}, {env_name: str(path)})
    assert str(path) in str(info.value)
    assert "sk-1234" not in str(info.value)


def test_cli_bad_advisory_file_is_one_line_and_exit_2(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LITELLM_SMOKE_ADVISORIES", str(tmp_path / "absent.yaml"))
    code = main(["check", "--offline"])
    out, err = capfd.readouterr()
    assert code == ExitCode.USAGE
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "absent.yaml: not a regular file" in err
    assert "Traceback" not in err

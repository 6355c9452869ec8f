"""lint-config and the live gate share one key list, and a team file extends it for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_smoke.cli import lint as cli_lint
from litellm_smoke.litellm_config.lint import lint_config
from litellm_smoke.litellm_config.rules._base import LintOptions
from litellm_smoke.security.well_known_keys import digest

TEAM_KEY = "sk-acme-wiki-example-0123456789abcdef"  # long, sk-shaped: only the team list knows it


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/K}\n"
        "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n",
        encoding="utf-8",
    )
    return config


def _team_file(tmp_path: Path) -> Path:
    team = tmp_path / "keys.yaml"
    team.write_text(f"keys:\n  - label: our onboarding wiki's example\n    sha256: {digest(TEAM_KEY)}\n")
    return team


def test_team_key_is_publicly_known_to_lint(tmp_path: Path) -> None:
    environ = {"LITELLM_MASTER_KEY": TEAM_KEY, "K": "x"}
    codes = [f.code for f in lint_config(_config(tmp_path), environ, options=LintOptions(scan_project=False))]
    assert "master-key-publicly-known" not in codes
    options = LintOptions(scan_project=False, well_known_keys=(_team_file(tmp_path),))
    [finding] = [
        f for f in lint_config(_config(tmp_path), environ, options=options) if f.code == "master-key-publicly-known"
    ]
    assert "our onboarding wiki's example" in finding.message
    assert TEAM_KEY not in finding.message + finding.fix


def test_cli_option_and_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", TEAM_KEY)
    monkeypatch.setenv("K", "x")
    config = _config(tmp_path)
    assert cli_lint.main([str(config), "--no-scan", "--well-known-keys", str(_team_file(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "master-key-publicly-known" in out
    assert TEAM_KEY not in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("keys: [{label: x, sha256: nope}]\n", encoding="utf-8")
    assert cli_lint.main([str(config), "--well-known-keys", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("litellm-smoke lint-config: well-known-keys file")
    assert "\n" not in err

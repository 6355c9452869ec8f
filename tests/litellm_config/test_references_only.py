"""``lint-config --references-only``: a CI lint job holds none of the proxy's secrets.

The config and its ``os.environ/`` references are checked, their values are not: the caller's
environment is not read, unset variables are listed in one info, values that would come from the
environment are not judged, and what the config writes itself is judged as always.
"""

from __future__ import annotations

import pytest

from litellm_smoke.cli import lint as _cli_lint
from litellm_smoke.litellm_config.lint import Finding, LintOptions, lint_config
from tests.helpers.paths import LINT_CONFIGS

REFS_ONLY = LintOptions(references_only=True)
SECRETS = ("LITELLM_MASTER_KEY", "OPENAI_API_KEY", "DATABASE_URL", "DIRECT_URL", "LITELLM_SALT_KEY", "REDIS_HOST")
STRONG_KEY = "sk-good-master-key-0123456789abcdef"


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


@pytest.mark.usefixtures("no_secrets")
def test_passes_a_valid_config_without_its_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    good = str(LINT_CONFIGS / "good.yaml")
    assert _cli_lint.main([good]) == 1  # the values are missing here...
    capsys.readouterr()
    assert _cli_lint.main([good, "--references-only"]) == 0  # ...which is not this mode's business
    out = capsys.readouterr().out
    assert "[env-values-not-checked]" in out
    assert "OPENAI_API_KEY, LITELLM_MASTER_KEY, DATABASE_URL" in out
    assert "0 error(s), 0 warning(s), 1 info" in out


def test_the_environment_is_not_read(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-1234")  # a weak value in the shell is not the deploy's
    monkeypatch.setenv("DATABASE_URL", "mysql://app:pw@db:3306/app")
    good = LINT_CONFIGS / "good.yaml"
    judged = codes(lint_config(good, {"LITELLM_MASTER_KEY": "sk-1234", "DATABASE_URL": "mysql://app:pw@db:3306/app"}))
    assert {"master-key-publicly-known", "database-not-postgres"} <= judged  # without the flag: judged
    environ = {"LITELLM_MASTER_KEY": "sk-1234", "DATABASE_URL": "mysql://app:pw@db:3306/app", "OPENAI_API_KEY": "x"}
    assert codes(lint_config(good, environ, options=REFS_ONLY)) == {"env-values-not-checked"}
    assert _cli_lint.main([str(good), "--references-only"]) == 0
    assert "master-key-publicly-known" not in capsys.readouterr().out


def test_hard_coded_values_are_still_judged() -> None:
    seed = lint_config(LINT_CONFIGS / "seed.yaml", {}, options=REFS_ONLY)
    assert {"hardcoded-master-key", "master-key-publicly-known", "database-not-postgres"} <= codes(seed)
    assert {"hardcoded-database-password", "embedding-mode-missing"} <= codes(seed)
    assert "salt-key-unset" not in codes(seed)  # whether the deploy sets it is not known here
    assert "env-var-missing" not in codes(seed)
    literal = lint_config(LINT_CONFIGS / "literal-api-key.yaml", {}, options=REFS_ONLY)
    assert "hardcoded-api-key" in codes(literal)


def test_an_absent_master_key_setting_is_a_warning_not_an_error() -> None:
    config = LINT_CONFIGS / "no-master-key.yaml"
    at_key = [
        (f.severity, f.code)
        for f in lint_config(config, {}, options=REFS_ONLY)
        if f.path == "general_settings.master_key"
    ]
    assert at_key == [("warning", "master-key-implicit")]
    # Without the flag, unchanged: an unset LITELLM_MASTER_KEY is an error, a strong one is fine.
    assert ("error", "master-key-missing") in {(f.severity, f.code) for f in lint_config(config, {})}
    assert "master-key-missing" not in codes(lint_config(config, {"LITELLM_MASTER_KEY": STRONG_KEY}))


def test_what_the_wrapper_sets_is_config_and_still_judged() -> None:
    values = (
        "envVars:\n"
        "  LITELLM_MASTER_KEY: sk-1234\n"
        "  DATABASE_URL: mysql://app:pw@db:3306/app\n"
        "proxy_config:\n"
        "  model_list:\n"
        "    - model_name: chat\n"
        "      litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY}\n"
        "  general_settings:\n"
        "    master_key: os.environ/LITELLM_MASTER_KEY\n"
        "    database_url: os.environ/DATABASE_URL\n"
    )
    findings = lint_config(values, {}, options=REFS_ONLY)
    assert {"master-key-publicly-known", "database-not-postgres", "env-values-not-checked"} <= codes(findings)
    (info,) = [f for f in findings if f.code == "env-values-not-checked"]
    assert "(OPENAI_API_KEY)" in info.message


def test_blank_and_config_only_references_are_still_findings() -> None:
    config = (
        "model_list:\n"
        "  - model_name: chat\n"
        "    litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/IN_CONFIG_ONLY, api_base: 'os.environ/'}\n"
        "environment_variables:\n"
        "  IN_CONFIG_ONLY: x\n"
        "general_settings:\n"
        "  master_key: os.environ/LITELLM_MASTER_KEY\n"
    )
    found = {(f.code, f.path) for f in lint_config(config, {}, options=REFS_ONLY)}
    assert ("env-var-only-in-config", "model_list[0].litellm_params.api_key") in found
    assert ("env-var-missing", "model_list[0].litellm_params.api_base") in found


def test_health_settings_from_the_environment_are_not_judged() -> None:
    config = (
        "model_list:\n"
        "  - model_name: chat\n"
        "    litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY}\n"
        "general_settings:\n"
        "  master_key: os.environ/LITELLM_MASTER_KEY\n"
        "  background_health_checks: true\n"
        "  health_check_interval: os.environ/HEALTH_CHECK_INTERVAL\n"
        "  use_shared_health_check: true\n"
    )
    environ = {"OPENAI_API_KEY": "x", "LITELLM_MASTER_KEY": STRONG_KEY}
    assert "health-check-interval-not-integer" in codes(lint_config(config, environ))  # unset: LiteLLM sees None
    assert codes(lint_config(config, {}, options=REFS_ONLY)) == {"env-values-not-checked"}
    written = config.replace("os.environ/HEALTH_CHECK_INTERVAL", "300")
    assert "health-check-shared-without-redis" in codes(lint_config(written, environ))
    assert "health-check-shared-without-redis" not in codes(lint_config(written, {}, options=REFS_ONLY))


@pytest.mark.usefixtures("no_secrets")
def test_conflicts_with_env_file_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Refused before anything is read: the env file need not even exist.
    argv = [str(LINT_CONFIGS / "good.yaml"), "--references-only", "--env-file", "absent.env"]
    assert _cli_lint.main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("litellm-smoke lint-config: ")
    assert "use one or the other" in lines[0]
    assert out == ""

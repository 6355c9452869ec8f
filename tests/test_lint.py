from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import pytest

from litellm_smoke.cli import lint as _cli_lint
from litellm_smoke.litellm_config import lint
from litellm_smoke.litellm_config.lint import Finding, exit_code, findings_to_json, format_findings, lint_config

LINT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "configs" / "lint"

SEED_MASTER_KEY = "sk-O5z4E7s-6NhLDG3ZZbq9tQ"  # public already: printed in the seed document
SEED_DB_PASSWORD = "hc-Mysql-Pw-4471"
LITERAL_UPSTREAM_KEY = "sk-proj-Lit3ralUpstreamKey0123456789"
GOOD_MASTER_KEY = "sk-good-master-key-0123456789abcdef"
NOT_SK_MASTER_KEY = "admin-Password-0123456789"
ENV_DB_PASSWORD = "pg-Secret-99"

ENV = {
    "OPENAI_API_KEY": "sk-upstream-openai-0123456789",
    "LITELLM_MASTER_KEY": GOOD_MASTER_KEY,
    "DATABASE_URL": f"postgresql://litellm:{ENV_DB_PASSWORD}@db:5432/litellm",
    "LITELLM_SALT_KEY": "salt-0123456789",
}
AZURE = {"AZURE_API_BASE": "https://example.openai.azure.com", "AZURE_API_KEY": "azure-key-0123456789"}


def without(environ: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k not in names}


# (fixture, environ, expected [(severity, code, path)])
CASES = [
    pytest.param("good.yaml", ENV, [], id="good"),
    pytest.param(
        "good.yaml",
        without(ENV, "DATABASE_URL"),
        [("error", "env-var-missing", "general_settings.database_url")],
        id="good-without-DATABASE_URL",
    ),
    pytest.param(
        "seed.yaml",
        {"OPENAI_API_KEY": ENV["OPENAI_API_KEY"]},
        [
            ("error", "hardcoded-master-key", "general_settings.master_key"),
            ("error", "database-not-postgres", "general_settings.database_url"),
            ("warning", "hardcoded-database-password", "general_settings.database_url"),
            ("warning", "embedding-mode-missing", "model_list[1].model_info.mode"),
            ("info", "salt-key-unset", "env:LITELLM_SALT_KEY"),
        ],
        id="seed",
    ),
    pytest.param(
        "seed.yaml",
        {},
        [
            ("error", "env-var-missing", "model_list[0].litellm_params.api_key"),
            ("error", "env-var-missing", "model_list[1].litellm_params.api_key"),
            ("error", "hardcoded-master-key", "general_settings.master_key"),
            ("error", "database-not-postgres", "general_settings.database_url"),
            ("warning", "hardcoded-database-password", "general_settings.database_url"),
            ("warning", "embedding-mode-missing", "model_list[1].model_info.mode"),
            ("info", "salt-key-unset", "env:LITELLM_SALT_KEY"),
        ],
        id="seed-empty-environ",
    ),
    pytest.param(
        "missing-model-name.yaml",
        ENV,
        [
            ("error", "model-name-missing", "model_list[0].model_name"),
            ("error", "litellm-model-missing", "model_list[1].litellm_params.model"),
            ("error", "litellm-model-missing", "model_list[2].litellm_params"),
        ],
        id="missing-model-name",
    ),
    pytest.param(
        "env-missing.yaml",
        ENV,
        [
            ("error", "env-var-missing", "model_list[0].litellm_params.api_base"),
            ("error", "env-var-missing", "model_list[0].litellm_params.api_key"),
        ],
        id="env-missing",
    ),
    pytest.param("env-missing.yaml", {**ENV, **AZURE}, [], id="env-present"),
    pytest.param(
        "sk-1234.yaml",
        ENV,
        [
            ("error", "hardcoded-master-key", "general_settings.master_key"),
            ("error", "master-key-publicly-known", "general_settings.master_key"),
        ],
        id="sk-1234-literal",
    ),
    pytest.param(
        "no-sk-prefix.yaml",
        {**ENV, "LITELLM_MASTER_KEY": "sk-1234"},
        [("error", "master-key-publicly-known", "general_settings.master_key")],
        id="sk-1234-from-env-reference",
    ),
    pytest.param(
        "no-master-key.yaml",
        {**ENV, "LITELLM_MASTER_KEY": " sk-1234 "},
        [("error", "master-key-publicly-known", "env:LITELLM_MASTER_KEY")],
        id="sk-1234-from-env-fallback",
    ),
    pytest.param(
        "no-sk-prefix.yaml",
        {**ENV, "LITELLM_MASTER_KEY": NOT_SK_MASTER_KEY},
        [("error", "master-key-not-sk-prefixed", "general_settings.master_key")],
        id="no-sk-prefix",
    ),
    pytest.param(
        "no-sk-prefix.yaml",
        {**ENV, "LITELLM_MASTER_KEY": "sk-short"},
        [("warning", "master-key-short", "general_settings.master_key")],
        id="short-key",
    ),
    pytest.param(
        "no-master-key.yaml",
        without(ENV, "LITELLM_MASTER_KEY"),
        [("error", "master-key-missing", "general_settings.master_key")],
        id="no-master-key",
    ),
    pytest.param("no-master-key.yaml", ENV, [], id="master-key-from-env-fallback"),
    pytest.param(
        "no-sk-prefix.yaml",
        without(ENV, "LITELLM_MASTER_KEY"),
        [("error", "env-var-missing", "general_settings.master_key")],
        id="master-key-reference-unset",
    ),
    pytest.param(
        "mysql.yaml",
        {**ENV, "DATABASE_URL": f"mysql+pymysql://heartcode:{SEED_DB_PASSWORD}@mysql:3306/heartcode"},
        [("error", "database-not-postgres", "general_settings.database_url")],
        id="mysql-from-env-reference",
    ),
    pytest.param(
        "no-master-key.yaml",
        {**ENV, "DATABASE_URL": f"mysql://heartcode:{SEED_DB_PASSWORD}@mysql/heartcode"},
        [("error", "database-not-postgres", "env:DATABASE_URL")],
        id="mysql-from-env-fallback",
    ),
    pytest.param(
        "mysql.yaml",
        {**ENV, "DIRECT_URL": "sqlite:///tmp/litellm.db"},
        [("error", "database-not-postgres", "env:DIRECT_URL")],
        id="sqlite-direct-url",
    ),
    pytest.param(
        "mysql.yaml",
        {**ENV, "DATABASE_URL": "postgres://litellm@db/litellm"},
        [],
        id="postgres-scheme-alias",
    ),
    pytest.param(
        "embed-no-mode.yaml",
        ENV,
        [
            ("warning", "embedding-mode-missing", "model_list[0].model_info.mode"),
            ("warning", "embedding-mode-missing", "model_list[1].model_info.mode"),
        ],
        id="embed-no-mode",
    ),
    pytest.param(
        "duplicates.yaml",
        {**ENV, **AZURE},
        [
            ("warning", "duplicate-model-entry", "model_list[2]"),
            ("info", "load-balanced-model", "model_list[0].model_name"),
        ],
        id="duplicates",
    ),
    pytest.param("not-yaml.yaml", ENV, [("error", "yaml-invalid", "<document>")], id="not-yaml"),
    pytest.param("not-mapping.yaml", ENV, [("error", "config-not-mapping", "<document>")], id="not-mapping"),
    pytest.param("empty-model-list.yaml", ENV, [("error", "model-list-empty", "model_list")], id="empty-model-list"),
    pytest.param(
        "literal-api-key.yaml",
        ENV,
        [("warning", "hardcoded-api-key", "model_list[0].litellm_params.api_key")],
        id="literal-api-key",
    ),
    pytest.param(
        "duplicate-keys.yaml", ENV, [("warning", "duplicate-yaml-key", "general_settings")], id="duplicate-yaml-key"
    ),
]


def triples(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.severity, f.code, f.path) for f in findings]


@pytest.mark.parametrize(("fixture", "environ", "expected"), CASES)
def test_fixture_findings(fixture: str, environ: dict[str, str], expected: list[tuple[str, str, str]]) -> None:
    findings = lint_config(LINT_FIXTURES / fixture, environ)
    assert triples(findings) == expected, format_findings(findings)


@pytest.mark.parametrize(("fixture", "environ", "expected"), CASES)
def test_no_secret_in_any_finding(fixture: str, environ: dict[str, str], expected: object) -> None:
    secrets = {SEED_MASTER_KEY, SEED_DB_PASSWORD, LITERAL_UPSTREAM_KEY, ENV_DB_PASSWORD, "sk-1234"}
    secrets |= {v.strip() for v in environ.values() if len(v.strip()) >= 6}
    findings = lint_config(LINT_FIXTURES / fixture, environ)
    text = format_findings(findings) + findings_to_json(findings)
    leaked = sorted(s for s in secrets if s in text)
    assert not leaked, f"{len(leaked)} secret value(s) leaked into the report"


def test_seed_key_shows_no_characters() -> None:
    findings = lint_config(LINT_FIXTURES / "seed.yaml", {})
    text = format_findings(findings)
    # Not even a masked prefix or suffix of the key.
    for fragment in (SEED_MASTER_KEY[:6], SEED_MASTER_KEY[-4:], "O5z4", "9tQ"):
        assert fragment not in text


def test_yaml_error_has_line_and_column() -> None:
    [finding] = lint_config(LINT_FIXTURES / "not-yaml.yaml", ENV)
    assert finding.line == 5
    assert "line 5, column 6" in finding.message


def test_findings_carry_lines() -> None:
    findings = {f.code: f for f in lint_config(LINT_FIXTURES / "seed.yaml", {"OPENAI_API_KEY": "x"})}
    assert findings["hardcoded-master-key"].line == 17
    assert findings["database-not-postgres"].line == 18
    assert findings["salt-key-unset"].line is None


def test_mysql_message_explains_prisma_and_masks_url() -> None:
    [finding] = [f for f in lint_config(LINT_FIXTURES / "seed.yaml", {}) if f.code == "database-not-postgres"]
    assert "Prisma" in finding.message and "PostgreSQL" in finding.message
    assert "mysql://***@host.docker.internal:3306/heartcode" in finding.message
    assert "heartcode:" not in finding.message
    assert "postgresql://" in finding.fix


def test_hardcoded_master_key_fix() -> None:
    [finding] = [f for f in lint_config(LINT_FIXTURES / "seed.yaml", {}) if f.code == "hardcoded-master-key"]
    assert "master_key: os.environ/LITELLM_MASTER_KEY" in finding.fix


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: openai/x, api_key: os.environ/K}}]\n"
            "general_settings: {key_management_system: aws_secret_manager}\n",
            ENV,
            [("warning", "env-var-missing", "model_list[0].litellm_params.api_key")],
            id="secret-manager-downgrades-missing-env",
        ),
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: openai/x, api_key: os.environ/K}}]\n"
            "environment_variables: {K: value}\n",
            ENV,
            [("warning", "env-var-only-in-config", "model_list[0].litellm_params.api_key")],
            id="env-var-only-in-config-section",
        ),
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: openai/x, api_key: os.environ/K}}]\n",
            {**ENV, "K": "  "},
            [("error", "env-var-missing", "model_list[0].litellm_params.api_key")],
            id="blank-env-var",
        ),
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: openai/x}}]\ngeneral_settings: {master_key: ''}\n",
            ENV,
            [("error", "master-key-missing", "general_settings.master_key")],
            id="blank-master-key-ignores-env",
        ),
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"
            "general_settings: {dangerously_permit_weak_or_unset_master_key: true}\n",
            without(ENV, "LITELLM_MASTER_KEY"),
            [
                ("error", "master-key-missing", "general_settings.master_key"),
                (
                    "warning",
                    "master-key-override-enabled",
                    "general_settings.dangerously_permit_weak_or_unset_master_key",
                ),
            ],
            id="override",
        ),
        pytest.param(
            "model_list: []\ngeneral_settings: {store_model_in_db: true}\n",
            ENV,
            [("warning", "model-list-empty", "model_list")],
            id="empty-model-list-with-store-model-in-db",
        ),
        pytest.param(
            "general_settings: {}\n", ENV, [("error", "model-list-missing", "model_list")], id="no-model-list"
        ),
        pytest.param(
            "model_list: [a]\ngeneral_settings: [x]\n",
            ENV,
            [
                ("error", "section-not-mapping", "general_settings"),
                ("error", "model-entry-not-mapping", "model_list[0]"),
            ],
            id="wrong-shapes",
        ),
        pytest.param("", ENV, [("error", "config-not-mapping", "<document>")], id="empty-text"),
        pytest.param(
            "model_list: [{model_name: vec, litellm_params: {model: huggingface/BAAI/bge-m3}}]\n",
            ENV,
            [("warning", "embedding-mode-missing", "model_list[0].model_info.mode")],
            id="bge-is-embedding",
        ),
        pytest.param(
            "model_list: [{model_name: a, litellm_params: {model: bedrock/x, aws_secret_access_key: abcd1234efgh}}]\n",
            ENV,
            [("warning", "hardcoded-api-key", "model_list[0].litellm_params.aws_secret_access_key")],
            id="aws-secret-literal",
        ),
    ],
)
def test_text_findings(text: str, environ: dict[str, str], expected: list[tuple[str, str, str]]) -> None:
    findings = lint_config(text, environ)
    assert triples(findings) == expected, format_findings(findings)


def test_str_path_is_read_and_missing_file_raises(tmp_path: Path) -> None:
    assert lint_config(str(LINT_FIXTURES / "good.yaml"), ENV) == []
    with pytest.raises(FileNotFoundError):
        lint_config(str(tmp_path / "absent.yaml"), ENV)


def test_checks_are_named_functions_in_registry() -> None:
    assert [c.__name__ for c in lint.CHECKS] == [
        "check_structure",
        "check_model_entries",
        "check_env_references",
        "check_master_key",
        "check_database_url",
        "check_embedding_mode",
        "check_duplicate_models",
        "check_literal_secrets",
    ]
    assert all(c.__doc__ for c in lint.CHECKS)


@pytest.mark.parametrize("module", [lint, _cli_lint], ids=["lint", "_cli_lint"])
def test_imports_only_stdlib_yaml_and_siblings(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level
    }
    assert imported - sys.stdlib_module_names <= {"yaml", "litellm_smoke"}


def test_known_default_digest_matches_litellm_list() -> None:
    import hashlib

    assert hashlib.sha256(b"sk-1234").hexdigest() in lint.PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS


@pytest.mark.parametrize(
    ("severities", "strict", "code"),
    [
        ([], False, 0),
        (["info"], True, 0),
        (["warning"], False, 0),
        (["warning"], True, 1),
        (["error", "info"], False, 1),
    ],
)
def test_exit_code(severities: list[str], strict: bool, code: int) -> None:
    findings = [Finding(s, "c", "p", "m", "f") for s in severities]  # type: ignore[arg-type]
    assert exit_code(findings, strict=strict) == code


def test_json_form() -> None:
    findings = lint_config(LINT_FIXTURES / "seed.yaml", {"OPENAI_API_KEY": "x"})
    data = json.loads(findings_to_json(findings, source="seed.yaml"))
    assert data["summary"] == {"error": 2, "warning": 2, "info": 1}
    assert data["findings"][0] == {
        "severity": "error",
        "code": "hardcoded-master-key",
        "path": "general_settings.master_key",
        "message": findings[0].message,
        "fix": findings[0].fix,
        "line": 17,
    }


def test_format_clean() -> None:
    assert format_findings([], source="good.yaml") == "good.yaml: no problems found"


# --------------------------------------------------------------------------- CLI

CLI_ENV_VARS = (
    "OPENAI_API_KEY",
    "LITELLM_MASTER_KEY",
    "DATABASE_URL",
    "DIRECT_URL",
    "LITELLM_SALT_KEY",
    "STORE_MODEL_IN_DB",
    "AZURE_API_BASE",
    "AZURE_API_KEY",
    lint.OVERRIDE_ENV,
)


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLI_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "deploy.env"
    path.write_text(
        "# deployment environment\n"
        f"export LITELLM_MASTER_KEY={GOOD_MASTER_KEY}\n"
        f"OPENAI_API_KEY='{ENV['OPENAI_API_KEY']}'\n"
        f'DATABASE_URL="{ENV["DATABASE_URL"]}"\n'
        "LITELLM_SALT_KEY=salt-0123456789 # never change\n"
    )
    return path


@pytest.mark.usefixtures("clean_environ")
@pytest.mark.parametrize(
    ("argv", "code"),
    [
        pytest.param(["good.yaml", "--env-file", "{env}"], 0, id="good"),
        pytest.param(["good.yaml"], 1, id="good-without-env"),
        pytest.param(["seed.yaml", "--env-file", "{env}"], 1, id="seed"),
        pytest.param(["embed-no-mode.yaml", "--env-file", "{env}"], 0, id="warnings-only"),
        pytest.param(["embed-no-mode.yaml", "--env-file", "{env}", "--strict"], 1, id="warnings-strict"),
        pytest.param(["absent.yaml"], 2, id="missing-config"),
        pytest.param(["good.yaml", "--env-file", "absent.env"], 2, id="missing-env-file"),
    ],
)
def test_cli_exit_codes(argv: list[str], code: int, env_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(env_file) if a == "{env}" else a for a in argv]
    args[0] = str(LINT_FIXTURES / args[0])
    assert _cli_lint.main(args) == code, capsys.readouterr()


@pytest.mark.usefixtures("clean_environ")
def test_cli_usage_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_env = tmp_path / "bad.env"
    bad_env.write_text(f"OK=1\n{SEED_MASTER_KEY}\n")
    assert _cli_lint.main([str(LINT_FIXTURES / "good.yaml"), "--env-file", str(bad_env)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"litellm-smoke lint-config: {bad_env}:2: expected KEY=VALUE"
    assert _cli_lint.main([str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        _cli_lint.main([])
    assert exc.value.code == 2


@pytest.mark.usefixtures("clean_environ")
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_cli_output_never_contains_secrets(as_json: bool, env_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fixture in ("seed.yaml", "literal-api-key.yaml", "sk-1234.yaml"):
        argv = [str(LINT_FIXTURES / fixture), "--env-file", str(env_file)] + (["--json"] if as_json else [])
        _cli_lint.main(argv)
    out, err = capsys.readouterr()
    # Not "sk-1234": the fixture's file name (printed as the source) contains it.
    for secret in (SEED_MASTER_KEY, SEED_DB_PASSWORD, LITERAL_UPSTREAM_KEY, GOOD_MASTER_KEY, ENV_DB_PASSWORD):
        assert secret not in out + err
    assert "hardcoded-master-key" in out


@pytest.mark.usefixtures("clean_environ")
def test_cli_json_output(env_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli_lint.main([str(LINT_FIXTURES / "seed.yaml"), "--env-file", str(env_file), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in data["findings"]] == [
        "hardcoded-master-key",
        "database-not-postgres",
        "hardcoded-database-password",
        "embedding-mode-missing",
    ]


@pytest.mark.usefixtures("clean_environ")
def test_add_parser_registers_subcommand(env_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="litellm-smoke")
    _cli_lint.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["lint-config", str(LINT_FIXTURES / "good.yaml"), "--env-file", str(env_file)])
    assert args.func(args) == 0
    assert "no problems found" in capsys.readouterr().out


def test_parse_env_file() -> None:
    text = "# c\n\nexport A=1\nB = 'two words'\nC=\"x # y\"\nD=3 # comment\nE=\n"
    assert _cli_lint.parse_env_file(text) == {"A": "1", "B": "two words", "C": "x # y", "D": "3", "E": ""}


# -- --references-only: a CI lint job holds none of the proxy's secrets -----------------------------


def test_references_only_passes_a_valid_config_without_its_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("LITELLM_MASTER_KEY", "OPENAI_API_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    good = str(LINT_FIXTURES / "good.yaml")
    assert _cli_lint.main([good]) == 1  # the values are missing here...
    capsys.readouterr()
    assert _cli_lint.main([good, "--references-only"]) == 0  # ...which is not this mode's business
    out = capsys.readouterr().out
    assert "[env-values-not-checked]" in out and "OPENAI_API_KEY, LITELLM_MASTER_KEY, DATABASE_URL" in out
    assert "0 error(s), 0 warning(s), 1 info" in out


def test_references_only_ignores_the_environment_and_still_judges_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-1234")  # a weak value in the shell is not the deploy's
    codes = {f.code for f in lint_config(LINT_FIXTURES / "good.yaml", dict(__import__("os").environ),
                                         references_only=True)}  # fmt: skip
    assert "master-key-publicly-known" not in codes
    seed = {f.code for f in lint_config(LINT_FIXTURES / "seed.yaml", {}, references_only=True)}
    assert {"hardcoded-master-key", "database-not-postgres", "embedding-mode-missing"} <= seed
    assert "salt-key-unset" not in seed
    implicit = lint_config(LINT_FIXTURES / "no-master-key.yaml", {}, references_only=True)
    assert [(f.severity, f.code) for f in implicit if f.path == "general_settings.master_key"] == [
        ("warning", "master-key-implicit")
    ]


def test_references_only_and_env_file_conflict_in_one_line(env_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(LINT_FIXTURES / "good.yaml"), "--references-only", "--env-file", str(env_file)]
    assert _cli_lint.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "use one or the other" in err[0]

"""reader.read_config: plain configs, include:, Helm values (classic and split), ConfigMaps, manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_smoke.litellm_config._yaml import YamlProblem, load_documents
from litellm_smoke.litellm_config.lint import findings_to_json, format_findings, lint
from litellm_smoke.litellm_config.reader import ConfigFileError, models_from_config, read_config
from tests.helpers.paths import LINT_CONFIGS

FIXTURES = LINT_CONFIGS
WRAPPED = FIXTURES / "wrapped"
SEED_MASTER_KEY = "sk-O5z4E7s-6NhLDG3ZZbq9tQ"  # public already: printed in the seed document
SEED_DB_PASSWORD = "hc-Mysql-Pw-4471"
ENV = {"OPENAI_API_KEY": "sk-upstream-openai-0123456789"}

SEED_WRAPPERS = [
    pytest.param(WRAPPED / "helm" / "values.yaml", "helm-values", id="helm-values"),
    pytest.param(WRAPPED / "helm" / "split-values.yaml", "helm-split-values", id="helm-split-values"),
    pytest.param(WRAPPED / "configmap.yaml", "configmap", id="configmap"),
    pytest.param(WRAPPED / "manifest.yaml", "manifest", id="manifest"),
    pytest.param(WRAPPED / "include" / "config.yaml", "config", id="include"),
]


# -- the done-when of issue 14: the seed's config wrapped reports what the bare config reports ----------------


@pytest.mark.parametrize(("path", "wrapper"), SEED_WRAPPERS)
def test_wrapped_seed_reports_master_key_and_mysql_not_a_missing_model_list(path: Path, wrapper: str) -> None:
    report = lint(path, ENV)
    codes = {(f.code, f.path) for f in report.findings}
    assert ("hardcoded-master-key", "general_settings.master_key") in codes
    assert ("database-not-postgres", "general_settings.database_url") in codes
    assert not {c for c, _ in codes} & {"model-list-missing", "model-list-empty", "config-not-mapping"}
    assert report.wrapper == wrapper


@pytest.mark.parametrize(("path", "wrapper"), SEED_WRAPPERS)
def test_wrapped_seed_findings_point_at_the_file_and_line_to_edit(path: Path, wrapper: str) -> None:
    report = lint(path, ENV)
    [key] = [f for f in report.findings if f.code == "hardcoded-master-key" and f.path.startswith("general")]
    assert key.file is not None
    assert key.line is not None
    line = Path(key.file).read_text(encoding="utf-8").splitlines()[key.line - 1]
    assert line.strip().startswith("master_key:"), (key.file, key.line, wrapper)
    [db] = [f for f in report.findings if f.code == "database-not-postgres"]
    assert db.file is not None
    assert db.line is not None
    assert Path(db.file).read_text(encoding="utf-8").splitlines()[db.line - 1].strip().startswith("database_url:")


@pytest.mark.parametrize(("path", "wrapper"), SEED_WRAPPERS)
def test_wrapped_seed_never_prints_a_secret(path: Path, wrapper: str) -> None:
    report = lint(path, ENV)
    text = format_findings(report.findings, source=str(path), read_as=report.read_as)
    text += findings_to_json(report.findings, source=str(path), report=report)
    for secret in (SEED_MASTER_KEY, SEED_DB_PASSWORD, ENV["OPENAI_API_KEY"], "O5z4", "9tQ"):
        assert secret not in text


@pytest.mark.parametrize(
    ("path", "read_as"),
    [
        (WRAPPED / "helm" / "values.yaml", "litellm-helm chart values (proxy_config)"),
        (WRAPPED / "helm" / "split-values.yaml", "split litellm chart values (gateway.config.proxy_config)"),
        (WRAPPED / "configmap.yaml", 'Kubernetes ConfigMap litellm-config, data."config.yaml"'),
        (WRAPPED / "manifest.yaml", "multi-document manifest (2 documents), Kubernetes ConfigMap litellm-config"),
        (WRAPPED / "include" / "config.yaml", "LiteLLM config with include: (3 file(s) merged)"),
        (FIXTURES / "seed.yaml", "LiteLLM config"),
    ],
)
def test_says_what_it_read(path: Path, read_as: str) -> None:
    assert read_config(path).described.startswith(read_as)
    text = format_findings(lint(path, ENV).findings, source="X", read_as=read_config(path).described)
    if read_as != "LiteLLM config":
        assert text.splitlines()[0] == f"X: read as {read_config(path).described}"


# -- Helm values -------------------------------------------------------------------------------------------------


def test_helm_values_give_replicas_workers_environment_and_secret_sources(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "replicaCount: 5\n"
        "autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 9}\n"
        "envVars: {NUM_WORKERS: '3', LITELLM_LOG: INFO}\n"
        "environmentSecrets: [litellm-env]\n"
        "masterkeySecretName: my-master-key\n"
        "proxy_config:\n"
        "  model_list: [{model_name: a, litellm_params: {model: openai/x, api_key: os.environ/OPENAI_API_KEY}}]\n"
        "  general_settings: {master_key: os.environ/PROXY_MASTER_KEY}\n",
        encoding="utf-8",
    )
    loaded = read_config(values)
    assert (loaded.deployment.replicas, loaded.deployment.workers) == (2, 3)
    assert "autoscaling scales from 2 to 9 replicas" in loaded.deployment.notes[0]
    assert loaded.environ["LITELLM_LOG"] == "INFO"
    assert loaded.provided_env["PROXY_MASTER_KEY"] == "Secret my-master-key"
    assert loaded.opaque_env == ["Secret litellm-env"]
    findings = lint(values, {}).findings
    # PROXY_MASTER_KEY comes from the chart's Secret; OPENAI_API_KEY may come from litellm-env: a warning, not an error.
    assert [(f.severity, f.code, f.path) for f in findings] == [
        ("warning", "env-var-missing", "model_list[0].litellm_params.api_key")
    ]
    assert "Secret litellm-env" in findings[0].message


def test_helm_masterkey_literal_is_reported_and_judged(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "masterkey: sk-1234\n"
        "proxy_config:\n"
        "  model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"
        "  general_settings: {master_key: os.environ/PROXY_MASTER_KEY}\n",
        encoding="utf-8",
    )
    findings = lint(values, {}).findings
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("master-key-publicly-known", "general_settings.master_key", 4),
        ("hardcoded-master-key", "helm:masterkey", 1),
    ]
    assert "sk-1234" not in format_findings(findings)


def test_helm_existing_configmap_is_a_warning(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "proxyConfigMap: {create: false, name: elsewhere}\n"
        "proxy_config:\n  model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n",
        encoding="utf-8",
    )
    codes = [(f.code, f.path, f.line) for f in lint(values, {"LITELLM_MASTER_KEY": "sk-" + "x1" * 12}).findings]
    assert ("helm-config-not-rendered", "helm:proxyConfigMap.create", 1) in codes


def test_split_chart_counts_backend_replicas() -> None:
    loaded = read_config(WRAPPED / "helm" / "split-values.yaml")
    assert (loaded.deployment.replicas, loaded.deployment.workers, loaded.deployment.backend_replicas) == (2, 2, 1)


# -- ConfigMap and manifests -------------------------------------------------------------------------------------


def test_manifest_reads_the_deployment_next_to_the_configmap() -> None:
    loaded = read_config(WRAPPED / "manifest.yaml")
    assert (loaded.deployment.replicas, loaded.deployment.workers) == (2, 4)
    assert loaded.opaque_env == ["Secret litellm-env"]


def test_configmap_yaml_error_points_at_the_manifest_line(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(
        "kind: ConfigMap\nmetadata: {name: c}\ndata:\n  config.yaml: |\n    model_list:\n      - {\n",
        encoding="utf-8",
    )
    [finding] = lint(path, {}).findings
    assert (finding.code, finding.file, finding.line) == ("yaml-invalid", str(path), 7)  # the end of the block


def test_configmap_include_reads_sibling_data_keys(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(
        "kind: ConfigMap\nmetadata: {name: c}\ndata:\n"
        "  config.yaml: |\n    include: [models.yaml]\n    general_settings: {master_key: os.environ/K}\n"
        "  models.yaml: |\n    model_list:\n      - {model_name: a, litellm_params: {model: openai/x}}\n",
        encoding="utf-8",
    )
    loaded = read_config(path)
    assert loaded.config["model_list"][0]["model_name"] == "a"
    assert loaded.locate("model_list[0]") == (f"{path} (data.models.yaml)", 2)


def test_several_configmaps_warn(tmp_path: Path) -> None:
    config = "    model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"
    doc = "kind: ConfigMap\nmetadata: {name: %s}\ndata:\n  config.yaml: |\n" + config
    path = tmp_path / "m.yaml"
    path.write_text(doc % "one" + "---\n" + doc % "two", encoding="utf-8")
    codes = [f.code for f in lint(path, {"LITELLM_MASTER_KEY": "sk-" + "x1" * 12}).findings]
    assert codes == ["manifest-several-configs"]


def test_multi_document_without_configmap_is_one_finding(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("model_list: []\n---\nmodel_list: []\n", encoding="utf-8")
    [finding] = lint(path, {}).findings
    assert finding.code == "config-not-mapping"
    assert "2 YAML documents" in finding.message


# -- include: ----------------------------------------------------------------------------------------------------


def test_include_merges_like_litellm() -> None:
    loaded = read_config(WRAPPED / "include" / "config.yaml")
    assert [m["model_name"] for m in loaded.config["model_list"]] == ["heartcode-chat-sfw", "heartcode-embed"]
    assert "include" not in loaded.config
    assert [Path(f).name for f in loaded.files] == ["config.yaml", "models.yaml", "general.yaml", "database.yaml"]
    # model_list[1] came from models.yaml (list extended), its first item on line 2.
    where = loaded.locate("model_list[1].litellm_params.model")
    assert where is not None
    assert (Path(where[0]).resolve(), where[1]) == (WRAPPED / "include" / "models.yaml", 4)


def test_include_problems_are_findings(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- not a mapping\n", encoding="utf-8")
    (tmp_path / "general.yaml").write_text("general_settings: {database_url: os.environ/DB}\n", encoding="utf-8")
    root = tmp_path / "config.yaml"
    root.write_text(
        "include:\n  - absent.yaml\n  - list.yaml\n  - general.yaml\n  - general.yaml\n"
        "model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"
        "general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}\n",
        encoding="utf-8",
    )
    findings = lint(root, {"DB": "postgresql://u@h/d"}).findings
    got = [(f.code, f.path, Path(f.file or "").name, f.line) for f in findings]
    assert ("include-missing", "include[0]", "config.yaml", 2) in got
    assert ("include-not-mapping", "include[1]", "list.yaml", 1) in got
    # general.yaml replaces general_settings as a whole: the master key of config.yaml is gone.
    assert ("include-replaces-section", "general_settings", "general.yaml", 1) in got
    assert ("master-key-missing", "general_settings.master_key", "general.yaml", 1) in got
    assert sum(1 for g in got if g[0] == "include-replaces-section") == 1  # the second general.yaml: read once


def test_include_falls_back_to_the_root_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "models.yaml").write_text("model_list: [{model_name: b, litellm_params: {model: x/y}}]\n")
    (tmp_path / "sub" / "inner.yaml").write_text("include: [models.yaml]\n")
    root = tmp_path / "config.yaml"
    root.write_text("include: [sub/inner.yaml]\nmodel_list: [{model_name: a, litellm_params: {model: x/z}}]\n")
    assert [m["model_name"] for m in read_config(root).config["model_list"]] == ["a", "b"]


def test_include_not_a_list(tmp_path: Path) -> None:
    root = tmp_path / "config.yaml"
    root.write_text("include: models.yaml\nmodel_list: [{model_name: a, litellm_params: {model: x/z}}]\n")
    assert ("include-not-list", 1) in [
        (f.code, f.line) for f in lint(root, {"LITELLM_MASTER_KEY": "sk-" + "y" * 20}).findings
    ]


# -- check --config reads the same way ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "wrapper"), SEED_WRAPPERS)
def test_check_config_models_through_every_wrapper(path: Path, wrapper: str) -> None:
    models = models_from_config(path)
    assert models.chat == ("heartcode-chat-sfw",)
    if wrapper != "manifest":
        assert models.embedding == ("heartcode-embed",)
    assert models.notes[0].startswith(f"read {path} as ")


def test_check_config_plain_file_has_no_read_as_note() -> None:
    assert not any(n.startswith("read ") for n in models_from_config(FIXTURES / "seed.yaml").notes)


def test_check_config_wrapper_without_models_names_the_wrapper(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("proxy_config:\n  general_settings: {}\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"has no model_list \(read as litellm-helm chart values"):
        models_from_config(values)


# -- the one YAML function ----------------------------------------------------------------------------


def test_load_documents_keeps_values_and_nodes() -> None:
    [one, two] = load_documents("a: 1\n---\n- b\n")
    assert (one.data, two.data) == ({"a": 1}, ["b"])
    assert one.node is not None
    assert two.node is not None
    assert two.node.start_mark.line == 2
    assert load_documents("")[0].data is None


def test_load_documents_error_has_line_and_no_text() -> None:
    with pytest.raises(YamlProblem) as caught:
        load_documents(f"key: {SEED_MASTER_KEY}\nbad: [\n")
    assert caught.value.line is not None
    assert SEED_MASTER_KEY not in str(caught.value)

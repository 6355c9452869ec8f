"""rules/health.py: background health-check settings that silently do something else, and what probes cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_smoke.cli import lint as cli_lint
from litellm_smoke.litellm_config.lint import Finding, LintOptions, lint_config
from litellm_smoke.litellm_config.rules.health import interval_problem
from tests.helpers.paths import LINT_CONFIGS

FIXTURES = LINT_CONFIGS
ENV = {"LITELLM_MASTER_KEY": "sk-good-master-key-0123456789abcdef"}
MODELS = (
    "model_list:\n"
    "  - {model_name: chat, litellm_params: {model: openai/gpt-4o-mini}}\n"
    "  - {model_name: vec, litellm_params: {model: openai/text-embedding-3-small}, model_info: {mode: embedding}}\n"
)
HEALTH = [
    "health-check-text-boolean",
    "health-check-interval-not-integer",
    "health-check-shared-without-redis",
    "health-check-media-probe",
    "health-check-probes-multiplied",
    "health-check-probe-estimate",
]


def health(text: str, environ: dict[str, str] | None = None, **options: object) -> list[Finding]:
    findings = lint_config(MODELS + text, {**ENV, **(environ or {})}, options=LintOptions(**options))  # type: ignore[arg-type]
    return [f for f in findings if f.code in HEALTH]


def codes(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.severity, f.code, f.path) for f in findings]


@pytest.mark.parametrize(
    ("settings", "environ", "expected"),
    [
        pytest.param(
            "background_health_checks: 'false'",
            {},
            [
                ("warning", "health-check-text-boolean", "general_settings.background_health_checks"),
            ],
            id="text-false-is-on",
        ),
        pytest.param(
            "background_health_checks: true\n  health_check_interval: '300'",
            {},
            [("warning", "health-check-interval-not-integer", "general_settings.health_check_interval")],
            id="quoted-interval",
        ),
        pytest.param(
            "background_health_checks: true\n  health_check_interval: 300.5",
            {},
            [("warning", "health-check-interval-not-integer", "general_settings.health_check_interval")],
            id="float-interval",
        ),
        pytest.param(
            "background_health_checks: true\n  health_check_interval: 0",
            {},
            [("warning", "health-check-interval-not-integer", "general_settings.health_check_interval")],
            id="zero-interval",
        ),
        pytest.param(
            "background_health_checks: true\n  health_check_interval: os.environ/HC_INTERVAL",
            {"HC_INTERVAL": "300"},
            [("warning", "health-check-interval-not-integer", "general_settings.health_check_interval")],
            id="interval-from-env-is-text",
        ),
        pytest.param(
            "background_health_checks: os.environ/BG",
            {"BG": "0"},
            [("warning", "health-check-text-boolean", "general_settings.background_health_checks")],
            id="env-zero-is-on",
        ),
        pytest.param(
            "background_health_checks: true\n  use_shared_health_check: true",
            {},
            [("warning", "health-check-shared-without-redis", "general_settings.use_shared_health_check")],
            id="shared-without-redis",
        ),
        pytest.param(
            "background_health_checks: true\n  use_shared_health_check: 'no'",
            {},
            [
                ("warning", "health-check-text-boolean", "general_settings.use_shared_health_check"),
                ("warning", "health-check-shared-without-redis", "general_settings.use_shared_health_check"),
            ],
            id="shared-no-text-is-on",
        ),
    ],
)
def test_each_setting_produces_a_finding_with_a_fix(
    settings: str, environ: dict[str, str], expected: list[tuple[str, str, str]]
) -> None:
    findings = health(f"general_settings:\n  {settings}\n", environ)
    assert codes(findings) == expected
    assert all(f.fix and f.line for f in findings)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param("background_health_checks: false\n  health_check_interval: '300'", id="off-quoted-interval-moot"),
        pytest.param("background_health_checks: true\n  health_check_interval: 300", id="on-integer"),
        pytest.param("background_health_checks: true", id="on-default-interval"),
        pytest.param(
            "background_health_checks: true\n  use_shared_health_check: true\n"
            "  coordination_redis: {host: redis.internal, port: 6379}",
            id="shared-with-coordination-redis",
        ),
        pytest.param("background_health_checks: os.environ/BG", id="env-false"),
        pytest.param("background_health_checks: ''", id="empty-text-is-off"),
    ],
)
def test_a_correct_health_check_config_produces_none(settings: str) -> None:
    assert health(f"general_settings:\n  {settings}\n", {"BG": "false"}) == []


@pytest.mark.parametrize(
    ("litellm_settings", "environ"),
    [
        pytest.param("litellm_settings: {cache: true}\n", {}, id="cache-defaults-to-redis"),
        pytest.param("litellm_settings: {cache: true, cache_params: {type: redis}}\n", {}, id="redis-cache"),
        pytest.param("", {"REDIS_HOST": "redis"}, id="redis-host-env"),
    ],
)
def test_redis_sources(litellm_settings: str, environ: dict[str, str]) -> None:
    text = f"general_settings: {{background_health_checks: true, use_shared_health_check: true}}\n{litellm_settings}"
    assert health(text, environ) == []


def test_local_cache_is_no_redis() -> None:
    text = (
        "general_settings: {background_health_checks: true, use_shared_health_check: true}\n"
        "litellm_settings: {cache: true, cache_params: {type: local}}\n"
    )
    assert [f.code for f in health(text)] == ["health-check-shared-without-redis"]


def test_disable_background_health_check_as_text_false_disables() -> None:
    text = (
        "  - {model_name: painter, litellm_params: {model: openai/dall-e-3},"
        " model_info: {mode: image_generation, disable_background_health_check: 'false'}}\n"
        "general_settings: {background_health_checks: true}\n"
    )
    [finding] = health(text)
    assert (finding.code, finding.path) == (
        "health-check-text-boolean",
        "model_list[2].model_info.disable_background_health_check",
    )
    assert "never health-checked" in finding.message


@pytest.mark.parametrize(
    ("entry", "media"),
    [
        pytest.param("model_info: {mode: image_generation}", True, id="image-mode"),
        pytest.param("model_info: {mode: audio_speech}", True, id="speech-mode"),
        pytest.param("model_info: {mode: video_generation}", True, id="video-mode"),
        pytest.param("model_info: {mode: image_generation, disable_background_health_check: true}", False, id="off"),
        pytest.param("model_info: {mode: chat}", False, id="chat"),
        pytest.param("model_info: {}", True, id="dall-e-name-without-mode"),
    ],
)
def test_media_mode_models_probed(entry: str, media: bool) -> None:
    text = (
        f"  - {{model_name: painter, litellm_params: {{model: openai/dall-e-3}}, {entry}}}\n"
        "general_settings: {background_health_checks: true, health_check_interval: 3600}\n"
    )
    findings = health(text)
    assert [f.code for f in findings] == (["health-check-media-probe"] if media else [])
    if media:
        assert findings[0].path == "model_list[2].model_info"
        assert "disable_background_health_check: true" in findings[0].fix
        assert "24 paid generations a day" in findings[0].message


def test_media_outside_model_groups_is_not_probed() -> None:
    text = (
        "  - {model_name: painter, litellm_params: {model: openai/dall-e-3}, model_info: {mode: image_generation}}\n"
        "general_settings: {background_health_checks: true, background_health_check_model_groups: [chat]}\n"
    )
    assert health(text) == []


def test_probes_multiplied_by_replicas_and_workers_with_cost() -> None:
    text = "general_settings: {background_health_checks: true, health_check_interval: 60}\n"
    [finding] = health(text, replicas=3, workers=4, cost_per_probe=0.001)
    assert (finding.severity, finding.code) == ("warning", "health-check-probes-multiplied")
    # 2 deployments x 1440 rounds x 12 processes = 34,560 a day; one loop 2,880.
    assert "12 process(es), 3 replica(s) x 4 worker(s)" in finding.message
    assert "about 34,560 provider calls a day, $34.56 a day and $1,036.80 per 30 days" in finding.message
    assert "one shared loop would make 2,880" in finding.message
    assert "use_shared_health_check: true" in finding.fix


def test_estimate_is_info_for_one_process_when_asked() -> None:
    text = "general_settings: {background_health_checks: true, health_check_interval: 300}\n"
    [finding] = health(text, cost_per_probe=0.01)
    assert (finding.severity, finding.code) == ("info", "health-check-probe-estimate")
    assert "about 576 provider calls a day, $5.76 a day" in finding.message


def test_shared_with_redis_counts_one_loop_at_the_ttl() -> None:
    text = (
        "general_settings: {background_health_checks: true, health_check_interval: 60, use_shared_health_check: true,"
        " coordination_redis: {host: r}}\n"
    )
    [finding] = health(text, replicas=10, cost_per_probe=0.001)
    assert finding.code == "health-check-probe-estimate"
    assert "about 576 provider calls a day" in finding.message  # 2 x 86400/300, whatever the replicas


def test_replicas_and_workers_come_from_helm_values(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "replicaCount: 2\nnumWorkers: 3\nproxy_config:\n"
        "  model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"
        "  general_settings: {master_key: os.environ/PROXY_MASTER_KEY, background_health_checks: true}\n",
        encoding="utf-8",
    )
    [finding] = [f for f in lint_config(values, {}) if f.code in HEALTH]
    assert finding.code == "health-check-probes-multiplied"
    assert "6 process(es), 2 replica(s) x 3 worker(s)" in finding.message
    assert "about 1,728 provider calls a day" in finding.message  # 1 x 288 x 6
    assert (finding.file, finding.line) == (str(values), 5)
    # --replicas/--workers win over the values.
    [override] = [f for f in lint_config(values, {}, options=LintOptions(replicas=1, workers=1)) if f.code in HEALTH]
    assert override.code == "health-check-probe-estimate"
    assert "1 process(es)" in override.message


@pytest.mark.parametrize(
    ("value", "runs"),
    [(300, True), (1, True), (True, True), ("300", False), (300.0, False), (0, False), (-5, False), (None, False)],
)
def test_interval_problem_mirrors_litellm(value: object, runs: bool) -> None:
    problem = interval_problem(value)
    assert (problem is None or problem.startswith("is true")) is runs


def test_cli_shape_and_cost_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        MODELS + "general_settings: {master_key: os.environ/LITELLM_MASTER_KEY, background_health_checks: true}\n",
        encoding="utf-8",
    )
    env = tmp_path / "deploy.env"
    env.write_text(f"LITELLM_MASTER_KEY={ENV['LITELLM_MASTER_KEY']}\n", encoding="utf-8")
    argv = [str(config), "--env-file", str(env), "--replicas", "2", "--workers", "2", "--cost-per-probe", "0.5"]
    assert cli_lint.main(argv) == 0  # warnings only
    out = capsys.readouterr().out
    assert "[health-check-probes-multiplied]" in out
    assert "$1,152.00 a day" in out
    for bad in (["--replicas", "0"], ["--workers", "x"], ["--cost-per-probe", "-1"], ["--cost-per-probe", "nan"]):
        with pytest.raises(SystemExit) as exc:
            cli_lint.main([str(config), *bad])
        assert exc.value.code == 2

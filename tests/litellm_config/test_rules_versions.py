"""project.py (what files next to a config pin) and rules/versions.py (judged against the advisory data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litellm_smoke.cli import lint as cli_lint
from litellm_smoke.litellm_config.lint import Finding, LintOptions, lint_config
from litellm_smoke.litellm_config.project import (
    parse_image,
    pins_in_pyproject,
    pins_in_requirements,
    pins_in_toml_lock,
    poetry_to_pep440,
    scan_compose,
    scan_directory,
    scan_dockerfile,
)
from tests.helpers.paths import LINT_CONFIGS

FIXTURES = LINT_CONFIGS
ENV = {"OPENAI_API_KEY": "sk-upstream-0123456789", "LITELLM_MASTER_KEY": "sk-good-master-key-0123456789abcdef"}
VERSION_CODES = {
    "litellm-pin-known-bad",
    "litellm-range-admits-known-bad",
    "image-tag-floating",
    "image-version-known-bad",
    "image-digest-compromised",
}
CONFIG = "model_list: [{model_name: a, litellm_params: {model: openai/x}}]\n"


def versions(directory: Path, **options: object) -> list[Finding]:
    findings = lint_config(directory / "config.yaml", ENV, options=LintOptions(**options))  # type: ignore[arg-type]
    return [f for f in findings if f.code in VERSION_CODES]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


# -- the done-when of issue 14 ----------------------------------------------------------------------------------------


def test_requirements_pin_of_1_82_8_and_floating_compose_tag() -> None:
    findings = versions(FIXTURES / "pins-bad")
    got = [(f.severity, f.code, Path(f.file or "").name, f.line) for f in findings]
    assert got == [
        ("error", "litellm-pin-known-bad", "requirements.txt", 3),
        ("warning", "image-tag-floating", "docker-compose.yml", 3),
    ]
    assert "PYSEC-2026-2" in findings[0].message
    assert "malicious" in findings[0].message
    assert "rotate every credential" in findings[0].fix
    assert "main-latest" in findings[1].message
    assert "main-v1.108.7" in findings[1].fix


def test_safe_range_and_versioned_image_give_nothing() -> None:
    assert versions(FIXTURES / "pins-good") == []


def test_no_scan_and_text_configs_read_nothing_next_to_them() -> None:
    assert versions(FIXTURES / "pins-bad", scan_project=False) == []
    assert [f for f in lint_config(CONFIG, ENV) if f.code in VERSION_CODES] == []


def test_scan_adds_directories(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    findings = versions(tmp_path, scan_dirs=(FIXTURES / "pins-bad",))
    assert [f.code for f in findings] == ["litellm-pin-known-bad", "image-tag-floating"]
    assert findings[0].file == str(FIXTURES / "pins-bad" / "requirements.txt")


# -- pins, evaluated with packaging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        pytest.param("litellm==1.82.8", [("error", "litellm-pin-known-bad")], id="malicious-pin"),
        pytest.param("litellm===1.82.7", [("error", "litellm-pin-known-bad")], id="arbitrary-equality"),
        pytest.param("litellm==1.83.0", [("warning", "litellm-pin-known-bad")], id="vulnerable-pin"),
        pytest.param("litellm>=1.108.7,<1.111", [], id="safe-range"),
        pytest.param("litellm~=1.108.7", [], id="compatible-release-safe"),
        pytest.param("litellm==1.108.7", [], id="safe-pin"),
        pytest.param("litellm>=1.80", [("warning", "litellm-range-admits-known-bad")], id="range-admits-malicious"),
        pytest.param("litellm", [("warning", "litellm-range-admits-known-bad")], id="unpinned"),
        pytest.param("litellm==1.82.*", [("warning", "litellm-range-admits-known-bad")], id="wildcard"),
        pytest.param("litellm>=1.80,<1.82.7", [("info", "litellm-range-admits-known-bad")], id="only-vulnerable"),
        pytest.param(
            "LiteLLM[proxy] == 1.82.8 ; python_version >= '3.9'", [("error", "litellm-pin-known-bad")], id="pep508"
        ),
        pytest.param("litellm-proxy-extras==1.82.8", [], id="other-package"),
        pytest.param("litellm @ git+https://github.com/BerriAI/litellm@v1.82.8", [], id="url"),
    ],
)
def test_requirement_lines(tmp_path: Path, requirement: str, expected: list[tuple[str, str]]) -> None:
    project(tmp_path, {"requirements.txt": f"# pinned\n{requirement}\n"})
    findings = versions(tmp_path)
    assert [(f.severity, f.code) for f in findings] == expected
    assert all(f.line == 2 for f in findings)


def test_requirements_parsing_handles_pip_tools_output() -> None:
    text = (
        "--index-url https://example.invalid/simple\n"
        "-r base.txt\n"
        "-e ./vendor/litellm\n"
        "litellm==1.82.8 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "    # via -r requirements.in\n"
        "requests==2.32.0  # litellm==1.0 in a comment is not a pin\n"
    )
    pins = list(pins_in_requirements(text, "requirements.txt"))
    assert [(p.line, p.specifier) for p in pins] == [(4, "==1.82.8")]


def test_pyproject_pep621_groups_and_poetry() -> None:
    text = (
        "[project]\nname = 'app'\ndependencies = ['litellm[proxy]>=1.108.7,<1.111']\n"
        "[project.optional-dependencies]\nold = ['litellm==1.82.8']\n"
        "[dependency-groups]\ndev = ['litellm>=1.80', {include-group = 'x'}]\n"
        "[tool.poetry.dependencies]\npython = '^3.11'\nlitellm = {version = '^1.82', extras = ['proxy']}\n"
    )
    pins = list(pins_in_pyproject(text, "pyproject.toml"))
    assert [(p.line, p.specifier) for p in pins] == [
        (3, "<1.111,>=1.108.7"),
        (5, "==1.82.8"),
        (7, ">=1.80"),
        (10, ">=1.82,<2"),
    ]


@pytest.mark.parametrize(
    ("constraint", "pep440"),
    [
        ("^1.82", [">=1.82,<2"]),
        ("^0.2.3", [">=0.2.3,<0.3"]),
        ("~1.82.3", [">=1.82.3,<1.83"]),
        ("~1", [">=1,<2"]),
        ("1.82.8", ["==1.82.8"]),
        ("*", [""]),
        (">=1.80,<1.90", [">=1.80,<1.90"]),
        (">=1.80 <1.90", [">=1.80,<1.90"]),
        ("1.82.6 || ^1.108", ["==1.82.6", ">=1.108,<2"]),
    ],
)
def test_poetry_constraints(constraint: str, pep440: list[str]) -> None:
    assert poetry_to_pep440(constraint) == pep440


def test_lockfiles(tmp_path: Path) -> None:
    uv = '[[package]]\nname = "httpx"\nversion = "0.28.1"\n\n[[package]]\nname = "litellm"\nversion = "1.107.0"\n'
    assert [(p.line, p.specifier, p.kind) for p in pins_in_toml_lock(uv, "uv.lock")] == [(7, "==1.107.0", "lock")]
    pipfile = {"default": {"litellm": {"version": "==1.82.7"}}, "develop": {}}
    project(tmp_path, {"uv.lock": uv, "Pipfile.lock": json.dumps(pipfile, indent=1), "poetry.lock": uv})
    findings = versions(tmp_path)
    assert sorted((Path(f.file or "").name, f.code, f.severity) for f in findings) == [
        ("Pipfile.lock", "litellm-pin-known-bad", "error"),
        ("poetry.lock", "litellm-pin-known-bad", "error"),
        ("uv.lock", "litellm-pin-known-bad", "error"),
    ]


# -- images -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "parts"),
    [
        ("ghcr.io/berriai/litellm:main-latest", ("ghcr.io/berriai/litellm", "main-latest", None)),
        ("localhost:5000/berriai/litellm", ("localhost:5000/berriai/litellm", None, None)),
        ("litellm/litellm:v1.82.8@sha256:" + "a" * 64, ("litellm/litellm", "v1.82.8", "sha256:" + "a" * 64)),
    ],
)
def test_parse_image(reference: str, parts: tuple[str, str | None, str | None]) -> None:
    assert parse_image(reference) == parts


def test_dockerfile_from_and_pip_install() -> None:
    text = (
        "ARG LITELLM_TAG=main-stable\n"
        "FROM --platform=linux/amd64 ghcr.io/berriai/litellm-database:${LITELLM_TAG} AS base\n"
        "FROM python:3.12-slim\n"
        "RUN pip install --no-cache-dir 'litellm[proxy]==1.82.8' requests && \\\n"
        "    echo litellm==9.9.9\n"
        "RUN uv pip install --system litellm>=1.108.7,<1.111\n"
    )
    pins, images = scan_dockerfile(text, "Dockerfile")
    assert [(i.line, i.tag) for i in images] == [(2, "main-stable")]
    assert [(p.line, p.specifier) for p in pins] == [(4, "==1.82.8"), (6, "<1.111,>=1.108.7")]


def test_compose_images_with_interpolation_and_lines() -> None:
    text = (
        "services:\n"
        "  proxy:\n"
        "    build: .\n"
        "    image: ghcr.io/berriai/litellm:${LITELLM_TAG:-main-stable}\n"
        "  pinned:\n"
        "    image: ghcr.io/berriai/litellm@sha256:" + "b" * 64 + "\n"
        "  other:\n    image: redis:7\n"
    )
    refs = scan_compose(text, "compose.yaml")
    assert [(r.where, r.line, r.tag, r.digest is not None) for r in refs] == [
        ("services.proxy.image", 4, "main-stable", False),
        ("services.pinned.image", 6, None, True),
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        pytest.param("ghcr.io/berriai/litellm:main-stable", [("warning", "image-tag-floating")], id="main-stable"),
        pytest.param("ghcr.io/berriai/litellm", [("warning", "image-tag-floating")], id="no-tag"),
        pytest.param("docker.io/litellm/litellm:latest", [("warning", "image-tag-floating")], id="hub-latest"),
        pytest.param("ghcr.io/berriai/litellm:main-v1.108.7", [], id="versioned"),
        pytest.param("ghcr.io/berriai/litellm:main-v1.82.8-stable", [("warning", "image-version-known-bad")], id="bad"),
        pytest.param("ghcr.io/berriai/litellm@sha256:" + "c" * 64, [], id="digest"),
        pytest.param("ghcr.io/acme/not-litellm:latest", [], id="not-litellm"),
    ],
)
def test_compose_image_findings(tmp_path: Path, image: str, expected: list[tuple[str, str]]) -> None:
    project(tmp_path, {"docker-compose.yml": f"services:\n  proxy:\n    image: {image}\n"})
    assert [(f.severity, f.code) for f in versions(tmp_path)] == expected


def test_compromised_digest_from_an_extra_advisory_file(tmp_path: Path) -> None:
    digest = "sha256:" + "d" * 64
    advisories = tmp_path / "ours.yaml"
    advisories.write_text(
        "schema: 1\nadvisories:\n"
        "  - id: OURS-1\n    severity: malicious\n    affected: '==1.108.7'\n    fixed: '1.108.8'\n"
        f"    summary: a rebuilt image\n    image_digests: ['{digest}']\n"
        "    sources: [{url: 'https://example.invalid/ours', date: '2026-11-29'}]\n",
        encoding="utf-8",
    )
    directory = project(
        tmp_path / "p", {"compose.yaml": f"services:\n  proxy:\n    image: ghcr.io/berriai/litellm@{digest}\n"}
    )
    assert versions(directory) == []
    [finding] = versions(directory, advisories=(advisories,))
    assert (finding.severity, finding.code, finding.line) == ("error", "image-digest-compromised", 3)


def test_helm_and_manifest_images() -> None:
    manifest = [f for f in lint_config(FIXTURES / "wrapped" / "manifest.yaml", ENV) if f.code in VERSION_CODES]
    assert [(f.code, f.path, f.line) for f in manifest] == [("image-tag-floating", "containers[0].image", 12)]
    helm = [f for f in lint_config(FIXTURES / "wrapped" / "helm" / "values.yaml", ENV) if f.code in VERSION_CODES]
    assert helm == []  # main-v1.108.7


def test_requirements_directory(tmp_path: Path) -> None:
    project(tmp_path, {"requirements/prod.txt": "litellm==1.82.8\n"})
    pins, _ = scan_directory(tmp_path)
    assert [(p.file, p.specifier) for p in pins] == [("requirements/prod.txt", "==1.82.8")]


def test_cli_scan_and_advisories_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = FIXTURES / "pins-bad" / "config.yaml"
    assert cli_lint.main([str(config), "--scan", str(tmp_path / "absent")]) == 2
    assert "not a directory" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("advisories: [{id: X}]\n", encoding="utf-8")
    assert cli_lint.main([str(config), "--advisories", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("litellm-smoke lint-config: advisory file")
    assert "\n" not in err

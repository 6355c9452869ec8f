"""The README and docs/ say what is true: their samples are real output, their commands run as written.

- A sample is a ```console block announced by ``<!-- sample: COMMAND -->``: the test runs COMMAND
  from the repository root (as in a fresh clone, with this environment's scripts on PATH) and
  the block must match its output. Numbers of milliseconds and seconds may differ; a line ``…``
  stands for any number of lines; a line ending in ``…`` matches any line starting with the rest.
  A ``<!-- sample with the faults proxy: COMMAND -->`` runs against the session's real LiteLLM
  serving data/faults.yaml, whose URL replaces ``http://127.0.0.1:4000``.
- Every command in a fenced ``sh``/``console`` block of README.md, CONTRIBUTING.md and docs/*.md
  is either run here (:data:`RUN`: cheap, local, no placeholders) or listed in :data:`NOT_RUN` with
  the reason; a new command in the docs fails this test until it is classified.
- The README opens with the two commands and stays a front door (<= 150 lines); the settings table
  names every setting.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from litellm_smoke.settings import ALL_SPECS

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SAMPLE = re.compile(r"<!-- sample( with the faults proxy)?: (.+?) -->\n```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
FAULTS_PROXY_URL = "http://127.0.0.1:4000"

# Commands run as written, from the repository root.
RUN = {
    "litellm-smoke check --offline",
    "LITELLM_MASTER_KEY=sk-anything litellm-smoke check --url http://127.0.0.1:9 --chat-model gpt-4o-mini",
    "LITELLM_SMOKE_TIMEOUT=soon litellm-smoke check --offline",
    "litellm-smoke lint-config fixtures/configs/lint/good.yaml --references-only",
    "litellm-smoke check --url htp://proxy",
    "litellm-smoke check --url http://127.0.0.1:4000",
    "pytest -m smoke --offline",
    "pytest --pyargs litellm_smoke.suite -m smoke --offline",
    "git diff --stat fixtures/recorded/",
}
# Commands not run here, and why. Keys are regular expressions matched against the whole command.
NOT_RUN = {
    r"make (smoke|test|lint|bench|clean|mutate|integration|images)( PYTEST_ARGS=.*)?": "a make target: "
    "`make -n` checks it exists (below); "
    "the real runs are `.ci/run` and the fresh-clone measurement",
    r"(python3 -m )?pip install .*": "installs into the environment; the fresh-clone run does it",
    r"export LITELLM_MASTER_KEY=…": "a placeholder for your key",
    r".*https://litellm(\.staging)?\.example\.com.*": "needs your deployment",
    r"litellm-smoke check --url … .*": "a placeholder URL",
    r"litellm-smoke check --url http://127\.0\.0\.1:4000 --chat-model heartcode-chat-sfw .*": "a sample with the "
    "faults proxy: test_docs_samples_with_the_faults_proxy runs it",
    r"echo \$\?": "shows the previous command's exit code",
    r"\.venv/bin/python benchmarks/run\.py.*": "minutes of benchmarks (docs/benchmarks.md)",
    r"pytest -m smoke --offline --replay-dir=DIR": "DIR is a placeholder",
    r"litellm-smoke record --out .*": "re-records from a real LiteLLM (tests/selftest/test_recorder.py does it)",
    r"(CI_REQUIRE_DOCKER=1 )?\.venv/bin/python -m pytest -m integration.*": "needs Docker",
    r"\.venv/bin/python -m pytest .*": "a development example",
    r"apt-get install .*": "installs system packages as root; .ci/docker.sh does it in CI",
    r"(eval \"\$\()?docker/(engine|build-images)\.sh.*": "starts a Docker engine or builds images as root: "
    ".ci/docker.sh runs these in CI (docs/integration.md gives the times)",
    r"printf %s \"\$THE_KEY\" \| sha256sum": "a placeholder for your key",
}


@dataclass(frozen=True)
class Command:
    page: str
    text: str


def commands() -> list[Command]:
    found: list[Command] = []
    for page in PAGES:
        for match in FENCE.finditer(page.read_text(encoding="utf-8")):
            language, body = match.group(1), match.group(2)
            if language not in ("sh", "console"):
                continue
            lines = body.splitlines()
            if language == "console":
                texts = [line[2:] for line in lines if line.startswith("$ ")]
            else:
                texts = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
            for text in texts:
                text = re.sub(r"\s+#\s.*$", "", text).rstrip(" \\").strip()  # a trailing comment or continuation
                found.append(Command(page.relative_to(ROOT).as_posix(), text))
    return found


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "PYTEST_", "GITHUB_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["NO_COLOR"] = "1"
    env["HOME"] = str(tmp_path)
    return env


def run(command: str, tmp_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env={**_environment(tmp_path), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def normalise(line: str) -> str:
    line = re.sub(r"[\d,]+ ms\b", "N ms", line)
    line = re.sub(r"\bin [\d.]+s\b", "in Ns", line)
    line = re.sub(r"\b\d{4}-\d\d-\d\dT[\d:]+(\+00:00|Z)", "TIMESTAMP", line)
    return " ".join(line.split())


def matches(sample: list[str], output: list[str]) -> str | None:
    """None when ``sample`` (with ``…`` gaps and ``…`` prefixes) matches ``output``; else what differs."""
    got = [normalise(line) for line in output if line.strip()]
    position, gap = 0, False
    for wanted_raw in sample:
        if wanted_raw.strip() == "…":
            gap = True
            continue
        if not wanted_raw.strip():
            continue
        wanted = normalise(wanted_raw)
        prefix = wanted.endswith("…")

        def same(line: str, wanted: str = wanted, prefix: bool = prefix) -> bool:
            return line.startswith(wanted[:-1].rstrip()) if prefix else line == wanted

        if gap:
            while position < len(got) and not same(got[position]):
                position += 1
        if position >= len(got) or not same(got[position]):
            seen = got[position] if position < len(got) else "<end of output>"
            return f"expected: {wanted_raw.strip()}\n     got: {seen}"
        position, gap = position + 1, False
    if not gap and position < len(got):
        return f"output goes on after the sample ends: {got[position]}"
    return None


def samples(*, with_faults_proxy: bool) -> list[tuple[str, str, list[str]]]:
    found = []
    for page in PAGES:
        for match in SAMPLE.finditer(page.read_text(encoding="utf-8")):
            if bool(match.group(1)) != with_faults_proxy:
                continue
            command, block = match.group(2), match.group(3).splitlines()
            assert block and block[0] == f"$ {command}", f"{page.name}: the block must start with '$ {command}'"
            found.append((page.relative_to(ROOT).as_posix(), command, block[1:]))
    return found


def _check_sample(command: str, lines: list[str], result: subprocess.CompletedProcess[str]) -> None:
    if len(lines) >= 2 and lines[-2] == "$ echo $?":
        assert lines[-1] == str(result.returncode), f"`{command}` exits {result.returncode}, not {lines[-1]}"
        lines = lines[:-2]
    problem = matches(lines, (result.stdout + result.stderr).splitlines())
    assert problem is None, f"the sample of `{command}` is stale (rerun it and paste):\n{problem}"


def _ids(found: list[tuple[str, str, list[str]]]) -> list[str]:
    return [f"{page}:{command[:50]}" for page, command, _ in found]


@pytest.mark.parametrize(
    ("page", "command", "lines"), samples(with_faults_proxy=False), ids=_ids(samples(with_faults_proxy=False))
)
def test_docs_samples_are_real_output(page: str, command: str, lines: list[str], tmp_path: Path) -> None:
    _check_sample(command, lines, run(command, tmp_path))


@pytest.mark.embedded
@pytest.mark.parametrize(
    ("page", "command", "lines"), samples(with_faults_proxy=True), ids=_ids(samples(with_faults_proxy=True))
)
def test_docs_samples_with_the_faults_proxy(page, command, lines, tmp_path, faults_proxy) -> None:  # type: ignore[no-untyped-def,unused-ignore]
    result = run(
        command.replace(FAULTS_PROXY_URL, faults_proxy.url), tmp_path, {"LITELLM_MASTER_KEY": faults_proxy.key}
    )
    output = (result.stdout + result.stderr).replace(faults_proxy.url, FAULTS_PROXY_URL)
    _check_sample(command, lines, subprocess.CompletedProcess(result.args, result.returncode, output, ""))
    assert faults_proxy.key not in output


def test_every_documented_command_is_run_or_says_why_not() -> None:
    unclassified = sorted(
        {f"{c.page}: {c.text}" for c in commands() if c.text not in RUN and not _not_run_reason(c.text)}
    )
    assert not unclassified, "classify these in tests/test_docs.py (RUN or NOT_RUN with a reason):\n" + "\n".join(
        unclassified
    )
    documented = {c.text for c in commands()}
    assert not RUN - documented, f"RUN lists commands the docs no longer have: {sorted(RUN - documented)}"


def _not_run_reason(text: str) -> str | None:
    return next((reason for pattern, reason in NOT_RUN.items() if re.fullmatch(pattern, text)), None)


@pytest.mark.parametrize("command", sorted(RUN))
def test_documented_command_runs_as_written(command: str, tmp_path: Path) -> None:
    """Each runs from the repository root; its exit code is the documented one (0 unless a sample says)."""
    expected = {
        "LITELLM_MASTER_KEY=sk-anything litellm-smoke check --url http://127.0.0.1:9 --chat-model gpt-4o-mini": 3,
        "LITELLM_SMOKE_TIMEOUT=soon litellm-smoke check --offline": 2,
        "litellm-smoke check --url htp://proxy": 2,
        "litellm-smoke check --url http://127.0.0.1:4000": 2,
    }
    if shutil.which("git") is None and command.startswith("git "):
        pytest.skip("needs git")
    result = run(command, tmp_path)
    assert result.returncode == expected.get(command, 0), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("target", ["smoke", "test", "lint", "bench", "clean", "venv"])
def test_make_targets_exist(target: str) -> None:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    done = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_make_smoke_installs_less_than_make_test() -> None:
    dry = {
        target: subprocess.run(
            ["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
        ).stdout
        for target in ("smoke", "test")
    }
    assert "'.[embedded]'" in dry["smoke"] and "'.[dev]'" not in dry["smoke"]
    assert "'.[dev]'" in dry["test"]


def test_readme_opens_with_the_two_commands_and_stays_short() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = FENCE.search(text)
    assert first is not None and text[: first.start()].strip() == "# litellm-smoke"
    opening = [line.split("#")[0].strip() for line in first.group(2).splitlines()]
    assert opening == ["make smoke", "make test"]
    assert len(text.splitlines()) <= 150


def test_docs_links_resolve() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_settings_table_names_every_setting() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for spec in ALL_SPECS:
        row = next((r for r in rows if f"`{spec.env}`" in r), None)
        assert row is not None, f"docs/settings.md has no row for {spec.env}"
        assert f"`{spec.option}`" in row and f"`{spec.ini}`" in row, row


def test_the_run_and_not_run_lists_are_shell_words() -> None:
    for command in RUN:
        shlex.split(command)


def test_junit_properties_are_as_documented(tmp_path: Path) -> None:
    """docs/cli.md: latency_ms always, model per model, litellm_version from the first model call on."""
    import xml.etree.ElementTree as ET

    junit = tmp_path / "junit.xml"
    assert run(f"litellm-smoke check --offline --junitxml {junit}", tmp_path).returncode == 0
    cases = {c.get("name"): {p.get("name") for p in c.iter("property")} for c in ET.parse(junit).iter("testcase")}
    assert all("latency_ms" in props for props in cases.values())
    assert {"model", "litellm_version"} <= cases["test_chat_completion[heartcode-chat-sfw]"]
    assert "litellm_version" not in cases["test_reachability"] and "model" not in cases["test_reachability"]
    assert "db" in cases["test_readiness"]


def test_make_shows_one_short_line_per_package_and_passes_errors() -> None:
    pip_output = (
        "Collecting litellm<1.111,>=1.108.7 (from litellm-smoke==0.1.0)\n"
        "  Using cached litellm-1.108.7-py3-none-any.whl.metadata (42 kB)\n"
        "Requirement already satisfied: pytest in ./.venv/lib/python3.11/site-packages\n"
        "Installing collected packages: a, b, c\n"
        "Successfully installed a-1 b-2 c-3\n"
        "ERROR: No matching distribution found for nothing\n"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "pip_progress.py")], input=pip_output, capture_output=True, text=True
    )
    assert done.stdout.splitlines() == [
        "Collecting litellm<1.111,>=1.108.7",
        "Installing 3 packages (pip prints nothing more until it is done)",
        "Successfully installed 3 packages",
        "ERROR: No matching distribution found for nothing",
    ]

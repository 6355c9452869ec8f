"""``litellm-smoke check``: every exit code, from the outside, plus ``--config`` model derivation.

Usage errors are decided before any pytest starts and are tested in-process. The live tests share
one real LiteLLM (data/faults.yaml, ~10 s to boot) and run the CLI as a user does: from a
directory outside the repository, master key in the environment, output read from the terminal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import pytest

from litellm_smoke import cli
from litellm_smoke.cli import main
from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config.reader import ConfigFileError, models_from_config
from tests.helpers.live import Live
from tests.helpers.paths import LINT_CONFIGS
from tests.helpers.servers import dead_port, silent_server

KEY = "sk-cli-test-master-key-0123456789"
FIXTURES = LINT_CONFIGS
# The virtual-key checks need a database-backed proxy and are not what these tests are about.
NOT_KEYS = ("-m", "smoke and not keys")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


RunCli = Callable[..., Run]


@pytest.fixture
def run_cli(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunCli:
    """Run ``main(argv)`` from a directory outside the repository; capture what the terminal shows."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)

    def run(*argv: str) -> Run:
        capfd.readouterr()
        code = main(list(argv))
        out, err = capfd.readouterr()
        return Run(code, out, err)

    return run


def write(path: Path, text: str) -> Path:
    path.write_text(dedent(text), encoding="utf-8")
    return path


# -- --config ----------------------------------------------------------------------------------


def test_config_modes_decide_chat_and_embedding(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.yaml",
        """
        model_list:
          - model_name: gpt-4o
            litellm_params: {model: openai/gpt-4o}
            model_info: {mode: chat}
          - model_name: legacy
            litellm_params: {model: openai/gpt-3.5-turbo-instruct}
            model_info: {mode: completion}
          - model_name: vectors
            litellm_params: {model: openai/text-embedding-3-small}
            model_info: {mode: embedding}
          - model_name: gpt-4o
            litellm_params: {model: azure/gpt-4o}
            model_info: {mode: chat}
    """,
    )
    models = models_from_config(config)
    assert (models.chat, models.embedding, models.notes) == (("gpt-4o", "legacy"), ("vectors",), ())


def test_config_without_mode_falls_back_to_the_name_and_says_so() -> None:
    # The seed document's deployment: neither model declares model_info.mode.
    models = models_from_config(FIXTURES / "seed.yaml")
    assert (models.chat, models.embedding) == (("heartcode-chat-sfw",), ("heartcode-embed",))
    assert models.notes == (
        'heartcode-chat-sfw: no model_info.mode, checked as chat because its name does not contain "embed" or a '
        "bge/gte/e5 name part "
        "(set model_info.mode: chat in the config to make it explicit)",
        'heartcode-embed: no model_info.mode, checked as embedding because its name contains "embed" or a bge/gte/e5 '
        "name part "
        "(set model_info.mode: embedding in the config to make it explicit)",
    )


def test_config_name_fallback_also_reads_the_upstream_model(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.yaml",
        """
        model_list:
          - model_name: search-vectors
            litellm_params: {model: openai/text-embedding-3-large}
    """,
    )
    assert models_from_config(config).embedding == ("search-vectors",)


def test_config_skips_what_no_check_covers_and_says_so(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.yaml",
        """
        model_list:
          - model_name: chat
            litellm_params: {model: openai/gpt-4o-mini}
            model_info: {mode: chat}
          - model_name: "openai/*"
            litellm_params: {model: "openai/*"}
          - model_name: painter
            litellm_params: {model: openai/dall-e-3}
            model_info: {mode: image_generation}
          - litellm_params: {model: openai/nameless}
          - model_name: chat
            litellm_params: {model: openai/text-embedding-3-small}
            model_info: {mode: embedding}
    """,
    )
    models = models_from_config(config)
    assert (models.chat, models.embedding) == (("chat",), ())
    assert [note.split(":")[0] for note in models.notes] == [
        "openai/*",
        "painter",
        "model_list[3] has no model_name",
        "chat",
    ]
    assert "image_generation" in models.notes[1]
    assert "checked as chat (its first entry)" in models.notes[3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("model_list: [\n  - {", "is not valid YAML (line *", id="not-yaml"),
        pytest.param("general_settings: {}\n", "has no model_list*", id="no-model-list"),
        pytest.param("- just\n- a list\n", "has no model_list*", id="not-a-mapping"),
        pytest.param(
            "model_list:\n  - model_name: painter\n    model_info: {mode: image_generation}\n",
            "*no model with a smoke check*",
            id="nothing-checkable",
        ),
    ],
)
def test_unusable_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        models_from_config(config)
    pytest.LineMatcher([str(caught.value)]).fnmatch_lines(
        [f"*config.yaml {message}".replace("config.yaml *", "config.yaml: *")]
    )


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"cannot read .*nope\.yaml: No such file or directory"):
        models_from_config(tmp_path / "nope.yaml")


# -- exit 2: usage errors, decided before pytest starts ----------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        pytest.param(
            ("--url", "htp://proxy"),
            {"LITELLM_MASTER_KEY": KEY},
            "*invalid target URL 'htp://proxy' from option --url: expected an http(s) URL*",
            id="bad-scheme",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:99999"),
            {"LITELLM_MASTER_KEY": KEY},
            "*expected a port between 1 and 65535*",
            id="bad-port",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000"),
            {},
            "*missing master key for target http://127.0.0.1:4000: set LITELLM_MASTER_KEY*",
            id="no-key",
        ),
        pytest.param(
            (),
            {"LITELLM_BASE_URL": "http://127.0.0.1:4000"},
            "*missing master key for target http://127.0.0.1:4000*",
            id="no-key-env-url",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000", "--master-key-env", "PROD_KEY"),
            {"LITELLM_MASTER_KEY": KEY},
            "*--master-key-env PROD_KEY: that environment variable is not set*",
            id="key-env-unset",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000", "--timeout", "soon"),
            {"LITELLM_MASTER_KEY": KEY},
            "*invalid timeout 'soon' from option --timeout*",
            id="bad-timeout",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000", "--expect-db", "maybe"),
            {"LITELLM_MASTER_KEY": KEY},
            "*invalid expect db 'maybe'*",
            id="bad-expect-db",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000", "--config", "missing.yaml"),
            {"LITELLM_MASTER_KEY": KEY},
            "*--config: cannot read missing.yaml: No such file or directory",
            id="missing-config",
        ),
        pytest.param(
            ("--url", "http://127.0.0.1:4000", "--json", "."),
            {"LITELLM_MASTER_KEY": KEY},
            "*--json . is a directory: give the path of the file to write",
            id="json-is-a-directory",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_cli("check", *argv)
    assert result.code == ExitCode.USAGE
    assert result.out == ""  # nothing ran
    assert len(result.err.strip().splitlines()) == 1, result.err
    pytest.LineMatcher(result.err.splitlines()).fnmatch_lines([f"litellm-smoke check: error: {message}"])
    assert "Traceback" not in result.err
    assert KEY not in result.text


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--litellm-master-key", KEY), id="plugin-option"),
        pytest.param((f"--litellm-master-key={KEY}",), id="plugin-option-equals"),
        pytest.param(("--master-key", KEY), id="guessed-option"),
        pytest.param(("-k", KEY), id="key-shaped-argument"),
        pytest.param(("--", "--litellm-master-key", KEY), id="after-dashes"),
        pytest.param(("--master-key-env", KEY), id="key-instead-of-variable-name"),
    ],
)
def test_a_key_on_the_command_line_is_refused_without_echoing_it(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    result = run_cli("check", "--url", "http://127.0.0.1:4000", *argv)
    assert result.code == ExitCode.USAGE
    assert KEY not in result.text
    assert "$LITELLM_MASTER_KEY" in result.err or "NAME of an environment variable" in result.err


def test_top_level_usage(run_cli: RunCli) -> None:
    assert run_cli().code == ExitCode.USAGE
    assert run_cli("--help").code == 0
    version = run_cli("--version")
    assert (version.code, version.out.strip()) == (0, "litellm-smoke 0.1.0")
    unknown = run_cli("frobnicate")
    assert unknown.code == ExitCode.USAGE
    assert "invalid choice: 'frobnicate'" in unknown.err


def test_a_missing_or_broken_subcommand_module_does_not_break_check(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "broken_cli_for_test.py", "raise RuntimeError('half-written module')\n")
    write(tmp_path / "needs_dep_cli_for_test.py", "import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli._PLUGGABLE, "ghost", "litellm_smoke._cli_does_not_exist")
    monkeypatch.setitem(cli._PLUGGABLE, "broken", "broken_cli_for_test")
    monkeypatch.setitem(cli._PLUGGABLE, "needs-dep", "needs_dep_cli_for_test")
    listing = run_cli("--help")
    assert listing.code == 0
    assert "ghost" not in listing.out
    assert "broken" in listing.out
    assert "needs-dep" in listing.out
    broken = run_cli("broken", "anything")
    assert broken.code == ExitCode.USAGE
    assert broken.err.strip() == (
        "litellm-smoke: broken is unavailable: importing broken_cli_for_test failed: RuntimeError: half-written module"
    )
    assert "No module named 'a_dependency_that_is_not_installed'" in run_cli("needs-dep").err
    assert run_cli("check", "--url", "nope").code == ExitCode.USAGE  # check itself still parses


def test_check_does_not_import_the_other_subcommands() -> None:
    # A deploy gate's verdict must not wait for the recorder (respx) or the config rules it never runs.
    code = (
        "import sys; from litellm_smoke.cli import build_parser; p = build_parser('check'); "
        "p.parse_known_args(['check', '--url', 'http://127.0.0.1:9']); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('litellm_smoke.cli.', 'respx')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "litellm_smoke.cli.check" in out
    assert not {"litellm_smoke.cli.record", "litellm_smoke.cli.lint", "litellm_smoke.cli.sweep", "respx"} & set(out)
    everything = cli.build_parser(None).format_help()
    assert all(command in everything for command in ("check", "lint-config", "sweep", "record"))


def test_lint_config_is_wired(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "not-a-real-upstream-key")
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-" + "a1B2c3D4" * 4)
    monkeypatch.setenv("DATABASE_URL", "postgresql://litellm:pw@db.internal:5432/litellm")
    assert run_cli("lint-config", str(FIXTURES / "good.yaml")).code == 0
    seed = run_cli("lint-config", str(FIXTURES / "seed.yaml"))
    assert seed.code == 1
    assert "os.environ/LITELLM_MASTER_KEY" in seed.out


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "litellm-smoke"
    if not script.exists():
        pytest.skip("no console script next to this interpreter (not an installed environment)")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "litellm-smoke 0.1.0")


# -- exit 2 and 3 from a real child pytest -----------------------------------------------------


def test_pytest_usage_error_is_exit_2(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    result = run_cli("check", "--url", dead_port(), "--no-such-pytest-option")
    assert result.code == ExitCode.USAGE
    assert "unrecognized arguments: --no-such-pytest-option" in result.err
    assert result.out.splitlines()[-1].startswith("litellm-smoke: USAGE ERROR")


def test_no_check_selected_is_exit_2_not_success(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    result = run_cli("check", "--url", dead_port(), "-k", "no_check_has_this_name")
    assert result.code == ExitCode.USAGE
    assert result.out.splitlines()[-1] == (
        "litellm-smoke: NO CHECKS RAN: the selection (-k/-m) matched no check -> exit 2"
    )


def test_unreachable_target_is_exit_3(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", KEY)
    url = dead_port()
    report = tmp_path / "reports" / "smoke.json"
    result = run_cli("check", "--url", url, "--chat-model", "m1", "--json", str(report), *NOT_KEYS)
    assert result.code == ExitCode.UNREACHABLE, result.text
    pytest.LineMatcher(result.out.splitlines()).fnmatch_lines(
        [
            f"litellm-smoke 0.1.0: target={url} chat_models=m1 *master_key=set*",
            f"FAIL  reachability * target unreachable: connection refused ({url}/health/liveliness)",
            "SKIP  * not run: see reachability",
            "SKIP  auth_master_key_accepted * (same reason as above)",
        ]
    )
    assert "litellm-smoke verdict" not in result.out  # the progress lines are the table: no second copy
    assert sum("TARGET UNREACHABLE" in line for line in result.out.splitlines()) == 1  # the verdict, once
    assert result.out.splitlines()[-1].startswith("litellm-smoke: TARGET UNREACHABLE: connection refused")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["verdict"]["code"] == 3
    assert data["target"]["url"] == url
    assert KEY not in result.text + report.read_text(encoding="utf-8")
    assert "\x1b[" not in result.text  # not a terminal: no colours


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
def test_colours_on_a_terminal(tmp_path: Path) -> None:
    import pty

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "NO_COLOR", "FORCE_COLOR", "PY_COLORS"))
    }
    env.update(LITELLM_MASTER_KEY=KEY, TERM="xterm-256color")
    leader, follower = pty.openpty()
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        process = subprocess.Popen(
            [sys.executable, "-m", "litellm_smoke.cli", "check", "--url", dead_port(), *NOT_KEYS],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
        )  # fmt: skip
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = terminal.read(65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == ExitCode.UNREACHABLE
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[31m" in output or "\x1b[1;31m" in output, output  # red FAIL / verdict
    assert KEY not in output


def test_offline_replay_is_exit_0(run_cli: RunCli, tmp_path: Path) -> None:
    """The shipped recordings of a healthy LiteLLM: no proxy, no network, the default checks all pass."""
    report = tmp_path / "smoke.json"
    result = run_cli("check", "--offline", "--json", str(report), *NOT_KEYS)
    assert result.code == ExitCode.OK, result.text
    assert result.out.splitlines()[-1].startswith("litellm-smoke: HEALTHY: ")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["target"]["kind"] == "offline"
    assert data["verdict"]["code"] == 0
    assert data["litellm_version"] == "1.108.7"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the child pid from /proc")
def test_ctrl_c_stops_the_run_and_its_child(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
    env["LITELLM_MASTER_KEY"] = KEY
    with silent_server() as (url, connected):  # the preflight waits for an answer that never comes
        cli_process = subprocess.Popen(
            [sys.executable, "-m", "litellm_smoke.cli", "check", "--url", url, "--timeout", "60"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        children = Path(f"/proc/{cli_process.pid}/task/{cli_process.pid}/children")
        deadline = time.monotonic() + 30
        while not children.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(children.read_text().split()[0])
        assert connected.wait(30), "the child pytest never reached the preflight"
        started = time.monotonic()
        cli_process.send_signal(signal.SIGINT)
        try:
            output, _ = cli_process.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # fail this test cleanly, without orphaning the CLI
            cli_process.kill()
            output, _ = cli_process.communicate()
            pytest.fail(f"the CLI was still running 60 s after SIGINT:\n{output}")
    assert cli_process.returncode == 130, output
    assert time.monotonic() - started < 15
    assert not Path(f"/proc/{child}").exists(), "the child pytest outlived the CLI"
    assert output.rstrip().endswith("litellm-smoke: interrupted")
    assert KEY not in output


# -- exit 0 and 1 against a real LiteLLM -------------------------------------------------------


@pytest.mark.embedded
def test_healthy_target_is_exit_0_with_config_models_json_and_junit(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, faults_proxy: Live
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", faults_proxy.key)
    config = write(
        tmp_path / "config.yaml",
        """
        model_list:
          - model_name: heartcode-chat-sfw
            litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY}
            model_info: {mode: chat}
          - model_name: heartcode-embed
            litellm_params: {model: openai/text-embedding-3-small, api_key: os.environ/OPENAI_API_KEY}
    """,
    )
    report, junit = tmp_path / "smoke.json", tmp_path / "junit.xml"
    result = run_cli(
        "check",
        "--url",
        faults_proxy.url,
        "--config",
        str(config),
        "--json",
        str(report),
        "--junitxml",
        str(junit),
        *NOT_KEYS,
    )
    assert result.code == ExitCode.OK, result.text
    pytest.LineMatcher(result.out.splitlines()).fnmatch_lines(
        [
            f"litellm-smoke: models from {config}: chat heartcode-chat-sfw; embedding heartcode-embed",
            "litellm-smoke: note: heartcode-embed: no model_info.mode, checked as embedding because its name contains*",
            "litellm-smoke 0.1.0: target=* chat_models=heartcode-chat-sfw embedding_models=heartcode-embed *",
            "PASS  reachability *",
            "PASS  chat_completion * heartcode-chat-sfw * ms",
            "litellm-smoke: HEALTHY: * -> exit 0*",
        ]
    )
    assert result.out.splitlines()[-1].startswith("litellm-smoke: HEALTHY:")

    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["verdict"]["status"] == "healthy"
    assert data["pytest_exit_status"] == 0
    assert data["target"] == {"url": faults_proxy.url, "kind": "external"}
    assert data["litellm_version"]
    assert data["usage"]["model_calls"]["heartcode-chat-sfw"] == 3
    assert data["usage"]["total_tokens"] > 0
    assert data["checks"][0]["nodeid"] == "litellm_smoke/suite/test_smoke.py::test_reachability"

    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    chat = {p.get("name"): p.get("value") for p in cases["test_chat_completion[heartcode-chat-sfw]"].iter("property")}
    assert chat["model"] == "heartcode-chat-sfw"
    assert chat["litellm_version"] == data["litellm_version"]
    assert float(chat["latency_ms"] or 0) > 0
    assert cases["test_chat_completion[heartcode-chat-sfw]"].get("classname") == "litellm_smoke.suite.test_smoke"

    leaks = faults_proxy.key in result.text + report.read_text(encoding="utf-8") + junit.read_text(encoding="utf-8")
    assert not leaks, "the master key leaked into the output, the JSON or the JUnit report"


@pytest.mark.embedded
def test_wrong_master_key_is_exit_1(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, faults_proxy: Live) -> None:
    wrong = "sk-cli-test-not-the-master-key-42"
    monkeypatch.setenv("DEPLOY_LITELLM_KEY", wrong)
    result = run_cli(
        "check",
        "--url",
        faults_proxy.url,
        "--master-key-env",
        "DEPLOY_LITELLM_KEY",
        "-k",
        "reachability or master_key or readiness",
        *NOT_KEYS,
    )
    assert result.code == ExitCode.FAILED, result.text
    pytest.LineMatcher(result.out.splitlines()).fnmatch_lines(
        [
            "PASS  reachability *",
            "FAIL  auth_master_key_accepted * master key rejected: GET /v1/models answered 40*",
            "litellm-smoke: UNHEALTHY: 1 of 3 checks failed (2 passed) -> exit 1",
        ]
    )
    assert wrong not in result.text
    assert faults_proxy.key not in result.text


@pytest.mark.embedded
def test_failing_model_is_exit_1_and_named_in_the_table(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, faults_proxy: Live
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", faults_proxy.key)
    result = run_cli(
        "check",
        "--url",
        faults_proxy.url,
        "--chat-model",
        "fault-500",
        "-k",
        "reachability or test_chat_completion",
        *NOT_KEYS,
    )
    assert result.code == ExitCode.FAILED, result.text
    pytest.LineMatcher(result.out.splitlines()).fnmatch_lines(
        [
            "PASS  reachability * - * ms",
            "FAIL  chat_completion * fault-500 * ms  chat fault-500: expected HTTP 200, got 500",
        ]
    )
    assert faults_proxy.key not in result.text

"""The plugin's manners in a project that merely has litellm-smoke installed, and the exit codes.

pytest autoloads every installed plugin. Until a run asks for the smoke suite (its path,
``--pyargs litellm_smoke.suite``, ``-m smoke`` or one of its options), the plugin prints nothing,
stops nothing and warns nothing, also under ``filterwarnings = error`` with stray ``LITELLM_*``
values in the shell. These tests run pytest in a subprocess with plugin autoload on, in a
project directory of its own: what a user gets after ``pip install litellm-smoke``.
"""

from __future__ import annotations

import socket

import pytest

from litellm_smoke.cli import main as cli_main

HOST_INI = """
[pytest]
filterwarnings = error
"""
PLAIN_TEST = "def test_plain():\n    assert 1 + 1 == 2\n"
STRAY = {
    "LITELLM_BASE_URL": "not-a-url",
    "LITELLM_SMOKE_TIMEOUT": "soon",
    "LITELLM_EXPECT_DB": "perhaps",
    "LITELLM_MASTER_KEY": "sk-stray-0123456789abcdef",
}


@pytest.fixture
def host(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An unrelated project: one plain test, strict warnings, plugin autoload on."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeini(HOST_INI)
    pytester.makepyfile(test_host=PLAIN_TEST)
    return pytester


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unrelated_project_sees_nothing_of_the_plugin(
    host: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    result = host.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    output = result.stdout.str() + result.stderr.str()
    plugins_line = [line for line in result.stdout.lines if line.startswith("plugins:")]
    assert "litellm-smoke" in "".join(plugins_line), "the plugin must be installed and autoloaded here"
    # pytest's plugin list and pytest-asyncio's own header line are theirs, not ours
    others = "\n".join(line for line in output.splitlines() if not line.startswith(("plugins:", "asyncio:")))
    for trace in ("litellm-smoke:", "LITELLM", "warning", "INTERNALERROR", "asyncio_default_fixture_loop_scope"):
        assert trace not in others, f"{trace!r} in an unrelated project's output:\n{output}"
    assert STRAY["LITELLM_MASTER_KEY"] not in output


def test_the_output_is_the_same_as_without_the_plugin(host: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_SMOKE_TIMEOUT", "soon")
    with_plugin = host.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-p", "no:asyncio")
    without = host.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-p", "no:asyncio", "-p", "no:litellm_smoke")
    assert with_plugin.ret == without.ret == pytest.ExitCode.OK
    assert with_plugin.stdout.lines[:-1] == without.stdout.lines[:-1]  # the last line has the duration


def test_minus_m_smoke_outside_the_checkout_says_how_to_run_the_suite(host: pytest.Pytester) -> None:
    result = host.runpytest_subprocess("-p", "no:cacheprovider", "-m", "smoke")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(
        ["litellm-smoke: -m smoke selected no smoke check*pytest --pyargs litellm_smoke.suite*"]
    )


def test_not_smoke_gives_no_hint(host: pytest.Pytester) -> None:
    result = host.runpytest_subprocess("-p", "no:cacheprovider", "-m", "not smoke")
    assert result.ret == pytest.ExitCode.OK
    assert "litellm-smoke" not in result.stdout.str().replace("litellm-smoke-", "")


def test_asking_for_the_suite_reports_a_bad_setting_in_one_line(
    host: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_SMOKE_TIMEOUT", "soon")
    result = host.runpytest_subprocess("-p", "no:cacheprovider", "--pyargs", "litellm_smoke.suite", "-m", "smoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: litellm-smoke: invalid timeout 'soon' from environment variable*"])
    assert "Traceback" not in result.stderr.str()


def test_a_keyword_selection_on_a_dead_port_runs_reachability_and_exits_3(
    host: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-test-0123456789abcdef")
    monkeypatch.setenv("LITELLM_CHAT_MODELS", "m1")
    args = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    result = host.runpytest_subprocess(*args, "--pyargs", "litellm_smoke.suite", "-m", "smoke", "-k", "chat",
                                       f"--litellm-url={_dead_url()}")  # fmt: skip
    assert result.ret == 3, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and "passed" not in outcomes
    result.stdout.fnmatch_lines(["*test_reachability*", "TARGET UNREACHABLE: connection refused* -> exit 3"])


def test_a_run_that_verified_nothing_does_not_pass(host: pytest.Pytester) -> None:
    """Offline replay, only the key checks selected: no database, so all of them skip."""
    args = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    keys = "key_generate or key_deleted"
    result = host.runpytest_subprocess(*args, "--pyargs", "litellm_smoke.suite", "-m", "smoke", "-k", keys,
                                       "--offline")  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 1 and outcomes.get("skipped", 0) >= 1, result.stdout.str()  # reachability only
    result.stdout.fnmatch_lines(["NOTHING VERIFIED: all * selected checks were skipped -> exit 2"])
    assert result.ret == 2


@pytest.mark.parametrize("option", ["--lf", "--last-failed", "--ff", "--sw"])
def test_check_says_that_last_failed_does_not_work(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["check", "--offline", option]) == 2
    err = capsys.readouterr().err
    assert f"{option} does not work with check" in err and "-k" in err
    assert len(err.strip().splitlines()) == 1


def test_check_with_a_keyword_selection_on_a_dead_port_is_exit_3(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-test-0123456789abcdef")
    assert cli_main(["check", "--url", _dead_url(), "--chat-model", "m1", "-k", "chat"]) == 3
    out = capfd.readouterr().out
    assert "FAIL  reachability" in out and out.strip().splitlines()[-1].startswith("litellm-smoke: TARGET UNREACHABLE")


def test_a_project_with_its_own_smoke_marker_is_not_stopped_by_stray_settings(
    host: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-m smoke` in a project whose own tests are marked smoke: our bad settings are not its problem."""
    host.makeini(HOST_INI + "markers =\n    smoke: the project's own smoke tests\n")
    host.makepyfile(test_own_smoke="import pytest\n\n@pytest.mark.smoke\ndef test_own():\n    pass\n")
    monkeypatch.setenv("LITELLM_SMOKE_TIMEOUT", "soon")
    result = host.runpytest_subprocess("-p", "no:cacheprovider", "-m", "smoke")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1, deselected=1)
    assert "litellm-smoke" not in (result.stdout.str() + result.stderr.str()).replace("litellm-smoke-0", "")

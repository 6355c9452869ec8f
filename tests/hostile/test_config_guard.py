"""lint-config and check --config against hostile files (issue 13 item 7): refused in bounded time, exit 2."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from litellm_smoke.cli import main
from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config import _safe_yaml
from litellm_smoke.litellm_config._safe_yaml import UnsafeYaml, load_yaml_text, safe_load_yaml


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("model_list: [*j]")
    return "\n".join(lines) + "\n"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _bomb(path: Path) -> None:
    path.write_text(billion_laughs())


def _big(path: Path) -> None:
    path.write_text("model_list:\n" + "  - {model_name: m, litellm_params: {model: x}}\n" * 40_000)


def _deep(path: Path) -> None:
    path.write_text("model_list: " + "[" * 50_000 + "]" * 50_000 + "\n")


def _directory(path: Path) -> None:
    path.mkdir()


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_fifo, "a FIFO (named pipe), not a regular file"),
    "dev-zero-symlink": (_dev_zero, "a character device, not a regular file"),
    "billion-laughs": (_bomb, "an alias bomb"),
    "oversized": (_big, "over the 1,048,576-byte limit"),
    "deep-nesting": (_deep, "nested too deeply"),
    "directory": (_directory, "a directory, not a regular file"),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
@pytest.mark.parametrize("command", ["lint-config", "check"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_hostile_config_is_refused_with_exit_2(
    command: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make, words = CASES[case]
    path = tmp_path / "config.yaml"
    make(path)
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-config-guard-0123456789")
    argv = (
        ["lint-config", str(path)]
        if command == "lint-config"
        else ["check", "--url", "http://127.0.0.1:9", "--config", str(path)]
    )
    started = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert code == ExitCode.USAGE, captured
    assert words in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err
    assert elapsed < _safe_yaml.MAX_SECONDS + 5


def test_a_real_config_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("model_list:\n  - model_name: m\n    litellm_params: {model: openai/x}\n")
    assert safe_load_yaml(path) == {"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/x"}}]}


def test_many_nodes_are_refused_before_the_clock_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_safe_yaml, "MAX_NODES", 1000)
    with pytest.raises(UnsafeYaml, match="more than 1,000 YAML nodes"):
        load_yaml_text("[" + ", ".join(["1"] * 2000) + "]")


def test_slow_parsing_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_safe_yaml, "MAX_SECONDS", 0.0)
    with pytest.raises(UnsafeYaml, match="parsing took over"):
        load_yaml_text("[" + ", ".join(["1"] * 5000) + "]")

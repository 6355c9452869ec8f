"""Stopping ``litellm-smoke check`` (issue 13 item 8): SIGTERM, SIGHUP, SIGINT and SIGKILL of the command
leave no pytest child and no temp dir behind, and (except SIGKILL) write the documented
``interrupted`` JSON. The run is held open by the hostile server trickling the chat answer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.cases import child_env
from tests.hostile.server import KEY_MODES, MODEL, serve

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")


def _children(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in done.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _wait_gone(pid: int, seconds: float) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _start_check(url: str, report: Path) -> subprocess.Popen[str]:
    """``litellm-smoke check`` against ``url`` with a 120 s timeout: only a stop signal ends it early."""
    command = [
        sys.executable, "-m", "litellm_smoke.cli", "check", "--url", url, "--chat-model", MODEL,
        "--timeout", "120", "--json", str(report),
    ]  # fmt: skip
    return subprocess.Popen(command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL"])
def test_a_stopped_check_leaves_nothing_running(signame: str, tmp_path: Path) -> None:
    report = tmp_path / "verdict.json"
    with serve("trickle-chat") as (url, server):
        process = _start_check(url, report)
        try:
            ends = time.monotonic() + 60
            while "POST /v1/chat/completions" not in server.requests and time.monotonic() < ends:
                time.sleep(0.1)  # the run is now stuck in the trickled chat answer
            [child] = _children(process.pid)
            tmp_dir = Path(Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[3].decode())
            assert tmp_dir.name.startswith("litellm-smoke-check-")
            assert tmp_dir.exists()
            started = time.monotonic()
            process.send_signal(getattr(signal, signame))
            output, _ = process.communicate(timeout=60)
            assert _wait_gone(child, 30), f"pytest child {child} outlived check"
            stopped = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert stopped < 20, stopped
    ends = time.monotonic() + 10
    while tmp_dir.exists() and time.monotonic() < ends:
        time.sleep(0.1)
    assert not tmp_dir.exists()
    assert "Traceback (most recent call last)" not in output, output
    number = int(getattr(signal, signame))
    assert process.returncode in (128 + number, -number), (process.returncode, output)
    document = json.loads(report.read_text())
    assert document["verdict"]["status"] == "interrupted"


@pytest.mark.parametrize("mode", KEY_MODES)
def test_an_interrupted_run_deletes_the_key_it_minted(mode: str, tmp_path: Path) -> None:
    """SIGTERM while a check holds the minted key (``keys-stall``: its chat call trickles) or while the
    mint itself is unanswered (``keys-stall-mint``: the key exists, its hash never arrived): the run
    stops, the key is deleted (by hash, or found by its alias), the JSON says ``interrupted``, and the
    output holds neither a traceback nor the key."""
    report = tmp_path / "verdict.json"
    with serve(mode) as (url, server):
        process = _start_check(url, report)
        try:
            assert server.stalled.wait(60), server.requests
            assert len(server.keys) == 1  # the run is stuck with a live key on the proxy
            [minted] = [str(k["key"]) for k in server.keys.values()]
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
            stopped = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert server.keys == {}, (server.requests, output)
    assert stopped < 20, stopped
    assert "POST /key/delete" in server.requests
    assert "Traceback (most recent call last)" not in output, output
    assert minted not in output and minted[3:] not in output
    assert process.returncode == 128 + signal.SIGTERM, (process.returncode, output)
    document = json.loads(report.read_text())
    assert document["verdict"]["status"] == "interrupted"
    assert "cleanup" not in output, output  # no "key(s) minted by this run could not be deleted"

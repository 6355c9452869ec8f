"""litellm-smoke check against a hostile LiteLLM look-alike (issue 13, "Hostile target").

Each case runs the real CLI in a subprocess against one mode of tests/hostile/server.py and asserts
what the issue asks of every case: the verdict ends within about 2 x the timeout (plus start-up),
no traceback, no form of a secret in stdout, stderr, JUnit or JSON, and the failure named once on
the check it concerns (no other check fails). Peak memory per case is measured by
benchmarks/hostile.py, not here (timing claims belong in benchmarks).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.cases import (
    CASES,
    MASTER_KEY,
    STARTUP_SLACK,
    TIMEOUT,
    Case,
    check_command,
    child_env,
    leaked,
    run_case,
)
from tests.hostile.server import serve

TRACEBACK_MARKERS = ("Traceback (most recent call last)", "INTERNALERROR", "RecursionError: maximum")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    everything = "\n".join((outcome.stdout, outcome.stderr, outcome.junit, str(outcome.report)))

    assert outcome.code == case.exit_code, everything[-3000:]
    assert not [m for m in TRACEBACK_MARKERS if m in everything], everything[-3000:]
    assert not leaked(everything, [MASTER_KEY, *outcome.wrong_keys])
    assert "\x1b" not in outcome.stdout + outcome.stderr  # NO_COLOR is set: any ESC came from the target
    assert outcome.report, "no JSON report was written"
    assert outcome.verdict_seconds <= 2 * TIMEOUT + STARTUP_SLACK, outcome.verdict_seconds

    failures = outcome.failures()
    assert set(failures) == set(case.failures), failures
    for check, words in case.failures.items():
        assert words in failures[check], (check, failures[check])


def test_sweep_against_a_trickling_key_list_ends_in_time() -> None:
    with serve("trickle-keys") as (url, server):
        command = [sys.executable, "-m", "litellm_smoke.cli", "sweep", "--url", url, "--timeout", f"{TIMEOUT:g}"]
        started = time.monotonic()
        done = subprocess.run(command, env=child_env(), capture_output=True, text=True, timeout=120, check=False)
        elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "timed out waiting for the response" in output
    assert "Traceback" not in output
    assert not leaked(output, [MASTER_KEY])
    assert "GET /key/list" in server.requests
    assert elapsed <= 2 * TIMEOUT + STARTUP_SLACK, elapsed


def test_a_redirect_is_reported_once_and_the_key_never_reaches_the_other_origin(tmp_path: Path) -> None:
    with serve("healthy") as (other_url, other), serve("redirect") as (url, server):
        server.redirect_to = other_url + "/"
        json_path = tmp_path / "r.json"
        command = check_command(url, json_path, tmp_path / "r.xml", "--chat-model", "hostile-chat")
        done = subprocess.run(command, env=child_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3, done.stdout + done.stderr
    assert other.requests == []  # never followed: the master key stayed with the origin it was meant for
    assert done.stdout.count(f"redirects (307) to {other_url}/health/liveliness") >= 1
    report = json.loads(json_path.read_text())
    assert [row["name"] for row in report["checks"] if row["status"] == "failed"] == ["reachability"]

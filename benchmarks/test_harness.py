"""Self-tests of the benchmark harness (not part of `make test`): `pytest benchmarks/test_harness.py`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import _analysis
import _proc
import pytest
import scaling

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     openai._types
import time:       200 |        300 |   openai
import time:        50 |        350 | litellm_smoke.checks.chat
import time:        10 |         10 | pytest_plugin_noise
some unrelated line
"""


def test_importtime_parsing_finds_the_package_and_who_imported_it() -> None:
    entries = _analysis.parse_importtime(IMPORTTIME)
    assert [e.name for e in entries] == ["openai._types", "openai", "litellm_smoke.checks.chat", "pytest_plugin_noise"]
    assert _analysis.total_import_us(entries) == 360
    heavy = _analysis.heavy_imports(entries, ["openai", "litellm"])
    assert heavy == {"openai": {"cumulative_us": 300, "imported_by": ["litellm_smoke.checks.chat"]}}


def test_percentile_is_nearest_rank() -> None:
    assert _analysis.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 95) == 5.0
    assert _analysis.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert _analysis.median([1.0, 2.0, 10.0]) == 2.0


def test_run_measures_the_child_and_captures_its_output(tmp_path: Path) -> None:
    code = "import sys; x = bytearray(64 * 1024 * 1024); print('hello'); sys.exit(3)"
    run = _proc.run([sys.executable, "-c", code], env={}, cwd=tmp_path, output=tmp_path / "out", timeout=60)
    assert run.returncode == 3
    assert not run.timed_out
    assert run.output.strip() == "hello"
    assert run.maxrss_kb > 64 * 1024  # the child's own peak, not the harness's
    assert run.wall > 0
    assert run.cpu >= 0


def test_run_kills_the_whole_group_on_timeout(tmp_path: Path) -> None:
    # The child forks a grandchild that would outlive it; both must be gone after the timeout.
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(p.pid, flush=True); time.sleep(60)"
    )
    run = _proc.run([sys.executable, "-c", code], env={}, cwd=tmp_path, output=tmp_path / "out", timeout=1.0)
    assert run.timed_out
    assert run.wall < 15
    grandchild = int(run.output.split()[0])
    assert not Path(f"/proc/{grandchild}").exists() or "Z" in Path(f"/proc/{grandchild}/stat").read_text().split()[2]
    assert _proc.REGISTRY._alive() == []


def test_black_hole_connects_but_never_answers() -> None:
    with _proc.black_hole() as port, socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1)


def test_free_port_refuses_connections() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", _proc.free_port()), timeout=2)


def test_a_package_imported_in_another_thread_is_still_found() -> None:
    text = (
        "import time:       100 |        100 |     openai._types\n"
        "import time:       300 |        400 |   openai._client\n"
        "import time:        10 |         10 | something_else\n"
    )
    heavy = _analysis.heavy_imports(_analysis.parse_importtime(text), ["openai", "litellm"])
    assert heavy == {"openai": {"cumulative_us": 400, "imported_by": [], "partial": True}}


def test_variants_are_data_and_every_placeholder_is_known() -> None:
    import run

    items = run.load_variants()
    assert [item["key"] for item in items][:1] == ["1a"]  # the issue's `pytest -m smoke` comes first
    words = [word for item in items for key in ("smoke", "trivial") for word in item[key]]
    placeholders = {word for word in words if word.startswith("{")}
    assert placeholders <= {"{py}", "{cli}", "{extra}", "{repo_trivial}", "{devnull}", "{neutral}"}
    assert {item["cwd"] for item in items} <= {"repo", "neutral"}


def test_proxy_cpu_counts_every_worker_of_the_proxys_process_group() -> None:
    # A multi-worker LiteLLM is a supervisor that waits and workers that work: the figure must be theirs too.
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    leader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {spin!r}]); time.sleep(30)",
        ],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        used = scaling.proxy_cpu_seconds(leader.pid) or 0.0
        while used < 0.3 and time.monotonic() < deadline:
            time.sleep(0.1)
            used = scaling.proxy_cpu_seconds(leader.pid) or 0.0
        assert used >= 0.3  # the leader itself only sleeps
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
    assert scaling.proxy_cpu_seconds(None) is None

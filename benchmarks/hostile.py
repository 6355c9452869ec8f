"""Hostile-target benchmark (issue 13): outcome, time and peak memory of ``litellm-smoke check`` per case.

Each case runs in a fresh measuring process (``--one NAME``): it serves the case's mode of the
hostile look-alike (tests/hostile/server.py) in a thread and runs the real CLI as a subprocess;
the peak RSS reported is ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that process, i.e. the
largest of the CLI and its pytest child (the server's own memory is not counted). The config
cases run ``lint-config`` and ``check --config`` on hostile files the same way.

    .venv/bin/python benchmarks/hostile.py                 # every case, Markdown table on stdout
    .venv/bin/python benchmarks/hostile.py --json out.json  # also the raw numbers
    .venv/bin/python benchmarks/hostile.py trickle-chat gzip-bomb   # some cases

Pass criteria (issue 13): verdict within ~2 x timeout plus process start, peak < 400 MB. The
``signal:`` cases (item 8) stop ``check`` mid-run: nothing may be left running, on the proxy or here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.cases import CASES, TIMEOUT, child_env, leaked, run_case  # noqa: E402
from tests.hostile.server import MASTER_KEY, MODEL, serve  # noqa: E402
from tests.hostile.test_config_guard import CASES as CONFIG_CASES  # noqa: E402

MEMORY_LIMIT_MB = 400


def _peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def _one_check_case(name: str) -> dict[str, object]:
    [case] = [c for c in CASES if c.name == name]
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_case(case, Path(tmp))
    everything = outcome.stdout + outcome.stderr + outcome.junit + json.dumps(outcome.report)
    failures = outcome.failures()
    verdict = outcome.report.get("verdict")
    summary = verdict.get("summary", "") if isinstance(verdict, dict) else ""
    first = next(iter(failures.values()), summary)
    return {
        "case": name,
        "item": case.issue_item,
        "exit": outcome.code,
        "expected_exit": case.exit_code,
        "outcome": str(first)[:90],
        "failed_checks": len(failures),
        "verdict_s": round(outcome.verdict_seconds, 2),
        "wall_s": round(outcome.seconds, 2),
        "peak_mb": round(_peak_children_mb(), 1),
        "traceback": "Traceback (most recent call last)" in everything or "INTERNALERROR" in everything,
        "leak": bool(leaked(everything, [MASTER_KEY, *outcome.wrong_keys])),
    }


def _command_row(
    name: str, item: str, done: subprocess.CompletedProcess[str], seconds: float, *, expected_exit: int
) -> dict[str, object]:
    """A row for a CLI run that ends on its own (no verdict JSON): its last output line, time and peak memory."""
    output = done.stdout + done.stderr
    return {
        "case": name,
        "item": item,
        "exit": done.returncode,
        "expected_exit": expected_exit,
        "outcome": output.strip().splitlines()[-1][:90] if output.strip() else "",
        "failed_checks": 0,
        "verdict_s": round(seconds, 2),
        "wall_s": round(seconds, 2),
        "peak_mb": round(_peak_children_mb(), 1),
        "traceback": "Traceback (most recent call last)" in output,
        "leak": bool(leaked(output, [MASTER_KEY])),
    }


def _one_config_case(name: str) -> dict[str, object]:
    command_name, case = name.split(":", 1)
    make, _words = CONFIG_CASES[case]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        make(path)
        argv = (
            ["lint-config", str(path)]
            if command_name == "lint-config"
            else ["check", "--url", "http://127.0.0.1:9", "--config", str(path)]
        )
        env = {**os.environ, "LITELLM_MASTER_KEY": MASTER_KEY}
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "litellm_smoke.cli", *argv], env=env, capture_output=True, text=True, timeout=120
        )
        seconds = time.monotonic() - started
    return _command_row(name, "7 config", done, seconds, expected_exit=2)


def _one_sweep_case() -> dict[str, object]:
    with serve("trickle-keys") as (url, _server):
        env = {**os.environ, "LITELLM_MASTER_KEY": MASTER_KEY}
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "litellm_smoke.cli", "sweep", "--url", url, "--timeout", f"{TIMEOUT:g}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        seconds = time.monotonic() - started
    return _command_row("sweep:trickle-keys", "1 time", done, seconds, expected_exit=1)


SIGNAL_CASES = ("SIGTERM", "SIGHUP", "SIGINT", "SIGKILL", "SIGTERM:keys-stall", "SIGTERM:keys-stall-mint")
"""Item 8: ``check`` stopped mid-run, held open by a trickled chat answer (or a key mode: a check holding
the minted key, a mint without an answer). "verdict s" is from the signal to ``check``'s exit."""


def _one_signal_case(spec: str) -> dict[str, object]:
    signame, _, mode = spec.partition(":")
    mode = mode or "trickle-chat"
    signum = int(getattr(signal, signame))
    with tempfile.TemporaryDirectory() as tmp, serve(mode) as (url, server):
        report = Path(tmp) / "verdict.json"
        command = [
            sys.executable, "-m", "litellm_smoke.cli", "check", "--url", url, "--chat-model", MODEL,
            "--timeout", "120", "--json", str(report),
        ]  # fmt: skip
        launched = time.monotonic()
        process = subprocess.Popen(
            command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            while time.monotonic() - launched < 60:
                if server.stalled.is_set() or (
                    mode == "trickle-chat" and "POST /v1/chat/completions" in server.requests
                ):
                    break
                time.sleep(0.05)
            children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
            child_tmp = Path(Path(f"/proc/{children[0]}/cmdline").read_bytes().split(b"\0")[3].decode())
            keys_before = len(server.keys)
            started = time.monotonic()
            process.send_signal(signum)
            output, _ = process.communicate(timeout=60)
            while Path(f"/proc/{children[0]}").exists() and time.monotonic() - started < 30:
                time.sleep(0.05)  # the child (re-parented on SIGKILL) stops too
            seconds = time.monotonic() - started
            wall = time.monotonic() - launched
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        status = json.loads(report.read_text())["verdict"]["status"] if report.exists() else "no JSON"
        left = []
        if Path(f"/proc/{children[0]}").exists():
            left.append("child running")
        if child_tmp.exists():
            left.append("temp dir")
        if server.keys:
            left.append(f"{len(server.keys)} key(s)")
        minted = ", key minted and deleted" if keys_before and not server.keys else ""
    expected = 128 + signum if signame != "SIGKILL" else -signum
    return {
        "case": f"signal:{spec}",
        "item": "8 signals",
        "exit": process.returncode,
        # a run that left something behind, or wrote no interrupted JSON, fails the row
        "expected_exit": expected if not left and status == "interrupted" else f"{expected}, stopped cleanly",
        "outcome": f"JSON {status}{minted}; " + (f"left: {', '.join(left)}" if left else "nothing left running"),
        "failed_checks": 0,
        "verdict_s": round(seconds, 2),
        "wall_s": round(wall, 2),
        "peak_mb": round(_peak_children_mb(), 1),
        "traceback": "Traceback (most recent call last)" in output or "INTERNALERROR" in output,
        "leak": bool(leaked(output, [MASTER_KEY, *(str(k["key"]) for k in server.keys.values())])),
    }


def all_names() -> list[str]:
    names = [c.name for c in CASES]
    names += [f"{command}:{case}" for case in CONFIG_CASES for command in ("lint-config", "check")]
    return [*names, "sweep:trickle-keys", *(f"signal:{spec}" for spec in SIGNAL_CASES)]


def one(name: str) -> dict[str, object]:
    if name == "sweep:trickle-keys":
        return _one_sweep_case()
    if name.startswith("signal:"):
        return _one_signal_case(name.removeprefix("signal:"))
    if ":" in name:
        return _one_config_case(name)
    return _one_check_case(name)


def measure(name: str) -> dict[str, object]:
    """Run one case in a fresh process, so its rusage covers that case only."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", name], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    if done.returncode != 0:
        return {"case": name, "error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        f"Timeout {TIMEOUT:g} s (budget: 2 x timeout = {2 * TIMEOUT:g} s plus process start); "
        f"memory limit {MEMORY_LIMIT_MB} MB.",
        "",
        "| case | issue item | outcome | exit | verdict s | wall s | peak MB | ok |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['case']} | | ERROR {row['error']} | | | | | no |")
            continue
        ok = (
            row["exit"] == row["expected_exit"]
            and not row["traceback"]
            and not row["leak"]
            and float(row["peak_mb"]) < MEMORY_LIMIT_MB  # type: ignore[arg-type]
        )
        outcome = str(row["outcome"]).replace("|", "\\|")
        lines.append(
            f"| {row['case']} | {row['item']} | {outcome} | {row['exit']} | {row['verdict_s']} | "
            f"{row['wall_s']} | {row['peak_mb']} | {'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--one", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    names = args.cases or all_names()
    rows = []
    for name in names:
        row = measure(name)
        rows.append(row)
        print(f"# {name}: {row}", file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

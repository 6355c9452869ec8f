"""What the route auth matrix adds to a healthy verdict, against the embedded default's LiteLLM.

One embedded proxy (LiteLLM in front of the fake upstream) is started and shared. Two figures:

1. verdict: interleaved pairs of ``litellm-smoke check`` runs against it, the floor deselecting
   the matrix (``-k "not auth_route_matrix"``), the subject running everything; the median of the
   per-pair wall-time differences is what the matrix adds (budget: 0.5 s).
2. direct: ``route_matrix_refused`` over the whole matrix on the warm proxy, median of N runs.

Model calls: every run's ``model_calls`` from its JSON report; the matrix must add none.

    .venv/bin/python benchmarks/security_matrix.py [--pairs 5] [--direct 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from litellm_smoke.checks.auth import route_matrix_refused
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import ROUTE_MATRIX
from litellm_smoke.launchers.embedded import EmbeddedProxy

BUDGET_S = 0.5


def _check(env: dict[str, str], json_path: Path, *extra: str) -> tuple[float, dict[str, object]]:
    command = [sys.executable, "-m", "litellm_smoke.cli", "check", "--json", str(json_path), *extra]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"check failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, json.loads(json_path.read_text())


def _calls(report: dict[str, object]) -> object:
    usage = report.get("usage")
    return usage.get("model_calls") if isinstance(usage, dict) else None


async def _direct(base_url: str, key: object, runs: int) -> list[float]:
    samples = []
    async with ProxyClient(base_url, key, 30.0) as client:  # type: ignore[arg-type]
        for _ in range(runs):
            started = time.perf_counter()
            await route_matrix_refused(client, ROUTE_MATRIX)
            samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--direct", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with EmbeddedProxy() as endpoint, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "LITELLM_BASE_URL": endpoint.base_url,
            "LITELLM_MASTER_KEY": endpoint.master_key.reveal(),
            "LITELLM_CHAT_MODELS": "heartcode-chat-sfw",
            "LITELLM_EMBEDDING_MODELS": "heartcode-embed",
        }
        report = Path(tmp) / "r.json"
        floor_args = ("--", "-k", "not auth_route_matrix")
        _check(env, report)  # warm-up: LiteLLM's first-request work on every route
        _check(env, report, *floor_args)
        diffs, calls = [], set()
        for _ in range(args.pairs):
            floor, floor_report = _check(env, report, *floor_args)
            subject, subject_report = _check(env, report)
            diffs.append(subject - floor)
            calls.add((json.dumps(_calls(floor_report)), json.dumps(_calls(subject_report))))
        direct = asyncio.run(_direct(endpoint.base_url, endpoint.master_key, args.direct))
    added = statistics.median(diffs)
    print(f"route auth matrix: {len(ROUTE_MATRIX)} probes")
    per_pair = ", ".join(f"{d:+.2f}" for d in diffs)
    verdict = "PASS" if added < BUDGET_S else "FAIL"
    print(
        f"verdict: {added:+.3f} s median over {args.pairs} interleaved pairs ({per_pair}); "
        f"budget {BUDGET_S} s -> {verdict}"
    )
    direct_ms = statistics.median(direct) * 1000
    print(f"direct: median {direct_ms:.0f} ms, min {min(direct) * 1000:.0f} ms over {len(direct)} runs")
    print(f"model calls (floor, subject): {sorted(calls)}")
    same_calls = all(f == s for f, s in calls)
    print(f"matrix adds model calls: {'no' if same_calls else 'YES'}")
    return 0 if added < BUDGET_S and same_calls else 1


if __name__ == "__main__":
    raise SystemExit(main())

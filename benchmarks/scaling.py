"""Scaling rows of benchmarks/run.py: the verdict time as the number of models grows (issue 11).

For 1, 10 and 30 models (chat and embedding, 4:1 like a typical deployment) a real LiteLLM runs
in front of the fake upstream, which answers every model call after 800 ms like a small real
model. Per size, interleaved: a trivial pytest run (the floor), ``pytest -m smoke`` verifying all
models, and LiteLLM's own bare ``GET /health`` (which probes every model concurrently). Budgets:
30 models within +2 s of 1 model; 10 models within 3 x LiteLLM's ``/health`` + the floor.

The slow-upstream row: one chat model whose upstream answers after 10 s, verified with a 3 s
timeout; budget: verdict <= 2 x timeout + floor.

    .venv/bin/python benchmarks/run.py --only scaling    # just these rows
"""

from __future__ import annotations

import os
import secrets
import shlex
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _analysis
import httpx

from litellm_smoke.launchers.embedded import EmbeddedProxy

LATENCY_S = 0.8
SIZES = (1, 10, 30)
SCALE_BUDGET_S = 2.0
HEALTH_FACTOR = 3.0
SLOW_TIMEOUT_S = 3.0
SLOW_UPSTREAM_S = 10.0

_ENTRY = """  - model_name: {name}
    litellm_params:
      model: openai/{upstream}
      api_base: os.environ/LITELLM_SMOKE_UPSTREAM
      api_key: os.environ/LITELLM_SMOKE_UPSTREAM_KEY
    model_info:
      mode: {mode}
"""
_SETTINGS = """
litellm_settings:
  num_retries: 0
  request_timeout: 30
  telemetry: false

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""


def split(size: int) -> tuple[list[str], list[str]]:
    """``size`` model names, about four chat models to one embedding model (1 -> one chat model)."""
    embeds = size // 5
    chats = size - embeds
    return [f"scale-chat-{i:02d}" for i in range(chats)], [f"scale-embed-{i:02d}" for i in range(embeds)]


def write_config(path: Path, chat: Sequence[tuple[str, str]], embed: Sequence[str]) -> Path:
    entries = [_ENTRY.format(name=n, upstream=u, mode="chat") for n, u in chat]
    entries += [_ENTRY.format(name=n, upstream="fake-embed", mode="embedding") for n in embed]
    path.write_text("model_list:\n" + "".join(entries) + _SETTINGS, encoding="utf-8")
    return path


def _bare_health(base_url: str, key: str) -> float:
    started = time.perf_counter()
    with httpx.Client(timeout=120.0, trust_env=False) as client:
        response = client.get(f"{base_url}/health", headers={"authorization": f"Bearer {key}"})
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 503):
        raise RuntimeError(f"bare /health answered {response.status_code}")
    return elapsed


def proxy_cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) LiteLLM has used so far; None where /proc cannot say.

    The proxy leads its own process group, so this sums every live process of that group: the one
    process of a single-worker proxy, the supervisor and its workers with ``--num_workers`` > 1.
    """
    if pid is None:
        return None
    ticks = 0
    found = False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            continue  # a process that ended while we read
        if len(fields) > 12 and fields[2] == str(pid):  # fields[2]: the process group
            ticks += int(fields[11]) + int(fields[12])
            found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def _proxy(bench: Any, config: Path) -> EmbeddedProxy:
    workers = bench.args.proxy_workers
    return EmbeddedProxy(
        config=config,
        startup_timeout=240.0,
        log_path=bench.work / f"{config.stem}.log",
        # LiteLLM's CLI reads --num_workers from NUM_WORKERS; its production advice is one per core
        extra_env={"NUM_WORKERS": str(workers)} if workers > 1 else None,
    )


def rows_scaling(bench: Any, row: Callable[..., Any], log: Callable[[str], None], live_env: Callable[..., Any]) -> None:
    """Adds rows 9a-9c (one per size), 9d (30 vs 1 model) and 9e (10 models vs /health)."""
    repeats = max(1, min(3, bench.args.repeats))
    variant = bench.variants()[0]  # `pytest -m smoke` at the repo root, and its trivial floor
    results: dict[int, dict[str, Any]] = {}
    work = Path(tempfile.mkdtemp(prefix="scaling-", dir=bench.work))
    for size in SIZES:
        chat, embed = split(size)
        config = write_config(work / f"scale-{size}.yaml", [(n, "fake-chat") for n in chat], embed)
        log(f"scaling: booting LiteLLM with {size} models ({len(chat)} chat, {len(embed)} embedding)")
        proxy = _proxy(bench, config)
        with proxy as endpoint:
            assert proxy.upstream is not None
            key = endpoint.master_key.reveal()
            bench.secrets.append(key)
            env = live_env(
                endpoint.base_url,
                key,
                LITELLM_CHAT_MODELS=",".join(chat),
                LITELLM_EMBEDDING_MODELS=",".join(embed),
            )
            proxy.upstream.latency_seconds = LATENCY_S
            bench.run(variant.smoke, env, variant.cwd, tag=f"scale-{size}-warmup")
            _bare_health(endpoint.base_url, key)  # LiteLLM's first-request work
            floors, subjects, healths, proxy_cpu = [], [], [], []
            for i in range(repeats):
                log(f"scaling {size} models: round {i + 1}/{repeats}")
                floors.append(bench.run(variant.trivial, env, variant.cwd, tag=f"scale-{size}-trivial"))
                before = proxy_cpu_seconds(proxy.pid)
                subjects.append(bench.run(variant.smoke, env, variant.cwd, tag=f"scale-{size}-smoke"))
                after = proxy_cpu_seconds(proxy.pid)
                if before is not None and after is not None:
                    proxy_cpu.append(after - before)  # what LiteLLM itself spent on this verdict
                healths.append(_bare_health(endpoint.base_url, key))
            calls = proxy.upstream.stats()
        results[size] = {
            "models": {"chat": len(chat), "embedding": len(embed)},
            "litellm_workers": bench.args.proxy_workers,
            "floor_median_s": round(_analysis.median([r.wall for r in floors]), 3),
            "verdict_median_s": round(_analysis.median([r.wall for r in subjects]), 3),
            "verdict_walls_s": [round(r.wall, 3) for r in subjects],
            "verdict_cpu_median_s": round(_analysis.median([r.cpu for r in subjects]), 3),
            "litellm_cpu_median_s": round(_analysis.median(proxy_cpu), 3) if proxy_cpu else None,
            "litellm_cpu_s": [round(c, 3) for c in proxy_cpu],
            "health_median_s": round(_analysis.median(healths), 3),
            "health_s": [round(h, 3) for h in healths],
            "exit_codes": [r.returncode for r in subjects],
            "summary": bench.summary(subjects[-1].output),
            "command": shlex.join(variant.smoke),
            "upstream_stats_last_size": calls,
        }
        r = results[size]
        ok = all(code == 0 for code in r["exit_codes"])
        row(
            f"9{'abc'[SIZES.index(size)]}",
            f"scaling: {size} model{'s' if size > 1 else ''} ({len(chat)} chat, {len(embed)} embedding), "
            f"upstream {LATENCY_S * 1000:.0f} ms per call"
            + (f", LiteLLM with {bench.args.proxy_workers} workers" if bench.args.proxy_workers > 1 else ""),
            f"verdict {r['verdict_median_s']:.2f} s; LiteLLM bare /health {r['health_median_s']:.2f} s"
            + (
                f"; CPU: pytest {r['verdict_cpu_median_s']:.2f} s, LiteLLM {r['litellm_cpu_median_s']:.2f} s"
                if r["litellm_cpu_median_s"] is not None
                else ""
            )
            + ("" if ok else f" [exit {r['exit_codes']}]"),
            f"trivial pytest {r['floor_median_s']:.2f} s",
            "healthy verdict (exit 0)",
            "INFO" if ok else "FAIL",
            r,
        )
    one, ten, thirty = (results[s] for s in SIZES)
    healthy = all(code == 0 for r in results.values() for code in r["exit_codes"])
    delta = thirty["verdict_median_s"] - one["verdict_median_s"]
    # The model calls the 29 extra models add are LiteLLM's own work (routing, logging, cost) on its
    # one event loop: shown beside the figure so that a miss says whose CPU it was.
    litellm_delta = (
        thirty["litellm_cpu_median_s"] - one["litellm_cpu_median_s"]
        if thirty["litellm_cpu_median_s"] is not None and one["litellm_cpu_median_s"] is not None
        else None
    )
    row(
        "9d",
        "scaling: 30 models vs 1 model",
        f"+{delta:.2f} s ({one['verdict_median_s']:.2f} -> {thirty['verdict_median_s']:.2f} s)"
        + (f"; LiteLLM CPU +{litellm_delta:.2f} s" if litellm_delta is not None else ""),
        "1 model",
        f"≤ +{SCALE_BUDGET_S:g} s",
        "PASS" if delta <= SCALE_BUDGET_S and healthy else "FAIL",
        {
            "delta_s": round(delta, 3),
            "litellm_cpu_delta_s": round(litellm_delta, 3) if litellm_delta is not None else None,
            "all_healthy": healthy,
        },
    )
    limit = HEALTH_FACTOR * ten["health_median_s"] + ten["floor_median_s"]
    row(
        "9e",
        "scaling: 10 models vs LiteLLM's own /health",
        f"{ten['verdict_median_s']:.2f} s",
        f"/health {ten['health_median_s']:.2f} s, trivial pytest {ten['floor_median_s']:.2f} s",
        f"≤ 3 × /health + floor = {limit:.2f} s",
        "PASS" if ten["verdict_median_s"] <= limit and healthy else "FAIL",
        {"limit_s": round(limit, 3)},
    )
    bench.raw["scaling"] = results


def row_slow_upstream(
    bench: Any, row: Callable[..., Any], log: Callable[[str], None], live_env: Callable[..., Any]
) -> None:
    """Row 9f: a chat upstream slower than the timeout is judged in about one timeout."""
    variant = bench.variants()[0]
    work = Path(tempfile.mkdtemp(prefix="slow-", dir=bench.work))
    config = write_config(work / "slow.yaml", [("slow-chat", "fault-slow")], ["scale-embed-00"])
    log("slow upstream: booting LiteLLM with one slow chat model")
    proxy = _proxy(bench, config)
    with proxy as endpoint:
        assert proxy.upstream is not None
        proxy.upstream.slow_seconds = SLOW_UPSTREAM_S
        key = endpoint.master_key.reveal()
        bench.secrets.append(key)
        env = live_env(
            endpoint.base_url,
            key,
            LITELLM_CHAT_MODELS="slow-chat",
            LITELLM_EMBEDDING_MODELS="scale-embed-00",
            LITELLM_SMOKE_TIMEOUT=f"{SLOW_TIMEOUT_S:g}",
        )
        floors, subjects = [], []
        for i in range(max(1, min(3, bench.args.unhealthy_repeats))):
            log(f"slow upstream: round {i + 1}")
            floors.append(bench.run(variant.trivial, env, variant.cwd, tag="slow-trivial"))
            subjects.append(bench.run(variant.smoke, env, variant.cwd, tag="slow-smoke"))
    floor = _analysis.median([r.wall for r in floors])
    verdict = _analysis.median([r.wall for r in subjects])
    limit = 2 * SLOW_TIMEOUT_S + floor
    failed = all(r.returncode == 1 for r in subjects)
    detail = {
        "floor_median_s": round(floor, 3),
        "verdict_median_s": round(verdict, 3),
        "verdict_walls_s": [round(r.wall, 3) for r in subjects],
        "exit_codes": [r.returncode for r in subjects],
        "summary": bench.summary(subjects[-1].output),
        "run_id": secrets.token_hex(2),
    }
    bench.raw["slow_upstream"] = detail
    row(
        "9f",
        f"slow chat upstream ({SLOW_UPSTREAM_S:g} s), LITELLM_SMOKE_TIMEOUT={SLOW_TIMEOUT_S:g}",
        f"{verdict:.2f} s; {detail['summary']}" + ("" if failed else f" [exit {detail['exit_codes']}]"),
        f"trivial pytest {floor:.2f} s",
        f"≤ 2 × timeout + floor = {limit:.2f} s, exit 1",
        "PASS" if verdict <= limit and failed else "FAIL",
        detail,
    )

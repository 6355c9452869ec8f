"""Speed, cost and steadiness budgets of the smoke suite, measured against floors taken in the same run.

    make bench                                  # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --quick  # fewer repeats, 5 steady runs: for development
    .venv/bin/python benchmarks/run.py --steady-runs 50 --repeats 7 --update-docs

Every figure is a ratio or a difference against a floor measured in this same session (a trivial
pytest run with the same plugins, LiteLLM's own boot), because a shared 2-core machine drifts by
tens of percent between minutes. Pairs are interleaved (floor, subject, floor, subject, ...) and
medians are compared.

Prints a table (figure, measured, floor/baseline, budget, PASS/FAIL), writes
benchmarks/results/latest.json and latest.md (and, with --update-docs, the table section of
docs/benchmarks.md). Talks only to 127.0.0.1. Every process it starts runs in its own process
group and is stopped by pid on every exit path, Ctrl-C included. Exit code: 0 every row passed,
1 a row failed, 2 the harness itself could not run (or was interrupted: 130).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: the helpers sit beside it

import _analysis
import _proc
import httpx
import scaling
import yaml

from litellm_smoke.cli._pytest import PYTEST_INI
from litellm_smoke.launchers import EMBEDDED_CONFIG
from litellm_smoke.launchers.embedded import EmbeddedProxy
from litellm_smoke.launchers.fake_upstream import FakeUpstream

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
VARIANTS = Path(__file__).resolve().parent / "variants.yaml"
PY = sys.executable
LOOPBACK = "127.0.0.1"

CHAT_MODELS = ("heartcode-chat-sfw",)
EMBEDDING_MODELS = ("heartcode-embed",)
# embedded.yaml: public model name -> the fake upstream's model name.
UPSTREAM_OF = {"heartcode-chat-sfw": "fake-chat", "heartcode-embed": "fake-embed"}

BUDGET_OVERHEAD_S = 1.0
BUDGET_CALLS_PER_MODEL = 4
BUDGET_COMPLETION_TOKENS = 64
BLACKHOLE_TIMEOUT_S = 2.0
COLD_FACTOR = 1.3
FORBIDDEN_LIVE = ("litellm", "testcontainers", "openai")

RUN_TIMEOUT_S = 180.0
COLD_TIMEOUT_S = 420.0
BOOT_TIMEOUT_S = 240.0

# A reply longer than any max_tokens the suite asks for: the fake upstream cuts it to max_tokens
# words, so the completion tokens it counts are the most a real model could bill for the run.
VERBOSE_REPLY = " ".join(["pong"] * 512)

TRIVIAL_TEST = "def test_ok() -> None:\n    pass\n"
# The floor of variant C runs with the very pytest.ini `litellm-smoke check` gives its child.
CLI_LIKE_INI = PYTEST_INI

_STRIPPED_PREFIXES = ("LITELLM_", "OPENAI_", "PYTEST_", "DATABASE_", "FAKE_UPSTREAM_")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


class BenchError(RuntimeError):
    """The harness could not measure something (not a budget failure)."""


@dataclass
class Row:
    """One line of the table."""

    key: str
    figure: str
    measured: str
    baseline: str
    budget: str
    status: str  # PASS | FAIL | INFO | ERROR | SKIP
    detail: dict[str, Any] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _s(value: float) -> str:
    return f"{value:.2f} s"


# -- environment -------------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """The inherited environment without anything that could redirect or reconfigure a run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_STRIPPED_PREFIXES) and k.upper() not in _PROXY_VARS and k not in ("DIRECT_URL",)
    }
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["NO_PROXY"] = env["no_proxy"] = f"{LOOPBACK},localhost"
    return env


def live_env(base_url: str, master_key: str, **extra: str) -> dict[str, str]:
    env = base_env()
    env.update(
        LITELLM_BASE_URL=base_url,
        LITELLM_MASTER_KEY=master_key,
        LITELLM_CHAT_MODELS=",".join(CHAT_MODELS),
        LITELLM_EMBEDDING_MODELS=",".join(EMBEDDING_MODELS),
    )
    env.update(extra)
    return env


# -- the commands compared ---------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A command measured against a floor: a way to run the suite vs a trivial run with the same plugins."""

    key: str
    name: str
    label: str
    cwd: Path
    smoke: tuple[str, ...]
    trivial: tuple[str, ...]
    trivial_env: Mapping[str, str] = field(default_factory=dict)
    budgeted: bool = True  # False: a decomposition figure, reported as INFO

    @classmethod
    def from_data(
        cls, item: Mapping[str, Any], values: Mapping[str, Sequence[str]], places: Mapping[str, Path]
    ) -> Variant:
        """One entry of variants.yaml, its placeholders filled in (a placeholder may stand for 0..n args)."""

        def argv(template: Sequence[str]) -> tuple[str, ...]:
            return tuple(part for word in template for part in values.get(word, (word,)))

        return cls(
            key=str(item["key"]),
            name=str(item["name"]),
            label=str(item["label"]),
            cwd=places[str(item["cwd"])],
            smoke=argv(item["smoke"]),
            trivial=argv(item["trivial"]),
            trivial_env={str(k): str(v) for k, v in (item.get("trivial_env") or {}).items()},
            budgeted=bool(item.get("budgeted", True)),
        )


def load_variants(path: Path | None = None) -> list[Mapping[str, Any]]:
    """The variants as data; a malformed file is a harness error, not a budget failure."""
    data = yaml.safe_load((path or VARIANTS).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BenchError(f"{path or VARIANTS}: expected a list of variants")
    return data


class Bench:
    """State shared by the rows of one session."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows: list[Row] = []
        self.raw: dict[str, Any] = {}
        self.secrets: list[str] = []
        self.leaks: list[str] = []
        self.runs = 0
        self.proxy: EmbeddedProxy | None = None
        self.base_url = ""
        self.master_key = ""
        self.neutral = work / "neutral"
        self.neutral.mkdir()
        (self.neutral / "test_trivial.py").write_text(TRIVIAL_TEST, encoding="utf-8")
        (self.neutral / "pytest.ini").write_text(CLI_LIKE_INI, encoding="utf-8")
        # Under the repo, so pytest finds the repo's ini and root conftest exactly as `pytest -m smoke` does;
        # benchmarks/results/ is gitignored and outside testpaths.
        self.repo_trivial = RESULTS / "_trivial" / "test_trivial.py"
        self.repo_trivial.parent.mkdir(parents=True, exist_ok=True)
        self.repo_trivial.write_text(TRIVIAL_TEST, encoding="utf-8")
        self.healthy_verdict_s: float | None = None
        self.calls_per_run: int | None = None

    # A run; its output is checked for every secret of the session.
    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        *,
        timeout: float = RUN_TIMEOUT_S,
        tag: str = "run",
    ) -> _proc.Run:
        self.runs += 1
        output = self.work / f"{self.runs:04d}-{tag}.log"
        result = _proc.run(argv, env=env, cwd=cwd, output=output, timeout=timeout)
        for secret in self.secrets:
            if secret and secret in result.output:
                self.leaks.append(f"{tag} (run {self.runs})")
        return result

    def add(self, row: Row) -> None:
        self.rows.append(row)
        log(f"{row.status:5} {row.figure}: {row.measured} (baseline {row.baseline}; budget {row.budget})")

    def variants(self) -> list[Variant]:
        """The ways of running the suite that row 1 compares (benchmarks/variants.yaml)."""
        cli_script = Path(PY).parent / "litellm-smoke"
        values: dict[str, Sequence[str]] = {
            "{py}": (PY,),
            "{cli}": (str(cli_script),) if cli_script.is_file() else (PY, "-m", "litellm_smoke.cli"),
            "{extra}": tuple(self.args.pytest_arg),
            "{repo_trivial}": (str(self.repo_trivial.relative_to(ROOT)),),
            "{devnull}": (os.devnull,),
            "{neutral}": (str(self.neutral),),
        }
        places = {"repo": ROOT, "neutral": self.neutral}
        return [Variant.from_data(item, values, places) for item in load_variants()]

    def env(self, **extra: str) -> dict[str, str]:
        return live_env(self.base_url, self.master_key, **extra)

    def summary(self, output: str) -> str:
        return _summary_line(output)


def _summary_line(output: str) -> str:
    lines = [line for line in output.splitlines() if re.search(r"\b(passed|failed|error|skipped)\b", line)]
    return lines[-1].strip("= ") if lines else "(no pytest summary)"


def _require_ok(run: _proc.Run, what: str) -> None:
    if run.returncode != 0 or run.timed_out:
        tail = "\n".join(run.output.splitlines()[-25:])
        raise BenchError(
            f"{what}: exit {run.returncode}{' (timed out)' if run.timed_out else ''}; "
            f"{_summary_line(run.output)}\n{tail}"
        )


def _paired(floor: Sequence[_proc.Run], subject: Sequence[_proc.Run]) -> dict[str, Any]:
    walls_f = [r.wall for r in floor]
    walls_s = [r.wall for r in subject]
    diffs = [s.wall - f.wall for f, s in zip(floor, subject, strict=True)]
    cpu_diffs = [s.cpu - f.cpu for f, s in zip(floor, subject, strict=True)]
    return {
        "floor_median_s": round(_analysis.median(walls_f), 3),
        "subject_median_s": round(_analysis.median(walls_s), 3),
        "overhead_median_of_pairs_s": round(_analysis.median(diffs), 3),
        "overhead_diff_of_medians_s": round(_analysis.median(walls_s) - _analysis.median(walls_f), 3),
        "cpu_overhead_median_s": round(_analysis.median(cpu_diffs), 3),
        "floor_walls_s": [round(w, 3) for w in walls_f],
        "subject_walls_s": [round(w, 3) for w in walls_s],
        "subject_maxrss_kb": [r.maxrss_kb for r in subject],
        "floor_maxrss_kb": [r.maxrss_kb for r in floor],
    }


# -- rows --------------------------------------------------------------------------------------


def row_verdict_healthy(bench: Bench) -> None:
    """Row 1: healthy target already running, for each way of running the suite."""
    repeats = bench.args.repeats
    variants = bench.variants()
    for variant in variants:  # warm-up: page cache, .pyc files, LiteLLM's first-request work
        env = bench.env()
        _require_ok(
            bench.run(variant.smoke, env, variant.cwd, tag=f"warmup-{variant.name}"), f"warm-up {variant.label}"
        )
        bench.run(variant.trivial, {**env, **variant.trivial_env}, variant.cwd, tag=f"warmup-trivial-{variant.name}")
    samples: dict[str, tuple[list[_proc.Run], list[_proc.Run]]] = {v.name: ([], []) for v in variants}
    for i in range(repeats):
        log(f"verdict time, healthy: round {i + 1}/{repeats}")
        for variant in variants:
            env = bench.env()
            floor = bench.run(
                variant.trivial, {**env, **variant.trivial_env}, variant.cwd, tag=f"trivial-{variant.name}"
            )
            _require_ok(floor, f"trivial run for {variant.label}")
            subject = bench.run(variant.smoke, env, variant.cwd, tag=f"smoke-{variant.name}")
            _require_ok(subject, variant.label)
            samples[variant.name][0].append(floor)
            samples[variant.name][1].append(subject)
    for variant in variants:
        floors, subjects = samples[variant.name]
        stats = _paired(floors, subjects)
        stats["summary"] = _summary_line(subjects[-1].output)
        stats["command"] = shlex.join(variant.smoke)
        stats["floor_command"] = shlex.join(variant.trivial)
        bench.raw[f"verdict_{variant.name}"] = stats
        overhead = stats["overhead_median_of_pairs_s"]
        status = ("PASS" if overhead <= BUDGET_OVERHEAD_S else "FAIL") if variant.budgeted else "INFO"
        bench.add(
            Row(
                variant.key,
                f"verdict time, healthy target: {variant.label}" if variant.budgeted else variant.label,
                f"{_s(stats['subject_median_s'])} (+{_s(overhead)}; CPU +{_s(stats['cpu_overhead_median_s'])})",
                f"floor {_s(stats['floor_median_s'])}",
                f"overhead ≤ {BUDGET_OVERHEAD_S:g} s" if variant.budgeted else "-",
                status,
                stats,
            )
        )
    repo = bench.raw["verdict_repo"]
    bench.healthy_verdict_s = repo["subject_median_s"]
    rss = repo["subject_maxrss_kb"]
    bench.raw["memory_samples_kb"] = list(rss)


def _unhealthy_row(
    bench: Bench,
    key: str,
    figure: str,
    url: str,
    budget_s: float,
    budget_text: str,
    expect: str,
    extra_env: Mapping[str, str],
) -> None:
    variant = bench.variants()[0]
    env = live_env(url, "sk-bench-not-a-real-key-" + secrets.token_hex(4), **extra_env)
    bench.secrets.append(env["LITELLM_MASTER_KEY"])
    floors: list[_proc.Run] = []
    subjects: list[_proc.Run] = []
    for i in range(bench.args.unhealthy_repeats):
        log(f"{figure}: round {i + 1}/{bench.args.unhealthy_repeats}")
        floor = bench.run(variant.trivial, env, variant.cwd, tag=f"trivial-{key}")
        _require_ok(floor, f"trivial run for {figure}")
        floors.append(floor)
        subjects.append(bench.run(variant.smoke, env, variant.cwd, tag=f"smoke-{key}"))
    stats = _paired(floors, subjects)
    last = subjects[-1].output
    summaries = [_summary_line(r.output) for r in subjects]
    one_failure = all(re.search(r"\b1 failed\b", s) and "error" not in s for s in summaries)
    names_cause = all(re.search(expect, r.output, re.IGNORECASE) for r in subjects)
    exit_ok = all(r.returncode == 3 for r in subjects)  # unreachable: the verdict code, under pytest too
    stats.update(
        summaries=summaries,
        names_cause=names_cause,
        one_failure=one_failure,
        exit_codes=[r.returncode for r in subjects],
        cause_pattern=expect,
        failure_line=next((line.strip() for line in last.splitlines() if re.search(expect, line, re.IGNORECASE)), ""),
    )
    bench.raw[key] = stats
    overhead = stats["overhead_median_of_pairs_s"]
    ok = overhead <= budget_s and one_failure and names_cause and exit_ok
    why = [] if one_failure else ["not exactly 1 failure"]
    why += [] if names_cause else [f"output does not match /{expect}/"]
    why += [] if exit_ok else [f"exit codes {stats['exit_codes']}"]
    bench.add(
        Row(
            key,
            figure,
            f"{_s(stats['subject_median_s'])} (+{_s(overhead)}); {summaries[-1]}"
            + (f" [{'; '.join(why)}]" if why else ""),
            f"trivial {_s(stats['floor_median_s'])}",
            budget_text + f"; 1 failure naming the cause (/{expect}/)",
            "PASS" if ok else "FAIL",
            stats,
        )
    )


def row_dead_port(bench: Bench) -> None:
    url = f"http://{LOOPBACK}:{_proc.free_port()}"
    _unhealthy_row(
        bench,
        "2",
        "verdict time, dead port (connection refused)",
        url,
        BUDGET_OVERHEAD_S,
        f"overhead ≤ {BUDGET_OVERHEAD_S:g} s",
        r"connection refused",
        {},
    )


def row_black_hole(bench: Bench) -> None:
    timeout = BLACKHOLE_TIMEOUT_S
    with _proc.black_hole() as port:
        _unhealthy_row(
            bench,
            "3",
            f"verdict time, black-holed port (LITELLM_SMOKE_TIMEOUT={timeout:g})",
            f"http://{LOOPBACK}:{port}",
            2 * timeout,
            f"overhead ≤ 2 × timeout = {2 * timeout:g} s",
            r"timed out",
            {"LITELLM_SMOKE_TIMEOUT": f"{timeout:g}"},
        )


def row_model_calls(bench: Bench) -> None:
    assert bench.proxy is not None
    assert bench.proxy.upstream is not None
    upstream = bench.proxy.upstream
    variant = bench.variants()[0]
    saved = upstream.reply
    upstream.reply = VERBOSE_REPLY
    try:
        upstream.reset_stats()
        run = bench.run(variant.smoke, bench.env(), variant.cwd, tag="model-calls")
        stats = upstream.stats()
    finally:
        upstream.reply = saved
    _require_ok(run, "healthy run for the model-call count")
    per_model: dict[str, int] = {}
    for public, name in UPSTREAM_OF.items():
        per_model[public] = sum(int(stats.get(kind, {}).get(name, 0)) for kind in ("chat", "chat_stream", "embeddings"))
    tokens = {m: int(stats.get("completion_tokens", {}).get(UPSTREAM_OF[m], 0)) for m in CHAT_MODELS}
    bench.calls_per_run = sum(per_model.values())
    detail = {
        "per_model_calls": per_model,
        "completion_tokens_per_chat_model": tokens,
        "upstream_stats": stats,
        "reply_words_offered": len(VERBOSE_REPLY.split()),
    }
    bench.raw["model_calls"] = detail
    worst = max(per_model.values())
    bench.add(
        Row(
            "5a",
            "model calls per healthy run (fake upstream count)",
            ", ".join(f"{m}: {n}" for m, n in per_model.items()),
            "-",
            f"≤ {BUDGET_CALLS_PER_MODEL} per model",
            "PASS" if worst <= BUDGET_CALLS_PER_MODEL else "FAIL",
            detail,
        )
    )
    top = max(tokens.values(), default=0)
    bench.add(
        Row(
            "5b",
            "completion tokens per chat model (upstream that uses every allowed token)",
            ", ".join(f"{m}: {n}" for m, n in tokens.items()),
            "-",
            f"≤ {BUDGET_COMPLETION_TOKENS}",
            "PASS" if top <= BUDGET_COMPLETION_TOKENS else "FAIL",
            detail,
        )
    )


def _imports_of(run: _proc.Run) -> dict[str, Any]:
    entries = _analysis.parse_importtime(run.output)
    return {
        "total_import_ms": round(_analysis.total_import_us(entries) / 1000, 1),
        "modules": len(entries),
        "heavy": _analysis.heavy_imports(entries),
    }


def row_imports(bench: Bench) -> None:
    env = bench.env()
    extra = tuple(bench.args.pytest_arg)
    # -s: pytest's fd capture would swallow the importtime lines written while collecting and testing.
    pytest = (PY, "-X", "importtime", "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q")
    modules = "import litellm_smoke.plugin, litellm_smoke.fixtures, litellm_smoke.suite.test_smoke"
    probes: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
        (
            "6a",
            "import cost: plugin + fixtures + suite modules",
            (PY, "-X", "importtime", "-c", modules),
            FORBIDDEN_LIVE,
        ),
        (
            "6b",
            "import cost: `pytest -m smoke --co` (live mode)",
            (*pytest, "-m", "smoke", "--co", *extra),
            FORBIDDEN_LIVE,
        ),
        (
            "6c",
            "import cost: live run without the SDK checks (-k 'not sdk')",
            (*pytest, "-m", "smoke", *extra, "-k", "not sdk"),
            FORBIDDEN_LIVE,
        ),
        (
            "6d",
            "import cost: full live run (SDK checks run: openai allowed)",
            (*pytest, "-m", "smoke", *extra),
            ("litellm", "testcontainers"),
        ),
    ]
    trivial = bench.run((*pytest, str(bench.repo_trivial.relative_to(ROOT))), env, ROOT, tag="imports-trivial")
    floor = _imports_of(trivial)
    bench.raw["imports_trivial"] = floor
    for key, figure, argv, forbidden in probes:
        run = bench.run(argv, env, ROOT, tag=f"imports-{key}")
        _require_ok(run, figure)
        found = _imports_of(run)
        bad = [name for name in forbidden if name in found["heavy"]]
        found["forbidden"] = list(forbidden)
        bench.raw[f"imports_{key}"] = found
        heavy = ", ".join(
            f"{n} {'≥ ' if v.get('partial') else ''}{v['cumulative_us'] / 1000:.0f} ms"
            + (
                f" (via {v['imported_by'][0] if v['imported_by'] else 'a test module or conftest'})"
                if n in forbidden
                else ""
            )
            for n, v in found["heavy"].items()
        )
        bench.add(
            Row(
                key,
                figure,
                f"{found['total_import_ms']:.0f} ms total; heavy: {heavy or 'none'}",
                f"trivial pytest {floor['total_import_ms']:.0f} ms" if key != "6a" else "-",
                f"not imported: {', '.join(forbidden)}",
                "FAIL" if bad else "PASS",
                found,
            )
        )


def row_steadiness(bench: Bench) -> None:
    assert bench.proxy is not None
    assert bench.proxy.upstream is not None
    runs = bench.args.steady_runs
    variant = bench.variants()[0]
    bench.proxy.upstream.reset_stats()
    failures: list[str] = []
    reruns = 0
    walls: list[float] = []
    rss: list[int] = []
    started = time.perf_counter()
    for i in range(runs):
        if (i + 1) % 10 == 0 or i == 0:
            log(f"steadiness: run {i + 1}/{runs}")
        run = bench.run(variant.smoke, bench.env(), variant.cwd, tag="steady")
        walls.append(run.wall)
        rss.append(run.maxrss_kb)
        summary = _summary_line(run.output)
        match = re.search(r"(\d+) rerun", summary)
        reruns += int(match.group(1)) if match else 0
        if run.returncode != 0 or run.timed_out:
            failures.append(f"run {i + 1}: exit {run.returncode}: {summary}")
    stats = bench.proxy.upstream.stats()
    total_calls = sum(sum(stats.get(kind, {}).values()) for kind in ("chat", "chat_stream", "embeddings"))
    expected = bench.calls_per_run * runs if bench.calls_per_run is not None else None
    detail = {
        "runs": runs,
        "failures": failures,
        "reruns": reruns,
        "upstream_calls": total_calls,
        "expected_upstream_calls": expected,
        "wall_median_s": round(_analysis.median(walls), 3),
        "wall_p95_s": round(_analysis.percentile(walls, 95), 3),
        "wall_max_s": round(max(walls), 3),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "walls_s": [round(w, 3) for w in walls],
    }
    bench.raw["steadiness"] = detail
    bench.raw.setdefault("memory_samples_kb", []).extend(rss)
    calls_ok = expected is None or total_calls == expected
    ok = not failures and reruns == 0 and calls_ok
    bench.add(
        Row(
            "7",
            f"steadiness: {runs} consecutive healthy runs, one embedded proxy",
            f"{len(failures)} failures, {reruns} reruns, {total_calls} upstream calls"
            + (
                f" (= {runs} × {bench.calls_per_run})"
                if calls_ok and expected is not None
                else f" (expected {expected})"
            )
            + f"; wall median {_s(detail['wall_median_s'])}, p95 {_s(detail['wall_p95_s'])}",
            "-",
            "0 failures, 0 reruns, no hidden retries",
            "PASS" if ok else "FAIL",
            detail,
        )
    )


def row_memory(bench: Bench) -> None:
    samples = [kb for kb in bench.raw.get("memory_samples_kb", []) if kb > 0]
    floor = bench.raw.get("verdict_repo", {}).get("floor_maxrss_kb", [])
    if not samples:
        bench.add(Row("8", "memory: peak RSS of pytest, live mode", "no samples", "-", "report it", "SKIP"))
        return
    detail = {
        "samples": len(samples),
        "median_mb": round(_analysis.median(samples) / 1024, 1),
        "max_mb": round(max(samples) / 1024, 1),
        "trivial_median_mb": round(_analysis.median(floor) / 1024, 1) if floor else None,
    }
    bench.raw["memory"] = detail
    bench.add(
        Row(
            "8",
            "memory: peak RSS of the pytest process, live mode",
            f"median {detail['median_mb']} MB, max {detail['max_mb']} MB ({len(samples)} runs)",
            f"trivial {detail['trivial_median_mb']} MB" if floor else "-",
            "report it",
            "INFO",
            detail,
        )
    )


def row_profile(bench: Bench) -> None:
    out = RESULTS / "profile.pstats"
    argv = (
        PY,
        "-m",
        "cProfile",
        "-o",
        str(out),
        "-m",
        "pytest",
        "-m",
        "smoke",
        "-p",
        "no:cacheprovider",
        "-q",
        *bench.args.pytest_arg,
    )
    run = bench.run(argv, bench.env(), ROOT, tag="profile")
    _require_ok(run, "profiled healthy run")
    summary = _analysis.summarize_profile(out)
    summary["command"] = shlex.join(argv)
    bench.raw["profile"] = summary
    lines = [
        f"profiled healthy run: {summary['profiled_total_s']} s under cProfile "
        "(main thread only: work in other threads shows up as lock waits)"
    ]
    lines.append(
        f"  imports {summary['imports']['cumulative_s']} s (of which `import openai` {summary['openai_import_s']} s), "
        f"collection {summary['collection_s']} s, gc.collect {summary['gc_collect']['calls']}x "
        f"{summary['gc_collect']['self_s']} s, event loop idle (waiting for the proxy) {summary['event_loop_idle_s']} s"
    )
    lines.append(
        f"  httpx transports built {summary['httpx_transports_built']['calls']} "
        f"({summary['httpx_transports_built']['cumulative_s']} s, CA bundle loads "
        f"{summary['ssl_load_verify_locations']['calls']}), YAML loads {summary['yaml_loads']['calls']}, "
        f"settings resolved {summary['settings_resolve_calls']}x, time.sleep {summary['time_sleep']['calls']}x, "
        f"asyncio.sleep {summary['asyncio_sleep']['calls']}x ({summary['asyncio_sleep']['cumulative_s']} s)"
    )
    lines.append("  litellm_smoke functions by cumulative time:")
    lines += [
        f"    {f['cumulative_s']:8.3f} s  {f['calls']:5d}×  {f['function']}"
        for f in summary["top_litellm_smoke_cumulative"][:12]
    ]
    lines.append("  self time, all code:")
    lines += [f"    {f['self_s']:8.3f} s  {f['calls']:6d}×  {f['function']}" for f in summary["top_self_time"][:12]]
    text = "\n".join(lines)
    (RESULTS / "profile.txt").write_text(text + "\n", encoding="utf-8")
    bench.raw["profile_text"] = text


def _boot_litellm(bench: Bench) -> float:
    """LiteLLM's own boot: spawn to the first 200 on /health/liveliness, with the launcher's environment."""
    litellm = Path(PY).parent / "litellm"
    if not litellm.is_file():
        raise BenchError(f"no litellm executable next to {PY}: install the embedded extra")
    home = Path(tempfile.mkdtemp(prefix="boot-", dir=bench.work))
    key = "sk-bench-" + secrets.token_urlsafe(18)
    bench.secrets.append(key)
    with FakeUpstream() as upstream:
        port = _proc.free_port()
        env = base_env()
        env.update(
            PYTHONUNBUFFERED="1",
            LITELLM_MASTER_KEY=key,
            LITELLM_SMOKE_UPSTREAM=upstream.base_url,
            LITELLM_SMOKE_UPSTREAM_KEY="fake-upstream-key",
        )
        argv = [str(litellm), "--config", str(EMBEDDED_CONFIG), "--host", LOOPBACK, "--port", str(port)]
        url = f"http://{LOOPBACK}:{port}/health/liveliness"
        started = time.perf_counter()
        process = _proc.spawn(argv, env=env, cwd=home, output=home / "litellm.log")
        try:
            with httpx.Client(timeout=1.0, trust_env=False) as client:
                while time.perf_counter() - started < BOOT_TIMEOUT_S:
                    if process.poll() is not None:
                        tail = (home / "litellm.log").read_text(errors="replace").splitlines()[-15:]
                        raise BenchError(f"litellm exited with {process.returncode} while booting:\n" + "\n".join(tail))
                    try:
                        if client.get(url).status_code == 200:
                            return time.perf_counter() - started
                    except httpx.TransportError:
                        pass  # not listening yet
                    time.sleep(0.05)
            raise BenchError(f"litellm did not answer 200 on {url} within {BOOT_TIMEOUT_S:g} s")
        finally:
            _proc.stop(process)


def row_cold(bench: Bench) -> None:
    stale = subprocess.run(["make", "-q", ".venv/.installed-embedded"], cwd=ROOT, capture_output=True, timeout=60)
    command: tuple[str, ...] = ("make", "smoke")
    label = "`make smoke`"
    if stale.returncode != 0:
        # make would reinstall the shared venv first (pyproject.toml is newer than the stamp): time
        # its recipe instead of changing the environment under everyone's feet.
        command, label = (PY, "-m", "pytest", "-m", "smoke"), "`make smoke`'s recipe (venv stamp stale)"
    bench.raw["cold_command"] = shlex.join(command)
    boots: list[float] = []
    smokes: list[_proc.Run] = []
    for i in range(bench.args.cold_repeats):
        log(f"cold start: round {i + 1}/{bench.args.cold_repeats} (LiteLLM boot, then {label})")
        boots.append(_boot_litellm(bench))
        run = bench.run(command, base_env(), ROOT, timeout=COLD_TIMEOUT_S, tag="make-smoke")
        _require_ok(run, f"{label} (embedded default)")
        smokes.append(run)
    boot = _analysis.median(boots)
    wall = _analysis.median([r.wall for r in smokes])
    verdict = bench.healthy_verdict_s
    if verdict is None:
        bench.add(
            Row(
                "4",
                f"embedded default, cold: {label}",
                _s(wall),
                f"LiteLLM boot {_s(boot)}",
                "needs row 1a",
                "SKIP",
            )
        )
        return
    budget = COLD_FACTOR * boot + verdict
    detail = {
        "make_smoke_walls_s": [round(r.wall, 3) for r in smokes],
        "litellm_boot_s": [round(b, 3) for b in boots],
        "healthy_verdict_s": verdict,
        "budget_s": round(budget, 3),
        "summary": _summary_line(smokes[-1].output),
        "make_smoke_maxrss_kb": [r.maxrss_kb for r in smokes],
    }
    bench.raw["cold"] = detail
    bench.add(
        Row(
            "4",
            f"embedded default, cold: {label}",
            _s(wall),
            f"LiteLLM boot {_s(boot)}; healthy verdict {_s(verdict)}",
            f"≤ {COLD_FACTOR:g} × boot + verdict = {_s(budget)}",
            "PASS" if wall <= budget else "FAIL",
            detail,
        )
    )


def row_secrets(bench: Bench) -> None:
    bench.add(
        Row(
            "S",
            "master keys in any captured output (all runs)",
            f"{len(bench.leaks)} leaks in {bench.runs} runs",
            "-",
            "0",
            "PASS" if not bench.leaks else "FAIL",
            {"leaks": bench.leaks},
        )
    )


# -- machine, table, files ---------------------------------------------------------------------


def _version(dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or "not installed"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "litellm": _version("litellm"),
        "pytest": _version("pytest"),
        "openai": _version("openai"),
        "httpx": _version("httpx"),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def table(rows: Sequence[Row]) -> str:
    headers = ("#", "figure", "measured", "floor / baseline", "budget", "result")
    data = [(r.key, r.figure, r.measured, r.baseline, r.budget, r.status) for r in rows]
    widths = [min(70, max(len(h), *(len(d[i]) for d in data))) if data else len(h) for i, h in enumerate(headers)]

    def cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(cut(c, w).ljust(w) for c, w in zip(d, widths, strict=True)) for d in data]
    return "\n".join(lines)


def markdown(rows: Sequence[Row], meta: Mapping[str, Any]) -> str:
    m = meta["machine"]
    out = [
        f"Measured {meta['date']} with `{meta['command']}` ({meta['elapsed_s']:.0f} s, {meta['runs']} child runs).",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, "
        f"LiteLLM {m['litellm']}, pytest {m['pytest']}, openai {m['openai']}, httpx {m['httpx']}; "
        f"load average at start {m['loadavg_start']}, at end {m.get('loadavg_end')}.",
        "",
        "| # | figure | measured | floor / baseline | budget | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [r.key, r.figure, r.measured, r.baseline, r.budget, f"**{r.status}**"]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def update_docs(md: str, profile: str | None) -> bool:
    """Replace the generated section of docs/benchmarks.md (between the markers); False if absent."""
    if not DOCS.is_file():
        return False
    text = DOCS.read_text(encoding="utf-8")
    replaced = False
    for name, body in (("table", md), ("profile", f"```\n{profile}\n```\n" if profile else None)):
        if body is None:
            continue
        begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{begin}\n{body}{end}{tail}"
            replaced = True
    DOCS.write_text(text, encoding="utf-8")
    return replaced


# -- main --------------------------------------------------------------------------------------

SECTIONS = ("verdict", "calls", "imports", "dead", "blackhole", "steady", "profile", "cold", "scaling", "slow")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP behave like Ctrl-C, so the cleanup in main's finally runs for them too.

    SIGINT gets Python's default handler back even when the harness was started in the background
    of a non-interactive shell (which starts it with SIGINT ignored).
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="development mode: 3 repeats, 2 unhealthy repeats, 5 steady runs, 1 cold start",
    )
    parser.add_argument("--repeats", type=int, help="interleaved (trivial, smoke) pairs per variant (default 7)")
    parser.add_argument("--unhealthy-repeats", type=int, help="pairs for dead and black-holed ports (default 3)")
    parser.add_argument("--steady-runs", type=int, help="consecutive healthy runs (default 50)")
    parser.add_argument("--cold-repeats", type=int, help="(LiteLLM boot, make smoke) pairs (default 3)")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS, help="skip a section (repeatable)")
    parser.add_argument(
        "--only", action="append", default=[], choices=SECTIONS, help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="append ARG to every smoke-suite command (diagnosis only, e.g. -k 'not key_'); recorded in the results",
    )
    parser.add_argument(
        "--proxy-workers",
        type=int,
        default=1,
        metavar="N",
        help="LiteLLM worker processes of the scaling and slow-upstream proxies (its --num_workers; default 1)",
    )
    parser.add_argument("--update-docs", action="store_true", help="rewrite the generated parts of docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.proxy_workers < 1:
        parser.error("--proxy-workers: at least 1")
    if args.only:
        args.skip = sorted(set(args.skip) | (set(SECTIONS) - set(args.only)))
    defaults = {"repeats": (3, 7), "unhealthy_repeats": (2, 3), "steady_runs": (5, 50), "cold_repeats": (1, 3)}
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
        if not 1 <= getattr(args, name) <= 1000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 1000")
    return args


def _run_sections(bench: Bench, skip: Sequence[str]) -> None:
    live: list[tuple[str, Callable[[Bench], None]]] = [
        ("verdict", row_verdict_healthy),
        ("calls", row_model_calls),
        ("imports", row_imports),
        ("dead", row_dead_port),
        ("blackhole", row_black_hole),
        ("steady", row_steadiness),
        ("profile", row_profile),
    ]
    if any(name not in skip for name, _ in live):
        log("starting the shared embedded proxy (real LiteLLM in front of the fake upstream)")
        proxy = EmbeddedProxy()
        with proxy as endpoint:
            bench.proxy = proxy
            bench.base_url, bench.master_key = endpoint.base_url, endpoint.master_key.reveal()
            bench.secrets.append(bench.master_key)
            bench.raw["shared_proxy_boot_s"] = round(proxy.boot_seconds or 0.0, 2)
            for name, section in live:
                if name in skip:
                    continue
                try:
                    section(bench)
                except BenchError as exc:
                    bench.add(
                        Row(
                            name,
                            f"{name} (harness error)",
                            str(exc).splitlines()[0][:200],
                            "-",
                            "-",
                            "ERROR",
                            {"error": str(exc)},
                        )
                    )
        bench.proxy = None
    row_memory(bench)
    for name, rows in (("scaling", scaling.rows_scaling), ("slow", scaling.row_slow_upstream)):
        if name in skip:
            continue
        try:
            rows(bench, lambda *cells: bench.add(Row(*cells)), log, live_env)
        except (BenchError, RuntimeError) as exc:
            bench.add(Row(name, f"{name} (harness error)", str(exc).splitlines()[0][:200], "-", "-", "ERROR"))
    if "cold" not in skip:
        try:
            row_cold(bench)
        except BenchError as exc:
            bench.add(
                Row(
                    "4",
                    "embedded default, cold (harness error)",
                    str(exc).splitlines()[0][:200],
                    "-",
                    "-",
                    "ERROR",
                    {"error": str(exc)},
                )
            )
    row_secrets(bench)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = (
        "make bench"
        if argv is None and os.environ.get("MAKELEVEL")
        else shlex.join([".venv/bin/python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine(),
        "args": vars(args),
    }
    work = Path(tempfile.mkdtemp(prefix="litellm-smoke-bench-"))
    bench = Bench(args, work)
    interrupted = False
    try:
        with _terminate_as_interrupt():
            _run_sections(bench, args.skip)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping everything this harness started")
    finally:
        _proc.REGISTRY.stop_all()
    meta["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    meta["elapsed_s"] = round(time.perf_counter() - started, 1)
    meta["runs"] = bench.runs
    if interrupted:
        shutil.rmtree(work, ignore_errors=True)
        return 130
    print()
    print(table(bench.rows))
    if "profile_text" in bench.raw:
        print()
        print(bench.raw["profile_text"])
    md = markdown(bench.rows, meta)
    document = {**meta, "rows": [asdict(r) for r in bench.rows], "raw": bench.raw}
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(md, encoding="utf-8")
    print(f"\nwrote {RESULTS / 'latest.json'} and {RESULTS / 'latest.md'}")
    if args.update_docs:
        print(f"{'updated' if update_docs(md, bench.raw.get('profile_text')) else 'no markers in'} {DOCS}")
    shutil.rmtree(work, ignore_errors=True)
    statuses = {r.status for r in bench.rows}
    if "ERROR" in statuses:
        return 2
    return 1 if "FAIL" in statuses else 0


if __name__ == "__main__":
    sys.exit(main())

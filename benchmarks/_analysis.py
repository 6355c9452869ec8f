"""Reading ``-X importtime`` output and cProfile dumps into the few numbers the report needs."""

from __future__ import annotations

import math
import pstats
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")

HEAVY = ("litellm", "openai", "testcontainers", "docker", "psycopg", "aiohttp", "pydantic", "yaml", "rich", "click")
"""Packages whose import is reported; the first three must not load in live mode unless used."""


@dataclass(frozen=True)
class Import:
    self_us: int
    cumulative_us: int
    name: str
    depth: int


def parse_importtime(text: str) -> list[Import]:
    """The ``-X importtime`` lines of ``text`` (other output is ignored), in print order."""
    entries = []
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative, indent, name = match.groups()
            entries.append(Import(int(self_us), int(cumulative), name, len(indent) // 2))
    return entries


def total_import_us(entries: Sequence[Import]) -> int:
    """Time spent importing, all modules: the sum over top-level imports."""
    return sum(e.cumulative_us for e in entries if e.depth == 0)


def importer_chain(entries: Sequence[Import], name: str) -> list[str]:
    """Who imported ``name``: its enclosing imports, innermost first (children print before parents)."""
    for index, entry in enumerate(entries):
        if entry.name != name:
            continue
        chain, depth = [], entry.depth
        for later in entries[index + 1 :]:
            if later.depth < depth:
                chain.append(later.name)
                depth = later.depth
                if depth == 0:
                    break
        return chain
    return []


def heavy_imports(entries: Sequence[Import], packages: Iterable[str] = HEAVY) -> dict[str, dict[str, Any]]:
    """For each heavy package that was imported: its cumulative µs and the import chain that pulled it in."""
    found: dict[str, dict[str, Any]] = {}
    for package in packages:
        entry = next((e for e in entries if e.name == package), None)
        if entry is not None:
            # A submodule import pulls its package in first, so skip the package's own modules.
            chain = [name for name in importer_chain(entries, package) if not name.startswith(package + ".")]
            found[package] = {"cumulative_us": entry.cumulative_us, "imported_by": chain[:6]}
            continue
        # No line for the package itself: imported in another thread (the nesting of -X importtime
        # is per interpreter, not per thread) or still importing at exit. Its submodules still show.
        parts = [e for e in entries if e.name.startswith(package + ".")]
        if parts:
            found[package] = {
                "cumulative_us": sum(e.cumulative_us for e in parts if e.depth == min(p.depth for p in parts)),
                "imported_by": [],
                "partial": True,
            }
    return found


# -- cProfile ----------------------------------------------------------------------------------

_Key = tuple[str, int, str]


def _label(key: _Key) -> str:
    filename, line, func = key
    if filename == "~":
        return func  # a builtin, e.g. "<method 'poll' of 'select.epoll' objects>"
    short = filename
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in filename:
            short = filename.split(marker, 1)[1]
            break
    return f"{short}:{line}({func})"


def _matching(stats: dict[_Key, Any], file_part: str, func: str | None = None) -> list[tuple[_Key, Any]]:
    return [(k, v) for k, v in stats.items() if file_part in k[0] and (func is None or k[2] == func)]


def summarize_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """The figures that tell what a run spends its time on, from a ``cProfile -o`` dump."""
    loaded = pstats.Stats(str(path))
    raw: dict[_Key, Any] = loaded.stats  # type: ignore[attr-defined]
    total = float(loaded.total_tt)  # type: ignore[attr-defined]

    def cum(file_part: str, func: str) -> tuple[int, float]:
        rows = _matching(raw, file_part, func)
        return sum(int(v[1]) for _, v in rows), max((float(v[3]) for _, v in rows), default=0.0)

    def builtin(func_part: str) -> tuple[int, float, float]:
        rows = [(k, v) for k, v in raw.items() if k[0] == "~" and func_part in k[2]]
        return (
            sum(int(v[1]) for _, v in rows),
            sum(float(v[2]) for _, v in rows),
            sum(float(v[3]) for _, v in rows),
        )

    ours = sorted(
        ((k, v) for k, v in raw.items() if "litellm_smoke" in k[0]), key=lambda kv: float(kv[1][3]), reverse=True
    )
    by_self = sorted(raw.items(), key=lambda kv: float(kv[1][2]), reverse=True)
    import_calls, import_cum = cum("<frozen importlib._bootstrap>", "_find_and_load")
    _, collect_cum = cum("_pytest/main.py", "perform_collect")
    _, openai_cum = cum("openai/__init__.py", "<module>")
    gc_calls, gc_self, _ = builtin("gc.collect")
    # Each httpx client built without an injected transport builds one, with an SSL context (CA bundle load).
    transports, transports_cum = cum("httpx/_client.py", "_init_transport")
    yaml_loads, yaml_cum = cum("yaml/__init__.py", "load")
    ssl_calls, ssl_self, _ = builtin("load_verify_locations")
    epoll_calls, epoll_self, _ = builtin("poll' of 'select.epoll")
    sleep_calls, _, sleep_cum = builtin("time.sleep")
    asyncio_sleeps, asyncio_sleep_cum = cum("asyncio/tasks.py", "sleep")
    resolve_calls, _ = cum("litellm_smoke/config.py", "resolve")
    return {
        "profiled_total_s": round(total, 3),
        "imports": {"calls": import_calls, "cumulative_s": round(import_cum, 3)},
        "collection_s": round(collect_cum, 3),
        "openai_import_s": round(openai_cum, 3),
        "gc_collect": {"calls": gc_calls, "self_s": round(gc_self, 3)},
        "event_loop_idle_s": round(epoll_self, 3),
        "epoll_calls": epoll_calls,
        "httpx_transports_built": {"calls": transports, "cumulative_s": round(transports_cum, 3)},
        "yaml_loads": {"calls": yaml_loads, "cumulative_s": round(yaml_cum, 3)},
        "ssl_load_verify_locations": {"calls": ssl_calls, "self_s": round(ssl_self, 3)},
        "time_sleep": {"calls": sleep_calls, "cumulative_s": round(sleep_cum, 3)},
        "asyncio_sleep": {"calls": asyncio_sleeps, "cumulative_s": round(asyncio_sleep_cum, 3)},
        "settings_resolve_calls": resolve_calls,
        "top_litellm_smoke_cumulative": [
            {"function": _label(k), "calls": int(v[1]), "cumulative_s": round(float(v[3]), 4)} for k, v in ours[:top]
        ],
        "top_self_time": [
            {"function": _label(k), "calls": int(v[1]), "self_s": round(float(v[2]), 4)} for k, v in by_self[:top]
        ],
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); exact for the small samples used here."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return float(ordered[rank - 1])

"""Mutation runs only: run a mutant's likeliest killing tests first, and remember which test killed it.

mutmut runs each mutant against its tests (scripts/mutmut_reach.py: those of its function that execute
its statement), with ``-x``, in the order it happens to list them. A killed mutant costs the tests
before the first failing one, so the order is most of the time of a run. This plugin changes the
order, never the set of tests:

1. the tests that already killed a mutant of the same function (``mutants/killers.tsv``);
2. then the others by their measured time (mutmut's ``mutants/mutmut-stats.json``), divided by one
   plus the number of mutants each has killed so far: cheap tests and tests that kill often first.

A surviving mutant still runs every test, so the verdicts are the same as in any order.
3. one parsed syntax tree per source file for every failure's traceback in the process, not one per
   failure: mutmut's copy of a mutated module holds every mutant of every function (thousands of
   lines), and the fault corpus's inner sessions format a traceback for each failing check.

Loaded by the root conftest.py; does nothing unless mutmut is running a mutant (``MUTANT_UNDER_TEST``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _pytest._code import code as _pytest_code

KILLERS = Path("killers.tsv")  # in mutants/, mutmut's working directory during a run
STATS = Path("mutmut-stats.json")
_MARK = "__mutmut_"


def _mutant() -> str | None:
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if _MARK in name else None


def _function(mutant: str) -> str:
    return mutant.rpartition(_MARK)[0]


def _killers() -> list[tuple[str, str]]:
    try:
        lines = KILLERS.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [tuple(line.split("\t", 1)) for line in lines if "\t" in line]  # type: ignore[misc]


def _durations() -> dict[str, float]:
    try:
        data = json.loads(STATS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.get("duration_by_test", {}).items()}


_AST_CACHE: dict[Any, Any] = {}


def _share_parsed_sources() -> None:
    """Every traceback formatter of this process reads the same cache of parsed files (they do not change)."""
    formatter = getattr(_pytest_code, "ExceptionInfoFormatter", None)
    original = getattr(formatter, "_getentrysource", None)
    if formatter is None or original is None or getattr(original, "_shared", False):
        return

    def getentrysource(self: Any, entry: Any) -> Any:
        self.astcache = _AST_CACHE
        return original(self, entry)

    getentrysource._shared = True  # type: ignore[attr-defined]
    formatter._getentrysource = getentrysource


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mutant = _mutant()
    if mutant is None:
        return
    _share_parsed_sources()
    function = _function(mutant)
    killers = _killers()
    same = {test for f, test in killers if f == function}
    kills = Counter(test for _, test in killers)
    durations = _durations()
    default = max(durations.values(), default=1.0)

    def key(item: pytest.Item) -> tuple[bool, float]:
        return item.nodeid not in same, durations.get(item.nodeid, default) / (1 + kills[item.nodeid])

    items.sort(key=key)  # stable: ties keep pytest's order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    mutant = _mutant()
    if mutant is None or not report.failed:
        return
    with KILLERS.open("a", encoding="utf-8") as out:
        out.write(f"{_function(mutant)}\t{report.nodeid}\n")

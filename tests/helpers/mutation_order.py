"""Mutation runs only: run only the tests that reach a mutant, the likeliest killers first; remember the killer.

mutmut runs each mutant against every test that reached the mutated function, with ``-x``, in the
order it happens to list them. This plugin narrows and orders that list:

0. it leaves out the tests that never execute the mutated statement (``mutants/reach.json``, recorded
   by scripts/mutate.py in one coverage run of the unmutated tests): everything before that statement
   is unchanged, so such a test runs the same code with or without the mutant and cannot kill it.
   A survivor then costs the tests of its statement, not of its whole function. A change to a
   function's signature runs on every call: its mutants keep every test of the function;

A killed mutant costs the tests before the first failing one, so the order is most of the rest:

1. the tests that already killed a mutant of the same function (``mutants/killers.tsv``);
2. then the others by their measured time (mutmut's ``mutants/mutmut-stats.json``), divided by one
   plus the number of mutants each has killed so far: cheap tests and tests that kill often first.

A surviving mutant still runs every test that executes its statement, so the verdicts are the same as
running all of them in any order.
Loaded by the root conftest.py; does nothing unless mutmut is running a mutant (``MUTANT_UNDER_TEST``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

KILLERS = Path("killers.tsv")  # in mutants/, mutmut's working directory during a run
STATS = Path("mutmut-stats.json")
REACH = Path("reach.json")
_MARK = "__mutmut_"
_reach: dict[str, Any] | None = None


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


def _reaching(mutant: str) -> set[str] | None:
    """The tests that execute the mutant's statement; None when every test of its function may reach it."""
    global _reach
    if _reach is None:
        try:
            _reach = json.loads(REACH.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            _reach = {}
    span = _reach.get("mutants", {}).get(mutant)
    if span is None:
        return None
    tests = _reach["tests"]
    return {tests[i] for i in _reach["spans"][span]}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = _mutant()
    if mutant is None:
        return
    reaching = _reaching(mutant)
    if reaching is not None:
        unreached = [item for item in items if item.nodeid not in reaching]
        if unreached:
            config.hook.pytest_deselected(items=unreached)
            items[:] = [item for item in items if item.nodeid in reaching]
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

"""mutmut 3.8.1, giving each mutant only the tests that execute its statement (run by scripts/mutate.py).

    python scripts/mutmut_reach.py [--skip-clean-run] run --max-children N MUTANT...

mutmut gives a mutant every test that reached its function (its stats run). A test that never
executes the mutated statement runs the same code with or without the mutant, so it cannot kill it:
with ``MUTATE_REACH`` naming a ``reach.json`` (scripts/mutate.py ``record_reach``), each mutant gets
the tests of its function that also execute its statement. mutmut then also sizes the mutant's
timeout by those tests, and records a mutant that no test executes as "no tests" without forking.

``--skip-clean-run``: mutmut runs the tests once unmutated before the mutants; right after a fresh
stats run (which ran them all, unmutated, and stops mutmut unless every one passed) that is the
same run again. Pinned to mutmut 3.8.1 (pyproject's ``mutation`` extra): these are its internals.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from typing import Any

from mutmut import __main__ as mutmut_main
from mutmut.workers import isolation


def _narrowing(reach: dict[str, Any]) -> None:
    """Wrap mutmut so the per-function tests it looks up for a mutant are cut to the mutant's own."""
    tests = reach["tests"]
    spans = {span: frozenset(tests[i] for i in indices) for span, indices in reach["spans"].items()}
    of_mutant = {name: spans[span] for name, span in reach["mutants"].items()}
    asked: dict[str, str] = {}  # mangled function name -> the mutant it was last computed for

    original_mangled = mutmut_main.mangled_name_from_mutant_name

    def mangled(mutant_name: str) -> str:
        name: str = original_mangled(mutant_name)
        asked[name] = mutant_name
        return name

    class Narrowed(defaultdict):  # type: ignore[type-arg]
        def get(self, key: Any, default: Any = None) -> Any:
            found = super().get(key, default)
            allowed = of_mutant.get(asked.get(key, ""))
            if allowed is None or found is None:
                return found
            return {test for test in found if test in allowed}

    original_stats = mutmut_main.collect_or_load_stats

    def stats(*args: Any, **kwargs: Any) -> Any:
        result = original_stats(*args, **kwargs)
        state = mutmut_main.state()
        state.tests_by_mangled_function_name = Narrowed(set, state.tests_by_mangled_function_name)
        return result

    mutmut_main.mangled_name_from_mutant_name = mangled  # type: ignore[attr-defined,method-assign,unused-ignore]
    mutmut_main.collect_or_load_stats = stats  # type: ignore[attr-defined,method-assign,unused-ignore]


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--skip-clean-run"]:
        args = args[1:]
        isolation.ForkRunner.run_clean_tests = lambda self, tests: 0  # type: ignore[method-assign]
    reach = os.environ.get("MUTATE_REACH")
    if reach and os.path.exists(reach):
        with open(reach, encoding="utf-8") as file:
            _narrowing(json.load(file))
    sys.argv = ["mutmut", *args]
    mutmut_main.cli()


if __name__ == "__main__":
    main()

"""Mutation runs only: record which tests execute each line, so a mutant runs only the tests that reach it.

``scripts/mutate.py`` runs the mutation tests once, unmutated, under ``coverage run`` with this plugin
(``-p tests.helpers.mutation_lines``): every test's lines are recorded under its node id as the
coverage context. A mutant changes one statement; a test that never executes that statement runs the
same code with or without the mutant, so it cannot kill it and need not run
(``scripts/mutmut_reach.py`` hands mutmut only the tests that execute it).
"""

from __future__ import annotations

from collections.abc import Iterator

import coverage
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(item.nodeid)
    try:
        return (yield)
    finally:
        if cov is not None:
            cov.switch_context("")

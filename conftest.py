"""Root conftest: only what the project's own tests need. The smoke plugin loads via its entry point."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
if "MUTANT_UNDER_TEST" in os.environ:  # a mutation run (scripts/mutate.py): likeliest killing tests first
    pytest_plugins.append("tests.helpers.mutation_order")

_TESTS = Path(__file__).resolve().parent / "tests"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # `pytest -m smoke` is the gate. The project's own tests hold no smoke checks, and importing
    # them would cost seconds and pull in modules live mode must not load.
    if config.getoption("markexpr", "").strip() == "smoke" and collection_path.is_relative_to(_TESTS):
        return True
    return None

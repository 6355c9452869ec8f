"""The child ``python -m pytest`` that ``check`` and ``record`` run: one command line for both.

The child gets the suite (``--pyargs litellm_smoke.suite -m smoke``), the gate's own ini (the
caller's pytest.ini, addopts and strict warnings must not change what a gate checks), a rootdir at
the installed package (stable test ids), and, unless asked otherwise, only our plugins and
pytest-asyncio (an unrelated broken plugin cannot break the gate).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

SUITE = "litellm_smoke.suite"

# The gate's own pytest configuration: the caller's pytest.ini/pyproject (addopts, strict
# warnings, testpaths) must not change what a deploy gate checks.
PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
console_output_style = classic
junit_suite_name = litellm-smoke
"""

_GATE_DISTRIBUTIONS = ("pytest-asyncio", "litellm-smoke")  # in load order


def gate_plugins() -> list[str]:
    """The pytest plugins the gate loads with autoload off: pytest-asyncio's and all of ours.

    Read from the installed entry points, so a plugin module litellm-smoke adds later comes along;
    pytest_asyncio first, because our plugin imports it and a module imported before its ``-p``
    cannot be assertion-rewritten (PytestAssertRewriteWarning).
    """
    from importlib.metadata import entry_points

    found: dict[str, list[str]] = {name: [] for name in _GATE_DISTRIBUTIONS}
    for entry in entry_points(group="pytest11"):
        dist = getattr(entry, "dist", None)
        name = re.sub(r"[-_.]+", "-", dist.name).lower() if dist is not None else ""
        if name in found and entry.value not in found[name]:
            found[name].append(entry.value)
    found["pytest-asyncio"] = found["pytest-asyncio"] or ["pytest_asyncio.plugin"]
    found["litellm-smoke"] = found["litellm-smoke"] or ["litellm_smoke.plugin"]  # a source tree, not installed
    return [module for name in _GATE_DISTRIBUTIONS for module in found[name]]


def pytest_command(
    ini: Path,
    *,
    extra: Sequence[str] = (),
    all_plugins: bool = False,
    progress: bool = True,
) -> list[str]:
    """``python -m pytest`` over the suite with the gate's ini; ``extra`` is appended as given."""
    # rootdir = the directory holding the package, so test ids read
    # litellm_smoke/suite/test_smoke.py::test_x wherever litellm-smoke is installed.
    package_root = Path(__file__).resolve().parents[2]
    command = [
        sys.executable, "-m", "pytest", "--pyargs", SUITE, "-m", "smoke",
        "-c", str(ini), "--rootdir", str(package_root), "--confcutdir", str(package_root),
    ]  # fmt: skip
    if progress:
        command += ["-q", "-rN", "--smoke-progress"]
    if not all_plugins:
        for module in gate_plugins():
            command += ["-p", module]
    return [*command, *extra]

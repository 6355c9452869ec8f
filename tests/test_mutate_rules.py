"""scripts/mutate.py's rules for mutants that only change a failure's wording (not run, not counted).

A rule that is too broad hides real survivors, so each is pinned on small functions both ways.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from types import ModuleType
from typing import Any

import pytest

from tests.helpers.paths import REPO


@pytest.fixture(scope="module")
def mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_script", REPO / "scripts" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate_script"] = module
    spec.loader.exec_module(module)
    return module


def _function(source: str) -> ast.AST:
    return ast.parse(textwrap.dedent(source)).body[0]


def _locals(mutate: ModuleType, source: str) -> set[str]:
    return set(mutate.message_locals(_function(source), mutate.load_settings(), "checks.x"))


def test_a_local_read_only_inside_a_failure_is_wording(mutate: ModuleType) -> None:
    source = """
    async def check(client):
        url = f"{client.base_url}/health"
        response = await client.get("/health")
        body = response.text
        location = response.headers.get("location")
        summary = f"redirects to {location}"
        alive = response.status_code == 200
        if alive:
            return
        raise SmokeFailure(f"wrong service at {url}: {summary}", expected="200", got=describe(response, body))
    """
    assert _locals(mutate, source) == {"url", "body", "location", "summary"}


def test_a_local_that_decides_anything_is_not_wording(mutate: ModuleType) -> None:
    source = """
    async def check(client):
        status = (await client.get("/x")).status_code
        text = await client.read()
        ok = status == 200
        if not ok:
            raise SmokeFailure(f"got {status}: {text}", expected="200", got=str(status))
        for part in ():
            pass
        return part
    """
    # status also decides; text comes from an await; ok decides; part is a loop variable
    assert _locals(mutate, source) == set()


def test_security_is_not_wording(mutate: ModuleType) -> None:
    source = """
    def check(flag):
        secure = flag
        raise SmokeFailure("title", expected="x", got="y", hint="z", security=secure)
    """
    assert _locals(mutate, source) == set()


def _classify(mutate: ModuleType, original: str, mutated: str, module: str = "checks.x") -> bool:
    a, b = _function(original), _function(mutated)
    path, x, y = mutate._diff(a, b, [], [])
    return bool(mutate.is_message(path, x, y, mutate.load_settings(), frozenset(), module))


@pytest.mark.parametrize(
    ("original", "mutated", "wording"),
    [
        # a helper's wording argument changed
        (
            "def f(r):\n    expect_status(r, 200, 'what', 'hint')",
            "def f(r):\n    expect_status(r, 200, 'XX', 'hint')",
            True,
        ),
        # its status argument is behaviour
        (
            "def f(r):\n    expect_status(r, 200, 'what', 'hint')",
            "def f(r):\n    expect_status(r, 201, 'what', 'hint')",
            False,
        ),
        # dropping the last wording argument: wording; dropping one before the response shifts it: behaviour
        ("def f(r):\n    _status('m', r, 'got')", "def f(r):\n    _status('m', r)", True),
        ("def f(r):\n    _status('m', r, 'got')", "def f(r):\n    _status(r, 'got')", False),
        # security= inside a failure is behaviour, the rest of it wording
        (
            "def f():\n    raise SmokeFailure('t', security=True)",
            "def f():\n    raise SmokeFailure('t', security=False)",
            False,
        ),
        (
            "def f():\n    raise SmokeFailure('t', security=True)",
            "def f():\n    raise SmokeFailure('XX', security=True)",
            True,
        ),
    ],
)
def test_wording_positions_of_the_helpers(mutate: ModuleType, original: str, mutated: str, wording: bool) -> None:
    module = "checks.tools" if "_status" in original else "checks.x"
    assert _classify(mutate, original, mutated, module) is wording


def test_the_configured_equivalents_each_name_a_reason(mutate: ModuleType) -> None:
    settings: Any = mutate.load_settings()
    assert settings.equivalent, "no equivalents configured"
    for key, reason in settings.equivalent.items():
        assert ": " in key and " -> " in key, key
        assert len(reason.strip()) > 10, f"{key} has no reason"

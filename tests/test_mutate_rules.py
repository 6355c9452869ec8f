"""scripts/mutate.py's rules for mutants that only change a failure's wording (not run, not counted).

A rule that is too broad hides real survivors, so each is pinned on small functions both ways.
"""

from __future__ import annotations

import ast
import importlib
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


# -- which tests a mutant gets: the lines of the statement it changes (mutants/reach.json) --------------
# A span that is too narrow leaves out a test that executes the changed code, which could kill it.


def _span(mutate: ModuleType, source: str, original: str, mutated: str) -> tuple[int, int] | None:
    before = _function(source)
    after = _function(source.replace(original, mutated, 1))
    ancestors, node, _ = mutate._diff(before, after, [], [])
    span: tuple[int, int] | None = mutate._statement_span(ancestors, node)
    return span


SOURCE = """
async def check(client, model, retries=3):
    response = await client.post(
        "/chat",
        json={"model": model},
    )
    if response.status_code != 200 and (
        response.status_code >= 500
    ):
        raise SmokeFailure("failed")
    for event in parse(response.text):
        continue
    try:
        body = response.json()
    except (ValueError, TypeError):
        body = None
    with open("x") as f:
        f.write("y")
    return body
"""


@pytest.mark.parametrize(
    ("original", "mutated", "span"),
    [
        ('"model": model', '"model": None', (3, 6)),  # inside a statement spanning lines: all its lines
        (">= 500", "> 500", (7, 9)),  # an if's test: the header lines, not the body
        ('raise SmokeFailure("failed")', 'raise SmokeFailure("XXfailedXX")', (10, 10)),  # a body statement
        ("parse(response.text)", "parse(None)", (11, 11)),  # a for's iterable
        ("        continue", "        break", (12, 12)),
        ("(ValueError, TypeError)", "(ValueError,)", (15, 15)),  # an except clause's types
        ('open("x")', 'open("XXxXX")', (17, 17)),  # a with's items
    ],
)
def test_a_mutant_gets_the_lines_of_the_statement_it_changes(
    mutate: ModuleType, original: str, mutated: str, span: tuple[int, int]
) -> None:
    assert _span(mutate, SOURCE, original, mutated) == span


def test_a_signature_change_gets_every_test_of_the_function(mutate: ModuleType) -> None:
    # a default runs on every call that leaves it out: no statement narrows it
    assert _span(mutate, SOURCE, "retries=3", "retries=4") is None


def test_a_method_is_found_in_its_own_class(mutate: ModuleType) -> None:
    module = ast.parse(
        textwrap.dedent(
            """
            class A:
                def __init__(self):
                    pass
            class B:
                def __init__(self):
                    pass
            def __init__():
                pass
            """
        )
    )
    assert mutate._def_line(module, "B.__init__") == 6
    assert mutate._def_line(module, "A.__init__") == 3
    assert mutate._def_line(module, "__init__") == 8
    assert mutate._def_line(module, "C.__init__") == 0


def test_mutmut_is_handed_only_the_tests_that_execute_the_mutant(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mutmut")  # the mutation extra (make mutate); not part of make test's install
    from collections import defaultdict

    mutmut_main: Any = importlib.import_module("mutmut.__main__")

    spec = importlib.util.spec_from_file_location("mutmut_reach_script", REPO / "scripts" / "mutmut_reach.py")
    assert spec is not None and spec.loader is not None
    wrapper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wrapper)

    class State:
        def __init__(self) -> None:
            self.tests_by_mangled_function_name: defaultdict[str, set[str]] = defaultdict(set)

    state = State()
    state.tests_by_mangled_function_name["m.x_f"] = {"t1", "t2", "t3"}
    monkeypatch.setattr(mutmut_main, "mangled_name_from_mutant_name", lambda name: name.rpartition("__mutmut_")[0])
    monkeypatch.setattr(mutmut_main, "collect_or_load_stats", lambda *a, **k: None)
    monkeypatch.setattr(mutmut_main, "state", lambda: state)
    reach = {"tests": ["t1", "t3", "t9"], "spans": {"f:3-3": [0], "f:5-6": [1, 2]}, "mutants": {}}
    reach["mutants"] = {"m.x_f__mutmut_1": "f:3-3", "m.x_f__mutmut_2": "f:5-6"}
    wrapper._narrowing(reach)
    mutmut_main.collect_or_load_stats()
    tests = state.tests_by_mangled_function_name

    def of(mutant: str) -> set[str]:
        return set(tests.get(mutmut_main.mangled_name_from_mutant_name(mutant), set()))

    assert of("m.x_f__mutmut_1") == {"t1"}
    assert of("m.x_f__mutmut_2") == {"t3"}  # t9 does not test the function at all
    assert of("m.x_f__mutmut_3") == {"t1", "t2", "t3"}  # not in reach.json (a signature): every test
    assert tests["m.x_f"] == {"t1", "t2", "t3"}  # the clean run's lookup is not narrowed


def test_the_text_of_a_returned_failure_tuple_is_wording_but_returning_it_is_not(mutate: ModuleType) -> None:
    source = """
    def _problem(state):
        if state != "ok":
            return (f"state is {state}", "ok", "check it")
        return None
    """

    def rule(original: str, mutated: str) -> bool:
        before = _function(source)
        after = _function(source.replace(original, mutated, 1))
        ancestors, node, _ = mutate._diff(before, after, [], [])
        return bool(mutate.in_returned_tuple(ancestors, node))

    assert rule('"check it"', '"XXcheck itXX"')
    assert rule('f"state is {state}"', "None")
    assert not rule('return (f"state is {state}", "ok", "check it")', "return None")  # no failure at all
    assert not rule('state != "ok"', 'state == "ok"')
    assert not rule("return None", 'return ("", "", "")')


def test_a_wording_keyword_dropped_from_a_wording_helper_is_wording(mutate: ModuleType) -> None:
    # expect_status(response, status, what, hint, expected=..., got=..., origin=...): the keywords say, the
    # status decides
    settings = mutate.load_settings()
    call = "expect_status(response, 200, 'chat', 'hint', expected='HTTP 200', got=got, origin=True)"

    def rule(mutated: str) -> bool:
        before, after = ast.parse(call).body[0], ast.parse(mutated).body[0]
        ancestors, node, changed = mutate._diff(before, after, [], [])
        return bool(mutate.is_message(ancestors, node, changed, settings, frozenset(), "checks.x"))

    assert rule("expect_status(response, 200, 'chat', 'hint', expected='HTTP 200', origin=True)")
    assert rule("expect_status(response, 200, 'chat', 'hint', expected='HTTP 200', got=got)")
    assert not rule("expect_status(response, 'chat', 'hint', expected='HTTP 200', got=got, origin=True)")
    assert not rule("expect_status(response, 201, 'chat', 'hint', expected='HTTP 200', got=got, origin=True)")

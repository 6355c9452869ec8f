"""Mutation testing of the checks, the redactor and the verdict, and docs/mutation.md from the result.

    .venv/bin/python scripts/mutate.py [--timeout MINUTES] [--sample N | --sample-per-module N] [--no-docs]

mutmut (3.8, ``[tool.mutmut]`` in pyproject.toml) makes the mutants and runs them, one worker per core, against
the fast offline tests. This script decides which of its mutants count and writes the report:

- **scope**: ``[tool.litellm-smoke.mutation] scope``, globs of mutant names (module.function);
- **message mutants are not run**: a mutant that only changes the wording of a failure (a string
  inside ``SmokeFailure(...)``/``_fail(...)``, a ``hint = ...``, a dropped ``hint=`` argument, the
  wording arguments of a helper such as ``expect_status(response, 200, what, hint)``, a local that
  only feeds such wording, a helper that only formats it) cannot make a broken proxy pass; the
  wording is pinned by the fault corpus' message patterns instead. ``security=`` is not wording:
  those mutants run;
- **equivalent mutants** are listed in ``[tool.litellm-smoke.mutation.equivalent]`` by
  ``"module.function: original -> mutated"`` with a one-line reason; they stay in the report and
  out of the score.

- **accepted survivors** (``[tool.litellm-smoke.mutation.accepted]``) are listed with their reason and
  still count against the score.

Speed: tests/helpers/mutation_order.py runs a mutant's likeliest killing tests first
(earlier killers of the same function, then the cheapest), so a killed mutant costs a fraction of a
second; a survivor runs every test that executes its statement (recorded in one coverage run of the
unmutated tests, ``mutants/reach.json``; ``--no-reach``: every test of its function). After a fresh stats run mutmut's
"clean tests" run is skipped (the stats run already ran them all on the unmutated code).

score = killed / counted (selected, run, not equivalent). Survivors, timeouts and "no tests" count against
it. The run is bounded by ``--timeout`` (wall clock; the partial result is reported as such). Exit status: 0 when the
score reaches ``[tool.litellm-smoke.mutation] min_score``, 1 below it, 2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import fnmatch
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the workflow runs 3.12
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
DOCS = ROOT / "docs" / "mutation.md"
COMMAND = ".venv/bin/python scripts/mutate.py"

KILLED = {1, 3}  # mutmut: tests failed (3: pytest internal error, also a kill)
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout", None: "not run"}
for _code in (-24, 24, 152, 255):
    STATUS[_code] = "timeout"


@dataclass(frozen=True)
class Settings:
    scope: tuple[str, ...]
    message_calls: frozenset[str]
    message_names: frozenset[str]
    not_message_keywords: frozenset[str]
    message_args: dict[str, frozenset[int]]
    message_functions: tuple[str, ...]
    message_returns: tuple[str, ...]
    equivalent: dict[str, str]
    accepted: dict[str, str]
    min_score: float
    skip_tests: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def load_settings() -> Settings:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    cfg = data["tool"]["litellm-smoke"]["mutation"]
    return Settings(
        scope=tuple(cfg["scope"]),
        message_calls=frozenset(cfg["message_calls"]),
        message_names=frozenset(cfg["message_names"]),
        not_message_keywords=frozenset(cfg.get("not_message_keywords", ["security"])),
        message_args={name: frozenset(positions) for name, positions in cfg.get("message_args", {}).items()},
        message_functions=tuple(cfg.get("message_functions", [])),
        message_returns=tuple(cfg.get("message_returns", [])),
        equivalent=dict(cfg.get("equivalent", {})),
        accepted=dict(cfg.get("accepted", {})),
        min_score=float(cfg.get("min_score", 0.9)),
        skip_tests={module: tuple(prefixes) for module, prefixes in cfg.get("skip_tests", {}).items()},
    )


# -- the mutants mutmut made ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's: litellm_smoke.checks.chat.x__check_completion__mutmut_7
    module: str
    function: str  # Class.method or function
    line: int  # in the original source file
    original: str
    mutated: str
    message: bool
    path: str = ""  # the source file, relative to the repo root
    reach: tuple[int, int] | None = None  # the lines of the statement it changes; None: the whole function

    @property
    def key(self) -> str:
        return f"{self.module.removeprefix('litellm_smoke.')}.{self.function}: {self.original} -> {self.mutated}"


def generate() -> None:
    """Let mutmut copy the sources and write its mutants into mutants/ (no tests run)."""
    code = (
        "from mutmut.__main__ import copy_src_dir, copy_also_copy_files, setup_source_paths, create_mutants\n"
        "from mutmut.mutation.trampoline import set_mutant_under_test\n"
        "set_mutant_under_test('mutant_generation')\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(1)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _compact(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _dump(value: object) -> str:
    return ast.dump(value) if isinstance(value, ast.AST) else repr(value)


def _children(node: ast.AST) -> Iterator[tuple[str, object]]:
    for name, value in ast.iter_fields(node):
        if name in ("ctx", "type_comment"):
            continue
        yield name, value


def _diff(a: ast.AST, b: ast.AST, path: list[ast.AST], other: list[ast.AST]) -> tuple[list[ast.AST], ast.AST, ast.AST]:
    """The smallest pair of differing nodes, and the original's ancestors of it (outermost first).

    An operator (``==`` vs ``!=``) has no text of its own: its expression is the pair then.
    """
    if type(a) is not type(b):
        return _shown(path, other, a, b)
    differing: list[tuple[object, object]] = []
    for (_, va), (_, vb) in zip(_children(a), _children(b), strict=True):
        if isinstance(va, list) and isinstance(vb, list):
            if len(va) != len(vb):
                return _shown(path, other, a, b)
            differing += [(x, y) for x, y in zip(va, vb, strict=True) if _dump(x) != _dump(y)]
        elif isinstance(va, ast.AST) and isinstance(vb, ast.AST):
            if ast.dump(va) != ast.dump(vb):
                differing.append((va, vb))
        elif va != vb:
            return _shown(path, other, a, b)
    if len(differing) == 1 and isinstance(differing[0][0], ast.AST) and isinstance(differing[0][1], ast.AST):
        return _diff(differing[0][0], differing[0][1], [*path, a], [*other, b])
    return _shown(path, other, a, b)


def _shown(path: list[ast.AST], other: list[ast.AST], a: ast.AST, b: ast.AST) -> tuple[list[ast.AST], ast.AST, ast.AST]:
    while path and not (isinstance(a, (ast.expr, ast.stmt, ast.keyword, ast.arg)) and _compact(a)):
        a, b, path, other = path[-1], other[-1], path[:-1], other[:-1]
    return path, a, b


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _assigned_names(node: ast.AST) -> list[str] | None:
    """The plain names a simple assignment binds, or None if it is not one (or binds anything else)."""
    targets = (
        node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else None
    )
    if not targets or not all(isinstance(t, ast.Name) for t in targets):
        return None
    return [t.id for t in targets]  # type: ignore[attr-defined]


def message_locals(function: ast.AST, settings: Settings, module: str) -> frozenset[str]:
    """Local names that only ever feed a failure's wording (``url = ...`` used only inside ``SmokeFailure(...)``).

    A name qualifies when every read of it sits in wording (see ``is_message``) or in the value of another
    such name, and none of its assignments awaits anything (dropping an ``await`` could change behaviour).
    """
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(function):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    bound: dict[str, list[ast.AST]] = {}
    for node in ast.walk(function):
        names = _assigned_names(node)
        if names is None:
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Store)
                and _assigned_names(parents.get(node, function)) is None
            ):
                bound.setdefault(node.id, []).append(node)  # bound otherwise (for, with, walrus): never wording
            continue
        for name in names:
            bound.setdefault(name, []).append(node)
    candidates = {
        name
        for name, nodes in bound.items()
        if all(_assigned_names(n) is not None for n in nodes)
        and not any(isinstance(x, ast.Await) for n in nodes for x in ast.walk(n))
    }
    while True:
        reads: dict[str, list[ast.Name]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in candidates:
                reads.setdefault(node.id, []).append(node)
        keep = set()
        for name in candidates:
            for read in reads.get(name, []):
                chain: list[ast.AST] = [read]
                while chain[0] in parents and chain[0] is not function:
                    chain.insert(0, parents[chain[0]])
                if not _in_wording(chain[1:-1], chain[-1], settings, candidates, module):
                    break
            else:
                if name in reads:  # never read: not a message name, just dead (its mutants survive as such)
                    keep.add(name)
        if keep == candidates:
            return frozenset(keep)
        candidates = keep


def _in_wording(path: Sequence[ast.AST], node: ast.AST, settings: Settings, names: set[str], module: str) -> bool:
    chain = [*path, node]
    for i, outer in enumerate(chain):
        assigned = _assigned_names(outer)
        if assigned and all(n in names for n in assigned) and chain[i + 1 : i + 2] == [getattr(outer, "value", None)]:
            return True
    return is_message(path, node, node, settings, frozenset(), module)


def is_message(
    path: Sequence[ast.AST],
    original: ast.AST,
    mutated: ast.AST,
    settings: Settings,
    wording_locals: frozenset[str] = frozenset(),
    module: str = "",
) -> bool:
    """Does this mutation only change what a failure says, not whether it is raised?"""
    chain = [*path, original]
    for node in chain:
        assigned = _assigned_names(node)
        if assigned and all(n in wording_locals for n in assigned):
            return True
    for i, node in enumerate(chain):
        called = _call_name(node) or ""
        # "surfaces._status" (that module's helper) before "_status" (any module's)
        positions = settings.message_args.get(f"{module}.{called}", settings.message_args.get(called))
        if positions is not None and isinstance(node, ast.Call):
            if node is original:  # an argument dropped: wording if it and every one after it are wording
                kept = [_dump(a) for a in getattr(mutated, "args", [])]
                args = [_dump(a) for a in node.args]
                if args == kept:  # a keyword dropped: wording if it is one of the wording names (got=, origin=)
                    left = {k.arg for k in getattr(mutated, "keywords", [])}
                    gone = {k.arg for k in node.keywords} - left
                    return bool(gone) and all(name in settings.message_names for name in gone)
                dropped = [j for j in range(len(args)) if args[:j] + args[j + 1 :] == kept]
                return bool(dropped) and all(p in positions for p in range(min(dropped), len(args)))
            inner = chain[i + 1] if i + 1 < len(chain) else None
            if any(inner is node.args[p] for p in positions if p < len(node.args)):
                return True
        if isinstance(node, ast.keyword) and node.arg in settings.not_message_keywords:
            return False
        if _call_name(node) in settings.message_calls:
            if node is original:  # an argument removed or changed: wording unless it is security=
                kept = {k.arg for k in getattr(mutated, "keywords", [])}
                return all(k.arg in kept for k in node.keywords if k.arg in settings.not_message_keywords)  # type: ignore[attr-defined]
            inner = chain[i + 1] if i + 1 < len(chain) else None
            if isinstance(inner, ast.keyword) and inner.arg in settings.not_message_keywords:
                return False
            return True
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id in settings.message_names for t in targets):
            return True
        if isinstance(node, ast.keyword) and node.arg in settings.message_names:
            return True
    return False


def in_returned_tuple(ancestors: Sequence[ast.AST], node: ast.AST) -> bool:
    """Is ``node`` inside an element of a ``return (a, b, c)`` (not the tuple itself, nor the return)?

    For ``message_returns``: helpers that return a failure's (title, expected, hint) or None. Whether they
    return None or a tuple decides; what the tuple says is wording.
    """
    chain = [*ancestors, node]
    for i, outer in enumerate(chain[:-2]):
        if isinstance(outer, ast.Return) and isinstance(outer.value, ast.Tuple) and chain[i + 1] is outer.value:
            return True
    return False


def _source(relative: Path, commit: str | None) -> str:
    """A source file as the run mutated it: at the run's commit (``ran.json``), else as it is now."""
    if commit:
        shown = subprocess.run(
            ["git", "show", f"{commit}:{relative.as_posix()}"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if shown.returncode == 0:
            return shown.stdout
    return (ROOT / relative).read_text(encoding="utf-8")


def _head() -> str | None:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 and not dirty.stdout.strip() else None


def collect(settings: Settings, commit: str | None = None) -> list[Mutant]:
    """The mutants in mutants/, with their lines in the sources of ``commit`` (the run's), else of the tree."""
    mutants: list[Mutant] = []
    for path in sorted((MUTANTS / "src").rglob("*.py")):
        module = ".".join(path.relative_to(MUTANTS / "src").with_suffix("").parts).removesuffix(".__init__")
        short = module.removeprefix("litellm_smoke.")
        text = path.read_text(encoding="utf-8")
        if "__mutmut_orig" not in text:
            continue
        original = ast.parse(_source(path.relative_to(MUTANTS), commit))
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        wording: dict[str, frozenset[str]] = {}
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "__mutmut_" in node.name:
                functions[node.name] = node
        for name, node in functions.items():
            base, _, number = name.rpartition("__mutmut_")
            if number == "orig":
                continue
            orig = functions[f"{base}__mutmut_orig"]
            if base not in wording:
                wording[base] = message_locals(orig, settings, short)
            shown = base.removeprefix("xǁ").replace("ǁ", ".") if base.startswith("xǁ") else base.removeprefix("x_")
            node.name = orig.name  # compare the bodies, not mutmut's names
            ancestors, a, b = _diff(orig, node, [], [])
            def_line = _def_line(original, shown)
            line = def_line + (getattr(a, "lineno", orig.lineno) - orig.lineno) if def_line else 0
            span = _statement_span(ancestors, a)
            mutants.append(
                Mutant(
                    name=f"{module}.{name}",
                    module=module,
                    function=shown,
                    line=line,
                    original=_compact(a),
                    mutated=_compact(b),
                    message=is_message(ancestors, a, b, settings, wording[base], short)
                    or _matches(f"{short}.{shown}", settings.message_functions)
                    or (in_returned_tuple(ancestors, a) and _matches(f"{short}.{shown}", settings.message_returns)),
                    path=str(path.relative_to(MUTANTS)),
                    reach=(def_line + span[0] - orig.lineno, def_line + span[1] - orig.lineno)
                    if span and def_line
                    else None,
                )
            )
    return [m for m in mutants if _matches(m.name, settings.scope)]


def _matches(qualified: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(qualified, pattern) for pattern in patterns)


def _def_line(source: ast.Module, qualified: str) -> int:
    """The line of ``def`` of ``qualified`` (``function`` or ``Class.method``) in the original file (0: not found).

    mutmut keeps function bodies verbatim, so a node's line is this plus its offset from the copy's ``def``.
    """
    scope: Sequence[ast.stmt] = source.body
    *classes, name = qualified.split(".")
    for cls in classes:
        found = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == cls), None)
        if found is None:
            return 0
        scope = found.body
    for node in scope:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node.lineno
    return 0


_HEADERS: dict[type[ast.AST], Callable[[Any], list[ast.AST]]] = {
    ast.If: lambda n: [n.test],
    ast.While: lambda n: [n.test],
    ast.For: lambda n: [n.target, n.iter],
    ast.AsyncFor: lambda n: [n.target, n.iter],
    ast.With: lambda n: list(n.items),
    ast.AsyncWith: lambda n: list(n.items),
    ast.ExceptHandler: lambda n: [n.type] if n.type is not None else [],
}


def _end_line(node: ast.AST) -> int:
    if isinstance(node, ast.withitem):  # no position of its own
        return max(_end_line(node.context_expr), _end_line(node.optional_vars) if node.optional_vars else 0)
    return int(getattr(node, "end_lineno", None) or getattr(node, "lineno", 0))


def _statement_span(ancestors: Sequence[ast.AST], node: ast.AST) -> tuple[int, int] | None:
    """The lines (in the mutmut copy) of the innermost statement the mutation changes; None for the signature.

    A test that never executes one of these lines runs the same code with or without the mutant (everything
    before the statement is unchanged), so it cannot kill it. Of a compound statement only the header counts
    when the change is in it (an ``if`` test, a ``for`` iterable, an ``except`` clause's types); a change to
    the statement as a whole (a body shortened) takes all its lines.
    """
    chain = [*ancestors, node]
    for i in range(len(chain) - 1, 0, -1):  # chain[0] is the function itself: its signature runs on every call
        stmt = chain[i]
        if not isinstance(stmt, (ast.stmt, ast.ExceptHandler)):
            continue
        inner = chain[i + 1] if i + 1 < len(chain) else None
        header = _HEADERS.get(type(stmt), lambda n: [])(stmt)
        if inner is not None and any(inner is h for h in header):
            ends = [_end_line(h) for h in header]
            return stmt.lineno, max([stmt.lineno, *ends])
        return stmt.lineno, stmt.end_lineno or stmt.lineno
    return None


# -- running them --------------------------------------------------------------------------------


def run(names: Sequence[str], timeout_s: float, *, fresh_stats: bool = False, workers: int = 1) -> tuple[bool, float]:
    """``mutmut run`` on ``names`` with ``workers`` children; True if it finished within the timeout.

    Through scripts/mutmut_reach.py: each mutant gets only the tests that execute its statement
    (``mutants/reach.json``, when recorded), and after a fresh stats run mutmut's clean run is skipped.
    """
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "MUTATE_REACH": str(REACH)}
    command = [sys.executable, str(ROOT / "scripts" / "mutmut_reach.py")]
    command += ["--skip-clean-run"] if fresh_stats else []
    started = time.monotonic()
    with open(MUTANTS / "run.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [*command, "run", "--max-children", str(workers), *names],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _stop(proc)
            return False, time.monotonic() - started
        except BaseException:  # Ctrl-C, SIGTERM (see main): stop the mutmut group this started, then leave
            _stop(proc)
            raise
    if proc.returncode != 0:
        tail = (MUTANTS / "run.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"mutate: mutmut run failed (exit {proc.returncode}); the end of mutants/run.log:\n{tail}")
    return True, time.monotonic() - started


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop mutmut and its workers (its own process group), by the id this script started it with."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


REACH = MUTANTS / "reach.json"  # read by scripts/mutmut_reach.py (MUTATE_REACH) during the run


def _mutmut_config() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return data


def _test_selection() -> list[str]:
    return list(_mutmut_config()["pytest_add_cli_args_test_selection"])


def _test_args() -> list[str]:
    """The test command mutmut runs: the selection and its extra arguments."""
    config = _mutmut_config()
    return [*config["pytest_add_cli_args_test_selection"], *config.get("pytest_add_cli_args", [])]


def record_reach(mutants: Sequence[Mutant], skip_tests: dict[str, tuple[str, ...]] | None = None) -> int:
    """Which tests execute each mutant's statement: one coverage run of the unmutated tests, a context per test.

    Written to ``mutants/reach.json``; the run then gives each mutant only those tests (a test that never
    executes the changed statement cannot tell the mutant from the original). ``skip_tests``: test-path
    prefixes left out for a module's mutants (``[tool.litellm-smoke.mutation.skip_tests]``). Returns how many
    tests ran.
    """
    data_file = MUTANTS / ".coverage-reach"
    rcfile = MUTANTS / ".coveragerc-reach"
    rcfile.write_text("[run]\nsource = litellm_smoke\n", encoding="utf-8")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("MUTANT_UNDER_TEST", None)
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", f"--data-file={data_file}"]
    command += ["-m", "pytest", "-q", "-p", "tests.helpers.mutation_lines", *_test_args()]
    with open(MUTANTS / "reach.log", "w", encoding="utf-8") as log:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = (MUTANTS / "reach.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(
            f"mutate: the unmutated tests failed under coverage (exit {done.returncode}); mutants/reach.log:\n{tail}"
        )
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    by_file: dict[str, dict[int, list[str]]] = {}
    for measured in data.measured_files():
        try:
            relative = str(Path(measured).resolve().relative_to(ROOT))
        except ValueError:
            continue
        by_file[relative] = data.contexts_by_lineno(measured)
    tests: dict[str, int] = {}
    spans: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for m in mutants:
        if m.reach is None:
            continue  # a signature's change runs on every call: every test of the function
        skipped = (skip_tests or {}).get(m.module, ())
        span = f"{m.path}:{m.reach[0]}-{m.reach[1]}"
        if span not in spans:
            lines = by_file.get(m.path, {})
            reached = {t for line in range(m.reach[0], m.reach[1] + 1) for t in lines.get(line, ()) if t}
            reached = {t for t in reached if not (skipped and t.startswith(skipped))}
            spans[span] = sorted(tests.setdefault(t, len(tests)) for t in reached)
        names[m.name] = span
    order = sorted(tests, key=tests.__getitem__)
    REACH.write_text(json.dumps({"tests": order, "spans": spans, "mutants": names}), encoding="utf-8")
    return len(order)


def exit_codes() -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in (MUTANTS / "src").rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def durations() -> dict[str, float]:
    """Seconds each mutant's test run took (mutmut's own measure)."""
    seconds: dict[str, float] = {}
    for meta in (MUTANTS / "src").rglob("*.py.meta"):
        seconds.update(json.loads(meta.read_text(encoding="utf-8")).get("durations_by_key", {}))
    return seconds


def _median(values: Sequence[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[len(ordered) // 2]:.1f} s"


def status_of(code: int | None) -> str:
    return "killed" if code in KILLED else STATUS.get(code, f"suspicious (exit {code})")


# -- the report ----------------------------------------------------------------------------------


def report(
    mutants: Sequence[Mutant],
    ran: Sequence[Mutant],
    settings: Settings,
    *,
    finished: bool,
    elapsed: float,
    argv: Sequence[str],
    first_pass: Sequence[int] | None = None,
) -> tuple[str, float]:
    codes = exit_codes()
    ran = [m for m in ran if not m.message]  # run before the wording rules said so: not counted
    status = {m.name: status_of(codes.get(m.name)) for m in ran}
    equivalent = [m for m in ran if m.key in settings.equivalent]
    counted = [m for m in ran if m.key not in settings.equivalent and status[m.name] != "not run"]
    killed = [m for m in counted if status[m.name] == "killed"]
    score = len(killed) / len(counted) if counted else 0.0
    survivors = [m for m in counted if status[m.name] != "killed"]
    seconds = durations()
    per_file: dict[str, Counter[str]] = {}
    for m in mutants:
        c = per_file.setdefault(m.module, Counter())
        c["made"] += 1
        c["message"] += m.message
    for m in ran:
        c = per_file[m.module]
        c["equivalent"] += m.key in settings.equivalent
        if m in counted:
            c["counted"] += 1
            c["killed"] += status[m.name] == "killed"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    import mutmut

    command = " ".join([COMMAND, *argv])
    lines = [
        "# Mutation testing: the checks, the redactor, the verdict",
        "",
        "<!-- GENERATED by scripts/mutate.py from its last run: do not edit by hand. -->",
        "",
        f"**Score {score:.1%}** ({len(killed)} killed of {len(counted)} counted mutants)"
        + ("" if finished else f" -- PARTIAL: the run hit its time bound after {elapsed / 60:.0f} min"),
        "",
        f"- date: {now}; wall time {elapsed / 60:.1f} min",
        f"- command: `{command}` (`make mutate` runs `{COMMAND}`); mutmut {getattr(mutmut, '__version__', '?')}, "
        "configured in `[tool.mutmut]` and `[tool.litellm-smoke.mutation]` of pyproject.toml",
        *(
            [
                f"- before the last rerun (tests were added for the survivors since): {first_pass[0]} killed of "
                f"{first_pass[1]} run ({first_pass[0] / first_pass[1]:.1%}); mutants not run yet ran in the rerun"
            ]
            if first_pass and first_pass[1]
            else []
        ),
        "- tests: " + ", ".join(f"`{t}`" for t in _test_selection()) + " (offline only, no LiteLLM)",
        f"- time per mutant (median): killed {_median([seconds[m.name] for m in killed if m.name in seconds])}, "
        f"survived {_median([seconds[m.name] for m in survivors if m.name in seconds])}; a killed mutant stops at "
        "its first failing test (tests/helpers/mutation_order.py runs the likeliest first), a survivor runs "
        + (
            "every test that executes its statement (mutants/reach.json, one coverage run of the unmutated tests)"
            if REACH.exists()
            else "every test that reaches its function"
        ),
        f"- scope: {', '.join(f'`{s}`' for s in settings.scope)}",
        *(
            f"- left out for `{module}` mutants (`skip_tests`, can only lower the score): "
            + ", ".join(f"`{prefix}`" for prefix in prefixes)
            for module, prefixes in sorted(settings.skip_tests.items())
        ),
        f"- mutants made {len(mutants)}; failure-wording mutants not run {sum(m.message for m in mutants)}; "
        f"countable {sum(not m.message for m in mutants)}; selected {len(ran)}"
        + (
            " (a seeded random sample: the score estimates the whole)"
            if len(ran) < sum(not m.message for m in mutants)
            else ""
        )
        + f"; equivalent {len(equivalent)}; counted {len(counted)}"
        + (
            f"; **not run: {not_run}** (the run hit its time bound first: they are in no figure here)"
            if (not_run := sum(status[m.name] == "not run" and m.key not in settings.equivalent for m in ran))
            else ""
        ),
        "",
        "score = killed / counted (selected, run, not equivalent); survivors, timeouts and mutants no test",
        "reaches count against it.",
        "Failure-wording mutants (a string inside `SmokeFailure(...)`, a `hint = ...`, a dropped `hint=` argument)",
        "are not run: they cannot let a broken proxy pass. `security=` is not wording and is run.",
        "",
        "## Per module",
        "",
        "| module | made | wording (not run) | equivalent | counted | killed | score |",
        "|---|---|---|---|---|---|---|",
    ]
    for module, c in sorted(per_file.items()):
        pct = f"{c['killed'] / c['counted']:.0%}" if c["counted"] else "-"
        counts = " | ".join(str(c[k]) for k in ("made", "message", "equivalent", "counted", "killed"))
        lines.append(f"| `{module}` | {counts} | {pct} |")
    lines += ["", f"## Survivors ({len(survivors)})", ""]
    if survivors:
        lines += [
            "Each counts against the score. Accepted ones carry their reason from "
            "`[tool.litellm-smoke.mutation.accepted]`; any other is a missing test.",
            "",
            "| mutant | where | original -> mutated | status | why it survives |",
            "|---|---|---|---|---|",
        ]
        for m in sorted(survivors, key=lambda m: (m.module, m.line)):
            why = settings.accepted.get(m.key, "**not yet explained: a missing test**")
            lines.append(
                f"| `{_short(m.name)}` | {m.module.removeprefix('litellm_smoke.')}:{m.line} `{m.function}` "
                f"| `{_cell(m.original)}` -> `{_cell(m.mutated)}` | {status[m.name]} | {why} |"
            )
    else:
        lines.append("None.")
    lines += ["", f"## Equivalent mutants ({len(equivalent)}), from the configuration", ""]
    if equivalent:
        lines += ["| where | original -> mutated | why it cannot be killed |", "|---|---|---|"]
        for m in sorted(equivalent, key=lambda m: (m.module, m.line)):
            lines.append(
                f"| {m.module.removeprefix('litellm_smoke.')}:{m.line} `{m.function}` "
                f"| `{_cell(m.original)}` -> `{_cell(m.mutated)}` | {settings.equivalent[m.key]} |"
            )
    else:
        lines.append("None.")
    countable_keys = {m.key for m in mutants if not m.message}
    unused = sorted((set(settings.equivalent) | set(settings.accepted)) - countable_keys)
    if unused:
        lines += ["", "Configured equivalent or accepted entries that match no countable mutant (remove them):", ""]
        lines += [f"- `{_cell(k)}`" for k in unused]
    lines += [
        "",
        "## Reading a survivor",
        "",
        "`mutmut show <mutant>` prints its diff; `mutmut apply <mutant>` writes it into src/ (revert with git).",
        "A survivor is a check weakened without any test noticing: add the fault scenario",
        "(tests/selftest/scenarios.py) or unit test (tests/checks/) that fails on it, or, if no observable",
        "behaviour can differ, add it to `[tool.litellm-smoke.mutation.equivalent]` with the reason.",
        "",
    ]
    return "\n".join(lines), score


def _short(name: str) -> str:
    return name.removeprefix("litellm_smoke.")


def _cell(text: str) -> str:
    text = text if len(text) <= 90 else text[:87] + "..."
    return text.replace("|", "\\|").replace("`", "'")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=80.0, help="wall-clock bound in minutes (default 80)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="mutants run at once (default: one per core)"
    )
    parser.add_argument("--sample", type=int, default=0, help="run a fixed random sample of N mutants only")
    parser.add_argument(
        "--sample-per-module", type=int, default=0, help="run a fixed random sample of N mutants of each module"
    )
    parser.add_argument("--seed", type=int, default=16, help="seed of --sample/--sample-per-module (default 16)")
    parser.add_argument("--only", action="append", default=[], help="mutant-name glob to run (repeatable)")
    parser.add_argument(
        "--names-from", type=Path, help="run exactly the mutants another run ran (its mutants/ran.json) that exist here"
    )
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ results of an earlier run")
    parser.add_argument(
        "--no-reach",
        action="store_true",
        help="run every test of a mutant's function, not only those executing its statement (slower; to compare)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants that would run, run nothing")
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="rerun only the last run's surviving mutants against the current tests (sources unchanged)",
    )
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the last run in mutants/")
    parser.add_argument("--no-docs", action="store_true", help=f"print the report instead of writing {DOCS}")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through run(), which stops mutmut
    if importlib.util.find_spec("mutmut") is None:
        print("mutate: mutmut is not installed: .venv/bin/pip install -e '.[mutation]'", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except (OSError, KeyError, ValueError) as exc:
        print(f"mutate: cannot read [tool.litellm-smoke.mutation] in pyproject.toml: {exc}", file=sys.stderr)
        return 2
    if args.report_only:
        try:
            last = json.loads((MUTANTS / "ran.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            print("mutate: no earlier run in mutants/ (mutants/ran.json)", file=sys.stderr)
            return 2
        mutants = collect(settings, last.get("commit"))
        names = set(last["names"])
        ran = [m for m in mutants if m.name in names]
        return _write(
            mutants,
            ran,
            settings,
            last["finished"],
            last["elapsed"],
            last["argv"],
            args.no_docs,
            last.get("first_pass"),
        )
    if args.rerun_survivors:
        return _rerun_survivors(
            settings, args.timeout * 60, args.no_docs, args.no_reach, max(1, args.workers), args.only
        )
    if not args.keep and MUTANTS.exists():
        subprocess.run(["rm", "-rf", str(MUTANTS)], check=True)
    generate()
    mutants = collect(settings)
    ran = [m for m in mutants if not m.message]
    if args.only:
        ran = [m for m in ran if _matches(m.name, args.only)]
    if args.names_from:
        wanted = set(json.loads(args.names_from.read_text(encoding="utf-8"))["names"])
        ran = [m for m in ran if m.name in wanted]
    if args.sample_per_module:
        by_module: dict[str, list[Mutant]] = {}
        for m in ran:
            by_module.setdefault(m.module, []).append(m)
        rng = random.Random(args.seed)
        picked = [m for ms in by_module.values() for m in rng.sample(ms, min(args.sample_per_module, len(ms)))]
        ran = sorted(picked, key=lambda m: m.name)
    if args.sample:
        ran = sorted(random.Random(args.seed).sample(ran, min(args.sample, len(ran))), key=lambda m: m.name)
    if args.list:
        for m in ran:
            print(f"{m.name}\t{m.module}:{m.line}\t{m.original} -> {m.mutated}")
        print(f"{len(ran)} to run of {len(mutants)} in scope ({sum(m.message for m in mutants)} wording)")
        return 0
    if not ran:
        print("mutate: no mutant in scope", file=sys.stderr)
        return 2
    shown_argv = list(argv if argv is not None else sys.argv[1:])
    record: dict[str, object] = {
        "names": [m.name for m in ran],
        "finished": False,
        "elapsed": 0.0,
        "argv": shown_argv,
        "commit": _head(),  # the report reads the mutated sources' lines at this commit
    }
    (MUTANTS / "ran.json").write_text(json.dumps(record), encoding="utf-8")
    # configured equivalents stay in the report, out of the score: running them would only cost time
    fresh = not (MUTANTS / "mutmut-stats.json").exists()
    _reach_or_not(ran, args.no_reach, settings)
    finished, elapsed = run(
        [m.name for m in ran if m.key not in settings.equivalent],
        args.timeout * 60,
        fresh_stats=fresh,
        workers=max(1, args.workers),
    )
    record.update(finished=finished, elapsed=elapsed)
    (MUTANTS / "ran.json").write_text(json.dumps(record), encoding="utf-8")
    return _write(mutants, ran, settings, finished, elapsed, shown_argv, args.no_docs)


def _reach_or_not(ran: Sequence[Mutant], off: bool, settings: Settings) -> None:
    if off:
        REACH.unlink(missing_ok=True)
        return
    started = time.monotonic()
    tests = record_reach(ran, settings.skip_tests)
    narrowed = sum(m.reach is not None for m in ran)
    print(
        f"mutate: recorded which of {tests} tests reach each statement ({time.monotonic() - started:.0f} s); "
        f"{narrowed} of {len(ran)} mutants run only those",
        flush=True,
    )


def _rerun_survivors(
    settings: Settings,
    timeout_s: float,
    no_docs: bool,
    no_reach: bool = False,
    workers: int = 1,
    only: Sequence[str] = (),
) -> int:
    """The tests changed, the sources did not: run the last run's survivors again, keep the rest.

    With ``only`` (mutant-name globs), just those survivors: the others keep their result.
    """
    try:
        last = json.loads((MUTANTS / "ran.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print("mutate: no earlier run in mutants/ (mutants/ran.json)", file=sys.stderr)
        return 2
    codes = exit_codes()
    generate()  # copies the current tests; sources already copied are kept
    mutants = collect(settings, last.get("commit"))
    counted = {m.name for m in mutants if not m.message and m.key not in settings.equivalent}
    again = [n for n in last["names"] if n in counted and status_of(codes.get(n)) != "killed"]  # and "not run"
    if "first_pass" not in last:
        ran_counted = [n for n in last["names"] if n in counted and status_of(codes.get(n)) != "not run"]
        survived = [n for n in again if status_of(codes.get(n)) != "not run"]
        last["first_pass"] = [len(ran_counted) - len(survived), len(ran_counted)]
    if only:  # after first_pass: the first pass's count is of every survivor
        again = [n for n in again if _matches(n, only)]
    if again:
        # the tests changed: record their reach again
        rerun = set(again)
        _reach_or_not([m for m in mutants if m.name in rerun], no_reach, settings)
        finished, elapsed = run(again, timeout_s, workers=workers)
        # finished: this rerun was not cut short, and every mutant of the run has a result now
        codes = exit_codes()
        last["finished"] = finished and all(status_of(codes.get(n)) != "not run" for n in last["names"] if n in counted)
        last["elapsed"] = last["elapsed"] + elapsed
        last["argv"] = [*last["argv"], "+ --rerun-survivors", *(f"--only {g}" for g in only)]
        (MUTANTS / "ran.json").write_text(json.dumps(last), encoding="utf-8")
    names = set(last["names"])
    ran = [m for m in mutants if m.name in names]
    return _write(
        mutants, ran, settings, last["finished"], last["elapsed"], last["argv"], no_docs, last.get("first_pass")
    )


def _write(
    mutants: Sequence[Mutant],
    ran: Sequence[Mutant],
    settings: Settings,
    finished: bool,
    elapsed: float,
    argv: Sequence[str],
    no_docs: bool,
    first_pass: Sequence[int] | None = None,
) -> int:
    text, score = report(mutants, ran, settings, finished=finished, elapsed=elapsed, argv=argv, first_pass=first_pass)
    if no_docs:
        print(text)
    else:
        DOCS.write_text(text, encoding="utf-8")
        print(f"mutate: score {score:.1%}; wrote {DOCS.relative_to(ROOT)}")
    return 0 if finished and score >= settings.min_score else 1


if __name__ == "__main__":
    sys.exit(main())

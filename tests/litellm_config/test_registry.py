"""rules/: the registry is the one list of checks and codes, and docs/config-lint.md's table is generated from it."""

from __future__ import annotations

import ast

from litellm_smoke.litellm_config import rules
from litellm_smoke.litellm_config.rules import CHECKS, FAMILIES, RULES, render_docs, rules_table
from tests.helpers.paths import REPO

ROOT = REPO
DOC = ROOT / "docs" / "config-lint.md"
PACKAGE = ROOT / "src" / "litellm_smoke" / "litellm_config"


def emitted_codes() -> set[str]:
    """Every code literal passed to Finding(...), ReadProblem(...) or ConfigFileError(code=...) in the package."""
    codes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("Finding", "ReadProblem") and len(node.args) >= 2:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
            for keyword in node.keywords:
                if name in ("ConfigFileError", "Finding") and keyword.arg == "code":
                    if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                        codes.add(keyword.value.value)
    return codes - {"config-unreadable"}  # an exit-2 usage error, never a finding


def test_docs_table_is_generated_from_the_registry() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render_docs(text) == text, "run: python -m litellm_smoke.litellm_config.rules docs/config-lint.md"
    assert rules_table() in text


def test_every_code_a_rule_can_emit_is_registered_and_every_registered_code_is_emitted() -> None:
    emitted = emitted_codes()
    assert emitted - set(RULES) == set(), "codes emitted but not in the registry"
    assert set(RULES) - emitted == set(), "codes registered but never emitted"


def test_codes_are_unique_kebab_case_and_documented() -> None:
    all_codes = [rule.code for family in FAMILIES for rule in family.rules]
    assert len(all_codes) == len(set(all_codes))
    for rule in RULES.values():
        assert rule.code == rule.code.lower()
        assert " " not in rule.code
        assert rule.summary
        assert rule.severity in ("error", "warning", "info")


def test_checks_are_the_families_checks_in_order_named_and_documented() -> None:
    assert CHECKS == tuple(c for family in FAMILIES for c in family.checks)
    assert all(c.__name__.startswith("check_") and c.__doc__ for c in CHECKS)
    # one module per family
    modules = {c.__module__ for c in CHECKS}
    assert len(modules) == len(FAMILIES)
    assert all(m.startswith(rules.__name__ + ".") for m in modules)

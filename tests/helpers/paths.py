"""Where the project's own test data lives: the one place tests work out repository paths."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root (the folder holding pyproject.toml)."""
FIXTURES = REPO / "fixtures"
LINT_CONFIGS = FIXTURES / "configs" / "lint"
"""LiteLLM config.yaml files for lint-config and check --config."""
SYNTHESISED_KEYS = FIXTURES / "synthesised" / "keys"
"""Virtual-key API bodies built from LiteLLM's own types (tests/keys_replay/build.py)."""
KEYS_REPLAY = REPO / "tests" / "keys_replay"
"""A fake LiteLLM key API (router.py) and its body builder (build.py); both run standalone, so they
locate the fixtures themselves."""

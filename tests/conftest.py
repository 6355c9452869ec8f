"""Isolation for the project's own tests: no LITELLM_* setting leaks in from the environment."""

from __future__ import annotations

import os

import pytest

_LEAKY = ("LITELLM_", "OPENAI_", "DATABASE_URL", "GITHUB_STEP_SUMMARY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
# Settings of the test harness itself, not of the suite under test.
_KEEP = ("LITELLM_SMOKE_PG_ADMIN_URL",)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name in _KEEP:
            continue
        if name.startswith(_LEAKY) or name.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")

"""Isolation for the project's own tests: no LITELLM_* setting leaks in from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec

import pytest

from tests.helpers.live import Live

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


@pytest.fixture(scope="session")
def faults_proxy() -> Iterator[Live]:
    """One real LiteLLM serving data/faults.yaml, booted once for every test module that needs it."""
    if find_spec("litellm") is None:
        pytest.skip("needs the embedded extra (pip install 'litellm-smoke[embedded]')")
    from litellm_smoke.launchers import FAULTS_CONFIG
    from litellm_smoke.launchers.embedded import EmbeddedProxy

    # fault-slow answers after 3 s: past a 1 s smoke timeout, well within the 30 s default
    with EmbeddedProxy(config=FAULTS_CONFIG, extra_env={"FAKE_UPSTREAM_SLOW_SECONDS": "3"}) as endpoint:
        yield Live(endpoint.base_url, endpoint.master_key.reveal())

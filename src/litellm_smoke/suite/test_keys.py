"""Virtual-key lifecycle checks: they need a database-backed LiteLLM and skip without one.

One disposable key is minted per session (alias ``litellm-smoke-<run id>``, 10-minute duration,
0.01 budget, rpm_limit 3, one chat model) and shared by these checks. They run one after the
other in this order, whatever the concurrency (an explicit chain in ``engine/checks.py``): the
key's rpm_limit is shared, and the delete check comes last. Whatever happens, the session
deletes the key again (``minted_keys``).

Cost of a healthy run: at most 3 chat completions with ``max_tokens: 1`` on the first chat model.
"""

from __future__ import annotations

import pytest

from litellm_smoke.engine.checks import Engine

pytestmark = [pytest.mark.smoke, pytest.mark.keys, pytest.mark.asyncio(loop_scope="session")]


async def test_key_generate(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    """/key/generate returns an 'sk-' key whose stored hash differs from it."""
    await smoke_engine.report(request)


async def test_key_calls_allowed_model(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_key_refused_other_model(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_key_info_reports_limits(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_key_rate_limited(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_key_deleted_rejected(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    """Last on purpose: it deletes the key the checks above share."""
    await smoke_engine.report(request)

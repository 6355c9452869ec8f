"""Virtual-key lifecycle checks: they need a database-backed LiteLLM and skip without one.

One disposable key is minted per session (alias ``litellm-smoke-<run id>``, 10-minute duration,
0.01 budget, rpm_limit 3, one chat model) and shared by these checks, which run in file order;
the delete check is last. Whatever happens, the session deletes the key again (``minted_keys``).

Cost of a healthy run: at most 3 chat completions with ``max_tokens: 1`` on the first chat model.
"""

from __future__ import annotations

import pytest

from litellm_smoke.checks import keys
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import MintedKey
from litellm_smoke.fixtures import KeyMint
from litellm_smoke.settings import Settings

pytestmark = [pytest.mark.smoke, pytest.mark.keys, pytest.mark.asyncio(loop_scope="session")]


async def test_key_generate(key_mint: KeyMint, request: pytest.FixtureRequest) -> None:
    """/key/generate returns an 'sk-' key whose stored hash differs from it."""
    # user_properties directly: the record_property fixture warns under junit_family xunit2
    request.node.user_properties.append(("key_alias", key_mint.spec.alias))
    if key_mint.failure is not None:
        raise key_mint.failure
    assert key_mint.minted is not None
    keys.key_well_formed(key_mint.minted)


async def test_key_calls_allowed_model(keys_gateway: ProxyClient, minted_key: MintedKey) -> None:
    await keys.key_calls_allowed_model(keys_gateway, minted_key)


async def test_key_refused_other_model(
    keys_gateway: ProxyClient, minted_key: MintedKey, smoke_settings: Settings, request: pytest.FixtureRequest
) -> None:
    model, kind = keys.pick_forbidden_model(
        minted_key.spec.model, smoke_settings.chat_models, smoke_settings.embedding_models
    )
    request.node.user_properties.append(("forbidden_model", model))
    await keys.key_refused_other_model(keys_gateway, minted_key, model, kind)


async def test_key_info_reports_limits(keys_gateway: ProxyClient, minted_key: MintedKey) -> None:
    await keys.key_info_reports_limits(keys_gateway, minted_key)


async def test_key_rate_limited(
    keys_gateway: ProxyClient, minted_key: MintedKey, request: pytest.FixtureRequest
) -> None:
    seen = await keys.key_rate_limited(keys_gateway, minted_key)
    request.node.user_properties.append(("rate_limit_requests", seen["requests"]))


async def test_key_deleted_rejected(keys_gateway: ProxyClient, minted_key: MintedKey) -> None:
    """Last on purpose: it deletes the key the checks above share."""
    await keys.key_deleted_rejected(keys_gateway, minted_key)

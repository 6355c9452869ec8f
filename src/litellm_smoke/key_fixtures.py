"""Fixtures of the virtual-key checks: one disposable key per session, always deleted again.

Re-exported by :mod:`litellm_smoke.plugin`, so any test can request them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from .checks.keys import (
    DEFAULT_DURATION,
    KeyRegistry,
    KeySpec,
    MintedKey,
    generate_key,
    keys_precondition,
    new_run_id,
)
from .client import ProxyClient
from .config import Settings
from .errors import SmokeFailure

__all__ = ["KeyMint", "key_mint", "keys_gateway", "minted_key", "minted_keys"]


@dataclass(frozen=True)
class KeyMint:
    """The outcome of minting the session's key: the key, or why there is none."""

    spec: KeySpec
    minted: MintedKey | None
    failure: SmokeFailure | None


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def minted_keys(smoke_client: ProxyClient) -> AsyncIterator[KeyRegistry]:
    """Every key this session mints. At session end the live ones are deleted in one request.

    The deletion runs in a ``finally``: after failed checks, ``-x``, and Ctrl-C alike (pytest tears
    session fixtures down on KeyboardInterrupt). If it fails, the teardown errors with the aliases
    (never the keys) and how to remove them.
    """
    registry = KeyRegistry()
    try:
        yield registry
    finally:
        leftovers = await registry.delete_all(smoke_client)
        if leftovers:
            failure = SmokeFailure(
                f"cleanup: {len(leftovers)} key(s) minted by this run could not be deleted",
                expected="POST /key/delete (master key) -> 200 for every key the run minted",
                got="; ".join(leftovers),
                hint=f"they expire on their own after {DEFAULT_DURATION}; remove them now with "
                "`litellm-smoke sweep --older-than 0`",
            )
            # The message is the whole story; a traceback through pytest-asyncio's finaliser is noise.
            pytest.fail(str(failure), pytrace=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def keys_gateway(gateway: ProxyClient, smoke_settings: Settings) -> ProxyClient:
    """The client, when virtual keys can be tested: a database is expected (``LITELLM_EXPECT_DB=true``)
    or readiness reports one connected. Otherwise the key checks are skipped with the reason.
    """
    reason = await keys_precondition(gateway, smoke_settings.expect_db)
    if reason is not None:
        pytest.skip(reason)
    if not smoke_settings.chat_models:
        pytest.skip("no chat model to give the disposable key (set LITELLM_CHAT_MODELS)")
    return gateway


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def key_mint(keys_gateway: ProxyClient, smoke_settings: Settings, minted_keys: KeyRegistry) -> KeyMint:
    """Mints the session's one key (first chat model, tiny limits). A failure is returned, not raised:
    ``test_key_generate`` reports it once and the other key checks skip.
    """
    spec = KeySpec(model=smoke_settings.chat_models[0], run_id=new_run_id())
    try:
        minted = await generate_key(keys_gateway, spec, register=minted_keys.add)
    except SmokeFailure as failure:
        return KeyMint(spec, None, failure)
    return KeyMint(spec, minted, None)


@pytest.fixture(scope="session")
def minted_key(key_mint: KeyMint) -> MintedKey:
    """The session's disposable key (value masked); skips when minting failed."""
    if key_mint.minted is None:
        title = key_mint.failure.title if key_mint.failure else "not minted"
        pytest.skip(f"no virtual key ({title}) -- see test_key_generate")
    return key_mint.minted

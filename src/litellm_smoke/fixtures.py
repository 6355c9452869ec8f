"""Fixtures the smoke suite (and users' own tests) request. Thin wrappers over launchers and the client."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ._secrets import Secret
from .client import ProxyClient
from .config import Settings
from .errors import StartupError, TargetUnreachable, excerpt
from .preflight import check_liveliness

__all__ = ["gateway", "smoke_client", "smoke_preflight", "smoke_settings", "smoke_target"]

SETTINGS_KEY = pytest.StashKey[Settings]()


@dataclass
class Target:
    """Where the checks go: a URL and key, a transport for offline runs, or why there is none."""

    base_url: str
    master_key: Secret | None
    transport: httpx.AsyncBaseTransport | None = None
    startup_error: str | None = None
    kind: str = "external"
    info: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="session")
def smoke_settings(pytestconfig: pytest.Config) -> Settings:
    """The resolved :class:`~litellm_smoke.config.Settings` (option > env > ini > default)."""
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def smoke_target(smoke_settings: Settings) -> Iterator[Target]:
    """The proxy under test.

    ``LITELLM_BASE_URL`` set: that deployment. ``--offline``: the recorded replay (no socket).
    Neither: the embedded default, a real LiteLLM in front of a fake upstream, started once per
    session and stopped at the end (also on Ctrl-C). A failed start does not raise here: it
    becomes the one failure of ``test_reachability`` and every other check is skipped.
    """
    settings = smoke_settings
    if settings.offline:
        from .replay import REPLAY_BASE_URL, ReplayError, replay_transport  # offline only: no litellm, no sockets

        try:
            transport = replay_transport(settings.replay_dir, master_key=settings.master_key)
        except ReplayError as exc:
            pytest.exit(f"litellm-smoke --offline: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
        yield Target(REPLAY_BASE_URL, transport.master_key, transport=transport, kind="offline")
        return
    if settings.base_url is not None:
        # `litellm-smoke record` sets this hidden variable: the run tees every exchange to disk.
        record_dir = os.environ.get("LITELLM_SMOKE_RECORD_DIR")
        if record_dir:
            from .recorder import RecordingTransport

            recording = RecordingTransport(record_dir, settings.master_key)
            yield Target(settings.base_url, settings.master_key, transport=recording, kind="recording")
            return
        yield Target(settings.base_url, settings.master_key)
        return
    with contextlib.ExitStack() as stack:
        try:
            from .launchers.embedded import EmbeddedProxy  # imported only when no target is given

            proxy = EmbeddedProxy()
            endpoint = stack.enter_context(proxy)
        except (StartupError, RuntimeError, OSError, ImportError) as exc:
            yield Target("http://embedded.invalid", None, startup_error=excerpt(str(exc), 3000), kind="embedded")
            return
        yield Target(
            endpoint.base_url,
            endpoint.master_key,
            kind="embedded",
            info={"boot_seconds": proxy.boot_seconds, "upstream": proxy.upstream},
        )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def smoke_client(smoke_target: Target, smoke_settings: Settings) -> AsyncIterator[ProxyClient]:
    """A :class:`~litellm_smoke.client.ProxyClient` for the target; closed at the end of the session."""
    client = ProxyClient(
        smoke_target.base_url, smoke_target.master_key, smoke_settings.timeout, transport=smoke_target.transport
    )
    async with client:
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def smoke_preflight(smoke_target: Target, smoke_client: ProxyClient) -> TargetUnreachable | None:
    """Runs the reachability preflight once. Returns the failure, or None when the target is alive."""
    if smoke_target.startup_error:
        return TargetUnreachable(
            "the embedded default did not start",
            expected="a local LiteLLM proxy answering /health/liveliness",
            got=smoke_target.startup_error,
            hint="install the embedded extra (pip install 'litellm-smoke[embedded]'), or set "
            "LITELLM_BASE_URL and LITELLM_MASTER_KEY to verify a running deployment",
        )
    try:
        await check_liveliness(smoke_client)
    except TargetUnreachable as failure:
        return failure
    return None


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def gateway(smoke_preflight: TargetUnreachable | None, smoke_client: ProxyClient) -> ProxyClient:
    """The client, once the preflight passed; otherwise every check that needs it is skipped."""
    if smoke_preflight is not None:
        pytest.skip(f"{smoke_preflight.title} -- see test_reachability")
    return smoke_client

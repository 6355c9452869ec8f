"""Fixtures the smoke suite (and users' own tests) request. Thin wrappers over launchers and the client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from litellm_smoke._secrets import Secret
from litellm_smoke.checks import inventory
from litellm_smoke.checks.inventory import Inventory, Model
from litellm_smoke.checks.preflight import check_liveliness
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import DEFAULT_DURATION, KeyRegistry, MintedKey
from litellm_smoke.engine import interrupt
from litellm_smoke.engine.checks import Engine, KeyMint, KeySession, Run, preimport_sdk
from litellm_smoke.errors import SmokeFailure, StartupError, TargetUnreachable, excerpt
from litellm_smoke.litellm_config.reader import looks_like_embedding
from litellm_smoke.report import Masker
from litellm_smoke.settings import Settings

__all__ = [
    "KeyMint",
    "gateway",
    "key_mint",
    "keys_gateway",
    "minted_key",
    "minted_keys",
    "smoke_client",
    "smoke_engine",
    "smoke_inventory",
    "smoke_key_session",
    "smoke_mask",
    "smoke_preflight",
    "smoke_settings",
    "smoke_target",
]

SETTINGS_KEY = pytest.StashKey[Settings]()
# Set instead of SETTINGS_KEY when the settings are invalid in a run that did not ask for the suite.
SETTINGS_ERROR_KEY = pytest.StashKey[pytest.UsageError]()
MASKER_KEY = pytest.StashKey[Masker]()
FREEZE_HEAP_KEY = pytest.StashKey[bool]()
"""Whether the engine may freeze the heap (``gc.freeze``): a session of its own, not one that
pytester runs inside another test (the outer test process keeps its garbage collector as it was)."""
EARLY_SDK_IMPORT_KEY = pytest.StashKey[bool]()
"""Whether the openai SDK import may start once the target answered, during collection: the SDK
checks will surely run (the plugin judges it at configure time) and the session is not nested."""


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
    """The resolved :class:`~litellm_smoke.settings.Settings` (option > env > ini > default)."""
    settings = pytestconfig.stash.get(SETTINGS_KEY, None)
    if settings is None:
        raise pytestconfig.stash[SETTINGS_ERROR_KEY]
    return settings


@pytest.fixture(scope="session")
def smoke_mask(pytestconfig: pytest.Config) -> Masker:
    """Protects a secret the run created: redacted everywhere, and ``::add-mask::`` under GitHub Actions.

    Call it with the value before anything could print it (the key fixtures do for minted keys).
    """
    masker = pytestconfig.stash.get(MASKER_KEY, None)
    return masker if masker is not None else Masker()


class SmokeSession:
    """The target, its reachability and the model inventory of one pytest session, each resolved once.

    The checks are parametrized from the inventory, so the target is started (embedded default)
    and asked (``/health/liveliness``, then ``/model/info``) while pytest collects, through a
    client of its own on a private event loop; the checks later use the session's client. Closed
    at the end of the session (also on Ctrl-C).
    """

    def __init__(self, settings: Settings, *, preimport_sdk: bool = False) -> None:
        self.settings = settings
        self.preimport_sdk = preimport_sdk
        self._stack = contextlib.ExitStack()
        self._target: Target | None = None
        self._preflight: TargetUnreachable | None = None
        self._inventory: Inventory | None = None

    def target(self) -> Target:
        if self._target is None:
            self._target = self._start()
        return self._target

    def _start(self) -> Target:
        settings = self.settings
        if settings.offline:
            from litellm_smoke.offline.replay import (  # offline only: no litellm, no sockets
                REPLAY_BASE_URL,
                ReplayError,
                replay_transport,
            )

            try:
                transport = replay_transport(settings.replay_dir, master_key=settings.master_key)
            except ReplayError as exc:
                pytest.exit(f"litellm-smoke --offline: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
            return Target(REPLAY_BASE_URL, transport.master_key, transport=transport, kind="offline")
        if settings.base_url is not None:
            if settings.record_dir:  # `litellm-smoke record` sets LITELLM_SMOKE_RECORD_DIR
                from litellm_smoke.offline.recorder import RecordingTransport

                recording = RecordingTransport(settings.record_dir, settings.master_key)
                return Target(settings.base_url, settings.master_key, transport=recording, kind="recording")
            return Target(settings.base_url, settings.master_key)
        try:
            from litellm_smoke.launchers.embedded import EmbeddedProxy  # imported only when no target is given

            proxy = EmbeddedProxy()
            endpoint = self._stack.enter_context(proxy)
        except (StartupError, RuntimeError, OSError, ImportError) as exc:
            return Target("http://embedded.invalid", None, startup_error=excerpt(str(exc), 3000), kind="embedded")
        return Target(
            endpoint.base_url,
            endpoint.master_key,
            kind="embedded",
            info={"boot_seconds": proxy.boot_seconds, "upstream": proxy.upstream},
        )

    def _side_transport(self, target: Target) -> httpx.AsyncBaseTransport | None:
        """A transport for the collection-time client: the session's own is bound to the session's loop."""
        if target.kind == "offline":
            from litellm_smoke.offline.replay import replay_transport

            return replay_transport(self.settings.replay_dir, master_key=target.master_key)
        if target.kind == "recording":
            from litellm_smoke.offline.recorder import RecordingTransport

            assert self.settings.record_dir is not None
            return RecordingTransport(self.settings.record_dir, target.master_key)
        return None

    @property
    def prepared(self) -> bool:
        return self._inventory is not None

    @property
    def preflight(self) -> TargetUnreachable | None:
        return self._preflight

    def given(self) -> Inventory:
        """The given lists as an inventory, without starting or asking anything (deselected runs)."""
        if self._inventory is not None:
            return self._inventory
        settings = self.settings
        models = [Model(n, "chat", "given") for n in settings.chat_models]
        models += [Model(n, "embedding", "given") for n in settings.embedding_models]
        return Inventory(models=[m for m in models if not inventory.excluded(m.name, settings.exclude_models)])

    def inventory(self) -> Inventory:
        """The models to verify; the first call starts the target and asks it (once per session)."""
        if self._inventory is None:
            loop = asyncio.new_event_loop()
            try:
                with interrupt.guarded():  # a stop signal cancels _prepare: pytest's KeyboardInterrupt
                    self._inventory = loop.run_until_complete(self._prepare())
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()
        return self._inventory

    async def _prepare(self) -> Inventory:
        settings = self.settings
        target = self.target()
        if target.startup_error:
            self._preflight = startup_failure(target)
            return Inventory(source="none", problem="the embedded default did not start")
        client = ProxyClient(
            target.base_url, target.master_key, settings.timeout, transport=self._side_transport(target)
        )
        async with client:
            try:
                await check_liveliness(client)
            except TargetUnreachable as failure:
                self._preflight = failure  # the given lists still name the checks that are skipped
            else:
                if self.preimport_sdk:  # a dead target never pays for it
                    preimport_sdk(freeze=True)
            found = await inventory.resolve(
                client,
                chat=() if settings.no_models else settings.chat_models,
                embedding=() if settings.no_models else settings.embedding_models,
                exclude=settings.exclude_models,
                name_rule=looks_like_embedding,
                discover=not settings.no_models and self._preflight is None,
            )
        if self._preflight is not None and not found.models:
            found.problem = "the target is unreachable"
        return found

    def close(self) -> None:
        self._stack.close()


SESSION_KEY = pytest.StashKey[SmokeSession]()


def smoke_session(config: pytest.Config) -> SmokeSession:
    """The session state of ``config``, created on first use and closed with the config."""
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        session = config.stash[SESSION_KEY] = SmokeSession(
            config.stash[SETTINGS_KEY], preimport_sdk=config.stash.get(EARLY_SDK_IMPORT_KEY, False)
        )
        config.add_cleanup(session.close)
    return session


def startup_failure(target: Target) -> TargetUnreachable:
    return TargetUnreachable(
        "the embedded default did not start",
        expected="a local LiteLLM proxy answering /health/liveliness",
        got=target.startup_error or "no details",
        hint="install the embedded extra (pip install 'litellm-smoke[embedded]'), or set "
        "LITELLM_BASE_URL and LITELLM_MASTER_KEY to verify a running deployment",
    )


@pytest.fixture(scope="session")
def smoke_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The proxy under test.

    ``LITELLM_BASE_URL`` set: that deployment. ``--offline``: the recorded replay (no socket).
    Neither: the embedded default, a real LiteLLM in front of a fake upstream, started once per
    session (while the suite is collected, when it is) and stopped at the end (also on Ctrl-C).
    A failed start does not raise here: it becomes the one failure of ``test_reachability`` and
    every other check is skipped.
    """
    session = smoke_session(pytestconfig)
    try:
        yield session.target()
    finally:
        session.close()


@pytest.fixture(scope="session")
def smoke_inventory(pytestconfig: pytest.Config) -> Inventory:
    """The models this run verifies: given, else discovered (``/model/info``, ``/v1/models``)."""
    return smoke_session(pytestconfig).inventory()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def smoke_client(smoke_target: Target, smoke_settings: Settings) -> AsyncIterator[ProxyClient]:
    """A :class:`~litellm_smoke.client.http.ProxyClient` for the target; closed at the end of the session."""
    client = ProxyClient(
        smoke_target.base_url, smoke_target.master_key, smoke_settings.timeout, transport=smoke_target.transport
    )
    async with client:
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def smoke_preflight(
    pytestconfig: pytest.Config, smoke_target: Target, smoke_client: ProxyClient
) -> TargetUnreachable | None:
    """Runs the reachability preflight once (or reuses the one collection ran). Returns the failure,
    or None when the target is alive."""
    session = smoke_session(pytestconfig)
    if session.prepared:
        return session.preflight
    if smoke_target.startup_error:
        return startup_failure(smoke_target)
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


@pytest.fixture(scope="session")
def smoke_openai_sdk(smoke_client: ProxyClient) -> Any:
    """The official ``openai`` SDK client for the proxy, built during setup: its import (0.7-6 s) is
    not part of the latency the ``openai_sdk`` checks report. The plugin adds it to those checks."""
    sdk = smoke_client.openai()
    _ = sdk.chat.completions, sdk.embeddings  # the SDK imports its resource modules on first access
    return sdk


# -- virtual keys: one disposable key per session, always deleted again --------------------------


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
async def smoke_key_session(
    gateway: ProxyClient,
    smoke_settings: Settings,
    smoke_inventory: Inventory,
    minted_keys: KeyRegistry,
    smoke_mask: Masker,
) -> KeySession:
    """The session's key state, shared by the key checks and the key fixtures below."""
    return KeySession(gateway, smoke_settings, minted_keys, smoke_mask, smoke_inventory.of_mode("chat"))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def keys_gateway(smoke_key_session: KeySession) -> ProxyClient:
    """The client, when virtual keys can be tested: a database is expected (``LITELLM_EXPECT_DB=true``)
    or readiness reports one connected. Otherwise the key checks are skipped with the reason.
    """
    return await smoke_key_session.gateway()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def key_mint(smoke_key_session: KeySession) -> KeyMint:
    """Mints the session's one key (first chat model, tiny limits). A failure is returned, not raised:
    ``test_key_generate`` reports it once and the other key checks skip.
    """
    return await smoke_key_session.mint()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def minted_key(smoke_key_session: KeySession) -> MintedKey:
    """The session's disposable key (value masked); skips when minting failed."""
    return await smoke_key_session.minted()


# -- the scheduler: every selected check's network work, concurrently ------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def smoke_engine(
    request: pytest.FixtureRequest, smoke_key_session: KeySession, smoke_settings: Settings, smoke_inventory: Inventory
) -> AsyncIterator[Engine]:
    """Starts the network work of every selected smoke check at once (bounded by the concurrency
    setting); each check's test then reports its own outcome. ``--smoke-concurrency 1`` and ``-x``
    run each check only when pytest reaches it, as before.
    """
    settings = smoke_settings
    run = Run(smoke_key_session.client, settings, smoke_key_session, smoke_inventory)
    eager = settings.concurrency > 1 and not request.config.getoption("maxfail", 0)
    freeze = request.config.stash.get(FREEZE_HEAP_KEY, False)
    engine = Engine.build(run, request.session.items, limit=settings.concurrency, eager=eager, freeze=freeze)
    engine.start()
    try:
        yield engine
    finally:
        await engine.aclose()

"""What each smoke check does, and on what it depends: the jobs the scheduler (``_graph``) runs.

Every check of the suite is one pytest item whose body is ``await smoke_engine.report(request)``.
The network work lives here, one :class:`CheckDef` per test function: the coroutine, the
checks it needs, and the checks it must run after. The dependency graph, in one place:

    reachability (the ``gateway`` fixture: unreachable skips everything)
      -> test_auth_master_key_accepted
           -> test_models_listed -> every per-model check of a listed model
           -> test_unknown_model_rejected
           -> test_readiness + test_key_generate -> the other key checks, in a fixed chain
              (they share one key with rpm_limit 3; the delete is last)

The auth-rejection checks and readiness need no master key and depend on nothing. A check
that is not selected (``-k``, ``-m``, ``--deselect``, ``--lf``) is no job: it sends nothing, and
its dependents run without waiting for it.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from litellm_smoke import checks
from litellm_smoke.checks import keys as key_checks
from litellm_smoke.checks import modes, surfaces, tools
from litellm_smoke.checks.inventory import Inventory, excluded
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import KeyRegistry, KeySpec, MintedKey, generate_key, new_run_id
from litellm_smoke.engine import interrupt
from litellm_smoke.engine.graph import Job, Outcome, Scheduler
from litellm_smoke.errors import SmokeFailure
from litellm_smoke.settings import CHAT_MODELS, EMBEDDING_MODELS, EXCLUDE_MODELS, NO_MODELS, Settings

__all__ = ["CHECK_DURATION_KEY", "DEFS", "Engine", "KeyMint", "KeySession", "Run"]

CHECK_DURATION_KEY = pytest.StashKey[float]()
"""The check's own duration (ms), which the plugin reports as latency_ms instead of the wait."""

MASTER = "test_auth_master_key_accepted"
LISTED = "test_models_listed"
READY = "test_readiness"
KEY_CHAIN = (
    "test_key_generate",
    "test_key_calls_allowed_model",
    "test_key_refused_other_model",
    "test_key_info_reports_limits",
    "test_key_rate_limited",
    "test_key_deleted_rejected",
)
OPTIONAL_PARAMS = (
    "completion_model",
    "rerank_model",
    "moderation_model",
    "tool_model",
    "schema_model",
    "unverified_model",
    "responses_model",
    "messages_model",
)
"""Parameters of the checks a deployment may have no model for; without one the check is dropped."""
MODEL_PARAMS = ("chat_model", "embedding_model", "any_model", *OPTIONAL_PARAMS)

Props = list[tuple[str, object]]
Body = Callable[["Run", Mapping[str, Any], Props], Awaitable[Any]]


@dataclass(frozen=True)
class KeyMint:
    """The outcome of minting the session's key: the key, or why there is none."""

    spec: KeySpec
    minted: MintedKey | None
    failure: SmokeFailure | None


class KeySession:
    """The session's one disposable key: the precondition, minted once, shared by checks and fixtures."""

    def __init__(
        self,
        client: ProxyClient,
        settings: Settings,
        registry: KeyRegistry,
        protect: Callable[[str], object],
        chat_models: Sequence[str],
    ) -> None:
        self.client = client
        self.settings = settings
        self.registry = registry
        self.protect = protect
        self.chat_models = tuple(chat_models)
        self._skip: str | None = None
        self._checked = False
        self._mint: KeyMint | None = None
        self._lock: asyncio.Lock | None = None

    async def gateway(self) -> ProxyClient:
        """The client, when keys can be tested; otherwise ``pytest.skip`` with the reason."""
        if not self._checked:
            reason = await key_checks.keys_precondition(self.client, self.settings.expect_db)
            if reason is None and not self.chat_models:
                reason = f"no chat model to give the disposable key (set {CHAT_MODELS.env})"
            self._skip, self._checked = reason, True
        if self._skip is not None:
            pytest.skip(self._skip)
        return self.client

    async def mint(self) -> KeyMint:
        """Mints the key once (first chat model, tiny limits); a failure is returned, not raised."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._mint is None:
                client = await self.gateway()
                spec = KeySpec(model=self.chat_models[0], run_id=new_run_id())
                self.registry.expect(spec)  # an interrupted mint is still cleaned up, by its alias
                try:
                    minted = await generate_key(
                        client, spec, register=self.registry.add, protect=self.protect, answered=self.registry.answered
                    )
                except SmokeFailure as failure:
                    self._mint = KeyMint(spec, None, failure)
                else:
                    self._mint = KeyMint(spec, minted, None)
            return self._mint

    async def minted(self) -> MintedKey:
        """The key; ``pytest.skip`` pointing at test_key_generate when minting failed."""
        mint = await self.mint()
        if mint.minted is None:
            title = mint.failure.title if mint.failure else "not minted"
            pytest.skip(f"no virtual key ({title}) -- see test_key_generate")
        return mint.minted


@dataclass
class Run:
    """What the jobs work with: the client, the settings, the models to verify, the key session."""

    client: ProxyClient
    settings: Settings
    keys: KeySession
    inventory: Inventory

    @property
    def chat_models(self) -> list[str]:
        return self.inventory.of_mode("chat")

    @property
    def embedding_models(self) -> list[str]:
        return self.inventory.of_mode("embedding")


@dataclass(frozen=True)
class CheckDef:
    """One check's work. ``per_model``: it needs the master key and its model in the model list."""

    body: Body
    needs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    per_model: bool = False
    sdk: bool = False  # uses the openai SDK: its import can start early, in a thread
    after_same_model: str | None = None  # needs this check of the same model to have passed (overlapping it)


# -- the checks, one body each ---------------------------------------------------------------------


async def _readiness(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    state = await checks.readiness(run.client, run.settings.expect_db)
    props.append(("db", state.state))
    return state


async def _unauthenticated(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    model = run.chat_models[0] if run.chat_models else None
    return await checks.unauthenticated_rejected(run.client, p["method"], p["path"], model)


async def _key_generate(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    await run.keys.gateway()
    mint = await run.keys.mint()
    props.append(("key_alias", mint.spec.alias))
    if mint.failure is not None:
        raise mint.failure
    assert mint.minted is not None
    key_checks.key_well_formed(mint.minted)


async def _key_allowed(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    client = await run.keys.gateway()
    return await key_checks.key_calls_allowed_model(client, await run.keys.minted())


async def _key_refused(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    client = await run.keys.gateway()
    minted = await run.keys.minted()
    model, kind = key_checks.pick_forbidden_model(minted.spec.model, run.chat_models, run.embedding_models)
    props.append(("forbidden_model", model))
    await key_checks.key_refused_other_model(client, minted, model, kind)


async def _key_info(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    client = await run.keys.gateway()
    return await key_checks.key_info_reports_limits(client, await run.keys.minted())


async def _key_rate_limited(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    client = await run.keys.gateway()
    seen = await key_checks.key_rate_limited(client, await run.keys.minted())
    props.append(("rate_limit_requests", seen["requests"]))
    return seen


async def _key_deleted(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    client = await run.keys.gateway()
    await key_checks.key_deleted_rejected(client, await run.keys.minted())


def _model_body(fn: Callable[..., Awaitable[Any]], *extra: Callable[[Run], Any]) -> Body:
    async def body(run: Run, p: Mapping[str, Any], props: Props) -> Any:
        return await fn(run.client, model_of(p), *(get(run) for get in extra))

    return body


def _surface(api: str, fn: Callable[[ProxyClient, str, str], Awaitable[Any]]) -> Body:
    async def body(run: Run, p: Mapping[str, Any], props: Props) -> Any:
        model = model_of(p)
        assert model is not None
        return await fn(run.client, api, model)

    return body


def _dim(run: Run) -> int | None:
    return run.settings.embedding_dim


def _plain(fn: Callable[[ProxyClient], Awaitable[Any]]) -> Body:
    async def body(run: Run, p: Mapping[str, Any], props: Props) -> Any:
        return await fn(run.client)

    return body


async def _models_listed(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    """Every model of the inventory is listed; and a run that would verify no model fails here."""
    inventory = run.inventory
    if run.settings.no_models:
        pytest.skip(f"auth-only gate ({NO_MODELS.option}): no model is verified")
    if not inventory.verified:
        raise nothing_to_verify(inventory)
    return await checks.models_listed(run.client, [m.name for m in inventory.models])


def nothing_to_verify(inventory: Inventory) -> SmokeFailure:
    """No false green: a run that verified no model fails, saying why and how to fix it."""
    if inventory.problem:
        got = f"discovery found nothing: {inventory.problem}"
    elif inventory.excluded and not inventory.models:
        got = f"every model is excluded ({', '.join(inventory.excluded)})"
    elif inventory.models or inventory.wildcards:
        names = [f"{m.name} (mode {m.mode})" for m in inventory.unverified] + inventory.wildcards
        got = f"only models the suite cannot verify: {', '.join(names)}"
    else:
        got = "none given, and the proxy lists none"
    return SmokeFailure(
        "no model verified: a gate that asked no model anything cannot pass",
        expected="at least one chat, embedding, completion, rerank or moderation model to verify",
        got=got,
        hint=f"name models ({CHAT_MODELS.env}, {EMBEDDING_MODELS.env}), let discovery read /model/info "
        f"with the master key, narrow {EXCLUDE_MODELS.option}, or ask for an auth-only gate with {NO_MODELS.option}",
    )


async def _not_verified(run: Run, p: Mapping[str, Any], props: Props) -> Any:
    """A model of a mode the suite does not verify (image, audio, video, unknown): named, never passed."""
    name = model_of(p)
    mode = next((m.mode for m in run.inventory.models if m.name == name), "unknown")
    pytest.skip(
        f"not verified (mode {mode}): the suite has no cheap check for this mode; "
        f"exclude it with {EXCLUDE_MODELS.option} {name} to drop this line"
    )


def _key_step(index: int) -> tuple[str, ...]:
    """The key checks share one key with rpm_limit 3: each runs after the one before it."""
    return KEY_CHAIN[:index]


DEFS: dict[str, CheckDef] = {
    READY: CheckDef(_readiness),
    MASTER: CheckDef(_plain(checks.master_key_accepted)),
    "test_auth_unauthenticated_rejected": CheckDef(_unauthenticated),
    "test_auth_wrong_key_rejected": CheckDef(_plain(checks.wrong_key_rejected)),
    "test_auth_missing_bearer_prefix_rejected": CheckDef(_plain(checks.missing_bearer_prefix_rejected)),
    LISTED: CheckDef(_models_listed, needs=(MASTER,)),
    "test_unknown_model_rejected": CheckDef(_plain(checks.unknown_model_rejected), needs=(MASTER,)),
    "test_chat_completion": CheckDef(_model_body(checks.chat_completion), per_model=True),
    "test_chat_streaming": CheckDef(_model_body(checks.chat_streaming), per_model=True),
    # The SDK sends the plain check's request: if that failed, the SDK's failure adds nothing, so it
    # is reported after it (skipped, pointing there). Concurrently it is sent alongside it, and
    # cancelled when the plain check fails (a slow upstream is waited for once).
    "test_chat_openai_sdk": CheckDef(
        _model_body(checks.chat_completion_sdk), per_model=True, sdk=True, after_same_model="test_chat_completion"
    ),
    "test_embeddings_batch": CheckDef(_model_body(checks.embeddings_batch, _dim), per_model=True),
    "test_embeddings_openai_sdk_single": CheckDef(
        _model_body(checks.embeddings_single_sdk, _dim),
        per_model=True,
        sdk=True,
        after_same_model="test_embeddings_batch",
    ),
    "test_model_health": CheckDef(_model_body(checks.model_health), per_model=True),
    "test_completion": CheckDef(_model_body(modes.text_completion), per_model=True),
    "test_rerank": CheckDef(_model_body(modes.rerank), per_model=True),
    "test_moderation": CheckDef(_model_body(modes.moderation), per_model=True),
    "test_chat_tool_call": CheckDef(_model_body(tools.tool_call), per_model=True),
    "test_chat_tool_call_streaming": CheckDef(_model_body(tools.tool_call_streaming), per_model=True),
    "test_chat_json_schema": CheckDef(_model_body(tools.json_schema_response), per_model=True),
    "test_model_not_verified": CheckDef(_not_verified),
    "test_responses_api": CheckDef(_surface("responses", surfaces.api_call), per_model=True),
    "test_responses_api_streaming": CheckDef(_surface("responses", surfaces.api_stream), per_model=True),
    "test_messages_api": CheckDef(_surface("messages", surfaces.api_call), per_model=True),
    "test_messages_api_streaming": CheckDef(_surface("messages", surfaces.api_stream), per_model=True),
    # A broken database fails readiness once; the key checks then point there.
    KEY_CHAIN[0]: CheckDef(_key_generate, needs=(MASTER, READY)),
    KEY_CHAIN[1]: CheckDef(_key_allowed, needs=KEY_CHAIN[:1], after=_key_step(1)),
    KEY_CHAIN[2]: CheckDef(_key_refused, needs=KEY_CHAIN[:1], after=_key_step(2)),
    KEY_CHAIN[3]: CheckDef(_key_info, needs=KEY_CHAIN[:1], after=_key_step(3)),
    KEY_CHAIN[4]: CheckDef(_key_rate_limited, needs=KEY_CHAIN[:1], after=_key_step(4)),
    # Last on purpose: it deletes the key the checks above share.
    KEY_CHAIN[5]: CheckDef(_key_deleted, needs=KEY_CHAIN[:1], after=_key_step(5)),
}


def optional_models(param: str, inventory: Inventory, settings: Settings) -> list[str]:
    """The models an optional check is parametrized with (see OPTIONAL_PARAMS)."""
    if param == "unverified_model":
        return [m.name for m in inventory.unverified]
    if param == "tool_model":
        return inventory.with_capability("function_calling")
    if param == "schema_model":
        return inventory.with_capability("response_schema")
    if param in ("responses_model", "messages_model"):
        api = param.removesuffix("_model")
        if api not in settings.apis:
            return []  # opt-in: --api responses,messages
        return [m for m in inventory.of_mode("chat") if not excluded(f"{m}:{api}", settings.exclude_models)]
    return inventory.of_mode(param.removesuffix("_model"))


def model_of(params: Mapping[str, Any]) -> str | None:
    for name in MODEL_PARAMS:
        if params.get(name):
            return str(params[name])
    return None


def _def_of(item: pytest.Item) -> CheckDef | None:
    """The check an item reports: a test of that name that asks for the engine (the suite's, or a copy)."""
    if "smoke_engine" not in getattr(item, "fixturenames", ()):
        return None
    return DEFS.get(getattr(item, "originalname", item.name))


def _params(item: pytest.Item) -> dict[str, Any]:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


_SDK_IMPORT: threading.Thread | None = None
_SDK_WAIT: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
SDK_MODULES = ("openai", "openai.resources.chat", "openai.resources.embeddings")
"""The SDK and the resource modules its client imports on first use (``sdk.chat.completions``)."""


def _import_quietly(names: Sequence[str], freeze: bool) -> None:
    try:
        for name in names:
            importlib.import_module(name)
    except BaseException:  # a broken SDK is reported by the check's own import, with its traceback
        return
    if freeze:
        freeze_heap()


def preimport_sdk(freeze: bool) -> None:
    """Import the openai SDK (~0.7 s of CPU) in a thread, beside collection and the first requests.

    Once per process; the SDK checks wait for it (:func:`sdk_ready`) before they import it
    themselves, so two threads never import the package at the same time. The plugin starts it
    at configure time when the SDK checks will surely run; otherwise the engine does, once it
    knows the selected checks. The SDK checks are sent as soon as it is done: the import, not
    the plain check, is then their only wait.
    """
    global _SDK_IMPORT
    if all(name in sys.modules for name in SDK_MODULES) or (_SDK_IMPORT is not None and _SDK_IMPORT.is_alive()):
        return
    _SDK_IMPORT = threading.Thread(
        target=_import_quietly, args=(SDK_MODULES, freeze), name="litellm-smoke-openai-import", daemon=True
    )
    _SDK_IMPORT.start()


def freeze_heap() -> None:
    """Move every object alive now (modules, classes, pytest's items) out of the garbage collector's way.

    The SDK's import roughly triples the heap; every full collection after it (during the checks,
    pytest's two at the end, the interpreter's at exit) walks all of it again: 0.3-0.6 s of CPU per
    run, more than a trivial pytest takes. Frozen objects are never collected, which is what
    import-time objects are anyway; a run inside another test (pytester) does not freeze (see
    :data:`litellm_smoke.fixtures.FREEZE_HEAP_KEY`).
    """
    gc.freeze()


async def sdk_ready() -> None:
    """Wait, without blocking the loop, until the background SDK import (if any) is done.

    Every SDK check awaits the same join (one worker thread, not one per check).
    """
    global _SDK_WAIT
    thread = _SDK_IMPORT
    if thread is None or not thread.is_alive():
        return
    loop = asyncio.get_running_loop()
    if _SDK_WAIT is None or _SDK_WAIT[0] is not loop or (_SDK_WAIT[1].done() and thread.is_alive()):
        _SDK_WAIT = (loop, asyncio.ensure_future(asyncio.to_thread(thread.join)))
    await asyncio.shield(_SDK_WAIT[1])


@dataclass
class Engine:
    """The jobs of the selected items, their scheduler, and each item's properties."""

    run: Run
    scheduler: Scheduler
    props: dict[str, Props] = field(default_factory=dict)

    @classmethod
    def build(cls, run: Run, items: Sequence[pytest.Item], *, limit: int, eager: bool, freeze: bool = False) -> Engine:
        engine = cls(run, Scheduler((), limit=limit, eager=eager))
        jobs = [job for item in items if (job := engine._job(item)) is not None]
        engine.scheduler = Scheduler(jobs, limit=limit, eager=eager)
        if freeze:
            freeze_heap()  # what collection built stays; the checks' garbage is collected as usual
        if eager and any(d.sdk for item in items if (d := _def_of(item)) is not None):
            preimport_sdk(freeze)
        return engine

    def _job(self, item: pytest.Item) -> Job | None:
        spec = _def_of(item)
        if spec is None or item.get_closest_marker("skip") is not None:
            return None
        params = _params(item)
        props = self.props.setdefault(item.name, [])
        needs = (MASTER, LISTED, *spec.needs) if spec.per_model else spec.needs
        model = model_of(params)
        overlap: tuple[str, ...] = ()
        if spec.after_same_model and model is not None:
            # reported after it, but sent alongside it (eager mode): one upstream latency per model, not two
            overlap = (f"{spec.after_same_model}[{model}]",)
            needs = (*needs, *overlap)

        async def work() -> Any:
            return await spec.body(self.run, params, props)

        ready = sdk_ready if spec.sdk else None
        return Job(item.name, work, model=model, needs=needs, after=spec.after, overlap=overlap, ready=ready)

    def start(self) -> None:
        """Call inside the running loop: the engine's jobs start, and a stop signal wakes this loop."""
        interrupt.watch(asyncio.get_running_loop())
        self.scheduler.start()

    async def outcome(self, item: pytest.Item) -> Outcome:
        if item.name not in self.scheduler.jobs:  # not scheduled at build time: run it now
            job = self._job(item)
            if job is None:
                raise RuntimeError(f"litellm-smoke: {item.nodeid} is not a check of the smoke suite")
            self.scheduler.jobs[job.key] = job
        return await self.scheduler.outcome(item.name)

    async def report(self, request: pytest.FixtureRequest) -> Any:
        """Await this item's job and report it as the item's own outcome (the item's body)."""
        item = request.node
        assert isinstance(item, pytest.Item)
        outcome = await self.outcome(item)
        item.stash[CHECK_DURATION_KEY] = outcome.duration_ms
        item.user_properties.extend(self.props.get(item.name, ()))
        if outcome.status == "failed" and outcome.error is not None:
            raise outcome.error
        if outcome.status == "skipped":
            # reported at the test's own line, like a skip marker, not at this line
            raise pytest.skip.Exception(outcome.reason, _use_item_location=True)
        return outcome.value

    async def aclose(self) -> None:
        """Cancel the unfinished jobs and wait for them (their requests closed)."""
        try:
            await self.scheduler.aclose()
        finally:
            interrupt.watch(None)

"""LiteLLM's virtual-key API as the suite uses it: mint a disposable key, delete it, find leftovers.

A smoke key carries two marks: the alias ``litellm-smoke-<run id>`` and metadata
``{"litellm_smoke": true, "run_id": ...}``. It is deliberately weak (a 10-minute ``duration``, a 0.01
``max_budget``, an ``rpm_limit`` of 3, exactly one chat model). Its value is a
:class:`~litellm_smoke.Secret` and is given to ``protect`` (the redactor) the moment it arrives;
only the alias and a masked hash are ever printed.

The sweep deletes keys that runs which crashed before their cleanup left behind. A key counts as
ours only when **both** marks are present, so a hand-made key that happens to share the prefix
survives. The checks that use these keys live in :mod:`litellm_smoke.checks.keys`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.client.diagnosis import describe, expect_status, json_body, json_value
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import KEY_DELETE, KEY_GENERATE, KEY_LIST
from litellm_smoke.errors import SmokeFailure

KEY_ALIAS_PREFIX = "litellm-smoke-"
METADATA_TAG = "litellm_smoke"
DEFAULT_DURATION = "10m"
DEFAULT_MAX_BUDGET = 0.01
DEFAULT_RPM_LIMIT = 3


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: ``20261126T194701Z-a1b2c3``."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def mask_hash(token: str | None) -> str:
    """``…a1b2c3``: enough to find the key in LiteLLM's UI, not enough to look it up."""
    return f"…{token[-6:]}" if token else "no hash"


@dataclass(frozen=True)
class KeySpec:
    """What the disposable key is allowed: one model, a few requests, almost no money."""

    model: str
    run_id: str
    duration: str = DEFAULT_DURATION
    max_budget: float = DEFAULT_MAX_BUDGET
    rpm_limit: int = DEFAULT_RPM_LIMIT

    @property
    def alias(self) -> str:
        return KEY_ALIAS_PREFIX + self.run_id

    def request_body(self) -> dict[str, Any]:
        # No top-level "tags": LiteLLM 1.108.7 rejects key tags for non-enterprise deployments
        # (key_management_endpoints.py:1531), so the recognisable marks are the alias and metadata.
        return {
            "key_alias": self.alias,
            "models": [self.model],
            "duration": self.duration,
            "max_budget": self.max_budget,
            "rpm_limit": self.rpm_limit,
            "metadata": {METADATA_TAG: True, "run_id": self.run_id},
        }


@dataclass(eq=False)
class MintedKey:
    """A key this run created. ``key`` is masked; ``token`` is the hash LiteLLM stores (also redacted)."""

    key: Secret
    token: str | None
    spec: KeySpec
    response: Mapping[str, Any] = field(repr=False)
    deleted: bool = False
    successful_calls: int = 0

    @property
    def alias(self) -> str:
        return self.spec.alias

    @property
    def label(self) -> str:
        """What output may say about the key: its alias and a masked hash."""
        return f"{self.alias} (hash {mask_hash(self.token)})"

    @property
    def reference(self) -> str:
        """What to send to /key/delete and /key/info: the hash when LiteLLM gave one, else the key."""
        return self.token if self.token and self.token != self.key.reveal() else self.key.reveal()

    def __repr__(self) -> str:
        return f"MintedKey({self.label}, deleted={self.deleted})"


class KeyRegistry:
    """Every key a run minted; :meth:`delete_all` removes the ones still alive."""

    def __init__(self) -> None:
        self._keys: list[MintedKey] = []

    def add(self, minted: MintedKey) -> None:
        self._keys.append(minted)

    def __iter__(self) -> Iterator[MintedKey]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def alive(self) -> list[MintedKey]:
        return [k for k in self._keys if not k.deleted]

    async def delete_all(self, client: ProxyClient) -> list[str]:
        """Delete every key not yet deleted, in one request; returns what could not be deleted."""
        alive = self.alive
        if not alive:
            return []
        try:
            response = await delete_keys(client, [k.reference for k in alive])
        except SmokeFailure as exc:
            return [f"{k.label}: {exc.title}" for k in alive]
        if response.status_code != 200:
            return [f"{k.label}: {describe(response)}" for k in alive]
        for minted in alive:
            minted.deleted = True
        return []


async def delete_keys(client: ProxyClient, references: Sequence[str]) -> httpx.Response:
    """``POST /key/delete {"keys": [...]}`` with the master key (hashes or key values)."""
    return await client.post(KEY_DELETE, {"keys": list(references)})


def _register(minted: MintedKey, register: Callable[[MintedKey], object] | None) -> MintedKey:
    if register is not None:
        register(minted)
    return minted


def _generate_refused_hint(response: httpx.Response) -> str:
    """What a refused ``/key/generate`` most likely means, by its status and text."""
    if response.status_code in (400, 500) and any(word in response.text.lower() for word in ("db", "database")):
        return (
            "the proxy has no database (DATABASE_URL unset, or Prisma did not connect); virtual keys "
            "need LiteLLM with PostgreSQL. Unset LITELLM_EXPECT_DB if this deployment has none"
        )
    if response.status_code in (401, 403):
        return "the master key may not mint keys: check LITELLM_MASTER_KEY against the proxy's master key"
    return "read the error message; a 400 names the rejected field of the key request"


async def generate_key(
    client: ProxyClient,
    spec: KeySpec,
    *,
    register: Callable[[MintedKey], object] | None = None,
    protect: Callable[[str], object] = REDACT.add,
) -> MintedKey:
    """``POST /key/generate`` with the master key; the new key is redacted and registered at once.

    ``protect`` is called with the key and its hash the moment they arrive (the plugin passes one
    that also emits GitHub's ``::add-mask::``). Registration happens before any validation, so a
    key that came back malformed is still deleted at the end of the run. Raises :class:`SmokeFailure`
    when no key came back.
    """
    response = await client.post(KEY_GENERATE, spec.request_body())
    expect_status(
        response,
        200,
        "key generate",
        _generate_refused_hint(response),
        expected=f"POST {KEY_GENERATE} (master key) -> 200 with a new 'sk-' key",
    )
    body = json_body(response, "key generate", "LiteLLM answers /key/generate with JSON")
    raw_key = body.get("key") if isinstance(body, dict) else None
    raw_token = body.get("token") if isinstance(body, dict) else None
    token = raw_token if isinstance(raw_token, str) and raw_token else None
    # Before anything could print them: redacted, and masked by the runner under GitHub Actions.
    for value in (raw_key, token):
        if isinstance(value, str) and value:
            protect(value)
    if not isinstance(raw_key, str) or not raw_key:
        if token:  # no usable key, but something was created: it must still be deleted
            _register(MintedKey(Secret(""), token, spec, {}), register)
        raise SmokeFailure(
            "key generate: the response carries no key",
            expected='{"key": "sk-...", "token": "<hash>", ...}',
            got=describe(response),
            hint="this is not LiteLLM's GenerateKeyResponse; is a component in front of the proxy rewriting it?",
        )
    kept = {k: v for k, v in body.items() if k != "key"}
    return _register(MintedKey(Secret(raw_key), token, spec, kept), register)


PAGE_SIZE = 100
MAX_PAGES = 100  # 10,000 keys: a bound, so a proxy that ignores paging cannot loop us forever


class SweepError(RuntimeError):
    """Listing or deleting keys failed; the message names the request and what came back."""


@dataclass(frozen=True)
class SweptKey:
    """A leftover smoke key: its alias, hash (never printed whole) and creation time."""

    alias: str
    token: str
    created_at: datetime | None

    @property
    def label(self) -> str:
        created = f", created {self.created_at:%Y-%m-%d %H:%M:%SZ}" if self.created_at else ""
        return f"{self.alias} (hash {mask_hash(self.token)}{created})"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _created_from_alias(alias: str) -> datetime | None:
    # The run id starts with a UTC timestamp (checks.keys.new_run_id): a fallback for old proxies
    # whose key objects carry no created_at.
    stamp = alias[len(KEY_ALIAS_PREFIX) :].split("-", 1)[0]
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _metadata(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):  # some versions hand back the JSON column as text
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _ours(obj: Any) -> SweptKey | None:
    if not isinstance(obj, Mapping):
        return None
    alias, token = obj.get("key_alias"), obj.get("token")
    if not isinstance(alias, str) or not alias.startswith(KEY_ALIAS_PREFIX):
        return None
    if _metadata(obj.get("metadata")).get(METADATA_TAG) is not True:
        return None
    if not isinstance(token, str) or not token:
        return None
    return SweptKey(alias, token, _parse_time(obj.get("created_at")) or _created_from_alias(alias))


async def _list_pages(client: ProxyClient, filters: Mapping[str, str]) -> list[Any]:
    found: list[Any] = []
    for page in range(1, MAX_PAGES + 1):
        params = {"page": str(page), "size": str(PAGE_SIZE), "return_full_object": "true", **filters}
        try:
            response = await client.get(KEY_LIST, params=params)
        except SmokeFailure as exc:  # transport failure; the title names the request and the cause
            raise SweepError(f"{exc.title} ({exc.hint})") from None
        if response.status_code != 200:
            hint = " (this proxy has no database: there is nothing to sweep)" if response.status_code == 500 else ""
            raise SweepError(f"GET {KEY_LIST} answered {response.status_code}{hint}: {describe(response)}")
        try:
            body = json_value(response)
        except ValueError:
            raise SweepError(f"GET {KEY_LIST} did not answer JSON: {describe(response)}") from None
        keys = body.get("keys") if isinstance(body, dict) else None
        if not isinstance(keys, list):
            raise SweepError(f"GET {KEY_LIST} answered without a 'keys' list: {describe(response)}")
        if keys and not any(isinstance(k, Mapping) for k in keys):
            raise SweepError(
                f"GET {KEY_LIST} returned bare hashes although return_full_object=true was asked: this LiteLLM "
                "version cannot tell smoke keys apart; delete them by alias in the LiteLLM UI"
            )
        found.extend(keys)
        total_pages = body.get("total_pages")
        if not keys or not isinstance(total_pages, int) or page >= total_pages:
            break
    return found


async def find_smoke_keys(client: ProxyClient) -> list[SweptKey]:
    """Every key on the proxy that carries both smoke marks (alias prefix and metadata tag).

    Asks LiteLLM to filter by alias substring first (``substring_matching``, 1.10x). Older
    versions match ``key_alias`` exactly and find nothing; then every key is listed (paged) and
    filtered here.
    """
    objects = await _list_pages(client, {"key_alias": KEY_ALIAS_PREFIX, "substring_matching": "true"})
    ours = [k for k in map(_ours, objects) if k is not None]
    if not ours:
        ours = [k for k in map(_ours, await _list_pages(client, {})) if k is not None]
    unique = {k.token: k for k in ours}
    return sorted(unique.values(), key=lambda k: k.alias)


async def sweep(
    client: ProxyClient,
    *,
    older_than: timedelta | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Delete leftover smoke keys; returns their labels (alias and masked hash), never key values.

    :param older_than: only keys created at least this long ago; None means every smoke key.
        A key whose age is unknown is kept when a minimum age is given.
    :param dry_run: list what would be deleted, delete nothing.
    :raises SweepError: when listing or deleting fails.
    """
    now = now or datetime.now(timezone.utc)
    candidates = await find_smoke_keys(client)
    if older_than is not None:
        cutoff = now - older_than
        candidates = [k for k in candidates if k.created_at is not None and k.created_at <= cutoff]
    if dry_run or not candidates:
        return [k.label for k in candidates]
    try:
        response = await delete_keys(client, [k.token for k in candidates])
    except SmokeFailure as exc:
        raise SweepError(f"{exc.title} ({exc.hint})") from None
    if response.status_code != 200:
        raise SweepError(
            f"POST /key/delete answered {response.status_code} for {len(candidates)} key(s): {describe(response)}"
        )
    return [k.label for k in candidates]

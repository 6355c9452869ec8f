"""Delete disposable keys left behind by earlier runs that crashed before their cleanup.

A key counts as ours only when **both** marks are present: the alias starts with
``litellm-smoke-`` and ``metadata.litellm_smoke`` is ``true``. Either alone is not enough, so a
hand-made key that happens to share the prefix survives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .checks.keys import KEY_ALIAS_PREFIX, METADATA_TAG, delete_keys, mask_hash
from .client import ProxyClient, describe
from .errors import SmokeFailure

__all__ = ["LIST", "SweepError", "SweptKey", "find_smoke_keys", "sweep"]

LIST = "/key/list"
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
            response = await client.get(LIST, params=params)
        except SmokeFailure as exc:  # transport failure; the title names the request and the cause
            raise SweepError(f"{exc.title} ({exc.hint})") from None
        if response.status_code != 200:
            hint = " (this proxy has no database: there is nothing to sweep)" if response.status_code == 500 else ""
            raise SweepError(f"GET {LIST} answered {response.status_code}{hint}: {describe(response)}")
        try:
            body = response.json()
        except ValueError:
            raise SweepError(f"GET {LIST} did not answer JSON: {describe(response)}") from None
        keys = body.get("keys") if isinstance(body, dict) else None
        if not isinstance(keys, list):
            raise SweepError(f"GET {LIST} answered without a 'keys' list: {describe(response)}")
        if keys and not any(isinstance(k, Mapping) for k in keys):
            raise SweepError(
                f"GET {LIST} returned bare hashes although return_full_object=true was asked: this LiteLLM "
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

"""Virtual-key lifecycle: mint one disposable key, use it, prove its limits, delete it.

These need a database-backed LiteLLM (``/key/*`` answers 500 without one). The key is minted with
the master key and is deliberately weak: alias ``litellm-smoke-<run id>``, metadata
``{"litellm_smoke": true, "run_id": ...}``, a 10-minute ``duration``, a 0.01 ``max_budget``, an
``rpm_limit`` of 3 and exactly one chat model. Its value is a :class:`~litellm_smoke.Secret`
and is added to the process-wide redactor the moment it arrives; only the alias and a masked
hash are ever printed.

Cost of a healthy run: at most ``rpm_limit`` (3) chat completions with ``max_tokens: 1`` on the
key's model. The refused-model and deleted-key probes are rejected before any model runs.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from collections.abc import Iterable
from typing import Any

import httpx

from litellm_smoke.checks._common import assert_no_echo, expect_status
from litellm_smoke.checks.auth import probe_chat_body
from litellm_smoke.checks.health import parse_readiness
from litellm_smoke.client.diagnosis import describe, json_body, json_value
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import METADATA_TAG, MintedKey, delete_keys, mask_hash
from litellm_smoke.client.routes import CHAT, EMBEDDINGS, KEY_DELETE, KEY_INFO, MODELS, READINESS
from litellm_smoke.errors import SmokeFailure

DELETED_KEY_GRACE_SECONDS = 2.0
"""How long a deleted key may still be accepted (one replica's in-memory cache) before it is a failure."""


NO_DATABASE_REASON = (
    "no database: virtual keys need LiteLLM with PostgreSQL; set LITELLM_EXPECT_DB=true to fail instead of skip"
)


async def keys_precondition(client: ProxyClient, expect_db: bool | None) -> str | None:
    """Why the key checks cannot run here (a skip reason), or None when they should run.

    ``expect_db=True`` always runs them (a broken database must fail, not skip); ``False`` never
    does; ``None`` asks ``/health/readiness`` whether a database is connected.
    """
    if expect_db is True:
        return None
    if expect_db is False:
        return f"{NO_DATABASE_REASON} [LITELLM_EXPECT_DB=false]"
    response = await client.get(READINESS, key=None)
    try:
        state = parse_readiness(json_value(response)).state
    except ValueError:
        state = "unknown"
    if response.status_code == 200 and state == "connected":
        return None
    return f"{NO_DATABASE_REASON} [readiness: HTTP {response.status_code}, db={state}]"


def key_well_formed(minted: MintedKey) -> None:
    """Check 1: the key starts with ``sk-`` and the stored hash (``token``) is not the key itself."""
    value = minted.key.reveal()
    prefix = "starts with sk-" if value.startswith("sk-") else "does not start with sk-"
    got = f"key {prefix}, token {mask_hash(minted.token)}"
    if not value.startswith("sk-"):
        raise SmokeFailure(
            f"key generate: the new key of {minted.alias} does not start with 'sk-'",
            expected="a virtual key 'sk-...'",
            got=got,
            hint="LiteLLM refuses non-'sk-' keys on every LLM route; a custom key generator is misconfigured",
        )
    if not minted.token:
        raise SmokeFailure(
            f"key generate: no token (key hash) in the response for {minted.alias}",
            expected="token: the sha256 hash LiteLLM stores instead of the key",
            got=got,
            hint="without the hash the key cannot be managed without sending the key itself; check the LiteLLM version",
        )
    if minted.token == value:
        raise SmokeFailure(
            f"key generate: the token of {minted.alias} equals the key itself",
            expected="token (the stored hash) != key",
            got="token == key",
            hint="the proxy stores or returns plaintext keys where hashes belong; upgrade LiteLLM",
            security=True,
        )


def _error_type(response: httpx.Response) -> tuple[str, str]:
    try:
        body = json_value(response)
    except ValueError:
        return "", ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("type") or ""), str(error.get("message") or "")
    detail = body.get("detail") if isinstance(body, dict) else None
    return "", str(detail or "")


def _is_no_healthy_deployment(response: httpx.Response) -> bool:
    return "no healthy deployment" in _error_type(response)[1].lower()


async def key_calls_allowed_model(client: ProxyClient, minted: MintedKey) -> dict[str, Any]:
    """Check 2: the key can call its one allowed chat model (``max_tokens: 1``)."""
    model = minted.spec.model
    response = await client.post(CHAT, probe_chat_body(model), key=minted.key)
    assert_no_echo(response, [minted.key, client.master_key], f"key {minted.alias} calling {model}")
    if response.status_code != 200:
        hint = {
            401: "the proxy does not find the key it just minted: several replicas without a shared database, "
            "or the key was written to another database than the one auth reads",
            403: "the key is refused its own model: the model name in 'models' does not match the public "
            "model_name (check aliases and access groups)",
            429: "rate-limited on the first call: a team/user/global limit is lower than the key's rpm_limit",
        }.get(response.status_code, "the proxy or its upstream failed; the error text names which")
        raise SmokeFailure(
            f"key {minted.alias} cannot call its allowed model {model}: HTTP {response.status_code}",
            expected=f"POST {CHAT} with the minted key, model {model} -> 200 chat.completion",
            got=describe(response),
            hint=hint,
        )
    body = json_body(response, f"key {minted.alias} calling {model}", "LiteLLM answers chat with JSON")
    if not isinstance(body, dict) or body.get("object") != "chat.completion" or not body.get("choices"):
        raise SmokeFailure(
            f"key {minted.alias} calling {model}: 200 but not a chat completion",
            expected='{"object": "chat.completion", "choices": [...]}',
            got=describe(response),
            hint="the chat checks of the smoke suite say more about this model",
        )
    minted.successful_calls += 1
    client.usage.add(model, body.get("usage"))
    return {"model": model}


def pick_forbidden_model(allowed: str, chat_models: Iterable[str], embedding_models: Iterable[str]) -> tuple[str, str]:
    """A model the key must be refused, and its kind (``chat`` or ``embedding``).

    A configured embedding model first, then another configured chat model: refusing a model that
    really exists proves the allow-list. With neither, a made-up name: LiteLLM checks the key's
    allow-list before it looks the model up, so that too must be refused with
    ``model_access_denied`` (a 400 "invalid model" would mean the allow-list was not consulted).
    """
    for name in embedding_models:
        if name != allowed:
            return name, "embedding"
    for name in chat_models:
        if name != allowed:
            return name, "chat"
    return f"litellm-smoke-not-allowed-{secrets.token_hex(3)}", "chat"


def _access_denied(response: httpx.Response) -> bool:
    error_type, message = _error_type(response)
    if error_type.endswith("model_access_denied"):
        return True
    # Before the typed errors (≈ mid-2024) the refusal was a 401 auth_error with this message.
    return response.status_code == 401 and "not allowed to access model" in message.lower()


async def key_refused_other_model(client: ProxyClient, minted: MintedKey, model: str, kind: str = "chat") -> None:
    """Check 3: a model outside the key's list is refused: 403 (401 on old versions), ``*model_access_denied``."""
    if kind == "embedding":
        path, body = EMBEDDINGS, {"model": model, "input": "ping"}
    else:
        path, body = CHAT, probe_chat_body(model)
    response = await client.post(path, body, key=minted.key)
    assert_no_echo(response, [minted.key, client.master_key], f"key {minted.alias} refused {model}")
    expected = (
        f"POST {path} with the minted key, model {model} -> 403 (401 before ~v1.5x), type ending in model_access_denied"
    )
    if response.is_success:
        client.usage.add(model, None)
        raise SmokeFailure(
            f"key {minted.alias} restricted to {minted.spec.model} was allowed to call {model}",
            expected=expected,
            got=describe(response),
            hint="the key's 'models' allow-list is not enforced: every virtual key can reach every model; "
            "check custom auth, model access groups and wildcard model_name entries",
            security=True,
        )
    if response.status_code in (401, 403) and _access_denied(response):
        return
    if response.status_code == 400:
        hint = (
            "400 means the request got past the key's allow-list and failed on the model lookup; LiteLLM "
            "checks the allow-list first, so the key restriction was not applied"
        )
    elif response.status_code in (401, 403):
        hint = "refused, but not as model access: is the key itself rejected (see the allowed-model check)?"
    else:
        hint = "the proxy failed instead of refusing: check the proxy logs"
    raise SmokeFailure(
        f"key {minted.alias} calling forbidden model {model}: HTTP {response.status_code}, not model_access_denied",
        expected=expected,
        got=describe(response),
        hint=hint,
    )


def _same_number(a: Any, b: float) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(float(a), b, rel_tol=1e-9)


async def key_info_reports_limits(client: ProxyClient, minted: MintedKey) -> dict[str, Any]:
    """Check 4: ``/key/info`` (master key, by hash) reports the key's models, budget, rpm limit and tag."""
    response = await client.get(KEY_INFO, params={"key": minted.reference})
    if minted.reference != minted.key.reveal():
        # Looked up by hash: the plaintext key has no business being in the answer.
        assert_no_echo(response, [minted.key], f"/key/info for {minted.alias}")
    expect_status(
        response,
        200,
        f"key info for {minted.alias}",
        "404 means the key is not in the table auth reads (replicas with different databases?)",
        expected=f"GET {KEY_INFO}?key=<hash> (master key) -> 200",
    )
    body = json_body(response, f"key info for {minted.alias}", "LiteLLM answers /key/info with JSON")
    info = body.get("info") if isinstance(body, dict) else None
    if not isinstance(info, dict):
        raise SmokeFailure(
            f"key info for {minted.alias}: no 'info' object",
            expected='{"key": ..., "info": {"models": [...], "max_budget": ..., "rpm_limit": ...}}',
            got=describe(response),
            hint="this is not LiteLLM's /key/info answer",
        )
    spec = minted.spec
    wrong: list[str] = []
    models = info.get("models")
    if not isinstance(models, list) or sorted(map(str, models)) != [spec.model]:
        wrong.append(f"models={models!r} (expected [{spec.model!r}])")
    if not _same_number(info.get("max_budget"), spec.max_budget):
        wrong.append(f"max_budget={info.get('max_budget')!r} (expected {spec.max_budget:g})")
    if info.get("rpm_limit") != spec.rpm_limit:
        wrong.append(f"rpm_limit={info.get('rpm_limit')!r} (expected {spec.rpm_limit})")
    metadata = info.get("metadata")
    if not isinstance(metadata, dict) or metadata.get(METADATA_TAG) is not True:
        wrong.append(f"metadata.{METADATA_TAG} missing (the sweep recognises smoke keys by it)")
    if info.get("key_alias") not in (None, spec.alias):
        wrong.append(f"key_alias={info.get('key_alias')!r} (expected {spec.alias!r})")
    if wrong:
        raise SmokeFailure(
            f"key info for {minted.alias} disagrees with what was minted: " + "; ".join(wrong),
            expected=f"models=[{spec.model}], max_budget={spec.max_budget:g}, rpm_limit={spec.rpm_limit}, "
            f"metadata.{METADATA_TAG}=true",
            got=describe(response),
            hint="the limits the proxy enforces are the ones stored; a dropped field means an unenforced limit",
        )
    return {"spend": info.get("spend"), "expires": info.get("expires")}


async def key_rate_limited(client: ProxyClient, minted: MintedKey) -> dict[str, int]:
    """Check 5: past ``rpm_limit`` requests in a minute the key gets 429.

    Sends at most ``rpm_limit + 1`` cheap chat requests (``max_tokens: 1``) one after the other
    and stops at the first 429; calls made by earlier checks in the same minute count too, so
    usually fewer are needed. Only LLM routes count towards a key's rpm in LiteLLM
    (``/v1/models`` never reaches the rate limiter's pre-call hook), hence chat requests.
    """
    model = minted.spec.model
    limit = minted.spec.rpm_limit
    sent = 0
    for _ in range(limit + 1):
        response = await client.post(CHAT, probe_chat_body(model), key=minted.key)
        sent += 1
        if response.status_code == 200:
            minted.successful_calls += 1
            try:
                client.usage.add(model, json_value(response).get("usage"))
            except (ValueError, AttributeError):
                client.usage.add(model, None)
            continue
        if response.status_code == 429:
            if _is_no_healthy_deployment(response):
                raise SmokeFailure(
                    f"rate limit of {minted.alias}: the 429 came from the router, not the key's rpm_limit",
                    expected=f"429 'Rate limit exceeded' for the key after {limit} requests",
                    got=describe(response),
                    hint="'No healthy deployment available' means the model's deployments are cooling down; "
                    "fix the upstream and rerun",
                )
            if minted.successful_calls == 0:
                raise SmokeFailure(
                    f"rate limit of {minted.alias}: 429 before the key made a single successful call",
                    expected=f"{limit} calls accepted within the minute, then 429",
                    got=describe(response),
                    hint="something else rate-limits this key (team, user or global limits, or the upstream)",
                )
            return {"requests": sent, "accepted": minted.successful_calls}
        raise SmokeFailure(
            f"rate limit of {minted.alias}: request {sent} got HTTP {response.status_code}",
            expected=f"200 for up to {limit} requests a minute, then 429",
            got=describe(response),
            hint="the key stopped working for another reason; see the allowed-model check",
        )
    raise SmokeFailure(
        f"rate limit of {minted.alias} not enforced: {sent} requests in a row were accepted with rpm_limit={limit}",
        expected=f"HTTP 429 by request {limit + 1} within one minute",
        got=f"{sent} x 200 from POST {CHAT} ({minted.successful_calls} accepted calls with this key in total)",
        hint="the rate limiter is off or per-process: several workers or replicas without a shared Redis "
        "each count separately, so the real limit is rpm_limit x processes",
    )


async def key_deleted_rejected(
    client: ProxyClient, minted: MintedKey, *, grace: float = DELETED_KEY_GRACE_SECONDS
) -> None:
    """Check 6: ``/key/delete`` removes the key, after which it is rejected with 401.

    The probe is ``GET /v1/models`` (authenticated like every route, free). A key still accepted
    after ``grace`` seconds is a failure: another replica's key cache keeps honouring it.
    """
    response = await delete_keys(client, [minted.reference])
    expect_status(
        response,
        200,
        f"key delete of {minted.alias}",
        "the key stays alive until it expires (duration); the run's finaliser retries the delete",
        expected=f'POST {KEY_DELETE} (master key) -> 200 {{"deleted_keys": [...]}}',
    )
    minted.deleted = True
    deadline = time.monotonic() + grace
    accepted = 0
    while True:
        probe = await client.get(MODELS, key=minted.key)
        assert_no_echo(probe, [minted.key, client.master_key], f"deleted key {minted.alias}")
        if not probe.is_success:
            expect_status(
                probe,
                401,
                f"deleted key {minted.alias}",
                "a deleted key must be an authentication error, not a server error",
                expected=f"GET {MODELS} with the deleted key -> 401",
            )
            return
        accepted += 1
        if time.monotonic() >= deadline:
            raise SmokeFailure(
                f"deleted key {minted.alias} is still accepted",
                expected=f"GET {MODELS} with the deleted key -> 401 within {grace:g}s of the delete",
                got=f"{accepted} x HTTP {probe.status_code} over {grace:g}s after /key/delete answered 200",
                hint="revoked keys keep working: the key cache is not invalidated (several replicas with "
                "in-memory caches and no Redis?); a leaked key cannot be revoked in time",
                security=True,
            )
        await asyncio.sleep(0.25)

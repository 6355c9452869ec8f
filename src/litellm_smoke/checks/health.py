"""Readiness and targeted per-model health."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from litellm_smoke.checks._common import expect_status, is_number
from litellm_smoke.client.diagnosis import describe, json_body, json_value
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import MODEL_HEALTH, READINESS, READINESS_DETAILS
from litellm_smoke.errors import SmokeFailure, excerpt


@dataclass(frozen=True)
class DbState:
    """What readiness says about the database: connected, disconnected, stalled, none, or unknown."""

    state: str
    shape: str  # "new" ({status: healthy, db}), "old" (db hard-coded, real state in status), "minimal"


def parse_readiness(body: Any) -> DbState:
    """Read the db state from both readiness shapes (reference/litellm-proxy.md §1.2)."""
    if not isinstance(body, dict):
        return DbState("unknown", "unrecognised")
    db = body.get("db")
    status = body.get("status")
    if db is None:
        return DbState("unknown", "minimal")
    if isinstance(db, str) and db.lower() == "not connected":
        return DbState("none", "old" if "litellm_version" in body else "new")
    # ≈v1.2x–1.83 with a DB: db hard-coded to "connected", the real state was in status.
    if db == "connected" and status in ("connected", "disconnected"):
        return DbState(str(status), "old")
    if db in ("connected", "disconnected", "stalled"):
        return DbState(str(db), "new")
    return DbState(f"unrecognised ({db!r})", "new")


def _db_problem(state: str, expect_db: bool | None) -> tuple[str, str, str] | None:
    """What is wrong with readiness's db ``state`` given the expectation: (title, expected, hint), or None."""
    if state in ("disconnected", "stalled"):
        return (
            f"the database is {state}",
            "db connected (or no database configured)",
            "old LiteLLM versions answer 200 even with the database down; check DATABASE_URL and the database",
        )
    if expect_db is True and state != "connected":
        return (
            f"a database is expected but readiness reports db={state}",
            "db connected (LITELLM_EXPECT_DB=true)",
            "is DATABASE_URL set on the proxy and did Prisma connect? See the proxy's startup logs",
        )
    if expect_db is False and state != "none":
        return (
            f"no database is expected but readiness reports db={state}",
            'db "Not connected" (LITELLM_EXPECT_DB=false)',
            "the deployment has a DATABASE_URL it was not supposed to have, or set LITELLM_EXPECT_DB",
        )
    return None


async def readiness(client: ProxyClient, expect_db: bool | None) -> DbState:
    """``/health/readiness`` answers 200 and its ``db`` state agrees with the expectation.

    :param expect_db: True: a database must be connected; False: none may be configured;
        None: accept either and report it.
    """
    response = await client.get(READINESS, key=None)
    if response.status_code == 503:
        raise SmokeFailure(
            "readiness: the proxy reports itself not ready (503)",
            expected=f"GET {READINESS} -> 200",
            got=describe(response),
            hint="503 means a configured database is unreachable or stalled, or the proxy is draining; "
            "check DATABASE_URL, the database, and the proxy logs",
        )
    expect_status(
        response,
        200,
        "readiness",
        "readiness is a public route on LiteLLM; something in front of it, or a broken start",
        expected=f"GET {READINESS} -> 200 with {{status, db}}",
    )
    state = parse_readiness(json_body(response, "readiness", "LiteLLM answers readiness with JSON; is this LiteLLM?"))
    problem = _db_problem(state.state, expect_db)
    if problem:
        title, expected, hint = problem
        raise SmokeFailure(f"readiness: {title}", expected=expected, got=describe(response), hint=hint)
    return state


def _first_line(text: Any) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return excerpt(line, 200)


async def model_health(client: ProxyClient, model: str) -> dict[str, Any]:
    """``GET /health?model=<model>`` reports the model's deployments healthy.

    Never the bare ``/health``: that calls every model. 503 (new) or ``healthy_count == 0`` (old)
    means unhealthy; the upstream error text is reported, redacted and cut to its first line.
    A body of ``{}`` (background checks not yet run) is re-polled until the timeout.
    """
    deadline = time.monotonic() + client.timeout
    while True:
        response = await client.get(MODEL_HEALTH, params={"model": model})
        if response.status_code not in (200, 503):
            raise SmokeFailure(
                f"model health for {model}: unexpected HTTP {response.status_code}",
                expected=f"GET /health?model={model} -> 200 (or 503 when unhealthy)",
                got=describe(response),
                hint="a 401/403 means the key may not call /health (info route); a 5xx is a proxy fault",
            )
        body = json_body(response, f"model health for {model}", "LiteLLM answers /health with JSON")
        if body != {} or time.monotonic() >= deadline:
            break
        # background health checks: the cache is empty right after startup
        await asyncio.sleep(0.2)
    if not isinstance(body, dict) or not is_number(body.get("healthy_count", 0)):
        raise SmokeFailure(
            f"model health for {model}: unrecognised body",
            expected="{healthy_endpoints, unhealthy_endpoints, healthy_count, unhealthy_count}",
            got=describe(response),
            hint="background health checks may not have run yet, or this is not LiteLLM's /health",
        )
    healthy = body.get("healthy_count") or len(body.get("healthy_endpoints") or [])
    if response.status_code == 503 or not healthy:
        errors = [
            _first_line(e.get("error") or e.get("mode_error") or "no error text (health_check_details off?)")
            for e in body.get("unhealthy_endpoints") or []
            if isinstance(e, dict)
        ]
        got = "; ".join(errors) if errors else describe(response)
        raise SmokeFailure(
            f"model health for {model}: no healthy deployment",
            expected=f"GET /health?model={model} -> healthy_count >= 1",
            got=f"HTTP {response.status_code}, {len(errors)} unhealthy: {got}",
            hint="the proxy cannot reach this model's upstream (api_base, api_key, quota); an embedding "
            "model without model_info.mode: embedding is probed as chat and shows unhealthy",
        )
    return {"healthy_count": healthy, "unhealthy_count": body.get("unhealthy_count", 0)}


async def fetch_litellm_version(client: ProxyClient) -> str | None:
    """One ``GET /health/readiness/details`` with the master key; returns ``litellm_version``.

    Cheap (no model call) and never raises: on any failure it returns what the client already
    knows (the ``x-litellm-version`` header of earlier responses), else None. A found version is
    stored on ``client.litellm_version`` so reports pick it up.
    """
    try:
        response = await client.get(READINESS_DETAILS)
    except SmokeFailure:
        return client.litellm_version
    version = None
    if response.status_code == 200:
        with contextlib.suppress(ValueError):  # a body that is not JSON reports no version
            body = json_value(response)
            if isinstance(body, dict) and isinstance(body.get("litellm_version"), str):
                version = body["litellm_version"]
    if version and not client.litellm_version:
        client.litellm_version = version
    return client.litellm_version or version

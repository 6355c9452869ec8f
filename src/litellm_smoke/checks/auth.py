"""Authentication: the master key works, everything else is rejected, nothing is echoed."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from litellm_smoke._secrets import REDACT
from litellm_smoke.checks._common import ERROR_ENVELOPE, assert_no_echo, expect_envelope, expect_status
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import MODELS, ROUTE_MATRIX_LITELLM_VERSION, RouteProbe, probe_body
from litellm_smoke.errors import SmokeFailure


def probe_chat_body(model: str) -> dict[str, Any]:
    """The cheapest chat body: used only where the request must be rejected before any model runs."""
    return {"model": model, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}


def _rejected_by_litellm(response: httpx.Response, what: str, statuses: str, expected: str, hint: str) -> None:
    """A bad key is refused with 400 or 401 (``statuses``: how the failure names what it expected) and
    LiteLLM's error envelope: a rejection proves LiteLLM enforces auth only when it carries the envelope,
    a bare 401 (plain text, ``{"detail": ...}``) comes from an ingress or auth proxy in front of it."""
    if response.status_code not in (400, 401):
        raise SmokeFailure(
            f"{what}: expected HTTP {statuses}, got {response.status_code}",
            expected=expected,
            got=describe(response),
            hint=hint,
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    expect_envelope(
        response,
        body,
        f"{what}: {response.status_code} without LiteLLM's error envelope",
        f"{response.status_code} {ERROR_ENVELOPE}",
        "a component in front of LiteLLM answered instead of LiteLLM, so this run does not show "
        "that LiteLLM itself rejects the key",
        origin=True,
    )


async def master_key_accepted(client: ProxyClient) -> None:
    """``GET /v1/models`` with the master key answers 200."""
    response = await client.get(MODELS)
    assert_no_echo(response, [client.master_key], "master key")
    if response.status_code != 200:
        raise SmokeFailure(
            f"master key rejected: GET {MODELS} answered {response.status_code}",
            expected="HTTP 200 with the master key",
            got=describe(response),
            hint="LITELLM_MASTER_KEY does not match the proxy's general_settings.master_key "
            "(or the proxy's LITELLM_MASTER_KEY); a 400 'No connected db' means the key is not the master key",
        )


async def unauthenticated_rejected(client: ProxyClient, method: str, path: str, model: str | None) -> None:
    """A request without any key gets 401 with LiteLLM's error envelope."""
    body = probe_chat_body(model or "litellm-smoke-probe") if method == "POST" else None
    response = await client.request(method, path, key=None, json=body)
    if response.is_success:
        raise SmokeFailure(
            f"unauthenticated request accepted: {method} {path} answered {response.status_code} without a key",
            expected="HTTP 401: every model and management route needs a key",
            got=describe(response),
            hint="the proxy runs without a master key, or a gateway in front of it injects one; "
            "anyone who can reach it can spend on your models",
            security=True,
        )
    expect_status(
        response,
        401,
        "unauthenticated request",
        "a DB-less LiteLLM without the 'prisma' package answers 500 here (LiteLLM #35457); install prisma"
        if response.status_code == 500
        else "expected LiteLLM's auth error",
        expected=f"{method} {path} without a key -> 401 {ERROR_ENVELOPE}",
    )
    expect_envelope(
        response,
        json_body(response, "unauthenticated request", "LiteLLM answers 401 with JSON"),
        "unauthenticated request: 401 without LiteLLM's error envelope",
        f"401 {ERROR_ENVELOPE}",
        "a component in front of LiteLLM answered instead of LiteLLM",
    )


async def wrong_key_rejected(client: ProxyClient) -> None:
    """A well-formed but wrong key is rejected and not echoed.

    With a database: 401. Without one: 400 ``no_db_connection`` from LiteLLM 1.65 on, but 401
    "Authentication Error, No connected db." on 1.60-1.63 (measured over 1.60.9 -> 1.110.2).
    """
    wrong = "sk-litellm-smoke-wrong-" + secrets.token_hex(8)
    REDACT.add(wrong)
    response = await client.get(MODELS, key=wrong)
    if response.is_success:
        raise SmokeFailure(
            f"wrong key accepted: GET {MODELS} answered {response.status_code} to a random key",
            expected="HTTP 401 (with a database) or 400 'No connected db' (without one)",
            got=describe(response),
            hint="the proxy accepts any key: check general_settings.master_key and custom auth hooks",
            security=True,
        )
    assert_no_echo(response, [wrong, client.master_key], "wrong key")
    _rejected_by_litellm(
        response,
        "wrong key",
        "400 or 401",
        "401 auth error (DB-less: 400 no_db_connection from LiteLLM 1.65, 401 on 1.60-1.63)",
        "a 500 usually means the DB-less proxy lacks the 'prisma' package (LiteLLM #35457)",
    )


async def missing_bearer_prefix_rejected(client: ProxyClient) -> None:
    """The master key sent without ``Bearer `` is refused (LiteLLM: malformed API key)."""
    response = await client.get(MODELS, bearer=False)
    assert_no_echo(response, [client.master_key], "key without 'Bearer ' prefix")
    expected = "HTTP 401 'Malformed API Key passed in'"
    if response.is_success:
        raise SmokeFailure(
            f"key without 'Bearer ' accepted: GET {MODELS} answered {response.status_code}",
            expected=expected,
            got=describe(response),
            hint="something in front of LiteLLM rewrites the Authorization header, or auth is custom",
            security=True,
        )
    _rejected_by_litellm(
        response,
        "key without 'Bearer '",
        "401",
        expected,
        "LiteLLM rejects an Authorization header without 'Bearer ' with 401",
    )


REFUSED = (401, 403)
NOT_SERVED = (404, 405)  # the route does not exist in this LiteLLM version (or is switched off)
MATRIX_CONCURRENCY = 4  # LiteLLM serves one event loop: more in flight only queues (measured: 4 < 8 < 2)


@dataclass(frozen=True)
class MatrixResult:
    """What the auth matrix saw: refused (401/403), not served (404/405) and the rest, per route."""

    refused: tuple[str, ...]
    not_served: tuple[str, ...]
    status: dict[str, int]


async def route_matrix_refused(
    client: ProxyClient, probes: Sequence[RouteProbe], *, concurrency: int = MATRIX_CONCURRENCY
) -> MatrixResult:
    """Every route in ``probes``, sent without a key, is refused with 401 or 403.

    The requests run concurrently (at most ``concurrency`` at a time) and cost nothing even when a
    route wrongly accepts them (see ``client.routes.ROUTE_MATRIX``). A 2xx is a SECURITY failure
    naming every open route; another status that is neither a refusal nor "not served" (404/405)
    fails naming the route and status. Transport failures of single probes are reported the same way.
    """
    gate = asyncio.Semaphore(concurrency)

    async def send(probe: RouteProbe) -> tuple[RouteProbe, int | None, str]:
        async with gate:
            try:
                response = await client.request(probe.method, probe.path, key=None, json=probe_body(probe.body))
            except SmokeFailure as failure:
                return probe, None, failure.title
            if response.is_success:
                return probe, response.status_code, describe(response)
            return probe, response.status_code, ""

    outcomes = await asyncio.gather(*(send(p) for p in probes))
    status = {probe.label: code for probe, code, _ in outcomes if code is not None}
    open_routes = [(p, code, got) for p, code, got in outcomes if code is not None and 200 <= code < 300]
    if open_routes:
        first = open_routes[0]
        raise SmokeFailure(
            f"route auth matrix: {len(open_routes)} route(s) answered 2xx without a key: "
            + ", ".join(f"{p.label} ({p.route_class})" for p, _, _ in open_routes),
            expected=f"HTTP 401/403 without a key on every {probes[0].kind} route class "
            f"(routes from LiteLLMRoutes, LiteLLM {ROUTE_MATRIX_LITELLM_VERSION})",
            got=first[2],  # describe(): "GET /path -> 200 OK: <body excerpt>"
            hint="an ingress, middleware or auth hook opens these routes to anyone who can reach the proxy; "
            "close them there (or set general_settings.master_key) and rotate what they exposed",
            security=True,
        )
    odd = [(p, code, got) for p, code, got in outcomes if code is None or code not in REFUSED + NOT_SERVED]
    if odd:
        raise SmokeFailure(
            f"route auth matrix: {len(odd)} route(s) not refused with 401/403: "
            + ", ".join(f"{p.label} -> {code if code is not None else got}" for p, code, got in odd),
            expected="HTTP 401/403 without a key (404/405 where this LiteLLM version has no such route)",
            got="; ".join(f"{p.label}: {code if code is not None else got}" for p, code, got in odd[:5]),
            hint="a route that answers something other than an auth error without a key is reached before "
            "authentication: a 5xx is a crash, a 4xx means the body was handled before the key was checked",
        )
    return MatrixResult(
        refused=tuple(p.label for p, code, _ in outcomes if code in REFUSED),
        not_served=tuple(p.label for p, code, _ in outcomes if code in NOT_SERVED),
        status=status,
    )

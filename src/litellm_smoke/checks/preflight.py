"""Reachability: one request to /health/liveliness, and a diagnosis when it fails."""

from __future__ import annotations

import httpx

from litellm_smoke.client.diagnosis import classify, content_kind, describe, json_value
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import LIVELINESS
from litellm_smoke.errors import TargetUnreachable, excerpt


async def check_liveliness(client: ProxyClient) -> None:
    """The target answers ``GET /health/liveliness`` with 200 ``"I'm alive!"``, or raises TargetUnreachable."""
    url = f"{client.base_url}{LIVELINESS}"
    try:
        response = await client.http.get(LIVELINESS)
    except httpx.TransportError as exc:
        cause = classify(exc)
        expected = f"GET {LIVELINESS} answered within {client.timeout:g}s"
        raise cause.failure(f"target unreachable: {cause.summary} ({url})", expected, TargetUnreachable) from None
    alive = response.status_code == 200
    body = response.text
    if alive:
        try:
            alive = "alive" in str(json_value(response)).lower()
        except ValueError:
            alive = False
    if alive:
        return
    if response.status_code == 503:
        summary = "the proxy is shutting down (503)"
        hint = "a drain or rolling restart is in progress; retry after it finishes"
    elif response.status_code == 404:
        summary = f"no {LIVELINESS} route here (404): not LiteLLM, or the URL lacks a path prefix"
        hint = "point LITELLM_BASE_URL at the proxy root (the URL you would put before /v1)"
    elif response.is_redirect:
        location = response.headers.get("location", "(no Location header)")
        summary = f"the target redirects ({response.status_code}) to {excerpt(location, 200)}"
        hint = (
            "litellm-smoke never follows redirects, so the master key is never sent to another origin: point "
            "LITELLM_BASE_URL at the proxy itself (the Location above, if you trust it)"
        )
    elif response.status_code in (401, 403):
        summary = f"liveliness requires auth ({response.status_code}): something in front of LiteLLM blocks it"
        hint = "LiteLLM serves liveliness without auth; check the gateway/ingress in front of it"
    else:
        summary = f"the target does not answer like LiteLLM: {content_kind(response)}"
        hint = "is LITELLM_BASE_URL pointing at the LiteLLM proxy, not a load balancer error page or another service?"
    raise TargetUnreachable(
        f"wrong service at {client.base_url}: {summary}",
        expected=f'GET {LIVELINESS} -> 200 "I\'m alive!"',
        got=describe(response, body),
        hint=hint,
    )

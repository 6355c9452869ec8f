"""Reachability: one request to /health/liveliness, and a diagnosis when it fails."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

import httpx

from .client import ProxyClient, content_kind, describe
from .errors import TargetUnreachable, excerpt

LIVELINESS = "/health/liveliness"


@dataclass(frozen=True)
class Cause:
    """Why a request never got an HTTP answer."""

    kind: str  # dns | refused | tls | timeout | connect | protocol
    summary: str
    detail: str
    hint: str


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> Cause:
    """Name the cause of a transport error: DNS, connection refused, TLS, timeout, or other."""
    chain = _chain(exc)
    parts = list(dict.fromkeys(f"{type(e).__name__}: {e}" for e in chain if str(e)))
    text = excerpt("; ".join(parts) or type(exc).__name__)
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        s in text for s in ("Name or service not known", "nodename nor servname", "Temporary failure in name")
    ):
        return Cause("dns", "DNS lookup failed", text, "check the host name in the target URL and DNS")
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSL" in text or "CERTIFICATE" in text.upper():
        return Cause(
            "tls",
            "TLS handshake failed",
            text,
            "check https vs http in the URL, the certificate, and SSL_CERT_FILE for private CAs",
        )
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the response",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a connection",
        }.get(type(exc), "waiting")
        return Cause(
            "timeout",
            f"timed out {phase}",
            text,
            "the target accepted nothing or answered nothing in time: is it hung, black-holed by a "
            "firewall, or overloaded? Raise LITELLM_SMOKE_TIMEOUT only if it is merely slow",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text.lower():
        return Cause(
            "refused",
            "connection refused",
            text,
            "nothing listens on that host:port: is the proxy running, and is the port right?",
        )
    if isinstance(exc, httpx.ConnectError):
        return Cause("connect", "could not connect", text, "check the host, port and network path")
    return Cause(
        "protocol",
        "the connection broke before an HTTP answer",
        text,
        "the target is not speaking HTTP on that port, or closed the connection",
    )


async def check_liveliness(client: ProxyClient) -> None:
    """The target answers ``GET /health/liveliness`` with 200 ``"I'm alive!"``, or raises TargetUnreachable."""
    url = f"{client.base_url}{LIVELINESS}"
    try:
        response = await client.http.get(LIVELINESS)
    except httpx.TransportError as exc:
        cause = classify(exc)
        raise TargetUnreachable(
            f"target unreachable: {cause.summary} ({url})",
            expected=f"GET {LIVELINESS} answered within {client.timeout:g}s",
            got=cause.detail,
            hint=cause.hint,
        ) from None
    alive = response.status_code == 200
    body = response.text
    if alive:
        try:
            alive = "alive" in str(response.json()).lower()
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

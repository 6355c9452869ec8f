"""What went wrong on the wire, in words: transport errors classified, responses described.

Nothing here sends a request; :mod:`litellm_smoke.client.http` and the checks use it to turn what
happened into a failure message that names the cause.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from litellm_smoke.errors import SmokeFailure, excerpt


@dataclass(frozen=True)
class Cause:
    """Why a request never got an HTTP answer."""

    kind: str  # dns | refused | tls | timeout | too-large | encoding | connect | protocol
    summary: str
    detail: str
    hint: str

    def failure(self, title: str, expected: str, kind: type[SmokeFailure] = SmokeFailure) -> SmokeFailure:
        """This cause as a failure ``title`` (which names :attr:`summary`): got the detail, with its hint."""
        return kind(title, expected=expected, got=self.detail, hint=self.hint)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> Cause:
    """Name the cause of a transport error: DNS, connection refused, TLS, timeout, or other."""
    from litellm_smoke.client.http import DeadlineExceeded, ResponseTooLarge, UndecodableBody  # no import cycle

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
    if isinstance(exc, ResponseTooLarge):
        return Cause(
            "too-large",
            "the response is too large",
            text,
            "no LiteLLM answer to these requests is that big: an endless stream, a compression bomb, or "
            "not LiteLLM at all; check what answers at this URL",
        )
    if isinstance(exc, UndecodableBody):
        return Cause("encoding", "the response body cannot be decoded", text, "check what answers at this URL")
    if isinstance(exc, DeadlineExceeded):
        return Cause(
            "timeout",
            "timed out waiting for the response",
            text,
            "the target kept the exchange open past the timeout (a stalled or trickling stream counts): "
            "is it hung or overloaded, or not LiteLLM? Raise LITELLM_SMOKE_TIMEOUT only if it is merely slow",
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


def describe(response: httpx.Response, body: str | None = None) -> str:
    """``POST /v1/chat/completions -> 500 Internal Server Error: {...}``, redacted and short."""
    request = response.request
    path = request.url.raw_path.decode("ascii", "replace")
    if body is None:
        try:
            body = response.text
        except httpx.ResponseNotRead:
            body = "<stream>"
    reason = response.reason_phrase or ""
    head = f"{request.method} {path} -> {response.status_code} {reason}".rstrip()
    if response.is_redirect:  # never followed: say where it pointed, once, redacted
        head += f" (redirect to {excerpt(response.headers.get('location', '?'), 200)}, not followed)"
    return head + (f": {excerpt(body)}" if body else " (empty body)")


def json_body(response: httpx.Response, what: str, hint: str) -> Any:
    """The parsed JSON body, or a SmokeFailure that says what came instead (HTML, text, nothing)."""
    try:
        return json_value(response)
    except ValueError:
        kind = content_kind(response)
        raise SmokeFailure(
            f"{what}: the response is not JSON ({kind})",
            expected="a JSON body",
            got=describe(response),
            hint=hint,
        ) from None


def not_litellm(response: Any) -> str:  # Any: the SDK's exc.response may be another httpx build
    """`` (an HTML page …: a load balancer … answered, not LiteLLM)`` when the error page is not LiteLLM's."""
    kind = content_kind(response)
    return f" ({kind})" if kind.startswith("an HTML page") else ""


def expect_status(
    response: httpx.Response,
    status: int,
    what: str,
    hint: str,
    *,
    expected: str | None = None,
    got: str | None = None,
    origin: bool = False,
) -> None:
    """The one "``{what}: expected HTTP {status}, got {actual}``" failure, raised unless the answer has ``status``.

    :param expected: what the failure says was expected (default ``HTTP {status}``).
    :param got: what it says came instead (default :func:`describe` of the response).
    :param origin: name an HTML error page in the title (:func:`not_litellm`): something else answered.
    """
    if response.status_code != status:
        raise SmokeFailure(
            f"{what}: expected HTTP {status}, got {response.status_code}{not_litellm(response) if origin else ''}",
            expected=expected or f"HTTP {status}",
            got=describe(response) if got is None else got,
            hint=hint,
        )


def json_value(response: httpx.Response) -> Any:
    """``response.json()``, but every way a body can fail to parse is a ValueError.

    A hostile body must not escape as a RecursionError (deeply nested arrays) or crash on a
    5,000-digit integer (ValueError already) or invalid UTF-8 (UnicodeDecodeError, a ValueError).
    """
    try:
        return response.json()
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to parse") from None


def content_kind(response: httpx.Response) -> str:
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content-type"
    text = response.content[:4096].decode("utf-8", "replace").lstrip()[:200].lower()
    if "html" in ctype or text.startswith(("<!doctype html", "<html")):
        return f"an HTML page ({ctype}): a load balancer, ingress or web server answered, not LiteLLM"
    if not text:
        return "an empty body"
    return ctype

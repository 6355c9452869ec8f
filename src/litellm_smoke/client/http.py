"""The one HTTP client every check uses: auth headers, tagging, timing, redacted descriptions.

Every exchange is bounded twice, because the target may be hostile (a look-alike that trickles one
byte a second, or inflates a small gzip body to gigabytes): a deadline for the *whole* exchange
(send, headers and body; httpx's own timeouts only bound each read) and a cap on the decoded body
size. Both bounds live in :class:`BoundedAsyncClient`, which the checks and the openai SDK share,
so no request path can escape them.
"""

from __future__ import annotations

import time
import weakref
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.client.diagnosis import classify
from litellm_smoke.errors import SmokeFailure

if TYPE_CHECKING:  # the SDK is imported only by the checks that use it
    import openai

SMOKE_TAG = "litellm-smoke"
USER_AGENT = "litellm-smoke/0.1"
# Every request carries these: the tag tells smoke traffic apart in spend logs, and
# retries are off so that a flaky upstream cannot hide behind the proxy's retry loop.
DEFAULT_HEADERS = {
    "user-agent": USER_AGENT,
    # Only the encodings BoundedAsyncClient decodes under its size cap.
    "accept-encoding": "gzip, deflate",
    "x-litellm-tags": SMOKE_TAG,
    "x-litellm-num-retries": "0",
}


DEADLINE_GRACE = 0.25
"""Seconds past the timeout before the whole-exchange deadline fires: a connect or read that is
simply silent for the timeout is reported by httpx's own, more specific timeout first."""
MAX_BODY_BYTES = 8 * 1024 * 1024
"""The largest decoded response body read from the target (healthy answers are well under 1 MB)."""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class ResponseTooLarge(httpx.TransportError):
    """The target sent more than :data:`MAX_BODY_BYTES` (decoded): reading stopped there."""


class UndecodableBody(httpx.TransportError):
    """A Content-Encoding we do not decode, or a compressed body that does not decompress."""


class DeadlineExceeded(httpx.ReadTimeout):
    """The whole exchange took longer than its timeout, although every single read was in time.

    A ReadTimeout, so every handler of a timeout (diagnosis, preflight, the stream check, the SDK)
    reports it as one.
    """


class _Inflater:
    """Decodes one Content-Encoding (gzip or deflate) without ever producing more than ``room`` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data``; at most ``room + 1`` of them (one more tells the caller it overflowed)."""
        try:
            out = self._zlib.decompress(data, room + 1)
        except zlib.error:
            if not (self.encoding == "deflate" and self._first):
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
            out = self._zlib.decompress(data, room + 1)
        self._first = False
        return out

    def overflowing(self) -> bool:
        return bool(self._zlib.unconsumed_tail)


def _encoding(response: httpx.Response) -> str:
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "deflate"):
        return str(codings[0])
    raise UndecodableBody(
        f"unsupported Content-Encoding {response.headers.get('content-encoding')!r} "
        "(litellm-smoke asks for and decodes only one of gzip, deflate)",
        request=response.request,
    )


class BoundedAsyncClient(httpx.AsyncClient):
    """An httpx client whose every exchange has a whole-exchange deadline and a body size cap.

    The deadline is the request's own read timeout (what ``timeout=`` sets), else ``deadline``.
    ``send(stream=False)`` returns a response whose body is already read within both bounds;
    ``send(stream=True)`` returns it unread: read it with :meth:`read`, which keeps the deadline
    that started when the request was sent.
    """

    def __init__(self, *, deadline: float, max_body: int = MAX_BODY_BYTES, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline
        self.max_body = max_body
        self._ends: weakref.WeakKeyDictionary[httpx.Response, float] = weakref.WeakKeyDictionary()

    def seconds_for(self, request: httpx.Request) -> float:
        timeout = request.extensions.get("timeout")
        read = timeout.get("read") if isinstance(timeout, Mapping) else None
        return float(read) if isinstance(read, (int, float)) and read > 0 else self.deadline

    async def send(self, request: httpx.Request, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        seconds = self.seconds_for(request)
        ends = anyio.current_time() + seconds + DEADLINE_GRACE
        try:
            with anyio.fail_after(max(0.0, ends - anyio.current_time())):
                response = await super().send(request, stream=True, **kwargs)
        except TimeoutError:
            raise DeadlineExceeded(
                f"no response headers within {seconds:g}s (deadline for the whole exchange)", request=request
            ) from None
        self._ends[response] = ends
        if not stream:
            await self.read(response)
        return response

    async def read(self, response: httpx.Response) -> bytes:
        """The decoded body, read within the exchange's deadline and :attr:`max_body`; closes the stream.

        :raises DeadlineExceeded: the body did not complete before the deadline.
        :raises ResponseTooLarge: the decoded body passed the cap (a compressed body is checked as it inflates).
        """
        if response.is_stream_consumed or response.is_closed:
            return response.content
        seconds = self.seconds_for(response.request)
        ends = self._ends.pop(response, None) or anyio.current_time() + seconds + DEADLINE_GRACE
        chunks: list[bytes] = []
        size = 0
        try:
            encoding = _encoding(response)
            inflater = None if encoding == "identity" else _Inflater(encoding)
            with anyio.fail_after(max(0.0, ends - anyio.current_time())):
                async for raw in response.aiter_raw():
                    data = raw if inflater is None else inflater.feed(raw, self.max_body - size)
                    size += len(data)
                    if size > self.max_body or (inflater is not None and inflater.overflowing()):
                        raise ResponseTooLarge(
                            f"the response body passed the {_mb(self.max_body)} size cap"
                            + (f" while inflating {encoding}" if inflater is not None else "")
                            + "; reading stopped there",
                            request=response.request,
                        )
                    chunks.append(data)
        except TimeoutError:
            raise DeadlineExceeded(
                f"the body did not complete within {seconds:g}s (deadline for the whole exchange; "
                f"{size:,} bytes arrived)",
                request=response.request,
            ) from None
        except zlib.error as exc:
            raise UndecodableBody(f"invalid {encoding} body: {exc}", request=response.request) from None
        finally:
            await response.aclose()
        content = b"".join(chunks)
        response._content = content  # what httpx's own aread() sets; the body is now read
        return content


class _Master:
    def __repr__(self) -> str:
        return "MASTER"


MASTER: Any = _Master()
"""Sentinel for ``key=``: authenticate with the run's master key."""


@dataclass
class Usage:
    """What the run spent, as the proxy reported it."""

    model_calls: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, model: str, usage: Mapping[str, Any] | None) -> None:
        self.model_calls[model] = self.model_calls.get(model, 0) + 1
        if isinstance(usage, Mapping):
            for name in ("prompt_tokens", "completion_tokens"):
                value = usage.get(name)
                if isinstance(value, int):
                    setattr(self, name, getattr(self, name) + value)


class ProxyClient:
    """Async client bound to one proxy. All checks send their requests through it.

    :param base_url: the proxy's root URL, without ``/v1``.
    :param master_key: sent as ``Authorization: Bearer`` when a request asks for ``key=MASTER``.
    :param timeout: per-request timeout in seconds (connect is capped at 5 s), for the whole exchange:
        sending, the response headers and the complete body.
    :param transport: an httpx transport; offline runs pass a replay transport here.
    """

    def __init__(
        self,
        base_url: str,
        master_key: Secret | None,
        timeout: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.master_key = master_key
        self.timeout = timeout
        self.usage = Usage()
        self.litellm_version: str | None = None
        self.last_latency_ms: float | None = None
        self._transport = transport
        REDACT.add(master_key)
        self.http = BoundedAsyncClient(
            deadline=timeout,
            base_url=self.base_url,
            timeout=self._timeout(timeout),
            headers=DEFAULT_HEADERS,
            transport=transport,
            follow_redirects=False,
            event_hooks={"response": [self._on_response]},
        )
        self._openai: openai.AsyncOpenAI | None = None

    @staticmethod
    def _timeout(seconds: float) -> httpx.Timeout:
        return httpx.Timeout(seconds, connect=min(seconds, 5.0))

    async def _on_response(self, response: httpx.Response) -> None:
        version = response.headers.get("x-litellm-version")
        if version:
            self.litellm_version = version

    async def aclose(self) -> None:
        if self._openai is not None:
            await self._openai.close()
        await self.http.aclose()

    async def __aenter__(self) -> ProxyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def auth_headers(self, key: Any = MASTER, *, bearer: bool = True) -> dict[str, str]:
        if key is None:
            return {}
        if key is MASTER:
            if self.master_key is None:
                return {}
            key = self.master_key
        value = key.reveal() if isinstance(key, Secret) else str(key)
        REDACT.add(value)
        return {"authorization": f"Bearer {value}" if bearer else value}

    def _request(
        self,
        method: str,
        path: str,
        *,
        key: Any,
        bearer: bool,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> httpx.Request:
        merged = {**self.auth_headers(key, bearer=bearer), **(headers or {})}
        return self.http.build_request(
            method,
            path,
            json=json,
            params=params,
            headers=merged,
            timeout=self._timeout(timeout or self.timeout),
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        key: Any = MASTER,
        bearer: bool = True,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request; a transport failure becomes a SmokeFailure naming the cause."""
        if self.http.is_closed:  # the run is stopping (Ctrl-C, a signal): a straggler task must not crash
            raise SmokeFailure(
                f"{method} {path} not sent: the run is stopping",
                expected="an open client",
                got="the client was closed by the session's teardown",
                hint="the run was interrupted; nothing to fix here",
            )
        request = self._request(
            method, path, key=key, bearer=bearer, json=json, params=params, headers=headers, timeout=timeout
        )
        started = time.perf_counter()
        try:
            response = await self.http.send(request, stream=stream)
        except httpx.RequestError as exc:
            cause = classify(exc)
            expected = f"an HTTP response within {timeout or self.timeout:g}s"
            raise cause.failure(f"{method} {path} failed: {cause.summary}", expected) from None
        finally:
            self.last_latency_ms = (time.perf_counter() - started) * 1000
        return response

    async def read(self, response: httpx.Response) -> bytes:
        """The body of a ``stream=True`` response, within the request's deadline and the size cap."""
        return await self.http.read(response)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json: Any, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, json=json, **kwargs)

    def openai(self) -> openai.AsyncOpenAI:
        """The official SDK, pointed at the proxy through the same transport (retries off)."""
        if self._openai is None:
            import openai  # imported on first use: it is heavy and only two checks need it

            key = self.master_key.reveal() if self.master_key else "missing-master-key"
            self._openai = openai.AsyncOpenAI(
                api_key=key,
                base_url=f"{self.base_url}/v1",
                max_retries=0,
                timeout=self.timeout,
                default_headers={k: v for k, v in DEFAULT_HEADERS.items() if k != "user-agent"},
                # openai>=3 is built on httpx2 but accepts a legacy httpx client; ours carries the
                # replay transport in offline runs.
                http_client=BoundedAsyncClient(  # type: ignore[arg-type,unused-ignore]
                    deadline=self.timeout,
                    transport=self._transport,
                    timeout=self._timeout(self.timeout),
                    follow_redirects=False,
                ),
            )
        return self._openai

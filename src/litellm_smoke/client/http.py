"""The one HTTP client every check uses: auth headers, tagging, timing, redacted descriptions."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    "x-litellm-tags": SMOKE_TAG,
    "x-litellm-num-retries": "0",
}


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
    :param timeout: per-request timeout in seconds (connect is capped at 5 s).
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
        self.http = httpx.AsyncClient(
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
        request = self._request(
            method, path, key=key, bearer=bearer, json=json, params=params, headers=headers, timeout=timeout
        )
        started = time.perf_counter()
        try:
            response = await self.http.send(request, stream=stream)
        except httpx.TransportError as exc:
            cause = classify(exc)
            raise SmokeFailure(
                f"{method} {path} failed: {cause.summary}",
                expected=f"an HTTP response within {timeout or self.timeout:g}s",
                got=cause.detail,
                hint=cause.hint,
            ) from None
        finally:
            self.last_latency_ms = (time.perf_counter() - started) * 1000
        return response

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
                http_client=httpx.AsyncClient(  # type: ignore[arg-type,unused-ignore]
                    transport=self._transport, timeout=self._timeout(self.timeout)
                ),
            )
        return self._openai

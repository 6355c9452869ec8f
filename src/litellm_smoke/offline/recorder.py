"""Recording: a transport that tees every exchange the smoke checks make into reviewable JSON files.

Enabled by the hidden environment variable ``LITELLM_SMOKE_RECORD_DIR`` (set by
``litellm-smoke record``): the fixtures then wrap the real transport in a
:class:`RecordingTransport`. Secrets never reach the disk: the master key, the wrong key the
auth check sends and anything else key-shaped are replaced by placeholders before a file is
written, and :func:`scan_for_secrets` double-checks the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx

from litellm_smoke._secrets import KEY_PATTERN, Secret
from litellm_smoke.client.sse import parse_sse
from litellm_smoke.offline.replay import (
    MASTER_KEY_PLACEHOLDER,
    OTHER_KEY_PLACEHOLDER,
    SCHEMA,
    UNKNOWN_MODEL_PLACEHOLDER,
    UNKNOWN_MODEL_PREFIX,
    WRONG_KEY_PLACEHOLDER,
    WRONG_KEY_PREFIX,
    Signature,
    signature_of,
)
from litellm_smoke.settings import RECORD_DIR

__all__ = ["RECORD_DIR_ENV", "RecordingTransport", "Scrubber", "scan_for_secrets"]

RECORD_DIR_ENV = RECORD_DIR.env

# Response headers worth keeping: they change what a client does, or identify the proxy. The
# rest (call ids, durations, the upstream's address, rate-limit counters) differ on every run
# and would make re-recordings noisy to review.
KEPT_RESPONSE_HEADERS = ("content-type", "x-litellm-version", "x-litellm-model-group", "www-authenticate", "allow")
KEPT_REQUEST_HEADERS = ("authorization", "content-type", "x-litellm-tags", "x-litellm-num-retries")

_UNKNOWN_MODEL = re.compile(re.escape(UNKNOWN_MODEL_PREFIX) + r"[A-Za-z0-9]+")
# A bearer token of any shape (a JWT, a non-sk key); 8+ token characters, so prose such as
# "Ensure Key has `Bearer ` prefix" is left alone.
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\{\{)[A-Za-z0-9._~+/=\-]{8,}")


class Scrubber:
    """Replaces secrets in text by placeholders: the master key, smoke wrong keys, anything ``sk-…``."""

    def __init__(self, master_key: Secret | str | None) -> None:
        value = master_key.reveal() if isinstance(master_key, Secret) else master_key
        self._master = value or None

    def __call__(self, text: str) -> str:
        if self._master:
            text = text.replace(self._master, MASTER_KEY_PLACEHOLDER)
        text = re.sub(re.escape(WRONG_KEY_PREFIX) + r"[A-Za-z0-9_\-]*", WRONG_KEY_PLACEHOLDER, text)
        text = KEY_PATTERN.sub(OTHER_KEY_PLACEHOLDER, text)
        text = _BEARER.sub(lambda m: m.group(1) + OTHER_KEY_PLACEHOLDER, text)
        return _UNKNOWN_MODEL.sub(UNKNOWN_MODEL_PLACEHOLDER, text)


def _decode(raw: bytes, headers: httpx.Headers) -> bytes:
    # The tee sees the bytes as sent (possibly gzip); a throwaway Response applies the same
    # content decoding the client does.
    return httpx.Response(200, headers=headers, content=raw).read()


def _body_document(content: bytes, content_type: str, scrub: Scrubber) -> dict[str, Any]:
    text = scrub(content.decode("utf-8", "replace"))
    if content_type.startswith("text/event-stream"):
        events: list[Any] = []
        for payload in parse_sse(text):
            try:
                events.append(json.loads(payload))
            except ValueError:
                events.append(payload)
        return {"sse": events}
    if not text:
        return {}
    try:
        return {"json": json.loads(text)}
    except ValueError:
        return {"text": text}


def exchange_document(
    signature: Signature,
    request: httpx.Request,
    status: int,
    headers: httpx.Headers,
    content: bytes,
    scrub: Scrubber,
    *,
    litellm_version: str | None,
) -> dict[str, Any]:
    """The JSON document of one exchange, secrets already replaced."""
    request_body: Any = None
    if request.content:
        try:
            request_body = json.loads(scrub(request.content.decode("utf-8", "replace")))
        except ValueError:
            request_body = scrub(request.content.decode("utf-8", "replace"))
    kept_request = {k: scrub(request.headers[k]) for k in KEPT_REQUEST_HEADERS if k in request.headers}
    kept_response = {k: scrub(headers[k]) for k in KEPT_RESPONSE_HEADERS if k in headers}
    return {
        "schema": SCHEMA,
        "source": "recorded",
        "litellm_version": litellm_version,
        "match": signature.as_json(),
        "request": {"headers": kept_request, "body": request_body},
        "response": {
            "status": status,
            "headers": kept_response,
            **_body_document(content, headers.get("content-type", ""), scrub),
        },
    }


def write_exchange(directory: Path, signature: Signature, document: dict[str, Any]) -> Path:
    """Write one exchange as pretty-printed JSON named after its signature (a later one replaces it)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{signature.slug()}.json"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


class _Tee(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, on_close: Any) -> None:
        self._inner = inner
        self._chunks: list[bytes] = []
        self._on_close = on_close
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._chunks.append(chunk)
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._inner.aclose()
        finally:
            self._on_close(b"".join(self._chunks))


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to a real transport and writes each answered exchange to ``directory``.

    :param directory: where the exchange files go (created if missing).
    :param master_key: the run's master key: it classifies requests as ``auth=master`` and is
        replaced by ``{{MASTER_KEY}}`` wherever it appears.
    :param inner: the transport that really sends; default ``httpx.AsyncHTTPTransport()``.
    """

    def __init__(
        self,
        directory: str | Path,
        master_key: Secret | None,
        *,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.master_key = master_key
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.scrub = Scrubber(master_key)
        self.written: list[Path] = []
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        signature = signature_of(request, self.master_key.reveal() if self.master_key else None)
        response = await self.inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)

        def on_close(raw: bytes) -> None:
            content = _decode(raw, response.headers)
            document = exchange_document(
                signature,
                request,
                response.status_code,
                response.headers,
                content,
                self.scrub,
                litellm_version=response.headers.get("x-litellm-version"),
            )
            self.written.append(write_exchange(self.directory, signature, document))

        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Tee(response.stream, on_close),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        # The SDK's client and the raw client share this transport; both close it.
        if not self._closed:
            self._closed = True
            await self.inner.aclose()


def scan_for_secrets(directory: Path, secrets: Iterable[str] = ()) -> list[str]:
    """Files under ``directory`` that contain a given secret or anything ``sk-…``-shaped, with the reason."""
    found: list[str] = []
    values = [s for s in secrets if s]
    for file in sorted(directory.rglob("*.json")):
        text = file.read_text(encoding="utf-8", errors="replace")
        for value in values:
            if value in text:
                found.append(f"{file}: contains a secret used for the recording")
        if KEY_PATTERN.search(text):
            found.append(f"{file}: contains a key-shaped value (sk-…)")
    return found

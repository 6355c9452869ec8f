"""Offline replay: recorded LiteLLM exchanges served through a respx router, no socket opened.

A recording directory holds one JSON file per exchange (see ``docs/offline.md``). Each file
names the request it answers (``match``: method, path, query, auth class, model, stream flag,
input shape) and the answer (``response``: status, headers, and a ``json`` body, a ``text``
body or an ``sse`` event list). It may instead carry a ``transport_error`` (``connect_refused``,
``connect_timeout``, ``dns``) and may carry ``delay_s``, which is measured against the
request's read timeout because an in-memory transport cannot time out by itself.

Secrets are stored as placeholders (``{{MASTER_KEY}}``, ``{{WRONG_KEY}}``) and substituted at
replay time with the keys of the current run, so a recording of a key-echoing gateway echoes
the key the run really sent. Nothing here imports litellm or opens a socket.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import secrets
import socket
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import respx

from litellm_smoke._secrets import Secret
from litellm_smoke.errors import SmokeFailure
from litellm_smoke.settings import CHAT_MODELS, EMBEDDING_MODELS, Settings

__all__ = [
    "MASTER_KEY_PLACEHOLDER",
    "REPLAY_BASE_URL",
    "WRONG_KEY_PLACEHOLDER",
    "Exchange",
    "ReplayError",
    "ReplayMiss",
    "ReplayTransport",
    "Signature",
    "load_exchanges",
    "replay_transport",
    "resolve_replay_dir",
    "signature_of",
]

log = logging.getLogger("litellm_smoke.offline.replay")

SCHEMA = 1
REPLAY_BASE_URL = "http://litellm.replay"
RECORDINGS_ROOT = Path(__file__).resolve().parents[1] / "data" / "recorded"

MASTER_KEY_PLACEHOLDER = "{{MASTER_KEY}}"
WRONG_KEY_PLACEHOLDER = "{{WRONG_KEY}}"
OTHER_KEY_PLACEHOLDER = "{{REDACTED_KEY}}"
UNKNOWN_MODEL_PLACEHOLDER = "{{UNKNOWN_MODEL}}"

# The smoke checks send random values with these prefixes (checks/auth.py, checks/models.py);
# replay matches them by prefix, so a recording made with one random value answers every run.
WRONG_KEY_PREFIX = "sk-litellm-smoke-wrong-"
UNKNOWN_MODEL_PREFIX = "litellm-smoke-no-such-model-"

# "no-bearer-prefix", not "no-bearer": the redactor masks whatever follows "bearer " in a message.
AUTH_CLASSES = ("none", "master", "wrong-key", "no-bearer-prefix", "other")
TRANSPORT_ERRORS = ("connect_refused", "connect_timeout", "dns")
_BODY_KINDS = ("json", "text", "sse")


class ReplayError(ValueError):
    """The replay directory or one of its files is unusable; the message names the file and the fix."""


@dataclass(frozen=True)
class Signature:
    """What a request is matched on. Placeholders stand for the per-run random values."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    auth: str = "none"
    model: str | None = None
    stream: bool = False
    input: str = "-"

    def describe(self) -> str:
        """``POST /v1/chat/completions auth=master model=m stream=false input=messages[1]``."""
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query) if self.query else ""
        return (
            f"{self.method} {self.path}{query} auth={self.auth} model={self.model or '-'} "
            f"stream={str(self.stream).lower()} input={self.input}"
        )

    def slug(self) -> str:
        """A file-name stem naming the request: ``post_v1_chat_completions__master__m__stream``."""
        parts = [self.method.lower() + self.path.replace("/", "_")]
        parts += [f"{k}-{v}" for k, v in self.query]
        parts.append(self.auth)
        if self.model:
            parts.append("unknown-model" if self.model == UNKNOWN_MODEL_PLACEHOLDER else self.model)
        if self.stream:
            parts.append("stream")
        if self.input != "-":
            parts.append(self.input.replace("[", "").replace("]", ""))
        return re.sub(r"[^A-Za-z0-9._-]+", "-", "__".join(parts)).strip("-")

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "auth": self.auth,
            "model": self.model,
            "stream": self.stream,
            "input": self.input,
        }


def auth_class(headers: Mapping[str, str], master_key: str | None) -> str:
    """none / master / wrong-key / no-bearer-prefix / other, from the Authorization header."""
    value = headers.get("authorization")
    if value is None:
        return "none"
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return "no-bearer-prefix"
    token = token.strip()
    if master_key and token == master_key:
        return "master"
    if token.startswith(WRONG_KEY_PREFIX):
        return "wrong-key"
    return "other"


def _input_shape(path: str, body: Mapping[str, Any]) -> str:
    if path.endswith("/embeddings"):
        value = body.get("input")
        if isinstance(value, str):
            return "str"
        if isinstance(value, list):
            return f"list[{len(value)}]"
        return type(value).__name__
    messages = body.get("messages")
    if isinstance(messages, list):
        shape = f"messages[{len(messages)}]"
        # Capability checks send the same model and messages: what they add tells them apart.
        if isinstance(body.get("tools"), list):
            shape += f"+tools[{len(body['tools'])}]"
        response_format = body.get("response_format")
        if isinstance(response_format, dict) and isinstance(response_format.get("type"), str):
            shape += f"+{response_format['type']}"
        return shape
    return "-"


def _from_sdk(request: httpx.Request) -> bool:
    """A request the official OpenAI SDK sent (it adds its x-stainless-* headers)."""
    return "x-stainless-lang" in request.headers


def normalise_model(model: Any) -> str | None:
    if not isinstance(model, str):
        return None
    return UNKNOWN_MODEL_PLACEHOLDER if model.startswith(UNKNOWN_MODEL_PREFIX) else model


def signature_of(request: httpx.Request, master_key: str | None) -> Signature:
    """The signature of an outgoing request, with random probe values replaced by placeholders."""
    body: Any = None
    if request.method in ("POST", "PUT", "PATCH") and request.content:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = None
    body = body if isinstance(body, dict) else {}
    return Signature(
        method=request.method,
        path=request.url.path,
        query=tuple(sorted(request.url.params.multi_items())),
        auth=auth_class(request.headers, master_key),
        model=normalise_model(body.get("model")),
        stream=bool(body.get("stream")),
        input=_input_shape(request.url.path, body) + _sdk_suffix(request, body) if body else "-",
    )


def _sdk_suffix(request: httpx.Request, body: Mapping[str, Any]) -> str:
    # The SDK chat check sends the plain chat check's body: recorded apart, so a fault can hit one.
    return "+sdk" if isinstance(body.get("messages"), list) and _from_sdk(request) else ""


@dataclass
class Exchange:
    """One recorded (or synthesised) answer to one request signature."""

    file: Path
    signature: Signature
    response: dict[str, Any] = field(default_factory=dict)
    delay_s: float = 0.0
    transport_error: str | None = None
    stall_after_events: int | None = None
    source: str = "recorded"


def _bad(file: Path, problem: str) -> ReplayError:
    return ReplayError(
        f"unusable recording {file}: {problem}; see docs/offline.md for the format, "
        "or re-record with `litellm-smoke record`"
    )


def _parse_exchange(file: Path, doc: Any) -> Exchange:
    if not isinstance(doc, dict):
        raise _bad(file, "the top level is not a JSON object")
    match = doc.get("match")
    if (
        not isinstance(match, dict)
        or not isinstance(match.get("method"), str)
        or not isinstance(match.get("path"), str)
    ):
        raise _bad(file, "no 'match' object with 'method' and 'path'")
    auth = match.get("auth", "none")
    if auth not in AUTH_CLASSES:
        raise _bad(file, f"match.auth is {auth!r}, expected one of {', '.join(AUTH_CLASSES)}")
    query = match.get("query") or {}
    if not isinstance(query, dict):
        raise _bad(file, "match.query is not an object")
    signature = Signature(
        method=match["method"].upper(),
        path=match["path"],
        query=tuple(sorted((str(k), str(v)) for k, v in query.items())),
        auth=auth,
        model=match.get("model"),
        stream=bool(match.get("stream", False)),
        input=str(match.get("input", "-")),
    )
    error = doc.get("transport_error")
    if error is not None and error not in TRANSPORT_ERRORS:
        raise _bad(file, f"transport_error is {error!r}, expected one of {', '.join(TRANSPORT_ERRORS)}")
    response = doc.get("response")
    if error is None:
        if not isinstance(response, dict) or not isinstance(response.get("status"), int):
            raise _bad(file, "no 'response' object with an integer 'status' (and no transport_error)")
        kinds = [k for k in _BODY_KINDS if k in response]
        if len(kinds) > 1:
            raise _bad(file, f"the response has several bodies ({', '.join(kinds)}); keep one")
        if "sse" in response and not isinstance(response["sse"], list):
            raise _bad(file, "response.sse is not a list of events")
        if not isinstance(response.get("headers", {}), dict):
            raise _bad(file, "response.headers is not an object")
    delay = doc.get("delay_s", 0)
    if not isinstance(delay, (int, float)) or delay < 0:
        raise _bad(file, f"delay_s is {delay!r}, expected a number of seconds >= 0")
    stall = doc.get("stall_after_events")
    if stall is not None and (not isinstance(stall, int) or stall < 0):
        raise _bad(file, f"stall_after_events is {stall!r}, expected an integer >= 0")
    return Exchange(
        file=file,
        signature=signature,
        response=response if isinstance(response, dict) else {},
        delay_s=float(delay),
        transport_error=error,
        stall_after_events=stall,
        source=str(doc.get("source", "recorded")),
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name)) or (-1,)


def resolve_replay_dir(replay_dir: str | Path | None) -> Path:
    """The directory of exchange files to replay.

    ``None``: the newest version shipped in the package. A directory holding ``*.json`` files:
    itself. A directory of version directories (``1.108.7/``): the newest of them.
    """
    root = Path(replay_dir) if replay_dir else RECORDINGS_ROOT
    if not root.is_dir():
        raise ReplayError(f"replay directory {root} does not exist: pass --replay-dir DIR with recorded exchanges")
    if any(p.suffix == ".json" for p in root.iterdir()):
        return root
    versions = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: _version_key(p.name))
    for candidate in reversed(versions):
        if any(p.suffix == ".json" for p in candidate.iterdir()):
            return candidate
    raise ReplayError(
        f"replay directory {root} holds no recorded exchanges (*.json, or version directories of them): "
        "record some with `litellm-smoke record`"
    )


MANIFEST = "_manifest.json"


def recorded_models(directory: Path) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The (chat, embedding) models ``litellm-smoke record`` recorded into ``directory``, if its manifest says."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        models = manifest["models"]
        return tuple(map(str, models["chat"])), tuple(map(str, models["embedding"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def with_recorded_models(settings: Settings, directory: Path) -> Settings:
    """A replay checks the models its recording holds (the manifest says which) unless models were given."""
    recorded = recorded_models(directory)
    if recorded is None:
        return settings
    chat = recorded[0] if settings.sources.get(CHAT_MODELS.name) == "default" else settings.chat_models
    embed = recorded[1] if settings.sources.get(EMBEDDING_MODELS.name) == "default" else settings.embedding_models
    return dataclasses.replace(settings, chat_models=chat, embedding_models=embed)


def load_exchanges(directory: Path) -> list[Exchange]:
    """Every exchange file in ``directory`` (files starting with ``_`` are metadata, not exchanges)."""
    exchanges: list[Exchange] = []
    seen: dict[Signature, Path] = {}
    for file in sorted(directory.glob("*.json")):
        if file.name.startswith("_"):
            continue
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _bad(file, f"not readable JSON ({exc})") from None
        exchange = _parse_exchange(file, doc)
        if exchange.signature in seen:
            raise _bad(
                file,
                f"it answers the same request as {seen[exchange.signature].name} "
                f"({exchange.signature.describe()}); keep one",
            )
        seen[exchange.signature] = file
        exchanges.append(exchange)
    if not exchanges:
        raise ReplayError(f"replay directory {directory} holds no exchange files")
    return exchanges


class ReplayMiss(SmokeFailure):
    """A request the recordings do not answer. Raised inside the transport, so the check fails on it."""


class _SSEStream(httpx.AsyncByteStream):
    """The recorded events, one chunk per event, as a real async byte stream (respx's list form is sync-only)."""

    def __init__(
        self, events: list[bytes], stall_after: int | None, request: httpx.Request, read_timeout: float | None
    ) -> None:
        self._events = events
        self._stall_after = stall_after
        self._request = request
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for number, event in enumerate(self._events):
            if self._stall_after is not None and number >= self._stall_after:
                await _stall(self._request, self._read_timeout)
            await asyncio.sleep(0)  # let other tasks run between events, like a network stream
            yield event
        if self._stall_after is not None and self._stall_after >= len(self._events):
            await _stall(self._request, self._read_timeout)

    async def aclose(self) -> None:
        return None


async def _stall(request: httpx.Request, read_timeout: float | None) -> None:
    if read_timeout is None:  # no timeout at all: a real client would hang forever; do not
        raise httpx.ReadTimeout("replayed stall with no read timeout configured", request=request)
    await asyncio.sleep(read_timeout)
    raise httpx.ReadTimeout("timed out", request=request) from TimeoutError()


def _sse_event(event: Any) -> bytes:
    # A JSON value is one data event; a string is sent as the raw data payload ("[DONE]", or a
    # deliberately malformed payload in a fault scenario).
    payload = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
    return f"data: {payload}\n\n".encode()


def _transport_error(kind: str, request: httpx.Request) -> tuple[httpx.TransportError, BaseException]:
    """The exception httpx raises for this failure, and the OS-level cause it chains to."""
    if kind == "connect_refused":
        cause: BaseException = ConnectionRefusedError(111, "Connection refused")
        return httpx.ConnectError("[Errno 111] Connection refused", request=request), cause
    if kind == "connect_timeout":
        return httpx.ConnectTimeout("timed out", request=request), TimeoutError("timed out")
    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return httpx.ConnectError("[Errno -2] Name or service not known", request=request), cause


_FAILURE_KEY = "litellm_smoke.replay_failure"


class ReplayTransport(httpx.AsyncBaseTransport):
    """An httpx transport answering from recorded exchanges through a ``respx.MockRouter``.

    :param exchanges: what to answer, one per request signature.
    :param master_key: the run's master key; ``{{MASTER_KEY}}`` in recordings becomes this value,
        and requests bearing it are classified ``auth=master``.
    :param directory: where the exchanges came from, for messages.
    """

    def __init__(self, exchanges: Iterable[Exchange], master_key: Secret, *, directory: Path | None = None) -> None:
        self.master_key = master_key
        self.directory = directory
        self.exchanges = list(exchanges)
        self.misses: list[Signature] = []
        # assert_all_called=False: a run selecting a subset of checks uses a subset of recordings.
        self.router = respx.MockRouter(assert_all_mocked=True, assert_all_called=False, base_url=REPLAY_BASE_URL)
        # One respx route per method + path + query (respx merges routes with equal patterns);
        # the route's side effect picks the exchange by auth class, model, stream flag and input.
        groups: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[Signature, Exchange]] = {}
        for exchange in self.exchanges:
            sig = exchange.signature
            groups.setdefault((sig.method, sig.path, sig.query), {})[sig] = exchange
        for (method, path, query), by_signature in groups.items():
            name = f"{method} {path}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
            self.router.route(method=method, path=path, params__eq=dict(query), name=name).side_effect = self._answerer(
                by_signature
            )

    def _answerer(self, by_signature: Mapping[Signature, Exchange]) -> Any:
        async def answer(request: httpx.Request) -> httpx.Response | None:
            signature = signature_of(request, self.master_key.reveal())
            exchange = by_signature.get(signature)
            if exchange is None and signature.auth == "none":
                # LiteLLM refuses a request without a key before it looks at the model: the
                # recorded refusal answers an unauthenticated request for any model.
                exchange = next((e for s, e in by_signature.items() if s.auth == "none"), None)
            if exchange is None:
                return None  # no recording for this signature: respx tries the next route, then fails
            return await self._respond(exchange, request)

        return answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.router.async_handler(request)
        except respx.models.AllMockedAssertionError:
            raise self._miss(request) from None
        failure = response.extensions.get(_FAILURE_KEY)
        if failure is not None:
            exc, cause = failure
            raise exc from cause
        return response

    async def aclose(self) -> None:
        return None

    def _substitute(self, text: str, request: httpx.Request, sig: Signature) -> str:
        text = text.replace(MASTER_KEY_PLACEHOLDER, self.master_key.reveal())
        if WRONG_KEY_PLACEHOLDER in text and sig.auth == "wrong-key":
            text = text.replace(WRONG_KEY_PLACEHOLDER, request.headers["authorization"].partition(" ")[2].strip())
        if UNKNOWN_MODEL_PLACEHOLDER in text and sig.model == UNKNOWN_MODEL_PLACEHOLDER:
            try:
                model = str(json.loads(request.content)["model"])
            except (ValueError, KeyError, TypeError):
                model = UNKNOWN_MODEL_PLACEHOLDER
            text = text.replace(UNKNOWN_MODEL_PLACEHOLDER, model)
        return text

    async def _respond(self, exchange: Exchange, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        read_timeout = timeouts.get("read")
        if exchange.transport_error == "connect_timeout":
            connect = timeouts.get("connect")
            await asyncio.sleep(connect if connect is not None else 0)
        if exchange.transport_error is not None:
            return self._failure(request, *_transport_error(exchange.transport_error, request))
        if exchange.delay_s:
            if read_timeout is not None and exchange.delay_s >= read_timeout:
                await asyncio.sleep(read_timeout)
                return self._failure(request, httpx.ReadTimeout("timed out", request=request), TimeoutError())
            await asyncio.sleep(exchange.delay_s)
        spec = exchange.response
        sig = exchange.signature
        headers = {k: self._substitute(str(v), request, sig) for k, v in (spec.get("headers") or {}).items()}
        if "sse" in spec:
            events = [self._substitute(_sse_event(e).decode(), request, sig).encode() for e in spec["sse"]]
            stream = _SSEStream(events, exchange.stall_after_events, request, read_timeout)
            return httpx.Response(spec["status"], headers=headers, stream=stream, request=request)
        if "json" in spec:
            content = self._substitute(json.dumps(spec["json"], ensure_ascii=False), request, sig).encode()
        elif "text" in spec:
            content = self._substitute(str(spec["text"]), request, sig).encode()
        else:
            content = b""
        return httpx.Response(spec["status"], headers=headers, content=content, request=request)

    @staticmethod
    def _failure(request: httpx.Request, exc: httpx.TransportError, cause: BaseException) -> httpx.Response:
        # respx re-raises side-effect exceptions chained to its own wrapper, which would hide the
        # OS-level cause that preflight.classify reads; so the failure travels as a marker.
        return httpx.Response(599, request=request, extensions={_FAILURE_KEY: (exc, cause)})

    def _miss(self, request: httpx.Request) -> ReplayMiss:
        sig = signature_of(request, self.master_key.reveal())
        self.misses.append(sig)
        same_route = [e for e in self.exchanges if (e.signature.method, e.signature.path) == (sig.method, sig.path)]
        nearest = "; ".join(f"{e.file.name} ({e.signature.describe()})" for e in same_route[:4])
        where = str(self.directory) if self.directory else "the replay directory"
        miss = ReplayMiss(
            f"offline replay: no recording for {sig.describe()}",
            expected=f"a recorded exchange for this request in {where}",
            got=f"recordings for {sig.method} {sig.path}: {nearest}"
            if nearest
            else f"no recording for {sig.method} {sig.path} at all",
            hint="the check sends a request the recordings do not cover: re-record with "
            "`litellm-smoke record` (docs/offline.md), or add the exchange by hand",
        )
        # The OpenAI SDK turns any transport exception into a generic "Connection error.", so
        # the miss is also logged: pytest shows it under "Captured log" of the failing check.
        log.error("%s", miss)
        return miss


def replay_transport(replay_dir: str | Path | None, *, master_key: Secret | None) -> ReplayTransport:
    """A :class:`ReplayTransport` over the recordings in ``replay_dir`` (default: the shipped ones).

    :param master_key: the run's master key; when None a random one is made up for the run.
    :raises ReplayError: the directory or a file in it is unusable (one line, names the file).
    """
    directory = resolve_replay_dir(replay_dir)
    if master_key is None:
        master_key = Secret("sk-litellm-smoke-offline-" + secrets.token_hex(8))
    # Not registered with the redactor here: the client does that for every run, live or
    # offline, and the self-tests must see it fail if it ever stops.
    return ReplayTransport(load_exchanges(directory), master_key, directory=directory)

"""A fake OpenAI-compatible upstream for a real LiteLLM proxy to talk to.

Standard library only, so the file can also be copied into a plain ``python`` image and run as
``python -m litellm_smoke.launchers.fake_upstream --host 0.0.0.0 --port 8080`` or
``python fake_upstream.py --port 8080``.

Endpoints (each also without the ``/v1`` prefix):

* ``POST /v1/chat/completions``: a ``chat.completion`` (or, with ``"stream": true``, SSE
  ``chat.completion.chunk`` events ending in ``data: [DONE]``) whose assistant content is the
  fixed reply (default ``"pong"``), cut to ``max_tokens`` words.
* ``POST /v1/embeddings``: one deterministic unit-length float vector per input (dimension
  ``dim``, default 8), or base64 float32 with ``"encoding_format": "base64"``.
* ``GET /v1/models``: the healthy and fault model names below.
* ``GET /_stats``: call accounting (see :meth:`FakeUpstream.stats`); ``POST /_stats/reset``.
* anything else: 404 with an OpenAI error body.

The behaviour is chosen by the **upstream** model name in the request body, so one LiteLLM config
can map a public model name to each behaviour (``data/faults.yaml`` maps each fault name to
itself). The last column is what a client of LiteLLM 1.108.7 sees (observed):

=========================  ===================================  ===================================
upstream model             fake upstream does                   seen through LiteLLM
=========================  ===================================  ===================================
``fake-chat``, any other   healthy chat (content ``"pong"``)    200, same content
``fake-embed``             healthy embeddings                   200, same vectors
``fault-empty-content``    chat content ``""``, no content      200 with ``content: ""``,
                           deltas when streaming,               ``completion_tokens: 0``
                           ``completion_tokens: 0``
``fault-no-usage``         no ``usage`` (chat, embeddings;      non-stream chat: usage all zeros;
                           no usage chunk when streaming)       stream: LiteLLM computes usage
``fault-500``              HTTP 500 ``server_error`` on every   500 ``internal_server_error``
                           endpoint                             (also for ``stream: true``)
``fault-slow``             waits ``slow_seconds`` first (arg,   200 after the delay;
                           else env                             ``/health?model=`` 503 when
                           ``FAKE_UPSTREAM_SLOW_SECONDS``,      ``health_check_timeout`` is lower
                           default 5)
``fault-stream-no-done``   stream without ``data: [DONE]``      healthy: LiteLLM re-frames the
                           (non-stream: healthy)                stream and adds ``[DONE]`` itself
``fault-stream-cut``       stream drops the connection after    200 SSE, then ``data: {"error":
                           the first content delta (non-        ...}``, no ``finish_reason``, no
                           stream: healthy)                     ``[DONE]``
``fault-embed-short``      last vector one element shorter      passed through unchanged
``fault-embed-missing``    one vector fewer than inputs         passed through unchanged
=========================  ===================================  ===================================

NaN or infinite embedding values are not offered as a fault: they are not valid JSON, so no
OpenAI-compatible upstream can send them through LiteLLM.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "CHAT_MODEL",
    "DEFAULT_DIM",
    "DEFAULT_REPLY",
    "DEFAULT_SLOW_SECONDS",
    "EMBED_MODEL",
    "FAULT_MODELS",
    "FakeUpstream",
    "main",
]

CHAT_MODEL = "fake-chat"
EMBED_MODEL = "fake-embed"
DEFAULT_DIM = 8
DEFAULT_REPLY = "pong"
DEFAULT_SLOW_SECONDS = 5.0
SLOW_SECONDS_ENV = "FAKE_UPSTREAM_SLOW_SECONDS"
LATENCY_SECONDS_ENV = "FAKE_UPSTREAM_LATENCY_SECONDS"

FAULT_EMPTY_CONTENT = "fault-empty-content"
FAULT_NO_USAGE = "fault-no-usage"
FAULT_500 = "fault-500"
FAULT_SLOW = "fault-slow"
FAULT_STREAM_NO_DONE = "fault-stream-no-done"
FAULT_STREAM_CUT = "fault-stream-cut"
FAULT_EMBED_SHORT = "fault-embed-short"
FAULT_EMBED_MISSING = "fault-embed-missing"
FAULT_MODELS: Mapping[str, str] = {
    FAULT_EMPTY_CONTENT: "chat",
    FAULT_NO_USAGE: "chat",
    FAULT_500: "chat",
    FAULT_SLOW: "chat",
    FAULT_STREAM_NO_DONE: "chat",
    FAULT_STREAM_CUT: "chat",
    FAULT_EMBED_SHORT: "embedding",
    FAULT_EMBED_MISSING: "embedding",
}
"""Fault model name → the LiteLLM ``model_info.mode`` its deployment should have."""

# Keep-alive connections from LiteLLM's pool are held by a handler thread each; close idle ones
# so a long-lived upstream does not collect threads.
_IDLE_TIMEOUT_SECONDS = 60.0


class _Stats:
    """Thread-safe call accounting; handler threads write, tests and benchmarks read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset_unlocked()

    def _reset_unlocked(self) -> None:
        self._chat: dict[str, int] = {}
        self._chat_stream: dict[str, int] = {}
        self._embeddings: dict[str, int] = {}
        self._other: dict[str, dict[str, int]] = {}  # completion, moderation, rerank, responses
        self._completion_tokens: dict[str, int] = {}
        self._faults: dict[str, int] = {}
        self._requests = 0
        self._models_list = 0

    def reset(self) -> None:
        with self._lock:
            self._reset_unlocked()

    def request(self) -> None:
        with self._lock:
            self._requests += 1

    def models_list(self) -> None:
        with self._lock:
            self._models_list += 1

    def call(self, kind: str, model: str, completion_tokens: int = 0) -> None:
        with self._lock:
            fixed = {"chat": self._chat, "chat_stream": self._chat_stream, "embeddings": self._embeddings}
            table = fixed.get(kind) or self._other.setdefault(kind, {})
            table[model] = table.get(model, 0) + 1
            if kind not in ("embeddings", "moderation", "rerank"):
                self._completion_tokens[model] = self._completion_tokens.get(model, 0) + completion_tokens

    def fault(self, model: str) -> None:
        with self._lock:
            self._faults[model] = self._faults.get(model, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "chat": dict(self._chat),
                "chat_stream": dict(self._chat_stream),
                "embeddings": dict(self._embeddings),
                **{kind: dict(table) for kind, table in self._other.items()},
                "completion_tokens": dict(self._completion_tokens),
                "faults": dict(self._faults),
                "requests": self._requests,
                "models_list": self._models_list,
            }


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _words(value: Any) -> int:
    """Rough token count: whitespace-separated words in any text found in ``value``."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, Mapping):
        return sum(_words(v) for k, v in value.items() if k in ("content", "text"))
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    return 0


def _vector(text: str, dim: int) -> list[float]:
    """A deterministic unit vector for ``text``: equal inputs give equal vectors."""
    raw: list[float] = []
    counter = 0
    while len(raw) < dim:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        for i in range(0, len(digest), 4):
            (n,) = struct.unpack(">I", digest[i : i + 4])
            raw.append(n / 0xFFFFFFFF * 2.0 - 1.0)
        counter += 1
    raw = raw[:dim]
    norm = math.sqrt(sum(x * x for x in raw))
    if norm == 0.0:  # practically impossible, but a zero vector must not become NaN
        return [1.0] + [0.0] * (dim - 1)
    return [round(x / norm, 6) for x in raw]


def _embedding_inputs(body: Mapping[str, Any]) -> list[str]:
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        # The OpenAI API also takes token ids: a list of ints is one input, a list of lists many.
        if all(isinstance(v, int) for v in value):
            return [json.dumps(value)]
        if all(isinstance(v, (str, list)) for v in value):
            return [v if isinstance(v, str) else json.dumps(v) for v in value]
    raise _BadRequest("'input' must be a non-empty string or list of strings", param="input")


def _max_tokens(body: Mapping[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _BadRequest(f"'{key}' must be an integer >= 1, got {value!r}", param=key)
        return value
    return None


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so LiteLLM's pooled clients can keep connections alive; every response therefore
    # carries Content-Length or uses chunked transfer encoding.
    protocol_version = "HTTP/1.1"
    server_version = "litellm-smoke-fake-upstream/1"
    timeout = _IDLE_TIMEOUT_SECONDS
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client's delayed
    # ACK stalls every response by ~40 ms, which would dominate any latency benchmark.
    disable_nagle_algorithm = True
    server: _Server

    # -- plumbing -----------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.upstream.verbose:
            sys.stderr.write(f"fake-upstream: {self.address_string()} {format % args}\n")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Skip trailers up to the blank line that ends the message.
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str, *, type_: str, param: str | None = None) -> None:
        self._send_json(status, {"error": {"message": message, "type": type_, "param": param, "code": None}})

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _route(self) -> str:
        path = self.path.split("?", 1)[0].rstrip("/")
        # LiteLLM's cohere rerank appends /v1/rerank to an api_base that already ends in /v1.
        while path.startswith("/v1/"):
            path = path[3:]
        # Cohere v2 (what LiteLLM 1.108.7 sends for cohere/ rerank models) answers in the v1 shape.
        return "/rerank" if path == "/v2/rerank" else path

    # -- dispatch -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        route = self._route()
        if route == "/_stats":
            self._send_json(200, self.server.upstream.stats())
            return
        if route == "/models":
            # Counted apart: LiteLLM lists upstream models on its own, at times no test controls.
            self.server.upstream._stats.models_list()
            self._send_json(200, self.server.upstream.models_payload())
        else:
            self.server.upstream._stats.request()
            self._not_found()

    def do_POST(self) -> None:
        route = self._route()
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send_error(400, "could not read the request body", type_="invalid_request_error")
            return
        if route == "/_stats/reset":
            self.server.upstream.reset_stats()
            self._send_json(200, self.server.upstream.stats())
            return
        self.server.upstream._stats.request()
        if route not in _MODEL_ROUTES:
            self._not_found()
            return
        try:
            body = json.loads(raw or b"null")
            if not isinstance(body, dict):
                raise _BadRequest("the request body must be a JSON object")
            model = body.get("model")
            if not isinstance(model, str) or not model:
                raise _BadRequest("'model' is required", param="model")
            if self.server.upstream.latency_seconds > 0:
                self.server.upstream._stopping.wait(self.server.upstream.latency_seconds)
            if model == FAULT_SLOW:
                self.server.upstream._stats.fault(model)
                # An Event instead of time.sleep so stop() releases slow requests at once.
                self.server.upstream._stopping.wait(self.server.upstream.slow_seconds)
            if model == FAULT_500:
                self.server.upstream._stats.fault(model)
                self._send_error(
                    500,
                    f"fake upstream: injected internal error for model {model!r}",
                    type_="server_error",
                )
                return
            if route == "/chat/completions":
                self._chat(body, model)
            elif route == "/embeddings":
                self._embeddings(body, model)
            elif route == "/completions":
                self._completion(body, model)
            elif route == "/moderations":
                self._moderation(body, model)
            elif route == "/responses":
                self._responses(body, model)
            else:
                self._rerank(body, model)
        except _BadRequest as exc:
            self._send_error(400, str(exc), type_="invalid_request_error", param=exc.param)
        except json.JSONDecodeError as exc:
            self._send_error(400, f"invalid JSON body: {exc}", type_="invalid_request_error")
        except (BrokenPipeError, ConnectionResetError):
            # The client (LiteLLM, or a test) went away mid-answer; nothing to report to anyone.
            self.close_connection = True

    def do_PUT(self) -> None:
        self._not_found()

    do_DELETE = do_PATCH = do_PUT

    def _not_found(self) -> None:
        self._send_error(
            404,
            f"fake upstream: no route {self.command} {self.path}; it serves {', '.join(_MODEL_ROUTES)}, "
            "/v1/models, /_stats",
            type_="invalid_request_error",
        )

    # -- endpoints ----------------------------------------------------------------------------

    def _chat(self, body: Mapping[str, Any], model: str) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _BadRequest("'messages' must be a non-empty list", param="messages")
        limit = _max_tokens(body)
        upstream = self.server.upstream
        words = [] if model == FAULT_EMPTY_CONTENT else upstream.reply.split()
        finish_reason = "stop"
        if limit is not None and len(words) > limit:
            words, finish_reason = words[:limit], "length"
        content = " ".join(words)
        prompt_tokens = max(1, _words(messages))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(words),
            "total_tokens": prompt_tokens + len(words),
        }
        stream = bool(body.get("stream"))
        tool = _forced_tool(body)
        if tool is None and model != FAULT_EMPTY_CONTENT:
            content = _schema_answer(body, upstream.reply) or content
        if model in (FAULT_EMPTY_CONTENT, FAULT_NO_USAGE) or (
            stream and model in (FAULT_STREAM_NO_DONE, FAULT_STREAM_CUT)
        ):
            upstream._stats.fault(model)
        upstream._stats.call("chat_stream" if stream else "chat", model, len(words))
        completion_id = f"chatcmpl-fake-{upstream._next_id()}"
        created = int(time.time())
        message: dict[str, Any] = {"role": "assistant", "content": content}
        call: dict[str, Any] | None = None
        if tool is not None:
            arguments = json.dumps({"city": "Paris"})
            call = {"id": f"call_fake_{upstream._next_id()}", "type": "function"}
            call["function"] = {"name": tool, "arguments": arguments}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish_reason = "tool_calls"
        if not stream:
            payload: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
            }
            if model != FAULT_NO_USAGE:
                payload["usage"] = usage
            self._send_json(200, payload)
            return

        options = body.get("stream_options")
        include_usage = isinstance(options, Mapping) and bool(options.get("include_usage"))

        def chunk(delta: Mapping[str, Any], finish: str | None) -> dict[str, Any]:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": dict(delta), "logprobs": None, "finish_reason": finish}],
            }

        events: list[dict[str, Any]] = [chunk({"role": "assistant", "content": ""}, None)]
        if call is not None:
            # OpenAI's shape: the first delta names the function, the next ones carry argument pieces.
            name_delta = {**call, "index": 0, "function": {"name": call["function"]["name"], "arguments": ""}}
            events.append(chunk({"tool_calls": [name_delta]}, None))
            for piece in _halves(call["function"]["arguments"]):
                events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}, None))
        else:
            events += [chunk({"content": piece}, None) for piece in _pieces(content)]
        events.append(chunk({}, finish_reason))
        if include_usage and model != FAULT_NO_USAGE:
            # OpenAI's shape: an extra chunk with empty choices, sent only when asked for.
            events.append({**chunk({}, None), "choices": [], "usage": usage})

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if model == FAULT_STREAM_CUT:
            # Role delta and the first content delta, then the connection drops mid-message: no
            # finish_reason, no [DONE] and no terminating zero-length chunk.
            for event in events[:2]:
                self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        for event in events:
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
        if model != FAULT_STREAM_NO_DONE:
            self._write_chunk(b"data: [DONE]\n\n")
        # The zero-length chunk ends the HTTP message cleanly even in the no-[DONE] fault: the
        # fault is in the SSE protocol, not in the transport.
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _completion(self, body: Mapping[str, Any], model: str) -> None:
        prompt = body.get("prompt")
        if not isinstance(prompt, (str, list)) or not prompt:
            raise _BadRequest("'prompt' is required", param="prompt")
        upstream = self.server.upstream
        words = upstream.reply.split()
        limit = _max_tokens(body)
        finish_reason = "stop"
        if limit is not None and len(words) > limit:
            words, finish_reason = words[:limit], "length"
        prompt_tokens = max(1, _words(prompt))
        upstream._stats.call("completion", model, len(words))
        self._send_json(
            200,
            {
                "id": f"cmpl-fake-{upstream._next_id()}",
                "object": "text_completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"text": " ".join(words), "index": 0, "logprobs": None, "finish_reason": finish_reason}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(words),
                    "total_tokens": prompt_tokens + len(words),
                },
            },
        )

    def _responses(self, body: Mapping[str, Any], model: str) -> None:
        """OpenAI's Responses API (LiteLLM 1.108.7 also sends /v1/messages of openai/ models here)."""
        if "input" not in body:
            raise _BadRequest("'input' is required", param="input")
        upstream = self.server.upstream
        words = upstream.reply.split()
        limit = body.get("max_output_tokens")
        status, incomplete = "completed", None
        if isinstance(limit, int) and 0 < limit < len(words):
            words, status, incomplete = words[:limit], "incomplete", {"reason": "max_output_tokens"}
        text = " ".join(words)
        input_tokens = max(1, _words(body.get("input")))
        usage = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": len(words),
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + len(words),
        }
        stream = bool(body.get("stream"))
        upstream._stats.call("responses_stream" if stream else "responses", model, len(words))
        number = upstream._next_id()
        response_id, item_id = f"resp_fake_{number}", f"msg_fake_{number}"
        part = {"type": "output_text", "text": text, "annotations": []}
        item = {"type": "message", "id": item_id, "status": "completed", "role": "assistant", "content": [part]}
        response: dict[str, Any] = {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "incomplete_details": incomplete,
            "error": None,
            "model": model,
            "output": [item],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "text": {"format": {"type": "text"}},
            "max_output_tokens": limit if isinstance(limit, int) else None,
            "usage": usage,
        }
        if not stream:
            self._send_json(200, response)
            return
        started = {**response, "status": "in_progress", "output": [], "usage": None}
        opened = {**item, "status": "in_progress", "content": []}
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": started},
            {"type": "response.in_progress", "response": started},
            {"type": "response.output_item.added", "output_index": 0, "item": opened},
            {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
            *({"type": "response.output_text.delta", **where, "delta": piece} for piece in _pieces(text)),
            {"type": "response.output_text.done", **where, "text": text},
            {"type": "response.content_part.done", **where, "part": part},
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed" if status == "completed" else "response.incomplete", "response": response},
        ]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for sequence, event in enumerate(events):
            data = json.dumps({**event, "sequence_number": sequence})
            self._write_chunk(f"event: {event['type']}\ndata: {data}\n\n".encode())
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _moderation(self, body: Mapping[str, Any], model: str) -> None:
        if not isinstance(body.get("input"), (str, list)):
            raise _BadRequest("'input' is required", param="input")
        upstream = self.server.upstream
        upstream._stats.call("moderation", model)
        categories = ("harassment", "hate", "self-harm", "sexual", "violence")
        self._send_json(
            200,
            {
                "id": f"modr-fake-{upstream._next_id()}",
                "model": model,
                "results": [
                    {
                        "flagged": False,
                        "categories": {c: False for c in categories},
                        "category_scores": {c: 0.0001 for c in categories},
                    }
                ],
            },
        )

    def _rerank(self, body: Mapping[str, Any], model: str) -> None:
        """Cohere's ``/v1/rerank`` shape (what LiteLLM's cohere provider sends and reads)."""
        query, documents = body.get("query"), body.get("documents")
        if not isinstance(query, str) or not isinstance(documents, list) or not documents:
            raise _BadRequest("'query' and a non-empty 'documents' list are required", param="documents")
        upstream = self.server.upstream
        upstream._stats.call("rerank", model)
        asked = {w.strip("?.,!").lower() for w in query.split()}
        scores = []
        for index, document in enumerate(documents):
            text = document.get("text", "") if isinstance(document, Mapping) else str(document)
            words = {w.strip("?.,!").lower() for w in text.split()}
            scores.append((round((len(asked & words) + 1) / (len(asked) + 2), 4), index))
        top_n = body.get("top_n") if isinstance(body.get("top_n"), int) else len(documents)
        ranked = sorted(scores, key=lambda pair: (-pair[0], pair[1]))[:top_n]
        self._send_json(
            200,
            {
                "id": f"rerank-fake-{upstream._next_id()}",
                "results": [{"index": index, "relevance_score": score} for score, index in ranked],
                "meta": {"api_version": {"version": "1"}, "billed_units": {"search_units": 1}},
            },
        )

    def _embeddings(self, body: Mapping[str, Any], model: str) -> None:
        inputs = _embedding_inputs(body)
        upstream = self.server.upstream
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise _BadRequest("'encoding_format' must be 'float' or 'base64'", param="encoding_format")
        dim = upstream.dim
        if isinstance(body.get("dimensions"), int) and 0 < body["dimensions"] <= dim:
            dim = body["dimensions"]
        vectors = [_vector(text, dim) for text in inputs]
        if model == FAULT_EMBED_SHORT:
            vectors[-1] = vectors[-1][:-1]
        elif model == FAULT_EMBED_MISSING:
            vectors = vectors[:-1]
        if model in (FAULT_EMBED_SHORT, FAULT_EMBED_MISSING, FAULT_NO_USAGE):
            upstream._stats.fault(model)
        upstream._stats.call("embeddings", model)
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": (base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if encoding == "base64" else v),
            }
            for i, v in enumerate(vectors)
        ]
        prompt_tokens = max(1, sum(len(text.split()) for text in inputs))
        payload: dict[str, Any] = {"object": "list", "data": data, "model": model}
        if model != FAULT_NO_USAGE:
            payload["usage"] = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}
        self._send_json(200, payload)


_MODEL_ROUTES = ("/chat/completions", "/embeddings", "/completions", "/moderations", "/rerank", "/responses")


def _forced_tool(body: Mapping[str, Any]) -> str | None:
    """The function a chat request makes the model call: ``tool_choice`` names it, or ``required``/``auto``
    with tools picks the first one. None: answer in text."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return None
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        return str(name) if name else None
    if choice == "none":
        return None
    first = tools[0].get("function") if isinstance(tools[0], Mapping) else None
    name = first.get("name") if isinstance(first, Mapping) else None
    return str(name) if name else None


def _schema_answer(body: Mapping[str, Any], reply: str) -> str | None:
    """For ``response_format: json_schema``: a JSON object with every string property set to the reply."""
    response_format = body.get("response_format")
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    answer: dict[str, Any] = {}
    for name, prop in (properties or {}).items():
        kind = prop.get("type") if isinstance(prop, Mapping) else None
        answer[name] = {"integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}.get(str(kind), reply)
    return json.dumps(answer)


def _halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [text[:middle], text[middle:]] if middle else [text]


def _pieces(content: str) -> list[str]:
    """Split ``content`` into a few stream deltas whose concatenation is ``content``."""
    if not content:
        return []
    words = content.split(" ")
    if len(words) > 1:
        return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]
    half = max(1, len(content) // 2)
    return [content[:half], content[half:]] if len(content) > 1 else [content]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not join handler threads on close: idle keep-alive connections would block shutdown.
    block_on_close = False
    upstream: FakeUpstream


class FakeUpstream:
    """An in-process fake OpenAI-compatible server on a free port (see the module docstring).

    >>> with FakeUpstream() as upstream:
    ...     upstream.base_url.startswith("http://127.0.0.1:")
    True

    :param host: interface to bind; default ``127.0.0.1``.
    :param port: port to bind; default 0 picks a free one.
    :param dim: embedding dimension; default 8.
    :param reply: the assistant content of healthy chat answers; default ``"pong"``.
    :param slow_seconds: delay of the ``fault-slow`` model; default env
        ``FAKE_UPSTREAM_SLOW_SECONDS``, else 5.
    :param latency_seconds: how long every model call (chat, embeddings, ...) takes before it is
        answered, like a small real model; default env ``FAKE_UPSTREAM_LATENCY_SECONDS``, else 0.
        An attribute: benchmarks change it on a running upstream.
    :param verbose: log each request to stderr.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dim: int = DEFAULT_DIM,
        reply: str = DEFAULT_REPLY,
        slow_seconds: float | None = None,
        latency_seconds: float | None = None,
        verbose: bool = False,
    ) -> None:
        if dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.host = host
        self.port = port
        self.dim = dim
        self.reply = reply
        self.verbose = verbose
        if slow_seconds is None:
            raw = os.environ.get(SLOW_SECONDS_ENV, "")
            try:
                slow_seconds = float(raw) if raw else DEFAULT_SLOW_SECONDS
            except ValueError:
                raise ValueError(
                    f"{SLOW_SECONDS_ENV}={raw!r} is not a number of seconds; set it to e.g. 5 or unset it"
                ) from None
        self.slow_seconds = slow_seconds
        if latency_seconds is None:
            raw = os.environ.get(LATENCY_SECONDS_ENV, "")
            try:
                latency_seconds = float(raw) if raw else 0.0
            except ValueError:
                raise ValueError(
                    f"{LATENCY_SECONDS_ENV}={raw!r} is not a number of seconds; set it to e.g. 0.8 or unset it"
                ) from None
        self.latency_seconds = latency_seconds
        self._stats = _Stats()
        self._stopping = threading.Event()
        self._ids = 0
        self._ids_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:PORT/v1`` (valid after :meth:`start`)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/v1"

    def start(self) -> FakeUpstream:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.upstream = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-upstream", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the server thread; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._stopping.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        """Calls served so far.

        ``{"chat": {model: n}, "chat_stream": {model: n}, "embeddings": {model: n},
        "completion_tokens": {model: total}, "faults": {model: n}, "requests": N,
        "models_list": M}``.
        ``chat`` counts non-streaming and ``chat_stream`` streaming completions (disjoint), per
        upstream model; ``faults`` counts answers where a fault was injected. ``requests`` counts
        every HTTP request except ``GET /models`` and ``/_stats``, including 400s, 404s and
        injected 500s; ``models_list`` counts ``GET /models``, which LiteLLM sends by itself
        after start-up.
        """
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Zero all counters."""
        self._stats.reset()

    def models_payload(self) -> dict[str, Any]:
        """The ``GET /v1/models`` body."""
        names = [CHAT_MODEL, EMBED_MODEL, *FAULT_MODELS]
        return {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 0, "owned_by": "litellm-smoke"} for n in names],
        }

    def _next_id(self) -> int:
        with self._ids_lock:
            self._ids += 1
            return self._ids


def main(argv: Sequence[str] | None = None) -> int:
    """Run a fake upstream until SIGTERM or Ctrl-C; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="fake_upstream", description="Fake OpenAI-compatible upstream for LiteLLM smoke tests."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind, 0 = free port (default: %(default)s)")
    parser.add_argument("--dim", type=int, default=DEFAULT_DIM, help="embedding dimension (default: %(default)s)")
    parser.add_argument("--reply", default=DEFAULT_REPLY, help="assistant reply (default: %(default)s)")
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=None,
        help=f"delay of the fault-slow model (default: ${SLOW_SECONDS_ENV} or {DEFAULT_SLOW_SECONDS:g})",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.dim < 1:
        parser.error(f"--dim must be a positive integer, got {args.dim}")

    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    upstream = FakeUpstream(
        host=args.host,
        port=args.port,
        dim=args.dim,
        reply=args.reply,
        slow_seconds=args.slow_seconds,
        verbose=args.verbose,
    )
    try:
        upstream.start()
        print(f"fake upstream listening on {args.host}:{upstream.port} (base URL {upstream.base_url})", flush=True)
        while not done.wait(timeout=1.0):
            pass
    finally:
        upstream.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())

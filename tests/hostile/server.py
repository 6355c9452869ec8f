"""A hostile LiteLLM look-alike on 127.0.0.1: healthy by default, hostile in one way per mode.

Raw sockets, one thread per connection, so a mode can trickle bytes, send an endless stream, a
compression bomb or malformed bytes that a well-behaved HTTP server library would not. Run it
stand-alone (``python tests/hostile/server.py MODE``) to point ``litellm-smoke check`` at it by hand;
it prints its URL and serves until killed.

Every mode is the healthy proxy except on the route it attacks; ``MODES`` documents each one.
"""

from __future__ import annotations

import base64
import json
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

MASTER_KEY = "sk-hostile-Master-0123456789abcdefXYZ"
MODEL = "hostile-chat"
TICK = 0.5  # seconds between trickled bytes: fast enough for a short test, slow enough never to finish

MODES: dict[str, str] = {
    "healthy": "a well-behaved LiteLLM look-alike: every check passes",
    "trickle-liveliness": "liveliness headers, then the body one byte per tick, forever",
    "trickle-headers": "liveliness response headers one byte per tick, forever (slowloris in reverse)",
    "trickle-chat": "chat completion body one byte per tick, forever",
    "trickle-sse": "a valid SSE chunk per tick, forever (each read is in time, the stream never ends)",
    "endless-sse": "valid SSE chunks as fast as the socket takes them, forever",
    "gzip-bomb": "chat answers a ~1 MB gzip body that inflates to 1 GB",
    "huge-body": "chat answers a 200 MB body",
    "echo-upper": "401 to the wrong key echoes it upper-cased",
    "echo-base64": "401 to the wrong key echoes it base64-encoded",
    "echo-hex": "401 to the wrong key echoes it hex-encoded",
    "echo-percent": "401 to the wrong key echoes it percent-encoded",
    "echo-json-escaped": "401 to the wrong key echoes it JSON-escaped (\\u0073k-...)",
    "echo-no-prefix": "401 to the wrong key echoes it without sk-",
    "echo-split": "401 to the wrong key echoes it split across two fields",
    "echo-master-models": "the model list carries the master key upper-cased and base64-encoded",
    "deep-json": "chat answers JSON nested 100,000 deep",
    "big-int": "chat answers a 5,000-digit integer in usage",
    "invalid-utf8": "chat answers invalid UTF-8 as JSON",
    "non-json": "chat answers text/plain (the SDK path returns it as a str)",
    "inf-tokens": "chat answers usage counts of 1e999999",
    "escapes": "chat errors with terminal escapes: clear screen, clipboard write, a fake PASS",
    "redirect": "every route redirects (307) to another origin",
    "trickle-keys": "the key list (sweep) one byte per tick, forever",
    "keys-stall": "a database: keys are minted and deleted; a chat call with the minted key trickles, forever",
    "keys-stall-mint": "a database: /key/generate creates the key, then trickles its answer, forever",
}
KEY_MODES = ("keys-stall", "keys-stall-mint")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str | None:
        auth = self.headers.get("authorization")
        if auth is None:
            return None
        return auth[7:] if auth.lower().startswith("bearer ") else ""

    def json(self) -> dict[str, object]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def _head(status: int, headers: dict[str, str], reason: str = "") -> bytes:
    lines = [
        f"HTTP/1.1 {status} {reason or {200: 'OK', 307: 'Temporary Redirect', 401: 'Unauthorized'}.get(status, 'X')}"
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _json(status: int, value: object) -> list[bytes]:
    body = json.dumps(value).encode()
    return [_head(status, {"content-type": "application/json", "content-length": str(len(body))}), body]


def _raw(status: int, body: bytes, ctype: str = "application/json", extra: dict[str, str] | None = None) -> list[bytes]:
    headers = {"content-type": ctype, "content-length": str(len(body)), **(extra or {})}
    return [_head(status, headers), body]


def _error(status: int, message: str) -> list[bytes]:
    return _json(status, {"error": {"message": message, "type": "auth_error", "param": None, "code": str(status)}})


def completion(usage: object = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
        "usage": usage or {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }


def chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    event = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


_BOMB: list[bytes] = []


def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip-compressed (about 1 MB); built once per process."""
    if not _BOMB:
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        block = bytes(1024 * 1024)
        parts = [packer.compress(block) for _ in range(1024)]
        parts.append(packer.flush())
        _BOMB.append(b"".join(parts))
    return _BOMB[0]


Answer = list[bytes] | Iterator[bytes]


@dataclass
class HostileServer:
    """Serves one mode on 127.0.0.1; ``wrong_keys`` records every non-master key it was sent."""

    mode: str = "healthy"
    redirect_to: str = "http://127.0.0.1:9/"
    wrong_keys: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, object]] = field(default_factory=dict)  # the key modes' database: token -> key
    stalled: threading.Event = field(default_factory=threading.Event)  # a key mode's endless answer began

    # -- the healthy look-alike ----------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        self.requests.append(f"{request.method} {request.path}")
        if self.mode == "redirect":
            return _raw(307, b"", extra={"location": self.redirect_to + request.path.lstrip("/")})
        path = request.path
        if path == "/health/liveliness":
            if self.mode == "trickle-liveliness":
                return self._trickle(b'"I\'m alive!"' * 1000, "application/json")
            if self.mode == "trickle-headers":
                return self._trickle_head()
            return _json(200, "I'm alive!")
        db = "connected" if self.mode in KEY_MODES else "Not connected"
        if path == "/health/readiness":
            return _json(200, {"status": "healthy", "db": db, "litellm_version": "1.108.7"})
        key = request.key
        if self.mode in KEY_MODES and key != MASTER_KEY and any(k["key"] == key for k in self.keys.values()):
            return self._with_minted_key(path)
        if key != MASTER_KEY:
            if key:
                self.wrong_keys.append(key)
            return self._refuse(key)
        if path == "/health/readiness/details":
            return _json(200, {"status": "healthy", "db": db, "litellm_version": "1.108.7"})
        if self.mode in KEY_MODES and path in ("/key/generate", "/key/delete"):
            return self._keys(path, request.json())
        if path == "/key/list":
            alias = request.query.get("key_alias")
            found = [k for k in self.keys.values() if alias is None or k["key_alias"] == alias]
            listing = json.dumps({"keys": found, "total_pages": 1, "current_page": 1}).encode()
            if self.mode == "trickle-keys":
                return self._trickle(listing * 1000, "application/json")
            return _raw(200, listing)
        if path == "/health":
            return _json(200, {"healthy_endpoints": [{"model": MODEL}], "unhealthy_endpoints": [], "healthy_count": 1})
        if path == "/v1/models":
            data: list[dict[str, object]] = [{"id": MODEL, "object": "model"}]
            if self.mode == "echo-master-models":
                data.append({"id": MASTER_KEY.upper(), "object": "model"})
                data.append({"id": base64.b64encode(MASTER_KEY.encode()).decode(), "object": "model"})
            return _json(200, {"object": "list", "data": data})
        if path == "/v1/chat/completions":
            body = request.json()
            if body.get("model") != MODEL:
                return _json(
                    400, {"error": {"message": "Invalid model name passed in", "type": "invalid", "code": "400"}}
                )
            return self._chat(bool(body.get("stream")))
        return _error(404, "Not Found")

    def _with_minted_key(self, path: str) -> Answer:
        if path == "/v1/chat/completions":  # the minted key's first call: the run is stuck here
            self.stalled.set()
            return self._trickle(json.dumps(completion()).encode() * 1000, "application/json")
        return _error(403, "key not allowed")

    def _keys(self, path: str, body: dict[str, object]) -> Answer:
        if path == "/key/generate":
            raw = f"sk-minted-{len(self.keys)}-Zq8xV3rT0pLw"
            token = f"hash{len(self.keys):04d}" + "ab" * 30
            self.keys[token] = {
                "key": raw,
                "token": token,
                "key_alias": body.get("key_alias"),
                "metadata": body.get("metadata"),
            }
            answer = {**self.keys[token], "models": body.get("models"), "rpm_limit": body.get("rpm_limit")}
            if self.mode == "keys-stall-mint":
                self.stalled.set()
                return self._trickle(json.dumps(answer).encode() * 1000, "application/json")
            return _json(200, answer)
        wanted = body.get("keys")
        wanted = wanted if isinstance(wanted, list) else []
        gone = [t for t, k in self.keys.items() if t in wanted or k["key"] in wanted]
        for token in gone:
            del self.keys[token]
        return _json(200, {"deleted_keys": gone})

    def _refuse(self, key: str | None) -> Answer:
        if key is None:
            return _error(401, "No api key passed in.")
        if key == "":
            return _error(401, "Malformed API Key passed in. Ensure Key has `Bearer ` prefix.")
        echo = {
            "echo-upper": key.upper(),
            "echo-base64": base64.b64encode(key.encode()).decode(),
            "echo-hex": key.encode().hex(),
            "echo-percent": "".join(f"%{b:02X}" for b in key.encode()),
            "echo-no-prefix": key[3:],
        }.get(self.mode)
        if echo is not None:
            return _error(401, f"Authentication Error, invalid key {echo}")
        if self.mode == "echo-json-escaped":
            escaped = "".join(f"\\u{ord(c):04x}" for c in key)
            body = (
                '{"error": {"message": "invalid key ' + escaped + '", "type": "auth_error", "code": "401"}}'
            ).encode()
            return _raw(401, body)
        if self.mode == "echo-split":
            half = len(key) // 2
            return _json(
                401,
                {
                    "error": {"message": "invalid key", "type": "auth_error", "code": "401"},
                    "a": key[:half],
                    "b": key[half:],
                },
            )
        return _error(401, "Authentication Error, Invalid proxy server token passed.")

    def _chat(self, stream: bool) -> Answer:
        mode = self.mode
        if stream:
            if mode == "trickle-sse":
                return self._sse(forever=True, pause=TICK)
            if mode == "endless-sse":
                return self._sse(forever=True, pause=0.0)
            return self._sse(forever=False, pause=0.0)
        if mode == "trickle-chat":
            return self._trickle(json.dumps(completion()).encode() * 1000, "application/json")
        if mode == "gzip-bomb":
            return _raw(200, gzip_bomb(), extra={"content-encoding": "gzip"})
        if mode == "huge-body":
            return self._huge(200 * 1024 * 1024)
        if mode == "deep-json":
            return _raw(200, b"[" * 100_000 + b"]" * 100_000)
        if mode == "big-int":
            text = json.dumps(completion()).replace('"total_tokens": 6', '"total_tokens": ' + "9" * 5000)
            return _raw(200, text.encode())
        if mode == "invalid-utf8":
            return _raw(200, b'{"object": "chat.completion", "choices": "\xff\xfe\xfa broken"}')
        if mode == "non-json":
            return _raw(200, b"hello, I am not JSON", "text/plain")
        if mode == "inf-tokens":
            text = json.dumps(completion())
            for name, value in (("prompt_tokens", 5), ("completion_tokens", 1), ("total_tokens", 6)):
                text = text.replace(f'"{name}": {value}', f'"{name}": 1e999999')
            return _raw(200, text.encode())
        if mode == "escapes":
            message = "\x1b[2J\x1b[H\x1b]52;c;c2stc3RvbGVu\x07\rPASS  all checks \x1b[32mHEALTHY\x1b[0m\x08\x08"
            return _json(500, {"error": {"message": message, "type": "x", "code": "500"}})
        return _json(200, completion())

    # -- hostile answers ---------------------------------------------------------------------

    @staticmethod
    def _trickle(body: bytes, ctype: str) -> Iterator[bytes]:
        yield _head(200, {"content-type": ctype, "content-length": str(len(body))})
        for byte in body:
            time.sleep(TICK)
            yield bytes([byte])

    @staticmethod
    def _trickle_head() -> Iterator[bytes]:
        head = b"HTTP/1.1 200 OK\r\n" + b"x-padding: " + b"a" * 100_000
        for byte in head:
            time.sleep(TICK)
            yield bytes([byte])

    @staticmethod
    def _sse(*, forever: bool, pause: float) -> Iterator[bytes]:
        yield _head(200, {"content-type": "text/event-stream", "transfer-encoding": "chunked"})

        def framed(data: bytes) -> bytes:
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        if not forever:
            for data in (chunk("po"), chunk("ng"), chunk(None, "stop"), b"data: [DONE]\n\n"):
                yield framed(data)
            yield b"0\r\n\r\n"
            return
        batch = framed(chunk("pong ") * (1 if pause else 200))
        while True:
            if pause:
                time.sleep(pause)
            yield batch

    @staticmethod
    def _huge(size: int) -> Iterator[bytes]:
        yield _head(200, {"content-type": "application/json", "content-length": str(size)})
        block = b'{"pad": "' + b"x" * (1024 * 1024 - 12) + b'"}\n'
        for _ in range(size // len(block)):
            yield block
        yield b" " * (size % len(block))

    # -- the socket side -----------------------------------------------------------------------

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        with conn:
            reader = conn.makefile("rb")
            while True:
                try:
                    request = _read_request(reader)
                except (OSError, ValueError):
                    return
                if request is None:
                    return
                try:
                    for piece in self.answer(request):
                        conn.sendall(piece)
                except OSError:
                    return


def _read_request(reader: object) -> Request | None:
    readline: Callable[[], bytes] = reader.readline  # type: ignore[attr-defined]
    line = readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    parts = urllib.parse.urlsplit(target)
    query = dict(urllib.parse.parse_qsl(parts.query))
    return Request(method, parts.path, query, headers, body)


@contextmanager
def serve(mode: str = "healthy") -> Iterator[tuple[str, HostileServer]]:
    """Run the server in daemon threads; yields (base URL, server)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    if mode == "gzip-bomb":
        gzip_bomb()  # built before the clock starts
    server = HostileServer(mode)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=server.handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", server
    finally:
        stop.set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        listener.close()
        thread.join(5)


if __name__ == "__main__":
    chosen = sys.argv[1] if len(sys.argv) > 1 else "healthy"
    with serve(chosen) as (url, _):
        print(f"{url}  mode={chosen}  LITELLM_MASTER_KEY={MASTER_KEY}  model={MODEL}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass

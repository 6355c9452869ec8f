"""The fake OpenAI-compatible upstream, called directly (no LiteLLM involved)."""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from litellm_smoke.launchers import fake_upstream as fu
from litellm_smoke.launchers.fake_upstream import FakeUpstream

SRC_DIR = Path(fu.__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "hello there upstream"}]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(slow_seconds=0.3) as server:
        yield server


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=upstream.base_url, timeout=10, trust_env=False) as c:
        yield c


def _chat(client: httpx.Client, model: str = "fake-chat", **extra: Any) -> httpx.Response:
    return client.post("/chat/completions", json={"model": model, "messages": MESSAGES, **extra})


def _sse_events(raw: str) -> list[str]:
    """Split an SSE body into the payloads of its ``data:`` events, asserting the framing."""
    assert raw.endswith("\n\n"), f"stream must end with a blank line, got {raw[-40:]!r}"
    events = raw[:-2].split("\n\n")
    for event in events:
        assert event.startswith("data: "), f"every event must be one 'data: ' line, got {event!r}"
        assert "\n" not in event, f"one line per event expected, got {event!r}"
    return [e[len("data: ") :] for e in events]


def _stream(client: httpx.Client, model: str = "fake-chat", **extra: Any) -> tuple[httpx.Response, list[str]]:
    response = _chat(client, model, stream=True, **extra)
    return response, _sse_events(response.text)


# -- healthy behaviour ---------------------------------------------------------------------------


def test_chat_completion_shape(client: httpx.Client) -> None:
    response = _chat(client, max_tokens=16)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "fake-chat"
    assert body["id"].startswith("chatcmpl-")
    [choice] = body["choices"]
    assert choice == {
        "index": 0,
        "message": {"role": "assistant", "content": "pong"},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}


def test_chat_reply_is_cut_to_max_tokens() -> None:
    with FakeUpstream(reply="one two three four five") as up, httpx.Client(base_url=up.base_url) as c:
        full = _chat(c).json()
        cut = _chat(c, max_tokens=2).json()
        newer = _chat(c, max_completion_tokens=3).json()

    assert full["choices"][0]["message"]["content"] == "one two three four five"
    assert cut["choices"][0]["message"]["content"] == "one two"
    assert cut["choices"][0]["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 2
    assert newer["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"model": "fake-chat"}, "messages", id="no-messages"),
        pytest.param({"messages": MESSAGES}, "model", id="no-model"),
        pytest.param({"model": "fake-chat", "messages": MESSAGES, "max_tokens": 0}, "max_tokens", id="max-tokens-0"),
    ],
)
def test_chat_rejects_bad_requests(client: httpx.Client, body: dict[str, Any], param: str) -> None:
    response = client.post("/chat/completions", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["param"] == param


def test_invalid_json_is_400(client: httpx.Client) -> None:
    response = client.post("/chat/completions", content=b"{not json")

    assert response.status_code == 400
    assert "invalid JSON" in response.json()["error"]["message"]


def test_stream_framing(client: httpx.Client) -> None:
    response, events = _stream(client)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content == "pong"
    assert len(chunks) >= 4, "role, at least two content pieces, finish"
    assert [c["choices"][0]["finish_reason"] for c in chunks].count("stop") == 1
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert not any("usage" in c for c in chunks), "usage only when stream_options.include_usage"


def test_stream_usage_chunk_when_asked(client: httpx.Client) -> None:
    _, events = _stream(client, stream_options={"include_usage": True})

    assert events[-1] == "[DONE]"
    usage_chunk = json.loads(events[-2])
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}


def test_stream_is_readable_incrementally(client: httpx.Client) -> None:
    with client.stream(
        "POST", "/chat/completions", json={"model": "fake-chat", "messages": MESSAGES, "stream": True}
    ) as r:
        lines = [line for line in r.iter_lines() if line]

    assert lines[-1] == "data: [DONE]"


@pytest.mark.parametrize("dim", [1, 8, 33])
def test_embeddings_shape(dim: int) -> None:
    with FakeUpstream(dim=dim) as up, httpx.Client(base_url=up.base_url) as c:
        body = c.post("/embeddings", json={"model": "fake-embed", "input": ["a b", "c", "a b"]}).json()

    assert body["object"] == "list"
    assert body["model"] == "fake-embed"
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    assert all(d["object"] == "embedding" for d in body["data"])
    vectors = [d["embedding"] for d in body["data"]]
    assert all(len(v) == dim for v in vectors)
    assert all(math.isfinite(x) for v in vectors for x in v)
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1.0) < 1e-4 for v in vectors)
    assert vectors[0] == vectors[2], "same input, same vector"
    if dim > 1:
        assert vectors[0] != vectors[1]
    assert body["usage"] == {"prompt_tokens": 5, "total_tokens": 5}


def test_embeddings_string_input_and_determinism_across_servers(client: httpx.Client) -> None:
    first = client.post("/embeddings", json={"model": "fake-embed", "input": "hello"}).json()
    with FakeUpstream() as other, httpx.Client(base_url=other.base_url) as c2:
        second = c2.post("/embeddings", json={"model": "fake-embed", "input": ["hello"]}).json()

    assert len(first["data"]) == 1
    assert first["data"][0]["embedding"] == second["data"][0]["embedding"]


def test_embeddings_base64_and_dimensions(client: httpx.Client) -> None:
    floats = client.post("/embeddings", json={"model": "fake-embed", "input": "x"}).json()
    b64 = client.post("/embeddings", json={"model": "fake-embed", "input": "x", "encoding_format": "base64"}).json()
    short = client.post("/embeddings", json={"model": "fake-embed", "input": "x", "dimensions": 4}).json()

    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert len(raw) == 4 * 8
    decoded = struct.unpack("<8f", raw)
    assert decoded == pytest.approx(floats["data"][0]["embedding"], abs=1e-6)
    assert len(short["data"][0]["embedding"]) == 4


@pytest.mark.parametrize(
    "bad", [[], "", None, [1.5], {"a": 1}], ids=["empty-list", "empty-str", "none", "float", "dict"]
)
def test_embeddings_reject_bad_input(client: httpx.Client, bad: Any) -> None:
    if bad == "":
        # An empty string is a valid (if odd) input for OpenAI; it must still get one vector.
        assert len(client.post("/embeddings", json={"model": "fake-embed", "input": bad}).json()["data"]) == 1
        return
    response = client.post("/embeddings", json={"model": "fake-embed", "input": bad})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "input"


def test_embeddings_accept_token_ids(client: httpx.Client) -> None:
    one = client.post("/embeddings", json={"model": "fake-embed", "input": [1, 2, 3]}).json()
    many = client.post("/embeddings", json={"model": "fake-embed", "input": [[1, 2], [3]]}).json()

    assert len(one["data"]) == 1
    assert len(many["data"]) == 2


@pytest.mark.parametrize("prefix", ["/v1", ""], ids=["v1", "bare"])
def test_models_and_paths_without_v1(upstream: FakeUpstream, prefix: str) -> None:
    root = upstream.base_url.removesuffix("/v1")
    with httpx.Client(base_url=root + prefix) as c:
        models = c.get("/models").json()
        chat = _chat(c)

    ids = [m["id"] for m in models["data"]]
    assert models["object"] == "list"
    assert {"fake-chat", "fake-embed", *fu.FAULT_MODELS} <= set(ids)
    assert chat.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nope"),
        ("POST", "/v1/images/generations"),
        ("GET", "/v1/chat/completions"),
        ("DELETE", "/v1/models"),
    ],
)
def test_unknown_route_is_404_json(client: httpx.Client, upstream: FakeUpstream, method: str, path: str) -> None:
    response = client.request(method, upstream.base_url.removesuffix("/v1") + path)

    assert response.status_code == 404
    error = response.json()["error"]
    assert path in error["message"]
    assert error["type"] == "invalid_request_error"


# -- fault models --------------------------------------------------------------------------------


def test_fault_empty_content(client: httpx.Client) -> None:
    body = _chat(client, "fault-empty-content").json()
    _, events = _stream(client, "fault-empty-content")

    assert body["choices"][0]["message"]["content"] == ""
    assert body["usage"]["completion_tokens"] == 0
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == ""
    assert events[-1] == "[DONE]"


def test_fault_no_usage(client: httpx.Client) -> None:
    chat = _chat(client, "fault-no-usage").json()
    emb = client.post("/embeddings", json={"model": "fault-no-usage", "input": "x"}).json()
    _, events = _stream(client, "fault-no-usage", stream_options={"include_usage": True})

    assert "usage" not in chat
    assert chat["choices"][0]["message"]["content"] == "pong"
    assert "usage" not in emb
    assert not any("usage" in json.loads(e) for e in events[:-1])


@pytest.mark.parametrize("path", ["/chat/completions", "/embeddings"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_fault_500(client: httpx.Client, path: str, stream: bool) -> None:
    response = client.post(path, json={"model": "fault-500", "messages": MESSAGES, "input": "x", "stream": stream})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] == "server_error"


def test_fault_slow(client: httpx.Client, upstream: FakeUpstream) -> None:
    started = time.monotonic()
    response = _chat(client, "fault-slow")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed >= upstream.slow_seconds
    assert elapsed < upstream.slow_seconds + 2


@pytest.mark.parametrize(("env", "expected"), [(None, fu.DEFAULT_SLOW_SECONDS), ("0.25", 0.25)])
def test_slow_seconds_from_environment(monkeypatch: pytest.MonkeyPatch, env: str | None, expected: float) -> None:
    if env is None:
        monkeypatch.delenv(fu.SLOW_SECONDS_ENV, raising=False)
    else:
        monkeypatch.setenv(fu.SLOW_SECONDS_ENV, env)

    assert FakeUpstream().slow_seconds == expected
    assert FakeUpstream(slow_seconds=1.5).slow_seconds == 1.5


def test_slow_seconds_env_must_be_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fu.SLOW_SECONDS_ENV, "soon")

    with pytest.raises(ValueError, match="FAKE_UPSTREAM_SLOW_SECONDS='soon' is not a number"):
        FakeUpstream()


def test_fault_stream_no_done(client: httpx.Client) -> None:
    response, events = _stream(client, "fault-stream-no-done")
    plain = _chat(client, "fault-stream-no-done")

    assert response.status_code == 200
    assert "[DONE]" not in events
    assert json.loads(events[-1])["choices"][0]["finish_reason"] == "stop"
    assert plain.json()["choices"][0]["message"]["content"] == "pong"


def test_fault_stream_cut(client: httpx.Client) -> None:
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):  # noqa: PT012 - what arrived before the cut is asserted too
        with client.stream(
            "POST", "/chat/completions", json={"model": "fault-stream-cut", "messages": MESSAGES, "stream": True}
        ) as r:
            assert r.status_code == 200
            received.extend(r.iter_lines())

    payloads = [line.removeprefix("data: ") for line in received if line]
    assert "[DONE]" not in payloads
    assert all(json.loads(p)["choices"][0]["finish_reason"] is None for p in payloads)
    assert _chat(client, "fault-stream-cut").json()["choices"][0]["message"]["content"] == "pong"


def test_fault_embed_short(client: httpx.Client) -> None:
    data = client.post("/embeddings", json={"model": "fault-embed-short", "input": ["a", "b", "c"]}).json()["data"]

    assert [len(d["embedding"]) for d in data] == [8, 8, 7]


def test_fault_embed_missing(client: httpx.Client) -> None:
    data = client.post("/embeddings", json={"model": "fault-embed-missing", "input": ["a", "b", "c"]}).json()["data"]

    assert [d["index"] for d in data] == [0, 1]


def test_fault_models_are_documented() -> None:
    doc = fu.__doc__ or ""
    for name in fu.FAULT_MODELS:
        assert f"``{name}``" in doc, f"{name} is missing from the module docstring's table"


# -- accounting ----------------------------------------------------------------------------------


def test_stats_count_calls_per_model(client: httpx.Client, upstream: FakeUpstream) -> None:
    _chat(client)
    _chat(client)
    _stream(client)
    _chat(client, "other-model")
    client.post("/embeddings", json={"model": "fake-embed", "input": ["a", "b"]})
    client.post("/embeddings", json={"model": "fault-500", "input": "a"})
    client.get("/models")
    client.get("/nope")

    assert upstream.stats() == {
        "chat": {"fake-chat": 2, "other-model": 1},
        "chat_stream": {"fake-chat": 1},
        "embeddings": {"fake-embed": 1},
        "completion_tokens": {"fake-chat": 3, "other-model": 1},
        "faults": {"fault-500": 1},
        "requests": 7,
        "models_list": 1,
    }


def test_stats_endpoint_and_reset(client: httpx.Client, upstream: FakeUpstream) -> None:
    root = upstream.base_url.removesuffix("/v1")
    _chat(client)

    over_http = client.get(root + "/_stats").json()
    assert over_http == upstream.stats()
    assert over_http["chat"] == {"fake-chat": 1}

    reset = client.post(root + "/_stats/reset")
    assert reset.status_code == 200
    assert reset.json()["requests"] == 0
    assert upstream.stats()["chat"] == {}


def test_stats_are_thread_safe(upstream: FakeUpstream) -> None:
    # One client, many connections: httpx.Client is thread-safe and pools up to 8 here.
    client = httpx.Client(base_url=upstream.base_url, limits=httpx.Limits(max_connections=8), trust_env=False)

    def call(_: int) -> int:
        return _chat(client).status_code

    with client, ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(call, range(40)))

    assert codes == [200] * 40
    assert upstream.stats()["chat"] == {"fake-chat": 40}
    assert upstream.stats()["completion_tokens"] == {"fake-chat": 40}


# -- lifecycle and CLI ---------------------------------------------------------------------------


def test_lifecycle_frees_the_port() -> None:
    upstream = FakeUpstream()
    assert upstream.start() is upstream
    url = upstream.base_url
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/v1")
    assert httpx.get(url + "/models").status_code == 200

    upstream.stop()
    upstream.stop()  # idempotent

    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/models")


def test_stop_releases_slow_requests() -> None:
    upstream = FakeUpstream(slow_seconds=30).start()
    outcome: list[object] = []

    def slow_call() -> None:
        try:
            with httpx.Client(base_url=upstream.base_url, timeout=40) as c:
                outcome.append(_chat(c, "fault-slow").status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    deadline = time.monotonic() + 5
    while not upstream.stats()["faults"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert upstream.stats()["faults"] == {"fault-slow": 1}

    started = time.monotonic()
    upstream.stop()
    caller.join(timeout=10)

    assert time.monotonic() - started < 5
    assert not caller.is_alive()
    assert outcome, "the slow request finished one way or another"


def test_invalid_dim() -> None:
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        FakeUpstream(dim=0)


def _run_cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        line = process.stdout.readline()
        if "fake upstream listening on" not in line:
            process.kill()
            pytest.fail(f"the CLI did not start: {line}{process.stderr.read()}")
        base_url = line.rsplit("base URL ", 1)[1].rstrip(")\n")
        with httpx.Client(base_url=base_url, trust_env=False) as c:
            assert c.get("/models").status_code == 200
            assert (
                len(c.post("/embeddings", json={"model": "fake-embed", "input": "x"}).json()["data"][0]["embedding"])
                == 5
            )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_cli_as_module(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC_DIR)}
    _run_cli(
        [sys.executable, "-m", "litellm_smoke.launchers.fake_upstream", "--port", "0", "--dim", "5"],
        cwd=tmp_path,
        env=env,
    )


def test_cli_as_a_lone_stdlib_only_file(tmp_path: Path) -> None:
    # What a plain `python` Docker image gets: the one file, no package, no site-packages (-I -S).
    shutil.copy(fu.__file__, tmp_path / "fake_upstream.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    _run_cli([sys.executable, "-I", "-S", "fake_upstream.py", "--port", "0", "--dim", "5"], cwd=tmp_path, env=env)


def test_cli_rejects_bad_dim() -> None:
    with pytest.raises(SystemExit) as excinfo:
        fu.main(["--dim", "0"])

    assert excinfo.value.code == 2


# -- the routes the mode and capability checks need (issue 12) ------------------------------------


def test_forced_tool_call_plain_and_streamed(client: httpx.Client) -> None:
    body = {
        "model": "fake-agent",
        "messages": [{"role": "user", "content": "weather?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    plain = client.post("/v1/chat/completions", json=body).json()
    call = plain["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    streamed = client.post("/v1/chat/completions", json={**body, "stream": True}).text
    deltas = [json.loads(line[6:]) for line in streamed.splitlines() if line.startswith("data: {")]
    pieces = [
        c["function"].get("arguments", "")
        for d in deltas
        for ch in d["choices"]
        for c in (ch["delta"].get("tool_calls") or [])
    ]
    assert json.loads("".join(pieces)) == {"city": "Paris"}


def test_json_schema_answer_matches_the_schema(client: httpx.Client) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}, "n": {"type": "integer"}}}
    body = {
        "model": "fake-chat",
        "messages": [{"role": "user", "content": "json"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    }
    content = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"answer": "pong", "n": 1}


def test_completions_moderations_rerank_and_responses(client: httpx.Client) -> None:
    completion = client.post("/v1/completions", json={"model": "m", "prompt": "say", "max_tokens": 1}).json()
    assert completion["object"] == "text_completion" and completion["choices"][0]["text"] == "pong"
    moderation = client.post("/v1/moderations", json={"model": "m", "input": "hi"}).json()
    assert moderation["results"][0]["flagged"] is False
    # LiteLLM's cohere provider sends /v2/rerank under an api_base that already ends in /v1
    rerank = client.post(
        "/v1/v2/rerank",
        json={"model": "r", "query": "capital of France", "documents": ["Bananas", "Paris is the capital of France"]},
    ).json()
    assert [r["index"] for r in rerank["results"]] == [1, 0]
    response = client.post("/v1/responses", json={"model": "m", "input": "hi"}).json()
    assert response["object"] == "response" and response["output"][0]["content"][0]["text"] == "pong"
    streamed = client.post("/v1/responses", json={"model": "m", "input": "hi", "stream": True}).text
    assert "event: response.completed" in streamed


def test_latency_applies_to_every_model_call(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.latency_seconds = 0.2
    try:
        started = time.perf_counter()
        client.post("/v1/embeddings", json={"model": "fake-embed", "input": "x"})
        assert time.perf_counter() - started >= 0.2
    finally:
        upstream.latency_seconds = 0.0

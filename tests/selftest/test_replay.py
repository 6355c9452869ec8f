"""The replay transport: matching, placeholders, streaming, timeouts, transport errors, bad recordings."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.client.diagnosis import classify
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.offline.replay import (
    RECORDINGS_ROOT,
    REPLAY_BASE_URL,
    ReplayError,
    ReplayMiss,
    ReplayTransport,
    auth_class,
    load_exchanges,
    replay_transport,
    resolve_replay_dir,
)

from .harness import Recordings

KEY = Secret("replay-unit-master-key-0001")


def _transport(directory: Path) -> ReplayTransport:
    return replay_transport(directory, master_key=KEY)


def _write(directory: Path, name: str, doc: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(doc), encoding="utf-8")


def _exchange(method: str = "GET", path: str = "/x", **extra: Any) -> dict[str, Any]:
    match = {"method": method, "path": path, "auth": extra.pop("auth", "none")}
    match.update(extra.pop("match", {}))
    return {"match": match, "response": extra.pop("response", {"status": 200, "json": {"ok": True}}), **extra}


def _client(transport: httpx.AsyncBaseTransport, timeout: float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=REPLAY_BASE_URL, transport=transport, timeout=timeout)


@pytest.mark.asyncio
async def test_shipped_recordings_answer_the_checks_requests(healthy: Recordings) -> None:
    transport = replay_transport(None, master_key=KEY)
    async with ProxyClient(REPLAY_BASE_URL, KEY, 5.0, transport=transport) as client:
        models = await client.get("/v1/models")
        chat = await client.post(
            "/v1/chat/completions",
            {
                "model": "heartcode-chat-sfw",
                "messages": [{"role": "user", "content": "x"}],
                "max_tokens": 8,
            },
        )
    assert models.status_code == 200
    assert chat.status_code == 200
    assert chat.json()["object"] == "chat.completion"
    assert client.litellm_version == "1.108.7"  # from the recorded x-litellm-version header
    assert transport.router.routes["GET /v1/models"].called


@pytest.mark.asyncio
async def test_stream_is_replayed_event_by_event() -> None:
    transport = replay_transport(None, master_key=KEY)
    body = {"model": "heartcode-chat-sfw", "messages": [{"role": "user", "content": "x"}], "stream": True}
    async with _client(transport) as client:
        async with client.stream(
            "POST", "/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY.reveal()}"}
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            chunks = [chunk async for chunk in response.aiter_raw()]
    assert len(chunks) > 2, "the whole stream arrived in one piece"
    assert all(c.startswith(b"data: ") and c.endswith(b"\n\n") for c in chunks)
    assert chunks[-1] == b"data: [DONE]\n\n"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "none"),
        ({"authorization": f"Bearer {KEY.reveal()}"}, "master"),
        ({"authorization": "Bearer sk-litellm-smoke-wrong-abc123"}, "wrong-key"),
        ({"authorization": KEY.reveal()}, "no-bearer-prefix"),
        ({"authorization": "Bearer sk-someone-else"}, "other"),
    ],
    ids=["none", "master", "wrong-key", "no-bearer-prefix", "other"],
)
async def test_auth_class(headers: dict[str, str], expected: str) -> None:
    assert auth_class(httpx.Headers(headers), KEY.reveal()) == expected


@pytest.mark.asyncio
async def test_placeholders_become_the_runs_values(tmp_path: Path) -> None:
    echo = "key={{MASTER_KEY}} wrong={{WRONG_KEY}} model={{UNKNOWN_MODEL}}"
    _write(
        tmp_path,
        "a.json",
        _exchange(
            "POST",
            "/v1/chat/completions",
            auth="wrong-key",
            match={"model": "{{UNKNOWN_MODEL}}", "input": "messages[1]"},
            response={"status": 400, "headers": {"x-echo": "{{MASTER_KEY}}"}, "json": {"error": {"message": echo}}},
        ),
    )
    async with _client(_transport(tmp_path)) as client:
        response = await client.post(
            "/v1/chat/completions",
            headers={"authorization": "Bearer sk-litellm-smoke-wrong-42"},
            json={"model": "litellm-smoke-no-such-model-beef", "messages": [{}]},
        )
    assert response.json()["error"]["message"] == (
        f"key={KEY.reveal()} wrong=sk-litellm-smoke-wrong-42 model=litellm-smoke-no-such-model-beef"
    )
    assert response.headers["x-echo"] == KEY.reveal()


@pytest.mark.asyncio
async def test_unmatched_request_fails_naming_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _write(tmp_path, "models.json", _exchange("GET", "/v1/models", auth="master"))
    transport = _transport(tmp_path)
    started = time.monotonic()
    async with _client(transport) as client:
        with pytest.raises(ReplayMiss) as miss:
            await client.post("/v1/embeddings", json={"model": "m", "input": ["a", "b"]})
        with pytest.raises(ReplayMiss) as other:
            await client.get("/v1/models")  # recorded with the master key, sent without one
    assert time.monotonic() - started < 1
    assert "no recording for POST /v1/embeddings auth=none model=m stream=false input=list[2]" in str(miss.value)
    assert "models.json (GET /v1/models auth=master" in str(other.value)
    assert "no recording for POST /v1/embeddings" in caplog.text
    assert len(transport.misses) == 2


@pytest.mark.asyncio
async def test_delay_below_the_timeout_answers_late(tmp_path: Path) -> None:
    _write(tmp_path, "slow.json", _exchange(delay_s=0.05))
    async with _client(_transport(tmp_path), timeout=1.0) as client:
        started = time.monotonic()
        response = await client.get("/x")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.05


@pytest.mark.asyncio
async def test_delay_beyond_the_read_timeout_times_out_after_the_timeout(tmp_path: Path) -> None:
    _write(tmp_path, "hung.json", _exchange(delay_s=3600))
    async with _client(_transport(tmp_path), timeout=0.1) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout) as exc:
            await client.get("/x")
    assert 0.1 <= time.monotonic() - started < 1
    assert classify(exc.value).summary == "timed out waiting for the response"


@pytest.mark.asyncio
async def test_stream_stall_times_out_mid_stream(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "stall.json",
        _exchange(
            response={"status": 200, "headers": {"content-type": "text/event-stream"}, "sse": [{"a": 1}, {"b": 2}]},
            stall_after_events=1,
        ),
    )
    async with _client(_transport(tmp_path), timeout=0.1) as client:
        async with client.stream("GET", "/x") as response:
            received: list[bytes] = []
            with pytest.raises(httpx.ReadTimeout):  # noqa: PT012 - the events before the stall are kept
                async for chunk in response.aiter_raw():
                    received.append(chunk)
    assert received == [b'data: {"a": 1}\n\n']


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("kind", "cause"),
    [("connect_refused", "refused"), ("dns", "dns"), ("connect_timeout", "timeout")],
)
async def test_transport_errors_look_like_the_real_ones(tmp_path: Path, kind: str, cause: str) -> None:
    _write(tmp_path, "down.json", {"match": {"method": "GET", "path": "/x"}, "transport_error": kind})
    async with _client(_transport(tmp_path), timeout=0.05) as client:
        with pytest.raises(httpx.TransportError) as exc:
            await client.get("/x")
    assert classify(exc.value).kind == cause


def test_replay_dir_picks_the_newest_version(tmp_path: Path) -> None:
    for version in ("1.9.0", "1.10.0", "1.2.3"):
        _write(tmp_path / version, "a.json", _exchange())
    assert resolve_replay_dir(tmp_path) == tmp_path / "1.10.0"
    assert resolve_replay_dir(tmp_path / "1.9.0") == tmp_path / "1.9.0"
    assert resolve_replay_dir(None).parent == RECORDINGS_ROOT


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no recorded exchanges"),
        ({"a.json": "{not json"}, "a.json: not readable JSON"),
        ({"a.json": {"match": {"method": "GET"}}}, "a.json: no 'match' object with 'method' and 'path'"),
        ({"a.json": _exchange(auth="admin")}, "a.json: match.auth is 'admin'"),
        ({"a.json": _exchange(response={"status": "200"})}, "a.json: no 'response' object with an integer 'status'"),
        ({"a.json": _exchange(delay_s=-1)}, "a.json: delay_s is -1"),
        ({"a.json": _exchange(), "b.json": _exchange()}, "b.json: it answers the same request as a.json"),
    ],
    ids=["empty", "bad-json", "no-path", "bad-auth", "bad-status", "bad-delay", "duplicate"],
)
def test_bad_recordings_are_one_clear_error(tmp_path: Path, files: dict[str, Any], message: str) -> None:
    tmp_path.joinpath("v").mkdir()
    for name, doc in files.items():
        (tmp_path / "v" / name).write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReplayError) as exc:
        load_exchanges(resolve_replay_dir(tmp_path / "v"))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_replay_dir(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="does not exist"):
        resolve_replay_dir(tmp_path / "nope")


def test_shipped_recordings_are_one_consistent_version() -> None:
    directory = resolve_replay_dir(None)
    manifest = json.loads((directory / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["litellm_version"] == directory.name
    exchanges = load_exchanges(directory)
    assert sorted(e.file.name for e in exchanges) == manifest["exchanges"]
    for exchange in exchanges:
        doc = json.loads(exchange.file.read_text(encoding="utf-8"))
        assert doc["litellm_version"] == directory.name
        assert doc["source"] == "recorded"


def test_a_replay_checks_the_models_its_manifest_names_unless_models_are_given(tmp_path: Path) -> None:
    """``record`` stores its models in the manifest, so a replay needs no model flags."""
    from litellm_smoke.offline.replay import with_recorded_models
    from litellm_smoke.settings import resolve

    (tmp_path / "_manifest.json").write_text(
        json.dumps({"models": {"chat": ["team-gpt"], "embedding": ["team-embed"]}}), encoding="utf-8"
    )
    settings = with_recorded_models(resolve({}, {}, offline=True), tmp_path)
    assert (settings.chat_models, settings.embedding_models) == (("team-gpt",), ("team-embed",))
    given = with_recorded_models(resolve({}, {"LITELLM_CHAT_MODELS": "mine"}, offline=True), tmp_path)
    assert (given.chat_models, given.embedding_models) == (("mine",), ("team-embed",))
    (tmp_path / "_manifest.json").write_text("{}", encoding="utf-8")
    # an older recording without models: no lists, so the replay discovers them from the recorded /model/info
    assert with_recorded_models(resolve({}, {}, offline=True), tmp_path).chat_models == ()

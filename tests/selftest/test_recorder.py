"""The recorder: secrets never reach a recording, and what it writes replays the same answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.cli.record import main as record_main
from litellm_smoke.offline.recorder import RecordingTransport, Scrubber, scan_for_secrets
from litellm_smoke.offline.replay import RECORDINGS_ROOT, REPLAY_BASE_URL, replay_transport

RECORDING_KEY = Secret("sk-recording-master-Zx81Qm0")
REPLAY_KEY = Secret("sk-replay-master-Pq44Lt9")
WRONG = "sk-litellm-smoke-wrong-0123456789abcdef"
_PLACEHOLDER = re.compile(r"\{\{[A-Z_]+\}\}")


def test_shipped_recordings_contain_no_key() -> None:
    assert scan_for_secrets(RECORDINGS_ROOT) == []
    for file in RECORDINGS_ROOT.rglob("*.json"):
        doc = json.loads(file.read_text(encoding="utf-8"))
        auth = doc.get("request", {}).get("headers", {}).get("authorization")
        if auth is not None:
            assert _PLACEHOLDER.sub("", auth) in ("Bearer ", ""), f"{file.name}: {auth!r} is not a placeholder"


def test_scan_finds_keys(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"x": "sk-abcdefgh123"}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"x": "my-secret-master"}', encoding="utf-8")
    found = scan_for_secrets(tmp_path, ["my-secret-master"])
    assert len(found) == 2
    assert "sk-abc" not in " ".join(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {RECORDING_KEY.reveal()}!", "key {{MASTER_KEY}}!"),
        (f"Bearer {WRONG}", "Bearer {{WRONG_KEY}}"),
        ("token sk-someone-elses-key-99", "token {{REDACTED_KEY}}"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Authorization: Bearer {{REDACTED_KEY}}"),
        ("Ensure Key has `Bearer ` prefix.", "Ensure Key has `Bearer ` prefix."),
        ("model=litellm-smoke-no-such-model-1a2b3c4d.", "model={{UNKNOWN_MODEL}}."),
    ],
    ids=["master", "wrong-key", "other-sk", "other-bearer", "prose", "unknown-model"],
)
def test_scrubber(text: str, expected: str) -> None:
    assert Scrubber(RECORDING_KEY)(text) == expected


def _leaky_proxy(request: httpx.Request) -> httpx.Response:
    """A gateway that echoes whatever key it was sent, in the body and a header."""
    sent = request.headers.get("authorization", "")
    if request.url.path == "/v1/chat/completions":
        events = [{"object": "chat.completion.chunk", "echo": sent}, "[DONE]"]
        body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())
    return httpx.Response(
        401, headers={"x-litellm-version": "1.2.3", "x-echo": sent}, json={"error": {"message": f"bad key {sent}"}}
    )


@pytest.mark.asyncio
async def test_recording_scrubs_secrets_and_replays_with_the_new_key(tmp_path: Path) -> None:
    recorder = RecordingTransport(tmp_path, RECORDING_KEY, inner=httpx.MockTransport(_leaky_proxy))
    async with httpx.AsyncClient(base_url="http://proxy.test", transport=recorder) as client:
        await client.get("/v1/models", headers={"authorization": f"Bearer {RECORDING_KEY.reveal()}"})
        await client.get("/v1/models", headers={"authorization": f"Bearer {WRONG}"})
        async with client.stream(
            "POST",
            "/v1/chat/completions",
            json={"model": "m", "messages": [{}], "stream": True},
            headers={"authorization": f"Bearer {RECORDING_KEY.reveal()}"},
        ) as response:
            await response.aread()
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    assert names == [
        "get_v1_models__master.json",
        "get_v1_models__wrong-key.json",
        "post_v1_chat_completions__master__m__stream__messages1.json",
    ]
    assert scan_for_secrets(tmp_path, [RECORDING_KEY.reveal(), WRONG]) == []
    stream_doc = json.loads((tmp_path / names[2]).read_text(encoding="utf-8"))
    assert stream_doc["response"]["sse"] == [
        {"object": "chat.completion.chunk", "echo": "Bearer {{MASTER_KEY}}"},
        "[DONE]",
    ]

    replay = replay_transport(tmp_path, master_key=REPLAY_KEY)
    other_wrong = "sk-litellm-smoke-wrong-ffff"
    async with httpx.AsyncClient(base_url=REPLAY_BASE_URL, transport=replay) as client:
        master = await client.get("/v1/models", headers={"authorization": f"Bearer {REPLAY_KEY.reveal()}"})
        wrong = await client.get("/v1/models", headers={"authorization": f"Bearer {other_wrong}"})
    assert master.json() == {"error": {"message": f"bad key Bearer {REPLAY_KEY.reveal()}"}}
    assert "x-echo" not in master.headers  # headers outside the kept list are not recorded at all
    assert wrong.json() == {"error": {"message": f"bad key Bearer {other_wrong}"}}


def test_record_cli_rejects_bad_input_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert record_main(["--url", "ftp://nowhere", "--out", str(tmp_path)]) == 2
    assert record_main(["--url", "http://127.0.0.1:9", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "litellm-smoke record: invalid target URL 'ftp://nowhere' from option --url: "
        "expected an http(s) URL with a host, e.g. http://127.0.0.1:4000",
        "litellm-smoke record: missing master key for http://127.0.0.1:9: set LITELLM_MASTER_KEY",
    ]
    assert not any(tmp_path.iterdir())


@pytest.mark.embedded
def test_record_from_the_embedded_proxy_then_replay(tmp_path: Path, pytester: pytest.Pytester) -> None:
    """``litellm-smoke record`` end to end: a real LiteLLM, no key on disk, and the result replays green."""
    assert record_main(["--out", str(tmp_path)]) == 0
    (version_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    manifest = json.loads((version_dir / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["litellm_version"] == version_dir.name
    # no lists given: the suite discovered the models, and a replay discovers them again from /model/info
    assert manifest["models"] == {"chat": [], "embedding": []}
    assert all(outcome != "failed" for outcome in manifest["checks"].values())
    assert scan_for_secrets(version_dir) == []
    shipped = (
        {p.name for p in RECORDINGS_ROOT.joinpath(version_dir.name).glob("*.json")}
        if (RECORDINGS_ROOT / version_dir.name).is_dir()
        else set()
    )
    if shipped:  # same LiteLLM, same checks: the same set of exchanges as the shipped recordings
        assert {p.name for p in version_dir.glob("*.json")} == shipped
    from .harness import run_offline

    run = run_offline(pytester, version_dir)
    assert run.result.ret == 0, run.output

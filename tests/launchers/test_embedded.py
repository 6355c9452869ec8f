"""The embedded launcher: lifecycle against a stub CLI (fast), then against the real LiteLLM."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest
import yaml

from litellm_smoke._secrets import MASK, Secret
from litellm_smoke.errors import StartupError
from litellm_smoke.launchers import EMBEDDED_CONFIG, FAULTS_CONFIG, ProxyEndpoint
from litellm_smoke.launchers import embedded as embedded_module
from litellm_smoke.launchers.embedded import LITELLM_BIN_ENV, EmbeddedProxy, ProxyStartError

SRC_DIR = Path(embedded_module.__file__).resolve().parents[2]
REPO_DIR = SRC_DIR.parent

requires_litellm = pytest.mark.skipif(
    find_spec("litellm") is None, reason="litellm is not installed (pip install 'litellm-smoke[embedded]')"
)

# A stand-in for the `litellm` CLI: takes the same arguments, starts in milliseconds, and behaves
# as STUB_MODE says. Lets the launcher's lifecycle be tested without LiteLLM's ~8 s boot.
STUB = textwrap.dedent(
    """
    import http.server, json, os, sys, time
    mode = os.environ.get("STUB_MODE", "serve")
    port = int(sys.argv[sys.argv.index("--port") + 1])
    print("stub litellm starting with", " ".join(sys.argv[1:]), flush=True)
    if os.environ.get("STUB_ENV_DUMP"):
        with open(os.environ["STUB_ENV_DUMP"], "w") as fh:
            json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv}, fh)
    if mode == "exit":
        key = os.environ["LITELLM_MASTER_KEY"]
        print("refusing to start with master key", key, flush=True)
        print("Authorization: Bearer " + key, flush=True)
        sys.exit(7)
    if mode == "hang":
        time.sleep(600)
    if mode == "port-busy-once":
        marker = os.environ["STUB_MARKER"]
        if not os.path.exists(marker):
            open(marker, "w").close()
            print("ERROR: [Errno 98] error while attempting to bind: address already in use", flush=True)
            sys.exit(1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"status": "healthy", "db": "Not connected"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


@pytest.fixture
def stub_command(tmp_path: Path) -> list[str]:
    path = tmp_path / "stub_litellm.py"
    path.write_text(STUB)
    return [sys.executable, str(path)]


def _port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (killed, not yet reaped by init) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


# -- the module stays cheap ----------------------------------------------------------------------


def test_import_pulls_in_neither_pytest_nor_litellm() -> None:
    forbidden = ("pytest", "_pytest", "litellm", "testcontainers")
    code = (
        "import sys, litellm_smoke.launchers.embedded; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(SRC_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_proxy_endpoint_masks_the_key() -> None:
    endpoint = ProxyEndpoint(base_url="http://127.0.0.1:1", master_key=Secret("sk-smoke-topsecret"))

    assert "topsecret" not in repr(endpoint)
    assert endpoint.master_key.reveal() == "sk-smoke-topsecret"
    with pytest.raises(AttributeError):
        endpoint.base_url = "x"  # type: ignore[misc]


def test_proxy_start_error_is_a_startup_error() -> None:
    assert issubclass(ProxyStartError, StartupError)
    assert issubclass(ProxyStartError, RuntimeError)


# -- lifecycle, against the stub -----------------------------------------------------------------


def test_start_and_stop_with_stub(stub_command: list[str], tmp_path: Path) -> None:
    dump = tmp_path / "env.json"
    proxy = EmbeddedProxy(
        litellm_command=stub_command,
        extra_env={"STUB_ENV_DUMP": str(dump), "EXTRA_SETTING": "on", "LITELLM_MASTER_KEY": "sk-ignored-override"},
    )
    with proxy as endpoint:
        pid = proxy.pid
        assert pid is not None
        port = _port_of(endpoint.base_url)
        assert endpoint.base_url == f"http://127.0.0.1:{port}"
        assert endpoint.master_key.reveal().startswith("sk-smoke-")
        assert len(endpoint.master_key.reveal()) > 30
        assert proxy.boot_seconds is not None
        assert 0 < proxy.boot_seconds < 30
        assert proxy.upstream is not None
        upstream_url = proxy.upstream.base_url
        assert httpx.get(upstream_url + "/models").status_code == 200
        log_path = proxy.log_path
        assert log_path is not None
        assert "stub litellm starting" in log_path.read_text()
        seen = json.loads(dump.read_text())

    env, argv = seen["env"], seen["argv"]
    assert argv[1:] == ["--config", str(EMBEDDED_CONFIG), "--host", "127.0.0.1", "--port", str(port)]
    assert env["LITELLM_MASTER_KEY"] == endpoint.master_key.reveal(), "extra_env cannot replace the key"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["LITELLM_SMOKE_UPSTREAM"] == upstream_url
    assert env["LITELLM_SMOKE_UPSTREAM_KEY"]
    assert env["EXTRA_SETTING"] == "on"
    assert "127.0.0.1" in env["NO_PROXY"].split(",")

    assert not _pid_alive(pid)
    assert not _port_open(port)
    with pytest.raises(httpx.ConnectError):
        httpx.get(upstream_url + "/models")
    assert proxy.pid is None
    assert not log_path.exists(), "the temporary log directory is removed on a clean exit"


def test_database_settings_are_not_inherited(
    stub_command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod-db.example/litellm")
    monkeypatch.setenv("STORE_MODEL_IN_DB", "True")
    dump = tmp_path / "env.json"

    with EmbeddedProxy(litellm_command=stub_command, extra_env={"STUB_ENV_DUMP": str(dump)}):
        pass

    env = json.loads(dump.read_text())["env"]
    assert "DATABASE_URL" not in env
    assert "STORE_MODEL_IN_DB" not in env


def test_command_from_environment(stub_command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LITELLM_BIN_ENV, shlex.join(stub_command))
    proxy = EmbeddedProxy(log_path=tmp_path / "proxy.log")

    with proxy:
        assert proxy.command[: len(stub_command)] == stub_command

    assert "stub litellm starting" in (tmp_path / "proxy.log").read_text()


def test_early_exit_reports_log_tail_without_the_key(stub_command: list[str], tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    proxy = EmbeddedProxy(litellm_command=stub_command, extra_env={"STUB_MODE": "exit"}, log_path=log)
    started = time.monotonic()

    with pytest.raises(ProxyStartError) as excinfo:
        proxy.__enter__()

    assert time.monotonic() - started < 10
    message = str(excinfo.value)
    key_line = next(line for line in log.read_text().splitlines() if "refusing to start" in line)
    key = key_line.rsplit(" ", 1)[1]
    assert key.startswith("sk-smoke-")
    assert key not in message
    assert f"refusing to start with master key {MASK}" in message
    assert f"Authorization: Bearer {MASK}" in message
    assert "exited with code 7" in message
    assert shlex.join(stub_command) in message
    assert excinfo.value.exit_code == 7
    assert proxy.upstream is None, "the fake upstream is stopped when start fails"
    assert proxy.pid is None


def test_failed_start_keeps_its_temporary_log(stub_command: list[str]) -> None:
    proxy = EmbeddedProxy(litellm_command=stub_command, extra_env={"STUB_MODE": "exit"})

    with pytest.raises(ProxyStartError) as excinfo:
        with proxy:
            pytest.fail("must not start")

    log = proxy.log_path
    try:
        assert log is not None
        assert log.is_file()
        assert f"full log: {log}" in str(excinfo.value)
    finally:
        if log is not None:
            shutil.rmtree(log.parent)


def test_timeout_names_url_and_last_error(stub_command: list[str], tmp_path: Path) -> None:
    proxy = EmbeddedProxy(
        litellm_command=stub_command,
        extra_env={"STUB_MODE": "hang", "STUB_ENV_DUMP": str(tmp_path / "env.json")},
        startup_timeout=1.0,
        log_path=tmp_path / "proxy.log",
    )
    started = time.monotonic()

    with pytest.raises(ProxyStartError) as excinfo:
        with proxy:
            pytest.fail("must not start")

    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 8
    message = str(excinfo.value)
    assert "did not answer 200 on GET http://127.0.0.1:" in message
    assert "/health/readiness within 1 s" in message
    assert "ConnectError" in message
    assert "raise startup_timeout" in message
    assert "stub litellm starting" in message
    argv = json.loads((tmp_path / "env.json").read_text())["argv"]
    port = int(argv[argv.index("--port") + 1])
    assert not _port_open(port)


def test_missing_config_fails_at_once(tmp_path: Path) -> None:
    started = time.monotonic()

    with pytest.raises(ProxyStartError, match=r"config file .*nope\.yaml does not exist"):
        with EmbeddedProxy(config=tmp_path / "nope.yaml"):
            pass

    assert time.monotonic() - started < 1


def test_port_taken_between_probe_and_bind_is_retried(stub_command: list[str], tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    proxy = EmbeddedProxy(
        litellm_command=stub_command,
        extra_env={"STUB_MODE": "port-busy-once", "STUB_MARKER": str(tmp_path / "marker")},
        log_path=log,
    )

    with proxy as endpoint:
        assert httpx.get(endpoint.base_url + "/health/readiness").status_code == 200

    assert log.read_text().count("stub litellm starting") == 2


def test_keyboard_interrupt_inside_with_stops_everything(stub_command: list[str]) -> None:
    proxy = EmbeddedProxy(litellm_command=stub_command)

    with pytest.raises(KeyboardInterrupt):  # noqa: PT012 - the interrupt must come from inside the with
        with proxy as endpoint:
            pid = proxy.pid
            port = _port_of(endpoint.base_url)
            raise KeyboardInterrupt

    assert pid is not None
    assert not _pid_alive(pid)
    assert not _port_open(port)


def test_sigterm_ignoring_proxy_is_killed(tmp_path: Path) -> None:
    stubborn = tmp_path / "stubborn.py"
    stubborn.write_text("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + STUB)
    proxy = EmbeddedProxy(litellm_command=[sys.executable, str(stubborn)])
    proxy.stop_timeout = 0.5
    with proxy:
        pid = proxy.pid
        started = time.monotonic()

    assert pid is not None
    assert not _pid_alive(pid)
    assert 0.5 <= time.monotonic() - started < 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_proxy_dies_with_a_killed_parent(stub_command: list[str], tmp_path: Path) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(
            f"""
            import time
            from pathlib import Path
            from litellm_smoke.launchers.embedded import EmbeddedProxy
            proxy = EmbeddedProxy(litellm_command={stub_command!r}, log_path=Path({str(tmp_path / "proxy.log")!r}))
            endpoint = proxy.start()
            print(proxy.pid, endpoint.base_url, flush=True)
            time.sleep(120)
            """
        )
    )
    parent = subprocess.Popen(
        [sys.executable, str(driver)],
        env={**os.environ, "PYTHONPATH": str(SRC_DIR)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        pid_text, base_url = parent.stdout.readline().split()
        pid, port = int(pid_text), _port_of(base_url)
        assert _pid_alive(pid)
        assert _port_open(port)

        parent.kill()  # no __exit__, no finally: only the kernel can clean up now
        parent.wait(timeout=10)

        deadline = time.monotonic() + 10
        while (_pid_alive(pid) or _port_open(port)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _pid_alive(pid), "the proxy outlived its SIGKILLed parent"
        assert not _port_open(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


# -- config files --------------------------------------------------------------------------------

# The seed deployment's two models, then one model of each other mode the suite discovers and checks.
EMBEDDED_MODELS = [
    "heartcode-chat-sfw",
    "heartcode-embed",
    "heartcode-agent",
    "heartcode-instruct",
    "heartcode-rerank",
    "heartcode-moderation",
    "heartcode-image",
]


def test_config_files() -> None:
    embedded = yaml.safe_load(EMBEDDED_CONFIG.read_text())
    faults = yaml.safe_load(FAULTS_CONFIG.read_text())
    from litellm_smoke.launchers.fake_upstream import FAULT_MODELS

    assert [m["model_name"] for m in embedded["model_list"]] == EMBEDDED_MODELS
    assert embedded["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    assert faults["model_list"][:2] == embedded["model_list"][:2], "faults.yaml must extend embedded.yaml's seed"
    assert faults["litellm_settings"] == embedded["litellm_settings"]
    assert faults["general_settings"] == embedded["general_settings"]
    extra = {m["model_name"]: m for m in faults["model_list"][2:]}
    assert set(extra) == set(FAULT_MODELS)
    for name, entry in extra.items():
        assert entry["litellm_params"]["model"] == f"openai/{name}"
        assert entry["model_info"]["mode"] == FAULT_MODELS[name]
    for entry in faults["model_list"]:
        assert entry["litellm_params"]["api_base"] == "os.environ/LITELLM_SMOKE_UPSTREAM"
        assert entry["litellm_params"]["api_key"] == "os.environ/LITELLM_SMOKE_UPSTREAM_KEY"
    for name in ("embedded.yaml", "faults.yaml"):
        link = REPO_DIR / "fixtures" / "configs" / name
        assert link.is_symlink()
        assert link.resolve() == (EMBEDDED_CONFIG.parent / name).resolve()


# -- the real LiteLLM ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_proxy() -> Iterator[tuple[EmbeddedProxy, ProxyEndpoint]]:
    proxy = EmbeddedProxy()
    with proxy as endpoint:
        yield proxy, endpoint


@pytest.fixture
def admin(real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> Iterator[httpx.Client]:
    _, endpoint = real_proxy
    headers = {"Authorization": f"Bearer {endpoint.master_key.reveal()}"}
    with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30, trust_env=False) as client:
        yield client


def _upstream_stats(real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> dict[str, dict[str, int]]:
    proxy, _ = real_proxy
    assert proxy.upstream is not None
    return proxy.upstream.stats()


@pytest.mark.embedded
@requires_litellm
def test_real_liveliness_and_readiness(real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> None:
    proxy, endpoint = real_proxy
    live = httpx.get(endpoint.base_url + "/health/liveliness", trust_env=False)
    ready = httpx.get(endpoint.base_url + "/health/readiness", trust_env=False)

    assert live.status_code == 200
    assert live.json() == "I'm alive!"
    assert ready.status_code == 200
    assert ready.json() == {"status": "healthy", "db": "Not connected"}
    assert proxy.boot_seconds is not None
    assert proxy.boot_seconds < proxy.startup_timeout


@pytest.mark.embedded
@requires_litellm
def test_real_master_key_is_required(real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> None:
    _, endpoint = real_proxy
    response = httpx.get(endpoint.base_url + "/v1/models", trust_env=False)

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "auth_error"


@pytest.mark.embedded
@requires_litellm
def test_real_models(admin: httpx.Client) -> None:
    ids = [m["id"] for m in admin.get("/v1/models").json()["data"]]

    assert sorted(ids) == sorted(EMBEDDED_MODELS)


@pytest.mark.embedded
@requires_litellm
def test_real_chat_reaches_the_fake_upstream(
    admin: httpx.Client, real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]
) -> None:
    before = _upstream_stats(real_proxy)["chat"].get("fake-chat", 0)

    response = admin.post(
        "/v1/chat/completions",
        json={"model": "heartcode-chat-sfw", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 5},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "heartcode-chat-sfw"
    assert body["choices"][0]["message"]["content"] == "pong"
    assert body["usage"]["total_tokens"] > 0
    assert response.headers["x-litellm-version"]
    assert _upstream_stats(real_proxy)["chat"]["fake-chat"] == before + 1


@pytest.mark.embedded
@requires_litellm
def test_real_stream_ends_with_done(admin: httpx.Client, real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> None:
    before = _upstream_stats(real_proxy)["chat_stream"].get("fake-chat", 0)
    body = {
        "model": "heartcode-chat-sfw",
        "messages": [{"role": "user", "content": "ping"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }

    with admin.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]

    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == "pong"
    assert any(c["choices"] and c["choices"][0].get("finish_reason") == "stop" for c in chunks)
    assert chunks[-1]["usage"]["total_tokens"] > 0
    assert _upstream_stats(real_proxy)["chat_stream"]["fake-chat"] == before + 1


@pytest.mark.embedded
@requires_litellm
def test_real_embeddings(admin: httpx.Client, real_proxy: tuple[EmbeddedProxy, ProxyEndpoint]) -> None:
    before = _upstream_stats(real_proxy)["embeddings"].get("fake-embed", 0)

    response = admin.post("/v1/embeddings", json={"model": "heartcode-embed", "input": ["hello", "world"]})

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [d["index"] for d in data] == [0, 1]
    assert [len(d["embedding"]) for d in data] == [8, 8]
    assert _upstream_stats(real_proxy)["embeddings"]["fake-embed"] == before + 1


@pytest.mark.embedded
@requires_litellm
@pytest.mark.parametrize("model", ["heartcode-embed", "heartcode-chat-sfw"])
def test_real_model_health(admin: httpx.Client, model: str) -> None:
    response = admin.get("/health", params={"model": model}, timeout=90)

    assert response.status_code == 200, response.text
    assert response.json()["healthy_count"] == 1
    assert response.json()["unhealthy_count"] == 0


@pytest.mark.embedded
@requires_litellm
def test_real_faults_pass_through_and_exit_is_clean() -> None:
    proxy = EmbeddedProxy(config=FAULTS_CONFIG)
    with proxy as endpoint:
        pid, port = proxy.pid, _port_of(endpoint.base_url)
        headers = {"Authorization": f"Bearer {endpoint.master_key.reveal()}"}
        with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30, trust_env=False) as client:

            def chat(model: str, **extra: object) -> httpx.Response:
                body = {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}
                return client.post("/v1/chat/completions", json=body)

            empty = chat("fault-empty-content")
            assert empty.status_code == 200
            assert empty.json()["choices"][0]["message"]["content"] == ""

            no_usage = chat("fault-no-usage")
            assert no_usage.status_code == 200
            assert no_usage.json()["usage"]["total_tokens"] == 0, "LiteLLM fills in zeros"

            error = chat("fault-500")
            assert error.status_code == 500
            assert error.json()["error"]["type"] == "internal_server_error"

            with client.stream(
                "POST",
                "/v1/chat/completions",
                json={"model": "fault-stream-cut", "messages": [{"role": "user", "content": "hi"}], "stream": True},
            ) as stream:
                assert stream.status_code == 200
                events = [line for line in stream.iter_lines() if line]
            assert "data: [DONE]" not in events
            assert "error" in json.loads(events[-1].removeprefix("data: "))

            short = client.post("/v1/embeddings", json={"model": "fault-embed-short", "input": ["a", "b"]})
            assert [len(d["embedding"]) for d in short.json()["data"]] == [8, 7]

            assert proxy.upstream is not None
            stats = proxy.upstream.stats()
            assert stats["faults"]["fault-500"] == 1, "num_retries 0: one upstream call per request"
            assert stats["chat_stream"]["fault-stream-cut"] == 1

    assert pid is not None
    assert not _pid_alive(pid)
    assert not _port_open(port)
    assert proxy.upstream is None


@pytest.mark.embedded
@requires_litellm
def test_real_refused_master_key_is_reported(tmp_path: Path) -> None:
    weak = tmp_path / "weak.yaml"
    weak.write_text(
        EMBEDDED_CONFIG.read_text().replace("master_key: os.environ/LITELLM_MASTER_KEY", "master_key: sk-1234")
    )
    proxy = EmbeddedProxy(config=weak, log_path=tmp_path / "proxy.log")

    with pytest.raises(ProxyStartError) as excinfo:
        with proxy:
            pytest.fail("LiteLLM >= 1.108 must refuse the publicly known key sk-1234")

    message = str(excinfo.value)
    assert excinfo.value.exit_code == 3
    assert "exited with code 3" in message
    assert "refused to start: the master key is a publicly known default" in message
    assert "last 30 lines of the LiteLLM log" in message
    assert "sk-smoke-" not in message, "the generated master key must not leak"

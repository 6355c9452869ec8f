"""Integration tier: the smoke and key checks against LiteLLM's official image with PostgreSQL,
and the Docker launcher's failure paths against a real engine.

Needs a Docker engine (GitHub's ubuntu-latest runners have one; docker/engine.sh starts one where
none runs) and the images, local or pullable (docker/build-images.sh builds them without a
registry; the ``LITELLM_SMOKE_*IMAGE`` settings select them). Without either every integration
test is skipped with one reason, or fails when ``CI_REQUIRE_DOCKER=1`` says Docker must be there.
Expected duration on a hosted runner: 3-8 minutes, most of it image pulls and LiteLLM's migrations
(see docs/database-tier.md); with local images on vfs storage about 3 minutes (docs/integration.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from tests.helpers.paths import REPO

import litellm_smoke
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import find_smoke_keys
from litellm_smoke.engine.checks import KEY_CHAIN
from litellm_smoke.launchers import ProxyEndpoint
from litellm_smoke.launchers.docker import (
    DEFAULT_IMAGE,
    IMAGE_ENV,
    POSTGRES_IMAGE_ENV,
    UPSTREAM_IMAGE_ENV,
    DockerProxy,
    DockerStartError,
    docker_unavailable_reason,
    image_unavailable_reason,
)

SUITE_DIR = Path(litellm_smoke.__file__).resolve().parent / "suite"
KEY_TESTS = set(KEY_CHAIN)  # the key checks, as the engine chains them
_UNAVAILABLE = docker_unavailable_reason()
# The image settings, read at import: the autouse clean_environ fixture removes LITELLM_* variables
# from every test's environment, and the module-scoped fixtures below may run after it.
IMAGES = {
    name: os.environ[name] for name in (IMAGE_ENV, UPSTREAM_IMAGE_ENV, POSTGRES_IMAGE_ENV) if os.environ.get(name)
}
LOCAL_BUILD_LABEL = "org.litellm-smoke.inputs"
"""Set by docker/build-images.sh on the images it builds."""
# An image no registry can serve, and whose pull stays on this machine (nothing listens on port 1).
MISSING_IMAGE = "localhost:1/litellm-smoke/no-such-image:0"


def _unusable(reason: str) -> None:
    if os.environ.get("CI_REQUIRE_DOCKER") == "1":
        pytest.fail(f"CI_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(f"integration tier: {reason}")


@pytest.fixture(scope="module")
def docker_engine() -> None:
    """Skip (once, with the reason) without Docker or its images; fail instead when CI_REQUIRE_DOCKER=1."""
    if _UNAVAILABLE is not None:
        _unusable(f"Docker is unavailable: {_UNAVAILABLE}")
    missing = image_unavailable_reason(DockerProxy(with_database=True, environ=IMAGES).images)
    if missing is not None:
        _unusable(missing)


@pytest.fixture(scope="module")
def docker_client(docker_engine: None) -> Iterator[Any]:
    import docker

    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="module")
def proxy_with_db(docker_engine: None, docker_client: Any) -> Iterator[DockerProxy]:
    proxy = DockerProxy(with_database=True, environ=IMAGES)
    labels = docker_client.images.get(proxy.image).labels or {}
    if LOCAL_BUILD_LABEL in labels:
        # A known limit, not a missing engine: skipped even with CI_REQUIRE_DOCKER=1.
        pytest.skip(
            f"{proxy.image} was built by docker/build-images.sh: LiteLLM's database mode runs the Prisma CLI, "
            "which downloads Node.js and Prisma's engines at start from hosts this machine cannot reach "
            "(docs/integration.md); it runs with the official litellm-database image where a registry is reachable"
        )
    with proxy:
        yield proxy


@pytest.fixture(scope="module")
def proxy_without_db(docker_engine: None) -> Iterator[ProxyEndpoint]:
    with DockerProxy(with_database=False, environ=IMAGES) as endpoint:
        yield endpoint


def _ours(client: Any) -> set[str]:
    """Every container (running or not) and network the engine has: a start must leave this unchanged."""
    # The low-level API: one listing call each, no per-object inspect that races a concurrent removal.
    return {c["Id"] for c in client.api.containers(all=True)} | {n["Id"] for n in client.api.networks()}


def _run_suite(
    endpoint: ProxyEndpoint,
    tmp_path: Path,
    expect_db: str,
    extra_env: dict[str, str] | None = None,
    target: Path = SUITE_DIR,
) -> tuple[int, str, dict[str, tuple[str, str]]]:
    """The shipped smoke suite in a subprocess, as a user runs it; returns rc, output, outcome per test."""
    junit = tmp_path / "junit.xml"
    env = {
        **os.environ,
        **(extra_env or {}),
        "LITELLM_BASE_URL": endpoint.base_url,
        "LITELLM_MASTER_KEY": endpoint.master_key.reveal(),
        "LITELLM_CHAT_MODELS": "heartcode-chat-sfw",
        "LITELLM_EMBEDDING_MODELS": "heartcode-embed",
        "LITELLM_EXPECT_DB": expect_db,
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "smoke",
        str(target),
        "-rA",
        f"--junitxml={junit}",
    ]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        verdict, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                verdict, message = tag, element.get("message", "")
        outcomes[case.get("name", "")] = (verdict, message)
    output = result.stdout + result.stderr + junit.read_text(encoding="utf-8")
    return result.returncode, output, outcomes


@pytest.mark.integration
def test_smoke_key_and_database_checks_pass_against_litellm_with_postgres(
    proxy_with_db: DockerProxy, tmp_path: Path
) -> None:
    endpoint, database_url = proxy_with_db.endpoint, proxy_with_db.database_url
    assert endpoint is not None
    assert database_url is not None
    # The direct database check too, against the database LiteLLM just migrated (host-mapped port).
    extra = {"LITELLM_DATABASE_URL": database_url.reveal()}
    rc, output, outcomes = _run_suite(endpoint, tmp_path, expect_db="true", extra_env=extra)
    assert rc == 0, output[-4000:]
    assert {name: outcomes[name][0] for name in KEY_TESTS} == dict.fromkeys(KEY_TESTS, "passed")
    assert outcomes["test_readiness"][0] == "passed"
    assert outcomes["test_database_ready"][0] == "passed"
    for secret in (endpoint.master_key.reveal(), database_url.reveal().split("@")[0].rsplit(":", 1)[1]):
        assert secret not in output

    async def leftovers() -> list[str]:
        async with ProxyClient(endpoint.base_url, endpoint.master_key, 30.0) as client:
            return [k.alias for k in await find_smoke_keys(client)]

    assert asyncio.run(leftovers()) == []  # the run deleted the key it minted


@pytest.mark.integration
def test_smoke_passes_and_key_checks_skip_against_litellm_without_database(
    proxy_without_db: ProxyEndpoint, tmp_path: Path
) -> None:
    rc, output, outcomes = _run_suite(proxy_without_db, tmp_path, expect_db="false")
    assert rc == 0, output[-4000:]
    assert {outcomes[name][0] for name in KEY_TESTS} == {"skipped"}
    assert all("no database: virtual keys need LiteLLM with PostgreSQL" in outcomes[n][1] for n in KEY_TESTS)
    assert proxy_without_db.master_key.reveal() not in output


@pytest.mark.integration
def test_database_check_passes_against_postgres_in_a_container(
    docker_engine: None, proxy_without_db: ProxyEndpoint, tmp_path: Path
) -> None:
    """The PostgreSQL image (PostgresContainer's env and readiness), migrated as Prisma does, checked
    by the shipped suite's direct database check."""
    from testcontainers.community.postgres import PostgresContainer
    from tests.db.test_check import LEDGER_ROW, PRISMA_LEDGER_DDL

    spec = importlib.util.find_spec("litellm_proxy_extras")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("litellm-proxy-extras is not installed (pip install 'litellm-smoke[embedded]')")
    scripts = sorted(Path(next(iter(spec.submodule_search_locations))).glob("migrations/*/migration.sql"))
    assert scripts
    password = "Sm0ke-" + uuid.uuid4().hex
    image = DockerProxy(environ=IMAGES).postgres_image
    with PostgresContainer(image, username="llmproxy", password=password, dbname="litellm", driver=None) as pg:
        import psycopg

        url = pg.get_connection_url()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(PRISMA_LEDGER_DDL)
            for script in scripts:
                body = script.read_bytes()
                started_at = datetime.now(timezone.utc)
                connection.execute(body)
                connection.execute(
                    LEDGER_ROW, (str(uuid.uuid4()), hashlib.sha256(body).hexdigest(), script.parent.name, started_at)
                )
        target = SUITE_DIR / "test_database.py"
        extra = {"LITELLM_DATABASE_URL": url}
        rc, output, outcomes = _run_suite(proxy_without_db, tmp_path, "false", extra_env=extra, target=target)
    assert rc == 0, output[-4000:]
    assert outcomes == {"test_database_ready": ("passed", "")}
    assert f'name="db_migrations_applied" value="{len(scripts)}"' in output
    assert password not in output


@pytest.mark.integration
def test_a_missing_image_is_reported_before_anything_starts(docker_engine: None, docker_client: Any) -> None:
    before = _ours(docker_client)
    proxy = DockerProxy(with_database=False, image=MISSING_IMAGE, environ=IMAGES)
    with pytest.raises(DockerStartError) as caught:
        proxy.start()
    message = str(caught.value)
    assert message.startswith(
        f"cannot start LiteLLM in Docker: the LiteLLM image {MISSING_IMAGE} is neither local nor pullable ("
    )
    assert message.endswith(f"set {IMAGE_ENV} to another image (docker/build-images.sh builds local ones)")
    assert "\n" not in message
    assert proxy.endpoint is None
    assert _ours(docker_client) == before


@pytest.mark.integration
def test_a_container_that_exits_during_start_is_reported_with_its_log(
    docker_engine: None, docker_client: Any, tmp_path: Path
) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("model_list: [\n  - model_name: {unclosed\n", encoding="utf-8")
    before = _ours(docker_client)
    proxy = DockerProxy(with_database=False, config=config, startup_timeout=240, environ=IMAGES)
    started = time.monotonic()
    with pytest.raises(DockerStartError) as caught:
        proxy.start()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    head, _, log = message.partition("\n--- last 40 log lines of LiteLLM ---\n")
    assert head.startswith(f"LiteLLM ({proxy.image}) exited with code "), message
    assert "during start-up" in head, message
    assert log.strip(), message  # the container's own words about why
    assert elapsed < 200, f"the exit was noticed after {elapsed:.0f} s, not at once"
    assert _ours(docker_client) == before  # the fake upstream and the network were removed too


@pytest.mark.integration
def test_a_readiness_timeout_names_the_budget_and_shows_the_log_tail(docker_engine: None, docker_client: Any) -> None:
    before = _ours(docker_client)
    proxy = DockerProxy(with_database=False, startup_timeout=3, environ=IMAGES)
    with pytest.raises(DockerStartError) as caught:
        proxy.start()
    message = str(caught.value)
    assert message.startswith(f"LiteLLM ({proxy.image}) did not start within 3 s: HTTP endpoint not ready"), message
    assert f"setting {IMAGE_ENV}" in message
    assert "\n--- last 40 log lines of LiteLLM ---\n" in message
    assert proxy.endpoint is None
    assert _ours(docker_client) == before


@pytest.mark.integration
def test_ctrl_c_during_start_removes_every_container_and_network(docker_engine: None, docker_client: Any) -> None:
    before = _ours(docker_client)
    image = DockerProxy(environ=IMAGES).image
    code = (
        "import time\n"
        "from litellm_smoke.launchers.docker import DockerProxy\n"
        "with DockerProxy(with_database=False):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(600)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **IMAGES},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(c["Id"] not in before and c["Image"] == image for c in docker_client.api.containers(all=True)):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the LiteLLM container was never created"
            time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode != 0, stdout + stderr
    assert "KeyboardInterrupt" in stderr, stdout + stderr
    assert "ready" not in stdout, "SIGINT came after the start; this test needs it during the start"
    assert _ours(docker_client) == before


# -- without Docker: what this machine can verify --------------------------------------------------


def test_launcher_module_does_not_import_testcontainers() -> None:
    code = (
        "import sys, litellm_smoke.launchers.docker as d; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('testcontainers', 'docker')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_tag_matches_the_litellm_version_the_replays_were_built_from() -> None:
    fixture = REPO / "fixtures" / "synthesised" / "keys" / "generate_key.json"
    source = json.loads(fixture.read_text(encoding="utf-8"))["source"]
    version = source.rsplit("litellm ", 1)[1].rstrip(")")
    assert DEFAULT_IMAGE == f"ghcr.io/berriai/litellm-database:main-v{version}"
    assert DockerProxy(environ={IMAGE_ENV: "example.org/litellm:custom"}).image == "example.org/litellm:custom"
    assert DockerProxy(environ={}).image == DEFAULT_IMAGE


def test_every_image_is_a_setting() -> None:
    environ = {IMAGE_ENV: "l:1", UPSTREAM_IMAGE_ENV: " u:1 ", POSTGRES_IMAGE_ENV: "p:1"}
    assert DockerProxy(environ=environ).images == {"fake upstream": "u:1", "LiteLLM": "l:1", "PostgreSQL": "p:1"}
    assert DockerProxy(with_database=False, environ={}).images == {
        "fake upstream": "python:3.12-slim",
        "LiteLLM": DEFAULT_IMAGE,
    }
    assert DockerProxy(environ=environ, postgres_image="x:2").postgres_image == "x:2"


@pytest.mark.skipif(_UNAVAILABLE is None, reason="a Docker engine is available here")
def test_without_an_engine_the_launcher_fails_in_one_line() -> None:
    proxy = DockerProxy()
    with pytest.raises(DockerStartError) as caught:
        proxy.start()
    message = str(caught.value)
    assert message.startswith("cannot start LiteLLM in Docker: no Docker engine reachable (")
    assert "\n" not in message
    assert proxy.endpoint is None


@pytest.mark.parametrize(
    ("local", "pullable", "ryuk_disabled", "says"),
    [
        ({"u:1", "l:1", "r:1"}, set(), False, None),
        ({"u:1"}, {"l:1"}, True, None),
        (
            {"u:1", "r:1"},
            set(),
            False,
            "the LiteLLM image l:1 is neither local nor pullable (404 no such image: l:1); "
            "pull or build it, or set LITELLM_SMOKE_IMAGE to another image (docker/build-images.sh builds local ones)",
        ),
        (
            {"u:1", "l:1"},
            set(),
            False,
            "the testcontainers' Ryuk reaper image r:1 is neither local nor pullable "
            "(404 no such image: r:1); pull or build it, or set TESTCONTAINERS_RYUK_DISABLED=true to go without it",
        ),
    ],
)
def test_image_check_pulls_what_is_not_local_and_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, local: set[str], pullable: set[str], ryuk_disabled: bool, says: str | None
) -> None:
    import testcontainers.core.docker_client as tc_client
    from docker.errors import ImageNotFound, NotFound
    from testcontainers.core.config import testcontainers_config

    pulled: list[str] = []

    class Images:
        def get(self, image: str) -> object:
            if image not in local:
                raise ImageNotFound(f"no such image: {image}")
            return object()

        def pull(self, image: str) -> object:
            pulled.append(image)
            if image not in pullable:
                raise NotFound(f"404 no such image: {image}")
            return object()

    class Client:
        images = Images()

        def close(self) -> None:
            pass

    class FakeDockerClient:
        client = Client()

    monkeypatch.setattr(tc_client, "DockerClient", FakeDockerClient)
    monkeypatch.setattr(testcontainers_config, "ryuk_image", "r:1")
    monkeypatch.setattr(testcontainers_config, "_ryuk_disabled", ryuk_disabled)
    assert image_unavailable_reason({"fake upstream": "u:1", "LiteLLM": "l:1"}) == says
    assert pulled == sorted(pullable) if says is None else pulled[-1] in says


class _FakeEngine:
    """Real testcontainers objects (so every builder call is checked against the real API), with the
    engine calls replaced: nothing is created, starts and stops are recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, fail_image: str | None = None) -> None:
        import testcontainers.core.container as tc_container
        import testcontainers.core.network as tc_network
        from testcontainers.community.postgres import PostgresContainer

        from litellm_smoke.launchers import docker as launcher

        self.started: list[Any] = []
        self.leak = b""
        self.stopped: list[object] = []
        self.networks_removed = 0
        engine = self

        class Client:
            def __init__(self, **kwargs: object) -> None:
                pass

            def client_networks_create(self, name: str, kwargs: object) -> object:
                class Net:
                    id = "net-1"

                    def remove(self) -> None:
                        engine.networks_removed += 1

                return Net()

        def start(container: tc_container.DockerContainer) -> tc_container.DockerContainer:
            engine.started.append(container)
            container._container = object()  # type: ignore[assignment,unused-ignore]
            if container.image == fail_image:
                raise TimeoutError("HTTP endpoint not ready within 300 seconds")
            return container

        monkeypatch.setattr(launcher, "docker_unavailable_reason", lambda: None)
        monkeypatch.setattr(launcher, "image_unavailable_reason", lambda images: None)
        monkeypatch.setattr(tc_container, "DockerClient", Client)
        monkeypatch.setattr(tc_network, "DockerClient", Client)
        monkeypatch.setattr(tc_container.DockerContainer, "start", start)
        monkeypatch.setattr(PostgresContainer, "_connect", lambda c: None)  # its psql readiness probe
        monkeypatch.setattr(tc_container.DockerContainer, "stop", lambda c, **kw: engine.stopped.append(c))
        monkeypatch.setattr(tc_container.DockerContainer, "get_container_host_ip", lambda c: "127.0.0.1")
        monkeypatch.setattr(tc_container.DockerContainer, "get_exposed_port", lambda c, port: 40000 + port)
        monkeypatch.setattr(tc_container.DockerContainer, "get_logs", lambda c: (b"booting\n" + engine.leak, b""))
        self.leak = b""


def test_wiring_with_postgres_against_a_fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from litellm_smoke.launchers import fake_upstream

    engine = _FakeEngine(monkeypatch)
    proxy = DockerProxy(environ={})
    with proxy as endpoint:
        upstream, postgres, litellm = engine.started
        assert endpoint.base_url == "http://127.0.0.1:44000"
        assert proxy.upstream_url == "http://127.0.0.1:48080/v1"
        assert proxy.database_url is not None
        assert proxy.database_url.reveal().startswith("postgresql://llmproxy:")
    assert engine.stopped == [litellm, postgres, upstream]
    assert engine.networks_removed == 1

    assert upstream.image == "python:3.12-slim"
    assert upstream._network_aliases == ["upstream"]
    assert upstream._command == ["python", "/tmp/fake_upstream.py", "--host", "0.0.0.0", "--port", "8080"]
    assert upstream._transferable_specs == [(Path(fake_upstream.__file__), "/tmp/fake_upstream.py", 0o644)]
    assert postgres.image == "postgres:16"
    assert postgres._network_aliases == ["db"]
    assert litellm.image == DEFAULT_IMAGE
    assert litellm._command == ["--config", "/app/litellm-smoke.yaml", "--port", "4000"]
    wait = litellm._wait_strategy
    assert (wait._port, wait._path, wait._status_codes, wait._startup_timeout) == (
        4000,
        "/health/readiness",
        {200},
        300,
    )
    env = litellm.env
    assert env["LITELLM_MASTER_KEY"] == endpoint.master_key.reveal()
    assert env["DATABASE_URL"].startswith("postgresql://llmproxy:")
    assert env["DATABASE_URL"].endswith("@db:5432/litellm")
    assert env["LITELLM_SALT_KEY"]
    assert env["LITELLM_SMOKE_UPSTREAM"] == "http://upstream:8080/v1"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


def test_without_database_litellm_runs_alone_with_the_fake_upstream(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _FakeEngine(monkeypatch)
    with DockerProxy(with_database=False, environ={IMAGE_ENV: "example.org/litellm:x"}):
        _, litellm = engine.started
    assert litellm.image == "example.org/litellm:x"
    assert "DATABASE_URL" not in litellm.env


def test_a_failed_litellm_start_removes_everything_and_redacts_its_log(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _FakeEngine(monkeypatch, fail_image=DEFAULT_IMAGE)
    engine.leak = b"LiteLLM: master_key=sk-smoke-leaked-value-123456"
    proxy = DockerProxy(environ={})
    with pytest.raises(DockerStartError) as caught, proxy:
        pass
    message = str(caught.value)
    assert message.startswith(f"LiteLLM ({DEFAULT_IMAGE}) did not start within 300 s: HTTP endpoint not ready")
    assert "--- last 40 log lines of LiteLLM ---\nbooting" in message
    assert "sk-smoke-leaked" not in message
    assert engine.stopped == list(reversed(engine.started))
    assert len(engine.started) == 3
    assert engine.networks_removed == 1
    assert proxy.endpoint is None

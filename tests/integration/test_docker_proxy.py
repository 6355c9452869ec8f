"""Integration tier: the smoke and key checks against LiteLLM's official image with PostgreSQL.

Needs a Docker engine (GitHub's ubuntu-latest runners have one). Without one every integration
test is skipped with one reason, or fails when ``CI_REQUIRE_DOCKER=1`` says Docker must be there.
Expected duration on a hosted runner: 3-8 minutes, most of it image pulls and LiteLLM's migrations
(see docs/database-tier.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers.paths import REPO

import litellm_smoke
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import find_smoke_keys
from litellm_smoke.launchers import ProxyEndpoint
from litellm_smoke.launchers.docker import (
    DEFAULT_IMAGE,
    IMAGE_ENV,
    DockerProxy,
    DockerStartError,
    docker_unavailable_reason,
)

SUITE_DIR = Path(litellm_smoke.__file__).resolve().parent / "suite"
KEY_TESTS = {
    "test_key_generate",
    "test_key_calls_allowed_model",
    "test_key_refused_other_model",
    "test_key_info_reports_limits",
    "test_key_rate_limited",
    "test_key_deleted_rejected",
}
_UNAVAILABLE = docker_unavailable_reason()


@pytest.fixture(scope="module")
def docker_engine() -> None:
    """Skip (once, with the reason) without Docker; fail instead when CI_REQUIRE_DOCKER=1."""
    if _UNAVAILABLE is None:
        return
    if os.environ.get("CI_REQUIRE_DOCKER") == "1":
        pytest.fail(f"CI_REQUIRE_DOCKER=1 but Docker is unavailable: {_UNAVAILABLE}", pytrace=False)
    pytest.skip(f"integration tier needs Docker: {_UNAVAILABLE}")


@pytest.fixture(scope="module")
def proxy_with_db(docker_engine: None) -> Iterator[DockerProxy]:
    proxy = DockerProxy(with_database=True)
    with proxy:
        yield proxy


@pytest.fixture(scope="module")
def proxy_without_db(docker_engine: None) -> Iterator[ProxyEndpoint]:
    with DockerProxy(with_database=False) as endpoint:
        yield endpoint


def _run_suite(
    endpoint: ProxyEndpoint, tmp_path: Path, expect_db: str, extra_env: dict[str, str] | None = None
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
        str(SUITE_DIR),
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
def test_a_failed_start_leaves_no_container_or_network(docker_engine: None) -> None:
    import docker

    client = docker.from_env()
    try:

        def ours() -> set[str]:
            containers = {c.id for c in client.containers.list(all=True) if "ryuk" not in (c.image.tags or [""])[0]}
            return containers | {n.id for n in client.networks.list()}

        before = ours()
        proxy = DockerProxy(with_database=False, image="ghcr.io/berriai/litellm-database:litellm-smoke-no-such-tag")
        with pytest.raises(DockerStartError, match=r"LiteLLM \(.*\) did not start"):
            proxy.start()
        assert ours() == before
    finally:
        client.close()


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


@pytest.mark.skipif(_UNAVAILABLE is None, reason="a Docker engine is available here")
def test_without_an_engine_the_launcher_fails_in_one_line() -> None:
    proxy = DockerProxy()
    with pytest.raises(DockerStartError) as caught:
        proxy.start()
    message = str(caught.value)
    assert message.startswith("cannot start LiteLLM in Docker: no Docker engine reachable (")
    assert "\n" not in message
    assert proxy.endpoint is None


class _FakeEngine:
    """Real testcontainers objects (so every builder call is checked against the real API), with the
    engine calls replaced: nothing is created, starts and stops are recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, fail_image: str | None = None) -> None:
        import testcontainers.core.container as tc_container
        import testcontainers.core.network as tc_network
        from testcontainers.community.postgres import PostgresContainer

        from litellm_smoke.launchers import docker as launcher

        self.started: list[object] = []
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
            container._container = object()  # type: ignore[assignment]
            if container.image == fail_image:
                raise TimeoutError("HTTP endpoint not ready within 300 seconds")
            return container

        monkeypatch.setattr(launcher, "docker_unavailable_reason", lambda: None)
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

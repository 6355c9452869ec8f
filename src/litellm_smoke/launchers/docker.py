"""LiteLLM's official database image in Docker, with PostgreSQL and a fake upstream, via testcontainers.

The hermetic integration tier: no provider keys, no shared database. testcontainers (and the
``docker`` SDK) are imported inside functions only, so importing this module costs nothing and
live or embedded runs never load them.

What runs, on a private Docker network created for the run:

* ``db``: ``postgres:16`` (or ``LITELLM_SMOKE_POSTGRES_IMAGE``) with a generated password (unless
  ``with_database=False``);
* ``upstream``: ``python:3.12-slim`` (or ``LITELLM_SMOKE_UPSTREAM_IMAGE``) running ``fake_upstream.py``
  copied in from this package. A
  separate stock image rather than a second process in the LiteLLM container: the LiteLLM image's
  entrypoint stays untouched (it runs the migrations), nothing has to be built, and the fake
  upstream module is standard-library only, so one copied file is the whole install;
* the proxy: ``LITELLM_SMOKE_IMAGE`` or :data:`DEFAULT_IMAGE`, configured with the embedded
  default's ``embedded.yaml`` (the seed deployment's model names, served by the fake upstream),
  a generated master key and ``LITELLM_SALT_KEY``. Ready means ``GET /health/readiness`` answers
  200, which on a database image happens only after Prisma connected and the migrations ran.

Every image must be local or pullable; one that is neither is reported before anything starts
(:func:`image_unavailable_reason`). Without a registry, ``docker/build-images.sh`` builds local
equivalents of all three and prints the ``LITELLM_SMOKE_*IMAGE`` settings that select them
(docs/integration.md).
"""

from __future__ import annotations

import gc
import os
import secrets
import warnings
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.client.routes import MODELS, READINESS
from litellm_smoke.errors import StartupError
from litellm_smoke.launchers import EMBEDDED_CONFIG, Launcher, ProxyEndpoint, fake_upstream, upstream_env

__all__ = [
    "DEFAULT_IMAGE",
    "IMAGE_ENV",
    "POSTGRES_IMAGE_ENV",
    "UPSTREAM_IMAGE_ENV",
    "DockerProxy",
    "DockerStartError",
    "docker_available",
    "docker_unavailable_reason",
    "image_unavailable_reason",
]

DEFAULT_IMAGE = "ghcr.io/berriai/litellm-database:main-v1.108.7"
"""LiteLLM's database image at the release the project pins (``litellm`` 1.108.7 in the embedded
extra, and the version the replayed key bodies were built from). ``main-vX.Y.Z`` is the tag
LiteLLM publishes for every release; ``main-stable``/``main-latest`` move and are not used."""
IMAGE_ENV = "LITELLM_SMOKE_IMAGE"
POSTGRES_IMAGE = "postgres:16"
POSTGRES_IMAGE_ENV = "LITELLM_SMOKE_POSTGRES_IMAGE"
"""Any image that honours ``postgres``' ``POSTGRES_USER/PASSWORD/DB`` and has ``sh`` and ``psql``."""
UPSTREAM_IMAGE = "python:3.12-slim"
UPSTREAM_IMAGE_ENV = "LITELLM_SMOKE_UPSTREAM_IMAGE"
"""Any image with ``python`` (3.10+) on its PATH: the fake upstream is standard-library only."""
PROXY_PORT = 4000
UPSTREAM_PORT = 8080
DB_ALIAS = "db"
UPSTREAM_ALIAS = "upstream"
STARTUP_TIMEOUT = 300.0
"""Seconds for migrations and start-up; LiteLLM's own CI and its Helm startup probe allow 5 minutes."""

_CONFIG_PATH = "/app/litellm-smoke.yaml"
_UPSTREAM_PATH = "/tmp/fake_upstream.py"
_LOG_TAIL_LINES = 40
_IMAGE_SETTING = {"LiteLLM": IMAGE_ENV, "PostgreSQL": POSTGRES_IMAGE_ENV, "fake upstream": UPSTREAM_IMAGE_ENV}
_RYUK = "testcontainers' Ryuk reaper"


class DockerStartError(StartupError):
    """A container did not start or get ready; the message names which, why, and its last log lines."""


def docker_unavailable_reason() -> str | None:
    """Why no container can be started here (one line), or None when a Docker engine answers.

    Uses testcontainers' own client, so ``DOCKER_HOST``, ``TC_HOST`` and
    ``~/.testcontainers.properties`` are honoured exactly as they will be by :class:`DockerProxy`.
    """
    # A docker client that fails half-way through its constructor leaves its socket unclosed; the
    # ResourceWarning would surface later, at garbage collection, as someone else's error. The
    # probe's frames (and that socket) die inside this block, where the warning is ignored.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        reason = _probe_engine()
        gc.collect()
    return reason


def _probe_engine() -> str | None:
    try:
        from docker.errors import DockerException
        from testcontainers.core.docker_client import DockerClient
    except ImportError as exc:
        return f"{exc.name} is not installed: pip install 'litellm-smoke[integration]'"
    try:
        # Constructing any testcontainers object already talks to the engine (and raises without one).
        client = DockerClient()
        try:
            client.client.ping()
        finally:
            client.client.close()
    except DockerException as exc:
        return f"no Docker engine reachable ({_first_line(exc)}); start Docker or point DOCKER_HOST at one"
    except Exception as exc:  # requests/urllib3 errors from a half-working engine
        return f"the Docker engine did not answer ({type(exc).__name__}: {_first_line(exc)})"
    return None


def docker_available() -> bool:
    """True when a Docker engine answers (see :func:`docker_unavailable_reason`)."""
    return docker_unavailable_reason() is None


def image_unavailable_reason(images: Mapping[str, str]) -> str | None:
    """Why one of ``images`` (role -> image) cannot be used (one line), or None when all can.

    An image is usable when it is local or a pull of it succeeds (the pull is attempted here, once,
    so that a missing image is told apart from a failed start). testcontainers' Ryuk reaper image
    counts too unless ``TESTCONTAINERS_RYUK_DISABLED=true``. Call after
    :func:`docker_unavailable_reason` returned None.
    """
    from docker.errors import ImageNotFound
    from testcontainers.core.config import testcontainers_config
    from testcontainers.core.docker_client import DockerClient

    wanted = dict(images)
    if not testcontainers_config.ryuk_disabled:
        wanted[_RYUK] = testcontainers_config.ryuk_image
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        client = DockerClient().client
        try:
            for role, image in wanted.items():
                try:
                    client.images.get(image)
                    continue
                except ImageNotFound:
                    pass
                try:
                    client.images.pull(image)
                except Exception as exc:
                    if role == _RYUK:
                        hint = "TESTCONTAINERS_RYUK_DISABLED=true to go without it"
                    else:
                        setting = _IMAGE_SETTING.get(role, "the image")
                        hint = f"{setting} to another image (docker/build-images.sh builds local ones)"
                    return (
                        f"the {role} image {image} is neither local nor pullable ({_first_line(exc)}); "
                        f"pull or build it, or set {hint}"
                    )
        finally:
            client.close()
        gc.collect()
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return REDACT(text.splitlines()[0] if text else type(exc).__name__)


def _exit_code(container: Any) -> int | None:
    """The container's exit code once it has exited (or died), else None (running, or never created)."""
    try:
        wrapped = container.get_wrapped_container()
        wrapped.reload()
        if wrapped.status in ("exited", "dead"):
            return int(wrapped.attrs["State"]["ExitCode"])
    except Exception:
        pass
    return None


def _http_wait(port: int, path: str, timeout: float) -> Any:
    """testcontainers' HttpWaitStrategy, except that it stops waiting as soon as the container exited.

    The stock strategy polls the port until its timeout even when the process is long dead (5
    minutes for LiteLLM); this one checks the container's state before each poll.
    """
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    class UntilReadyOrExited(HttpWaitStrategy):
        _target: Any = None

        def wait_until_ready(self, container: Any) -> None:
            self._target = container
            super().wait_until_ready(container)

        def _try_http_request(self, url: str, headers: dict[str, str], ssl_context: Any) -> bool:
            code = _exit_code(self._target)
            if code is not None:
                raise RuntimeError(f"the container exited with code {code}")
            return bool(super()._try_http_request(url, headers, ssl_context))

    return UntilReadyOrExited(port, path).for_status_code(200).with_startup_timeout(timedelta(seconds=timeout))


def _tail(container: Any) -> str:
    try:
        stdout, stderr = container.get_logs()
    except Exception as exc:  # the container may be gone already
        return f"(no logs: {type(exc).__name__})"
    lines = (stdout + stderr).decode("utf-8", "replace").splitlines()
    return REDACT("\n".join(lines[-_LOG_TAIL_LINES:]))


class DockerProxy(Launcher):
    """Start LiteLLM (and PostgreSQL, and the fake upstream) in Docker; a context manager.

    ``with DockerProxy() as endpoint:`` yields a :class:`~litellm_smoke.launchers.ProxyEndpoint`.
    If anything fails to start, everything started so far is removed (containers, then the
    network) before :class:`DockerStartError` propagates, and the same happens on exit.

    :param with_database: also start ``postgres:16`` and give LiteLLM its ``DATABASE_URL``;
        False runs the LiteLLM image alone (master key only, no virtual keys).
    :param image: the LiteLLM image; default env ``LITELLM_SMOKE_IMAGE``, else :data:`DEFAULT_IMAGE`.
    :param upstream_image: default env ``LITELLM_SMOKE_UPSTREAM_IMAGE``, else :data:`UPSTREAM_IMAGE`.
    :param postgres_image: default env ``LITELLM_SMOKE_POSTGRES_IMAGE``, else :data:`POSTGRES_IMAGE`.
    :param startup_timeout: seconds until ``/health/readiness`` must answer 200; default 300.
    :param config: the LiteLLM config copied into the container; default ``embedded.yaml``.
    :param environ: where the ``LITELLM_SMOKE_*IMAGE`` settings are read from (injectable for tests).
    """

    def __init__(
        self,
        *,
        with_database: bool = True,
        image: str | None = None,
        upstream_image: str | None = None,
        postgres_image: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
        config: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        self.with_database = with_database
        self.image = image or environ.get(IMAGE_ENV, "").strip() or DEFAULT_IMAGE
        self.upstream_image = upstream_image or environ.get(UPSTREAM_IMAGE_ENV, "").strip() or UPSTREAM_IMAGE
        self.postgres_image = postgres_image or environ.get(POSTGRES_IMAGE_ENV, "").strip() or POSTGRES_IMAGE
        self.startup_timeout = startup_timeout
        self.config = Path(config if config is not None else EMBEDDED_CONFIG)
        self.endpoint: ProxyEndpoint | None = None
        self.database_url: Secret | None = None
        """PostgreSQL URL reachable from the host (mapped port), for direct database checks."""
        self.upstream_url: str | None = None
        """The fake upstream's OpenAI base URL as seen from the host (its ``/_stats`` sits next to it)."""
        self._network: Any = None
        self._containers: list[Any] = []

    @property
    def images(self) -> dict[str, str]:
        """The images a start needs, by role (for :func:`image_unavailable_reason`)."""
        images = {"fake upstream": self.upstream_image, "LiteLLM": self.image}
        if self.with_database:
            images["PostgreSQL"] = self.postgres_image
        return images

    def stop(self) -> None:
        """Remove the containers (newest first) and the network; safe to call twice."""
        containers, self._containers = self._containers, []
        for container in reversed(containers):
            try:
                container.stop()
            except Exception:  # already gone, or the engine went away: Ryuk reaps the rest
                pass
        network, self._network = self._network, None
        if network is not None:
            try:
                network.remove()
            except Exception:
                pass
        self.endpoint = None

    # -- internals ------------------------------------------------------------------------------

    def _start(self) -> ProxyEndpoint:
        from testcontainers.core.network import Network

        if not self.config.is_file():
            raise DockerStartError(f"LiteLLM config {self.config} does not exist")
        unavailable = docker_unavailable_reason()
        if unavailable is not None:
            raise DockerStartError(f"cannot start LiteLLM in Docker: {unavailable}")
        missing = image_unavailable_reason(self.images)
        if missing is not None:
            raise DockerStartError(f"cannot start LiteLLM in Docker: {missing}")
        try:
            self._network = Network().create()
        except Exception as exc:
            raise DockerStartError(f"cannot create a Docker network: {_first_line(exc)}") from None
        upstream = self._run(self._upstream_container(), "fake upstream", self.upstream_image)
        host = upstream.get_container_host_ip()
        self.upstream_url = f"http://{host}:{upstream.get_exposed_port(UPSTREAM_PORT)}/v1"
        env: dict[str, str] = {}
        if self.with_database:
            password = secrets.token_hex(16)
            REDACT.add(password)
            postgres = self._run(self._postgres_container(password), "PostgreSQL", self.postgres_image)
            env["DATABASE_URL"] = f"postgresql://llmproxy:{password}@{DB_ALIAS}:5432/litellm"
            self.database_url = Secret(postgres.get_connection_url(driver=None))
            REDACT.add(self.database_url)
        master_key = Secret("sk-smoke-" + secrets.token_urlsafe(24))
        salt_key = Secret("sk-salt-" + secrets.token_urlsafe(24))
        REDACT.add(master_key)
        REDACT.add(salt_key)
        env.update(
            LITELLM_MASTER_KEY=master_key.reveal(),
            LITELLM_SALT_KEY=salt_key.reveal(),
            LITELLM_LOCAL_MODEL_COST_MAP="True",
        )
        env.update(upstream_env(f"http://{UPSTREAM_ALIAS}:{UPSTREAM_PORT}/v1"))
        proxy = self._run(self._proxy_container(env), "LiteLLM", self.image, timeout=self.startup_timeout)
        base_url = f"http://{proxy.get_container_host_ip()}:{proxy.get_exposed_port(PROXY_PORT)}"
        self.endpoint = ProxyEndpoint(base_url=base_url, master_key=master_key)
        return self.endpoint

    def _run(self, container: Any, what: str, image: str, timeout: float | None = None) -> Any:
        # Registered before start: a container that fails half-way is still removed by stop().
        self._containers.append(container)
        try:
            container.start()
        except Exception as exc:
            exit_code = _exit_code(container)
            if exit_code is not None:
                problem = (
                    f"{what} ({image}) exited with code {exit_code} during start-up. Hint: its log below says "
                    "why (a config it cannot read, a missing dependency, a port in use)"
                )
            else:
                budget = f" within {timeout:g} s" if timeout else ""
                problem = (
                    f"{what} ({image}) did not start{budget}: {_first_line(exc)}. Hint: check that the image "
                    f"is the right one (setting {_IMAGE_SETTING[what]}), give a slow machine a longer startup timeout, "
                    "and read the log below"
                )
            raise DockerStartError(
                f"{problem}.\n--- last {_LOG_TAIL_LINES} log lines of {what} ---\n{_tail(container)}"
            ) from None
        return container

    def _upstream_container(self) -> Any:
        from testcontainers.core.container import DockerContainer

        # Run as a script: the file has a __main__ guard and no package imports.
        return (
            DockerContainer(self.upstream_image)
            .with_network(self._network)
            .with_network_aliases(UPSTREAM_ALIAS)
            .with_copy_into_container(Path(fake_upstream.__file__), _UPSTREAM_PATH)
            .with_env("PYTHONUNBUFFERED", "1")
            .with_command(["python", _UPSTREAM_PATH, "--host", "0.0.0.0", "--port", str(UPSTREAM_PORT)])
            .with_exposed_ports(UPSTREAM_PORT)
            .waiting_for(_http_wait(UPSTREAM_PORT, MODELS, 120))
        )

    def _postgres_container(self, password: str) -> Any:
        from testcontainers.community.postgres import PostgresContainer

        return (
            PostgresContainer(
                self.postgres_image, username="llmproxy", password=password, dbname="litellm", driver=None
            )
            .with_network(self._network)
            .with_network_aliases(DB_ALIAS)
        )

    def _proxy_container(self, env: Mapping[str, str]) -> Any:
        from testcontainers.core.container import DockerContainer

        container = (
            DockerContainer(self.image)
            .with_network(self._network)
            .with_copy_into_container(self.config, _CONFIG_PATH)
            .with_command(["--config", _CONFIG_PATH, "--port", str(PROXY_PORT)])
            .with_exposed_ports(PROXY_PORT)
            .waiting_for(_http_wait(PROXY_PORT, READINESS, self.startup_timeout))
        )
        for name, value in env.items():
            container.with_env(name, value)
        return container

"""The embedded default target: a real LiteLLM proxy subprocess in front of a fake upstream.

Nothing here imports litellm or pytest: LiteLLM runs as a child process, so importing this
module stays cheap and the CLI can use it as well as the fixtures.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.client.routes import READINESS
from litellm_smoke.errors import StartupError
from litellm_smoke.launchers import EMBEDDED_CONFIG, Launcher, ProxyEndpoint, upstream_env
from litellm_smoke.launchers.fake_upstream import FakeUpstream

__all__ = [
    "LITELLM_BIN_ENV",
    "EmbeddedProxy",
    "ProxyStartError",
]

LITELLM_BIN_ENV = "LITELLM_SMOKE_LITELLM_BIN"

_POLL_INTERVAL = 0.15
_PROBE_TIMEOUT = 1.0
_STOP_TIMEOUT = 5.0
_LOG_TAIL_LINES = 30
_PORT_ATTEMPTS = 2
_PR_SET_PDEATHSIG = 1
_SIGKILL = int(getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows has no SIGKILL

# An inherited DATABASE_URL (say, from a shell set up for the real deployment) would turn the
# throwaway proxy into one that runs migrations against that database. Pass them via extra_env
# if that is really wanted.
_STRIPPED_ENV = (
    "DATABASE_URL",
    "DIRECT_URL",
    "DATABASE_HOST",
    "DATABASE_USERNAME",
    "DATABASE_PASSWORD",
    "DATABASE_NAME",
    "STORE_MODEL_IN_DB",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PORT_IN_USE = re.compile(r"address already in use", re.IGNORECASE)


class ProxyStartError(StartupError):
    """The LiteLLM subprocess exited, or was not ready in time.

    The message is one paragraph (command, exit code or elapsed time, a hint) followed by the
    last lines of the proxy log, with the master key and anything key-shaped redacted.
    """

    def __init__(self, message: str, *, log_tail: str = "", exit_code: int | None = None) -> None:
        self.exit_code = exit_code
        self.log_tail = REDACT(log_tail)
        text = REDACT(message)
        if self.log_tail:
            text += f"\n--- last {_LOG_TAIL_LINES} lines of the LiteLLM log ---\n{self.log_tail}"
        super().__init__(text)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _default_litellm_command() -> list[str]:
    override = os.environ.get(LITELLM_BIN_ENV, "").strip()
    if override:
        return shlex.split(override)
    # The console script of the interpreter running us wins over PATH, so a venv is used as a unit.
    exe_dir = Path(sys.executable).parent
    for name in ("litellm", "litellm.exe"):
        candidate = exe_dir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    found = shutil.which("litellm")
    if found:
        return [found]
    # find_spec on the top-level name does not import litellm (which takes seconds).
    if find_spec("litellm") is not None:
        return [sys.executable, "-m", "litellm.proxy.proxy_cli"]
    raise ProxyStartError(
        "Cannot start the embedded LiteLLM proxy: no `litellm` executable was found next to "
        f"{sys.executable}, on PATH, or as an importable package. Install the extra with "
        "`pip install 'litellm-smoke[embedded]'`, set "
        f"{LITELLM_BIN_ENV} to the command to run, or point the suite at a running proxy with "
        "--litellm-url."
    )


def _death_signal_preexec() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel SIGKILL the proxy when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    # Imported here: only Linux needs it, and it must be loaded before fork, not in the child.
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        # If the test run is SIGKILLed no __exit__ runs; without this the proxy would live on.
        # Note: the kernel fires it when the *thread* that forked exits, so start the proxy from
        # a thread that outlives it (pytest's main thread does).
        prctl(_PR_SET_PDEATHSIG, _SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            last = deque(fh, maxlen=lines)
    except OSError as exc:
        return f"(could not read {path}: {exc})"
    return _ANSI.sub("", "".join(last)).rstrip()


class EmbeddedProxy(Launcher):
    """Start a real LiteLLM proxy on a free loopback port, backed by a :class:`FakeUpstream`.

    ``with EmbeddedProxy() as endpoint:`` yields a :class:`ProxyEndpoint`. If start-up fails,
    everything started so far is stopped and :class:`ProxyStartError` is raised.

    The child gets the inherited environment minus database settings, plus
    ``LITELLM_LOCAL_MODEL_COST_MAP=True``, a fresh ``LITELLM_MASTER_KEY``,
    ``LITELLM_SMOKE_UPSTREAM`` (the fake upstream's base URL) and ``LITELLM_SMOKE_UPSTREAM_KEY``;
    the config refers to them as ``os.environ/...``.

    :param config: LiteLLM config file; default :data:`EMBEDDED_CONFIG`.
    :param startup_timeout: seconds from launch until ``GET /health/readiness`` must answer 200;
        default 120 (a cold start takes 6-7 s on an idle 2-core machine, 10-12 s on a busy one).
    :param extra_env: variables added to the child's environment (they cannot replace the master
        key or the upstream URL and key).
    :param litellm_command: the command that runs the LiteLLM CLI, without arguments; default
        env ``LITELLM_SMOKE_LITELLM_BIN`` (shell-split), else ``litellm`` next to
        ``sys.executable``, else on PATH, else ``python -m litellm.proxy.proxy_cli``.
    :param log_path: where the proxy's stdout and stderr go (appended); default a file in a
        temporary directory, removed by :meth:`stop` unless start-up failed.
    """

    def __init__(
        self,
        *,
        config: Path | None = None,
        startup_timeout: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
        litellm_command: Sequence[str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.config = Path(config if config is not None else EMBEDDED_CONFIG).resolve()
        self.startup_timeout = startup_timeout
        self.extra_env = dict(extra_env or {})
        self.litellm_command = list(litellm_command) if litellm_command is not None else None
        self._requested_log_path = log_path
        self.log_path: Path | None = log_path
        self.upstream: FakeUpstream | None = None
        self.boot_seconds: float | None = None
        #: Seconds between SIGTERM and SIGKILL when stopping.
        self.stop_timeout = _STOP_TIMEOUT
        self.endpoint: ProxyEndpoint | None = None
        self.command: list[str] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._tmpdir: Path | None = None
        self._keep_tmpdir = False

    @property
    def pid(self) -> int | None:
        """The proxy's pid while it runs (it leads its own process group)."""
        return self._process.pid if self._process is not None else None

    def _start(self) -> ProxyEndpoint:
        self._keep_tmpdir = False
        self.log_path = self._requested_log_path
        if not self.config.is_file():
            raise ProxyStartError(
                f"Cannot start the embedded LiteLLM proxy: config file {self.config} does not exist. "
                "Pass an existing LiteLLM config.yaml, or none to use the built-in embedded.yaml."
            )
        command = self.litellm_command or _default_litellm_command()
        if self.log_path is None:
            # Only when we choose the log's place: a caller's log_path leaves nothing behind here.
            self._tmpdir = Path(tempfile.mkdtemp(prefix="litellm-smoke-"))
            self.log_path = self._tmpdir / "litellm.log"
        self.upstream = FakeUpstream().start()
        key = Secret("sk-smoke-" + secrets.token_urlsafe(24))
        REDACT.add(key)
        env = self._child_env(key, self.upstream.base_url)
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = _free_port()
            try:
                self._launch(command, port, env)
                break
            except ProxyStartError as exc:
                # The free port can be taken between our probe and LiteLLM's bind (parallel runs).
                if attempt < _PORT_ATTEMPTS and exc.exit_code is not None and _PORT_IN_USE.search(exc.log_tail):
                    self._stop_process()
                    continue
                # Keep the log the error message points at.
                self._keep_tmpdir = True
                raise
        self.endpoint = ProxyEndpoint(base_url=f"http://127.0.0.1:{port}", master_key=key)
        return self.endpoint

    def stop(self) -> None:
        """Stop the proxy's process group (SIGTERM, then SIGKILL) and the fake upstream."""
        try:
            self._stop_process()
        finally:
            upstream, self.upstream = self.upstream, None
            if upstream is not None:
                upstream.stop()
            self.endpoint = None
            if self._tmpdir is not None and not self._keep_tmpdir:
                self.log_path = None
                shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # -- internals ------------------------------------------------------------------------------

    def _child_env(self, key: Secret, upstream_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
        # Without it LiteLLM spends ~10 s retrying to download the cost map when offline.
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        # So the log tail on failure holds everything LiteLLM printed up to its death.
        env["PYTHONUNBUFFERED"] = "1"
        # An HTTP(S)_PROXY in the environment must not capture loopback calls to the fake upstream.
        for name in ("NO_PROXY", "no_proxy"):
            env[name] = ",".join(filter(None, [env.get(name, ""), "127.0.0.1", "localhost"]))
        env.update(self.extra_env)
        env["LITELLM_MASTER_KEY"] = key.reveal()
        env.update(upstream_env(upstream_url))
        return env

    def _launch(self, command: Sequence[str], port: int, env: Mapping[str, str]) -> None:
        assert self.log_path is not None
        self.command = [*command, "--config", str(self.config), "--host", "127.0.0.1", "--port", str(port)]
        shown = shlex.join(self.command)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            try:
                self._process = subprocess.Popen(
                    self.command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=dict(env),
                    # LiteLLM may write files to its working directory; keep them beside the log.
                    cwd=self.log_path.parent,
                    start_new_session=True,
                    preexec_fn=_death_signal_preexec(),
                )
            except OSError as exc:
                raise ProxyStartError(
                    f"Cannot start the embedded LiteLLM proxy: running `{shown}` failed with {exc}. "
                    f"Check the command, or set {LITELLM_BIN_ENV} to a working LiteLLM CLI."
                ) from exc
        # Imported here: httpx (with rich, when installed) costs ~0.2 s, and importing this module
        # must stay cheap for CLI paths that never start a proxy.
        import httpx

        process = self._process
        url = f"http://127.0.0.1:{port}{READINESS}"
        deadline = started + self.startup_timeout
        last = "no answer yet"
        with httpx.Client(timeout=_PROBE_TIMEOUT, trust_env=False) as client:
            while True:
                code = process.poll()
                if code is not None:
                    raise ProxyStartError(
                        f"The embedded LiteLLM proxy exited with code {code} after "
                        f"{time.monotonic() - started:.1f} s, before {url} answered 200. "
                        f"Command: `{shown}`. Hint: the log below usually names the cause (a config "
                        "error, a refused master key, a missing package such as prisma, or the port "
                        f"being taken); full log: {self.log_path}.",
                        log_tail=_tail(self.log_path),
                        exit_code=code,
                    )
                try:
                    response = client.get(url)
                except httpx.TransportError as exc:
                    # Connection refused until uvicorn binds, which happens only after start-up.
                    last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                else:
                    if response.status_code == 200:
                        self.boot_seconds = time.monotonic() - started
                        return
                    last = f"HTTP {response.status_code} {response.text[:200]!r}"
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProxyStartError(
                        f"The embedded LiteLLM proxy (pid {process.pid}) did not answer 200 on GET {url} "
                        f"within {self.startup_timeout:g} s; last result: {last}. Command: `{shown}`. "
                        "Hint: a cold start takes 6-12 s on 2 cores; on a slower or busy machine "
                        f"raise startup_timeout, and read the full log at {self.log_path}.",
                        log_tail=_tail(self.log_path),
                    )
                # Waiting on the process doubles as the poll interval and notices an exit at once.
                try:
                    process.wait(timeout=min(_POLL_INTERVAL, remaining))
                except subprocess.TimeoutExpired:
                    pass

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        finally:
            # Also reached on a second Ctrl-C during the graceful wait: the proxy must not survive.
            if process.poll() is None:
                self._signal(process, _SIGKILL)
                process.wait()
            if os.name == "posix":
                # Stragglers in the group we created, an instant after its leader was reaped. The
                # group id stays reserved while any member lives; ESRCH just means there were none.
                try:
                    os.killpg(process.pid, _SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
        try:
            if os.name == "posix":
                # start_new_session=True made the proxy a group leader: pgid == its pid.
                os.killpg(process.pid, sig)
            elif sig == _SIGKILL:
                process.kill()
            else:
                process.terminate()
        except ProcessLookupError:
            pass

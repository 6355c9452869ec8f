"""Launchers start (or locate) a LiteLLM proxy and hand back a :class:`ProxyEndpoint`.

Launchers are plain context managers: they import neither pytest nor litellm, so the CLI and the
pytest fixtures share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from litellm_smoke._secrets import Secret

__all__ = [
    "EMBEDDED_CONFIG",
    "FAULTS_CONFIG",
    "UPSTREAM_ENV",
    "UPSTREAM_KEY",
    "UPSTREAM_KEY_ENV",
    "Launcher",
    "ProxyEndpoint",
    "upstream_env",
]

_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EMBEDDED_CONFIG = _DATA_DIR / "embedded.yaml"
"""The default config: the seed deployment's model names served by the fake upstream."""
FAULTS_CONFIG = _DATA_DIR / "faults.yaml"
"""``embedded.yaml`` plus one deployment per fake-upstream fault model."""

# What the configs read from the environment: the fake upstream's URL and (accepted-anything) key.
UPSTREAM_ENV = "LITELLM_SMOKE_UPSTREAM"
UPSTREAM_KEY_ENV = "LITELLM_SMOKE_UPSTREAM_KEY"
UPSTREAM_KEY = "fake-upstream-key"
"""Not key-shaped on purpose: the fake upstream accepts anything, and it must not look like a leak."""


def upstream_env(url: str) -> dict[str, str]:
    """What a launched proxy's environment needs for the configs to reach the fake upstream at ``url``."""
    return {UPSTREAM_ENV: url, UPSTREAM_KEY_ENV: UPSTREAM_KEY}


@dataclass(frozen=True)
class ProxyEndpoint:
    """Where a running LiteLLM proxy listens and the admin key it accepts.

    :param base_url: the proxy root, without ``/v1`` (e.g. ``http://127.0.0.1:4000``).
    :param master_key: the master key, masked in ``repr``; call ``.reveal()`` only to build the
        ``Authorization`` header.
    """

    base_url: str
    master_key: Secret


class Launcher:
    """The shape every launcher shares (testcontainers' ``DockerContainer``).

    ``with Launcher() as endpoint:`` (or :meth:`start`) starts the proxy and waits until it is
    ready; if that fails, :meth:`stop` runs before the exception propagates, so nothing is left
    running. Subclasses implement ``_start`` (set nothing up front that ``stop`` cannot undo)
    and ``stop`` (safe to call twice).
    """

    endpoint: ProxyEndpoint | None = None

    def start(self) -> ProxyEndpoint:
        """Start and wait until ready; a second call returns the running endpoint."""
        if self.endpoint is not None:
            return self.endpoint
        try:
            self.endpoint = self._start()
        except BaseException:
            self.stop()
            raise
        return self.endpoint

    def _start(self) -> ProxyEndpoint:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ProxyEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

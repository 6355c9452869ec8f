"""Launchers start (or locate) a LiteLLM proxy and hand back a :class:`ProxyEndpoint`.

Launchers are plain context managers: they import neither pytest nor litellm, so the CLI and the
pytest fixtures share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from litellm_smoke._secrets import Secret

__all__ = ["Launcher", "ProxyEndpoint"]


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

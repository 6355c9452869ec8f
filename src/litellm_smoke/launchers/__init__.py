"""Launchers start (or locate) a LiteLLM proxy and hand back a :class:`ProxyEndpoint`.

Launchers are plain context managers: they import neither pytest nor litellm, so the CLI and the
pytest fixtures share them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import TracebackType

from .._secrets import Secret

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
    """The context-manager shape every launcher shares (testcontainers' ``DockerContainer``).

    ``with Launcher() as endpoint:`` calls :meth:`start`; if start fails, :meth:`stop` runs
    before the exception propagates, so nothing is left running. Subclasses implement both.
    """

    def start(self) -> ProxyEndpoint:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ProxyEndpoint:
        try:
            return self.start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

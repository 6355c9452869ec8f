"""Launchers start (or locate) a LiteLLM proxy and hand back a :class:`ProxyEndpoint`.

Launchers are plain context managers: they import neither pytest nor litellm, so the CLI and the
pytest fixtures share them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._secrets import Secret

__all__ = ["ProxyEndpoint"]


@dataclass(frozen=True)
class ProxyEndpoint:
    """Where a running LiteLLM proxy listens and the admin key it accepts.

    :param base_url: the proxy root, without ``/v1`` (e.g. ``http://127.0.0.1:4000``).
    :param master_key: the master key, masked in ``repr``; call ``.reveal()`` only to build the
        ``Authorization`` header.
    """

    base_url: str
    master_key: Secret

"""A running real LiteLLM, as the session fixture ``faults_proxy`` (tests/conftest.py) hands it out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Live:
    """A running real LiteLLM: its URL and master key."""

    url: str
    key: str

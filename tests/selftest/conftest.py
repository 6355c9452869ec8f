"""Fixtures of the self-test corpus: the healthy recordings, loaded once."""

from __future__ import annotations

import pytest

from .harness import Recordings


@pytest.fixture(scope="session")
def healthy() -> Recordings:
    """The shipped recordings; tests mutate ``healthy.copy()``, never this object."""
    return Recordings.load()

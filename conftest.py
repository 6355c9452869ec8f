"""Root conftest: only what the project's own tests need. The smoke plugin loads via its entry point."""

from __future__ import annotations

pytest_plugins = ["pytester"]

"""Security knowledge the smoke gate and the config linter share: known-bad releases, well-known keys."""

from __future__ import annotations

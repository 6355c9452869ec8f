"""litellm-smoke: smoke tests and health verification for LiteLLM proxy deployments."""

from __future__ import annotations

from ._secrets import Secret
from .config import Settings, SettingsError, resolve
from .errors import SmokeFailure, TargetUnreachable

__all__ = ["Secret", "Settings", "SettingsError", "SmokeFailure", "TargetUnreachable", "resolve"]
__version__ = "0.1.0"

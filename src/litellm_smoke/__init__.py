"""litellm-smoke: smoke tests and health verification for LiteLLM proxy deployments."""

from __future__ import annotations

from litellm_smoke._secrets import Secret
from litellm_smoke.errors import SmokeFailure, TargetUnreachable
from litellm_smoke.settings import Settings, SettingsError, resolve

__all__ = ["Secret", "Settings", "SettingsError", "SmokeFailure", "TargetUnreachable", "resolve"]
__version__ = "0.1.0"

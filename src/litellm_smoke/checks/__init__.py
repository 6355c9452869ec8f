"""The smoke checks: small named async functions that raise SmokeFailure.

Each takes a :class:`~litellm_smoke.client.http.ProxyClient` and what it verifies (a model name,
an expectation) and returns what it observed, for reports. The pytest suite in
``litellm_smoke.suite`` calls them one test each.
"""

from __future__ import annotations

from litellm_smoke.checks.auth import (
    master_key_accepted,
    missing_bearer_prefix_rejected,
    unauthenticated_rejected,
    wrong_key_rejected,
)
from litellm_smoke.checks.chat import chat_completion, chat_completion_sdk, chat_streaming
from litellm_smoke.checks.embeddings import embeddings_batch, embeddings_single_sdk
from litellm_smoke.checks.health import model_health, readiness
from litellm_smoke.checks.models import models_listed, unknown_model_rejected

__all__ = [
    "chat_completion",
    "chat_completion_sdk",
    "chat_streaming",
    "embeddings_batch",
    "embeddings_single_sdk",
    "master_key_accepted",
    "missing_bearer_prefix_rejected",
    "model_health",
    "models_listed",
    "readiness",
    "unauthenticated_rejected",
    "unknown_model_rejected",
    "wrong_key_rejected",
]

"""Every LiteLLM route the suite, the key API and the launchers speak to, in one place.

Paths as LiteLLM 1.108.7 serves them (``litellm/proxy/proxy_server.py``, ``health_endpoints/``,
``management_endpoints/key_management_endpoints.py``).
"""

from __future__ import annotations

MODELS = "/v1/models"
CHAT = "/v1/chat/completions"
EMBEDDINGS = "/v1/embeddings"
COMPLETIONS = "/v1/completions"
RERANK = "/v1/rerank"
MODERATIONS = "/v1/moderations"
RESPONSES = "/v1/responses"
MESSAGES = "/v1/messages"
MODEL_INFO = "/model/info"

LIVELINESS = "/health/liveliness"
READINESS = "/health/readiness"
READINESS_DETAILS = "/health/readiness/details"
MODEL_HEALTH = "/health"

KEY_GENERATE = "/key/generate"
KEY_INFO = "/key/info"
KEY_DELETE = "/key/delete"
KEY_LIST = "/key/list"

"""Every LiteLLM route the suite, the key API and the launchers speak to, in one place.

Paths as LiteLLM 1.108.7 serves them (``litellm/proxy/proxy_server.py``, ``health_endpoints/``,
``management_endpoints/key_management_endpoints.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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


# -- the route auth matrix: every route class must refuse a request without a key ---------------
#
# Derived from ``LiteLLMRoutes`` in ``litellm/proxy/_types.py`` of LiteLLM 1.108.7 (the attribute
# each probe comes from is its ``table``; "admin-only" marks routes that are in no table, which
# LiteLLM's route checks give to the proxy admin alone). tests/security/test_route_matrix.py checks
# every probe against the installed LiteLLM's tables. Refresh: docs/security.md.
#
# Requests must cost nothing even where a broken gateway accepts them: GET where the route serves
# GET, otherwise a body naming a model no deployment has (``PROBE_MODEL``) with ``max_tokens: 1``;
# never a route that creates, changes or deletes state (no /key/generate, /model/new, /config/update,
# /global/spend/reset), never the bare /health (it calls every model), never an MCP/guardrail test
# endpoint that runs code.

ROUTE_MATRIX_LITELLM_VERSION = "1.108.7"
PROBE_MODEL = "litellm-smoke-no-such-model"

RouteKind = Literal["inference", "management"]
BodyKind = Literal["chat", "completion", "embedding", "responses", "messages", "rerank", "image", "google"]


@dataclass(frozen=True)
class RouteProbe:
    """One request of the auth matrix: sent without a key, it must be refused (401/403)."""

    kind: RouteKind
    route_class: str
    method: Literal["GET", "POST"]
    path: str
    table: str
    body: BodyKind | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


_BODIES: dict[str, dict[str, Any]] = {
    "chat": {"messages": [{"role": "user", "content": "ping"}], "max_tokens": 1},
    "completion": {"prompt": "ping", "max_tokens": 1},
    "embedding": {"input": "ping"},
    "responses": {"input": "ping", "max_output_tokens": 16},  # the Responses API's minimum
    "messages": {"messages": [{"role": "user", "content": "ping"}], "max_tokens": 1},
    "rerank": {"query": "ping", "documents": ["ping"], "top_n": 1},
    "image": {"prompt": "ping", "n": 1, "size": "256x256"},
    "google": {"contents": [{"role": "user", "parts": [{"text": "ping"}]}], "generationConfig": {"maxOutputTokens": 1}},
}


def probe_body(kind: BodyKind | None) -> dict[str, Any] | None:
    """The request body of a probe: the model is ``PROBE_MODEL``, so no deployment could serve it."""
    if kind is None:
        return None
    body = dict(_BODIES[kind])
    if kind != "google":  # Google's routes carry the model in the path
        body["model"] = PROBE_MODEL
    return body


def _inference(route_class: str, body: BodyKind | None, table: str, *paths: str) -> list[RouteProbe]:
    method: Literal["GET", "POST"] = "GET" if body is None else "POST"
    return [RouteProbe("inference", route_class, method, p.replace("{model}", PROBE_MODEL), table, body) for p in paths]


def _management(route_class: str, table: str, *paths: str) -> list[RouteProbe]:
    return [RouteProbe("management", route_class, "GET", p, table) for p in paths]


# /v1/models and /v1/chat/completions are probed by test_auth_unauthenticated_rejected already.
# One probe per alias an ingress could open separately (the /engines and /openai/deployments
# templates once, on chat); one per management route class. Each refused probe costs LiteLLM about
# 10-15 ms (it logs the auth exception with its traceback), so the list is kept to what differs.
ROUTE_MATRIX: tuple[RouteProbe, ...] = (
    *_inference(
        "chat",
        "chat",
        "openai_routes",
        "/chat/completions",
        "/engines/{model}/chat/completions",
        "/openai/deployments/{model}/chat/completions",
    ),
    *_inference("completions", "completion", "openai_routes", "/completions", "/v1/completions"),
    *_inference(
        "embeddings",
        "embedding",
        "openai_routes",
        "/embeddings",
        "/v1/embeddings",
    ),
    *_inference("responses", "responses", "openai_routes", "/responses", "/v1/responses"),
    *_inference("rerank", "rerank", "openai_routes", "/rerank", "/v1/rerank"),
    *_inference("images", "image", "openai_routes", "/v1/images/generations"),
    *_inference("models", None, "openai_routes", "/models"),
    *_inference("google generateContent", "google", "google_routes", "/v1beta/models/{model}:generateContent"),
    *_management("model info (reveals api_base)", "model_info_routes", "/model/info"),
    *_management("keys", "key_management_routes", "/key/list"),
    *_management("users", "management_routes", "/user/list"),
    *_management("teams", "management_routes", "/team/list"),
    *_management("spend", "spend_tracking_routes", "/spend/logs"),
    *_management("global spend", "global_spend_tracking_routes", "/global/spend/logs"),
    *_management("master-key-only", "master_key_only_routes", "/memory-usage-in-mem-cache"),
    *_management("config", "admin-only", "/config/list"),
    *_management("credentials", "admin-only", "/credentials"),
    *_management("debug", "admin-only", "/debug/asyncio-tasks"),
)

# Not probed: routes LiteLLM (>=1.10x, litellm/proxy/_lazy_features.py) serves from features it
# imports on the first request that needs them. A probe would make the target import and keep the
# feature (1.108.7, measured here: /v1/messages 4.4 s, /mcp-rest 1.2 s, /guardrails 1.0 s) - not free.
LAZY_ROUTES_NOT_PROBED: tuple[str, ...] = (
    "/v1/messages",
    "/anthropic",
    "/mcp-rest",
    "/mcp",
    "/v1/mcp/",
    "/guardrails",
    "/v1/agents",
    "/a2a",
    "/prompts",
    "/vector_stores",
    "/v1/vector_stores",
    "/openai/v1/models",
)

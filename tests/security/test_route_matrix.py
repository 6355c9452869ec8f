"""The auth matrix is data read from LiteLLM's route tables: prove it against the installed LiteLLM."""

from __future__ import annotations

import importlib.metadata
import re

import pytest

from litellm_smoke.client.routes import (
    LAZY_ROUTES_NOT_PROBED,
    PROBE_MODEL,
    ROUTE_MATRIX,
    ROUTE_MATRIX_LITELLM_VERSION,
    probe_body,
)

# Routes whose call changes state or costs money: never probed, whatever the matrix grows into.
NEVER = re.compile(
    r"^/(key/(generate|update|delete|regenerate|block|unblock)|user/(new|update|delete)|team/(new|update|delete)"
    r"|model/(new|update|delete)|config/update|global/spend/reset|health$|mcp-rest/test|guardrails/test|prompts/test)"
)


def _litellm_routes():  # type: ignore[no-untyped-def,unused-ignore]
    pytest.importorskip("litellm")
    if importlib.metadata.version("litellm") != ROUTE_MATRIX_LITELLM_VERSION:
        pytest.skip(f"the matrix was read from LiteLLM {ROUTE_MATRIX_LITELLM_VERSION}")
    from litellm.proxy._types import LiteLLMRoutes

    return LiteLLMRoutes


def _pattern(route: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]*\}|\*)", route)
    regex = "".join(
        ".+" if p == "*" or p.endswith(":path}") else "[^/]+" if p.startswith("{") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}$")


def test_every_probe_comes_from_the_table_it_names() -> None:
    routes = _litellm_routes()
    for probe in ROUTE_MATRIX:
        if probe.table in ("admin-only", "any-key"):
            continue
        table = list(getattr(routes, probe.table).value)
        assert any(_pattern(route).match(probe.path) for route in table), f"{probe.label} is not in {probe.table}"


def test_admin_only_probes_are_in_no_table_a_non_admin_may_use() -> None:
    routes = _litellm_routes()
    open_to_others = {
        *routes.public_routes.value,
        *routes.info_routes.value,
        *routes.llm_api_routes.value,
        *routes.internal_user_routes.value,
        *routes.self_managed_routes.value,
    }
    for probe in ROUTE_MATRIX:
        if probe.table in ("admin-only", "any-key"):
            assert not any(_pattern(route).match(probe.path) for route in open_to_others), probe.label


def test_no_probe_is_public_or_served_by_a_lazily_loaded_feature() -> None:
    routes = _litellm_routes()
    from litellm.proxy._lazy_features import LAZY_FEATURES

    eager = set(routes.openai_routes.value)  # registered by proxy_server.py itself
    for probe in ROUTE_MATRIX:
        assert probe.path not in routes.public_routes.value
        template_is_eager = any(_pattern(route).match(probe.path) for route in eager)
        lazy = [f.name for f in LAZY_FEATURES if f.matches(probe.path)]
        assert template_is_eager or not lazy, f"{probe.label} would load the lazy feature(s) {lazy}"
    for path in LAZY_ROUTES_NOT_PROBED:
        assert any(f.matches(path) for f in LAZY_FEATURES), f"{path} is not lazily loaded: probe it"


def test_probes_change_nothing_and_cost_nothing() -> None:
    for probe in ROUTE_MATRIX:
        assert not NEVER.match(probe.path), probe.label
        if probe.method == "GET":
            assert probe.body is None
            continue
        body = probe_body(probe.body)
        assert body is not None
        assert body.get("model", PROBE_MODEL) == PROBE_MODEL
        assert PROBE_MODEL in str(body.get("model")) + probe.path


def test_every_class_of_the_issue_is_covered() -> None:
    paths = {p.path for p in ROUTE_MATRIX}
    for alias in ("/chat/completions", "/embeddings", "/completions", "/v1/responses", "/v1/rerank"):
        assert alias in paths
    for admin in ("/model/info", "/key/list", "/user/list", "/team/list", "/spend/logs", "/global/spend/logs"):
        assert admin in paths
    assert any(p.startswith("/engines/") for p in paths)
    assert any(p.startswith("/openai/deployments/") for p in paths)
    assert any(p.startswith("/config/") for p in paths)

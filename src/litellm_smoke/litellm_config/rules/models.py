"""Models: embedding deployments declare their mode, duplicates are intended, credentials are references."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from litellm_smoke.litellm_config.reader import looks_like_embedding
from litellm_smoke.litellm_config.rules._base import (
    ENV_PREFIX,
    Check,
    Finding,
    LintContext,
    env_reference,
    join_path,
    label,
)

SECRET_PARAM_NAMES = frozenset(
    {"api_key", "aws_secret_access_key", "aws_session_token", "azure_ad_token", "client_secret"}
)
# Values people put in api_key for local/mock upstreams that need none; not worth a warning.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "none",
        "null",
        "empty",
        "fake",
        "fake-key",
        "fake-api-key",
        "dummy",
        "test",
        "x",
        "na",
        "n/a",
        "not-needed",
        "sk-fake",
        "sk-dummy",
        "sk-test",
        "sk-no-key-required",
    }
)


def check_embedding_mode(ctx: LintContext) -> Iterator[Finding]:
    """Embedding deployments declare ``model_info.mode: embedding``.

    Without it ``/health`` falls back to a chat probe (health_check_helpers.py) and reports the
    deployment unhealthy.
    """
    for index, entry in ctx.model_entries():
        params = entry.get("litellm_params")
        upstream = params.get("model") if isinstance(params, Mapping) else None
        names = [n for n in (entry.get("model_name"), upstream) if isinstance(n, str)]
        if not any(looks_like_embedding(n) for n in names):
            continue
        info = entry.get("model_info")
        mode = info.get("mode") if isinstance(info, Mapping) else None
        if mode == "embedding":
            continue
        here = f"model_list[{index}]"
        current = "has no model_info.mode" if mode is None else f"has model_info.mode {mode!r}"
        yield Finding(
            "warning",
            "embedding-mode-missing",
            f"{here}.model_info.mode",
            f"{here} ({label(entry)}) looks like an embedding model but {current}; LiteLLM's "
            "/health then probes it with a chat request and reports it unhealthy",
            "add 'model_info: {mode: embedding}' to this entry",
        )


def check_duplicate_models(ctx: LintContext) -> Iterator[Finding]:
    """Repeated ``model_name``: load balancing when the deployments differ, a mistake when identical."""
    groups: dict[str, list[tuple[int, Any]]] = {}
    for index, entry in ctx.model_entries():
        name = entry.get("model_name")
        if isinstance(name, str) and name.strip():
            params = entry.get("litellm_params")
            if isinstance(params, Mapping):  # entries without params are check_model_entries' business
                groups.setdefault(name, []).append((index, params))
    for name, members in groups.items():
        if len(members) < 2:
            continue
        distinct: list[tuple[int, Any]] = []
        for index, params in members:
            twin = next((i for i, p in distinct if p == params), None)
            if twin is None:
                distinct.append((index, params))
                continue
            yield Finding(
                "warning",
                "duplicate-model-entry",
                f"model_list[{index}]",
                f"model_list[{index}] repeats model_list[{twin}] ({name!r}) with identical "
                "litellm_params, so the same upstream gets twice the traffic share",
                f"delete model_list[{index}], or use 'weight:' in litellm_params for uneven balancing",
            )
        if len(distinct) > 1:
            indices = ", ".join(f"model_list[{i}]" for i, _ in distinct)
            first = distinct[0][0]
            yield Finding(
                "info",
                "load-balanced-model",
                f"model_list[{first}].model_name",
                f"{name!r} has {len(distinct)} deployments ({indices}); LiteLLM load-balances "
                "across them, and /health reports each separately",
                "nothing to do if intended; otherwise give each entry its own model_name",
            )


def check_literal_secrets(ctx: LintContext) -> Iterator[Finding]:
    """Provider credentials in ``litellm_params`` are ``os.environ/`` references, not literals."""
    for index, entry in ctx.model_entries():
        params = entry.get("litellm_params")
        if not isinstance(params, Mapping):
            continue
        for key, value in params.items():
            if not isinstance(value, str) or env_reference(value) is not None:
                continue
            named = key in SECRET_PARAM_NAMES and value.strip().lower() not in PLACEHOLDER_SECRETS
            shaped = value.startswith("sk-") and value.strip().lower() not in PLACEHOLDER_SECRETS
            if not (named or shaped):
                continue
            path = join_path(f"model_list[{index}].litellm_params", key)
            var = _suggested_env_var(str(key), params.get("model"))
            yield Finding(
                "warning",
                "hardcoded-api-key",
                path,
                f"{path} ({label(entry)}) holds a literal secret; it ends up in the repo, "
                "images and logs of the config",
                f"{key}: {ENV_PREFIX}{var}, with {var} set in the proxy's environment, and rotate the old value",
            )


def _suggested_env_var(param: str, model: Any) -> str:
    provider = model.split("/", 1)[0] if isinstance(model, str) and "/" in model else ""
    if param == "api_key" and re.fullmatch(r"[A-Za-z0-9_]+", provider):
        return f"{provider.upper()}_API_KEY"
    return re.sub(r"[^A-Za-z0-9_]", "_", param).upper()


CHECKS: tuple[Check, ...] = (check_embedding_mode, check_duplicate_models, check_literal_secrets)

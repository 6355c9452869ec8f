"""Structure: the sections LiteLLM reads have the shape it expects, and every deployment is routable."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from litellm_smoke.litellm_config.rules._base import Check, Finding, LintContext, Severity, label


def check_structure(ctx: LintContext) -> Iterator[Finding]:
    """Settings sections are mappings and ``model_list`` is a non-empty list of mappings."""
    for name in ("general_settings", "litellm_settings", "router_settings", "environment_variables"):
        if name in ctx.config and not isinstance(ctx.config[name], (Mapping, type(None))):
            yield Finding(
                "error",
                "section-not-mapping",
                name,
                f"{name} is a {type(ctx.config[name]).__name__}, LiteLLM expects a mapping",
                f"write {name} as 'key: value' lines indented under '{name}:'",
            )

    # With models stored in the DB the file may legitimately hold none.
    severity: Severity = "warning" if ctx.store_model_in_db() else "error"
    db_note = " (store_model_in_db is on, so models may come from the database)" if severity == "warning" else ""
    models = ctx.config.get("model_list")
    if models is None:
        yield Finding(
            severity,
            "model-list-missing",
            "model_list",
            f"the config has no model_list, so the proxy serves no model{db_note}",
            "add 'model_list:' with at least one '- model_name: ...' entry",
        )
    elif not isinstance(models, list):
        yield Finding(
            "error",
            "model-list-not-list",
            "model_list",
            f"model_list is a {type(models).__name__}, LiteLLM expects a list of deployments",
            "write each deployment as a '- model_name: ...' item under 'model_list:'",
        )
    elif not models:
        yield Finding(
            severity,
            "model-list-empty",
            "model_list",
            f"model_list is empty, so the proxy serves no model{db_note}",
            "add at least one '- model_name: ...' entry",
        )
    else:
        for index, entry in enumerate(models):
            if not isinstance(entry, Mapping):
                yield Finding(
                    "error",
                    "model-entry-not-mapping",
                    f"model_list[{index}]",
                    f"model_list[{index}] is a {type(entry).__name__}, not a deployment mapping",
                    "give it 'model_name:' and 'litellm_params:' keys",
                )


def check_model_entries(ctx: LintContext) -> Iterator[Finding]:
    """Every deployment has a ``model_name`` and a ``litellm_params.model``."""
    for index, entry in ctx.model_entries():
        here = f"model_list[{index}]"
        name = entry.get("model_name")
        if not isinstance(name, str) or not name.strip():
            yield Finding(
                "error",
                "model-name-missing",
                f"{here}.model_name",
                f"{here} has no model_name, so clients cannot address it",
                "add 'model_name: <public name>' (the name clients send as 'model')",
            )
        params = entry.get("litellm_params")
        in_params = isinstance(params, Mapping)  # else no litellm_params mapping at all: the same finding
        model = params.get("model") if isinstance(params, Mapping) else None
        if not isinstance(model, str) or not model.strip():
            yield Finding(
                "error",
                "litellm-model-missing",
                f"{here}.litellm_params" + (".model" if in_params else ""),
                f"{here} ({label(entry)}) has no litellm_params{'.model' if in_params else ' mapping'}, "
                "so LiteLLM cannot route it",
                "add 'model: <provider>/<upstream model>', e.g. 'model: openai/gpt-4o-mini'"
                if in_params
                else "add 'litellm_params:' with 'model: <provider>/<upstream model>'",
            )


CHECKS: tuple[Check, ...] = (check_structure, check_model_entries)

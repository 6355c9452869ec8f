"""Environment: every ``os.environ/VAR`` the config reads is set where the proxy runs."""

from __future__ import annotations

from collections.abc import Iterator

from litellm_smoke.litellm_config.rules._base import ENV_PREFIX, Check, Finding, LintContext, env_reference, walk

MASTER_KEY_PATH = "general_settings.master_key"
DATABASE_URL_PATH = "general_settings.database_url"


def check_env_references(ctx: LintContext) -> Iterator[Finding]:
    """Every ``os.environ/VAR`` names a variable that is set (and not blank) in the environment."""
    in_config = {str(k) for k in ctx.section("environment_variables")}
    secret_manager = ctx.general_settings.get("key_management_system")
    unresolved: list[str] = []  # --references-only: variables whose values are the deployment's business
    for path, value in walk(ctx.config):
        var = env_reference(value)
        if var is None:
            continue
        if not var.strip():
            yield Finding(
                "error",
                "env-var-missing",
                path,
                f"{path} is '{ENV_PREFIX}' with no variable name",
                f"write '{ENV_PREFIX}<VARIABLE>'",
            )
            continue
        current = ctx.environ.get(var)
        if current is not None and current.strip():
            continue
        if current is None and ctx.provided_elsewhere(var) is not None:
            continue  # the chart or manifest sets it from a Secret we cannot read
        if ctx.references_only and current is None and var not in in_config:
            if var not in unresolved:
                unresolved.append(var)
            continue
        state = "is empty" if current is not None else "is not set"
        if var in in_config and current is None:
            # proxy_server.py load_config(): get_config() expands os.environ/ references before
            # _load_environment_variables() exports the environment_variables section.
            yield Finding(
                "warning",
                "env-var-only-in-config",
                path,
                f"{path} reads {var}, which is only defined under environment_variables: in "
                "this file; LiteLLM expands os.environ/ references before it exports that section",
                f"set {var} in the proxy's real environment (container env, .env, secret)",
            )
        elif secret_manager:
            yield Finding(
                "warning",
                "env-var-missing",
                path,
                f"{path} reads {var}, which {state} in the environment; it resolves only if the "
                f"key_management_system ({secret_manager}) holds it",
                f"make sure the secret manager has {var}, or set it in the proxy's environment",
            )
        elif ctx.opaque_env and current is None:
            sources = ", ".join(ctx.opaque_env)
            yield Finding(
                "warning",
                "env-var-missing",
                path,
                f"{path} reads {var}, which is not set here; it resolves only if {sources} (given to the "
                "proxy as environment, not readable from here) holds it",
                f"make sure {sources} has {var}, or pass --env-file with the deployment's environment",
            )
        else:
            yield Finding(
                "error",
                "env-var-missing",
                path,
                f"{path} reads {var}, which {state} in the environment; LiteLLM would use None{_consequence(path)}",
                f"set {var} in the proxy's environment (or pass --env-file with it)",
            )
    if unresolved:
        yield Finding(
            "info",
            "env-values-not-checked",
            "<document>",
            f"--references-only: the values of {len(unresolved)} referenced variable(s) were not checked "
            f"({', '.join(unresolved)}); set or not, strong or weak, is for the deploy to know",
            "run lint-config without --references-only where the deployment's environment is "
            "available (the deploy job, or --env-file)",
        )


def _consequence(path: str) -> str:
    if path == MASTER_KEY_PATH:
        return ", so the proxy has no master key and LiteLLM >=1.108 refuses to boot"
    if path == DATABASE_URL_PATH:
        return ", so the proxy runs without its database"
    return ""


CHECKS: tuple[Check, ...] = (check_env_references,)

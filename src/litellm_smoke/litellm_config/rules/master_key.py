"""Master key: from the environment, set, not publicly known, ``sk-`` prefixed and long enough.

Includes the litellm-helm chart's ``masterkey`` value, which the chart turns into ``PROXY_MASTER_KEY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from litellm_smoke.litellm_config.rules._base import ENV_PREFIX, Check, Finding, LintContext, env_reference, truthy
from litellm_smoke.security.well_known_keys import LITELLM_BOOT_REFUSED_DIGESTS, WELL_KNOWN_KEY_DIGESTS, is_well_known

MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
MASTER_KEY_PATH = "general_settings.master_key"
MASTER_KEY_FIX = f"master_key: {ENV_PREFIX}{MASTER_KEY_ENV}"
NEW_KEY_HINT = 'generate one with: echo "sk-$(openssl rand -hex 32)"'

# sha256 of publicly known master keys: the one shared list (security/well_known_keys.py), which holds
# LiteLLM's own (master_key_boot_check.py, 1.108.7: "sk-1234") and keys published in docs.
PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS = WELL_KNOWN_KEY_DIGESTS
# Same file: WEAK_OR_UNSET_MASTER_KEY_OVERRIDE_{SETTING,ENV_VAR}.
OVERRIDE_SETTING = "dangerously_permit_weak_or_unset_master_key"
OVERRIDE_ENV = "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"
MIN_MASTER_KEY_RANDOM_CHARS = 16


def check_master_key(ctx: LintContext) -> Iterator[Finding]:
    """The master key comes from the environment, is set, is not a public default and starts ``sk-``.

    Mirrors LiteLLM: ``general_settings.master_key`` wins (``os.environ/`` expanded), else
    ``LITELLM_MASTER_KEY`` (proxy_server.py, "### MASTER KEY ###"); >=1.108 refuses to boot when it
    is unset, blank or publicly known (master_key_boot_check.py).
    """
    settings = ctx.general_settings
    override = truthy(settings.get(OVERRIDE_SETTING)) or truthy(ctx.environ.get(OVERRIDE_ENV))
    if override:
        where = (
            f"general_settings.{OVERRIDE_SETTING}" if truthy(settings.get(OVERRIDE_SETTING)) else f"env:{OVERRIDE_ENV}"
        )
        yield Finding(
            "warning",
            "master-key-override-enabled",
            where,
            f"{where} lets the proxy boot with no, a blank or a publicly known master key; "
            "LiteLLM meant it for local development only",
            f"remove {where} before deploying",
        )
    refusal = " LiteLLM >=1.108 refuses to boot with it." if not override else ""

    if "master_key" in settings:
        raw = settings["master_key"]
        var = env_reference(raw)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            yield Finding(
                "error",
                "master-key-missing",
                MASTER_KEY_PATH,
                f"{MASTER_KEY_PATH} is blank, so {MASTER_KEY_ENV} is ignored and the proxy has no master key.{refusal}",
                MASTER_KEY_FIX,
            )
            return
        if var is not None:
            key = ctx.resolve(raw)
            if key is None:
                return  # check_env_references reports the unset variable at this path
            path, origin = MASTER_KEY_PATH, f"the value of {var}"
        else:
            key = str(raw)
            path, origin = MASTER_KEY_PATH, "the key"
            yield Finding(
                "error",
                "hardcoded-master-key",
                MASTER_KEY_PATH,
                f"{MASTER_KEY_PATH} is written literally in the config; anyone who can read the "
                "file, the repo or its docs holds the admin key. Treat it as leaked and rotate it",
                f"{MASTER_KEY_FIX} and put a new key in {MASTER_KEY_ENV} ({NEW_KEY_HINT})",
            )
    else:
        key = ctx.resolve(ctx.environ.get(MASTER_KEY_ENV))
        if key is None and ctx.references_only:
            yield Finding(
                "warning",
                "master-key-implicit",
                MASTER_KEY_PATH,
                f"{MASTER_KEY_PATH} is absent, so the proxy's master key is whatever {MASTER_KEY_ENV} holds "
                "in its environment; without it every request is accepted (LiteLLM >=1.108 refuses to boot)",
                f"{MASTER_KEY_FIX}, so the config states where the key comes from",
            )
            return
        if key is None:
            state = "is blank" if MASTER_KEY_ENV in ctx.environ else "is not set"
            yield Finding(
                "error",
                "master-key-missing",
                MASTER_KEY_PATH,
                f"no master key: {MASTER_KEY_PATH} is absent and {MASTER_KEY_ENV} {state}, so "
                f"every request would be accepted without authentication.{refusal}",
                f"{MASTER_KEY_FIX}, and set {MASTER_KEY_ENV} ({NEW_KEY_HINT})",
            )
            return
        path, origin = f"env:{MASTER_KEY_ENV}", f"the value of {MASTER_KEY_ENV}"

    yield from _judge_master_key(key.strip(), path, origin, refusal, ctx.options.well_known_keys)


def _judge_master_key(
    key: str, path: str, origin: str, refusal: str, extra: tuple[Path, ...] = ()
) -> Iterator[Finding]:
    if (known := is_well_known(key, extra)) is not None:
        yield Finding(
            "error",
            "master-key-publicly-known",
            path,
            f"{origin} at {path} is a publicly known key: {known.label}."
            f"{refusal if known.sha256 in LITELLM_BOOT_REFUSED_DIGESTS else ''}",
            f"set {MASTER_KEY_ENV} to a new random key ({NEW_KEY_HINT})",
        )
    elif not key.startswith("sk-"):
        yield Finding(
            "error",
            "master-key-not-sk-prefixed",
            path,
            f"{origin} at {path} does not start with 'sk-', which LiteLLM's docs require of the "
            "master key (the proxy treats other non-'sk-' bearer tokens as malformed keys)",
            f"set {MASTER_KEY_ENV} to a key of the form sk-<random> ({NEW_KEY_HINT})",
        )
    elif len(key) - len("sk-") < MIN_MASTER_KEY_RANDOM_CHARS:
        yield Finding(
            "warning",
            "master-key-short",
            path,
            f"{origin} at {path} has fewer than {MIN_MASTER_KEY_RANDOM_CHARS} characters "
            "after 'sk-', which is guessable",
            f"set {MASTER_KEY_ENV} to a longer random key ({NEW_KEY_HINT})",
        )


def check_helm_master_key(ctx: LintContext) -> Iterator[Finding]:
    """The litellm-helm ``masterkey`` value is not written in the values file."""
    loaded = ctx.loaded
    if loaded is None or not loaded.wrapper.startswith("helm"):
        return
    values = loaded.wrapper_values
    key = values.get("masterkey") if isinstance(values, dict) else None
    if not isinstance(key, str) or not key.strip():
        return
    yield Finding(
        "error",
        "hardcoded-master-key",
        "helm:masterkey",
        "masterkey is written literally in the Helm values; the chart stores it in a Secret, but anyone who can "
        "read the values file or its repo holds the admin key. Treat it as leaked and rotate it",
        f"delete masterkey and set masterkeySecretName to a Secret you create out of band ({NEW_KEY_HINT})",
    )


CHECKS: tuple[Check, ...] = (check_master_key, check_helm_master_key)

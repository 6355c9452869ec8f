"""Static pre-deploy checks of a LiteLLM proxy ``config.yaml``: no network, no LiteLLM import.

Each check is a small named function in :data:`CHECKS`. Every finding names the YAML path it is
about, what is wrong and the fix. Secrets never reach a finding: not the master key, not an
``api_key``, not the password of a database URL, not even a prefix of one.

Facts about LiteLLM cited below come from ``litellm==1.108.7`` (``site-packages/litellm/...``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from litellm_smoke._secrets import Redactor
from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config.reader import looks_like_embedding

__all__ = [
    "CHECKS",
    "Finding",
    "LintContext",
    "Severity",
    "exit_code",
    "findings_to_json",
    "format_findings",
    "lint_config",
]

Severity = Literal["error", "warning", "info"]

ENV_PREFIX = "os.environ/"
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
MASTER_KEY_PATH = "general_settings.master_key"
DATABASE_URL_PATH = "general_settings.database_url"
MASTER_KEY_FIX = f"master_key: {ENV_PREFIX}{MASTER_KEY_ENV}"
NEW_KEY_HINT = 'generate one with: echo "sk-$(openssl rand -hex 32)"'

# sha256 of master keys LiteLLM refuses to boot with, copied from
# litellm/proxy/auth/master_key_boot_check.py (PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS, 1.108.7).
# The only entry is the docs' and CI's example key "sk-1234". Digests, so no key is spelled here.
PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS = frozenset(
    {"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"}
)
# Same file: WEAK_OR_UNSET_MASTER_KEY_OVERRIDE_{SETTING,ENV_VAR}.
OVERRIDE_SETTING = "dangerously_permit_weak_or_unset_master_key"
OVERRIDE_ENV = "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"
MIN_MASTER_KEY_RANDOM_CHARS = 16

# litellm/proxy/db/db_url_settings.py: SUPPORTED_DB_SCHEMES (schema.prisma pins provider "postgresql").
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
DB_URL_ENV_VARS = ("DATABASE_URL", "DIRECT_URL")

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
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_TRUE = frozenset({"true", "1", "yes", "on"})
_SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem found in a config.

    :param severity: ``error`` (the deploy will fail or is unsafe), ``warning`` (probably wrong) or
        ``info`` (worth knowing).
    :param code: stable kebab-case identifier, e.g. ``hardcoded-master-key``.
    :param path: YAML path (``model_list[1].litellm_params.model``), ``env:VAR`` for a value read
        from the environment, or ``<document>`` for the file as a whole.
    :param message: what is wrong and where; never contains a secret.
    :param fix: what to change.
    :param line: 1-based line in the file, when the path exists there.
    """

    severity: Severity
    code: str
    path: str
    message: str
    fix: str
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LintContext:
    """What every check sees: the parsed config and the environment the proxy will run with."""

    config: Mapping[str, Any]
    environ: Mapping[str, str]
    # References only: the environment is unknown (a CI lint job holds none of the proxy's
    # secrets), so an unset os.environ/ variable is not a finding and values are not judged.
    references_only: bool = False

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.config.get(name)
        return value if isinstance(value, Mapping) else {}

    @property
    def general_settings(self) -> Mapping[str, Any]:
        return self.section("general_settings")

    def model_entries(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        models = self.config.get("model_list")
        if isinstance(models, list):
            for index, entry in enumerate(models):
                if isinstance(entry, Mapping):
                    yield index, entry

    def resolve(self, value: Any) -> str | None:
        """The string LiteLLM would use for ``value``: ``os.environ/VAR`` is looked up, blank is None."""
        if value is None:
            return None
        var = env_reference(value)
        resolved = self.environ.get(var) if var is not None else str(value)
        return resolved if resolved and resolved.strip() else None

    def store_model_in_db(self) -> bool:
        return _truthy(self.general_settings.get("store_model_in_db")) or _truthy(self.environ.get("STORE_MODEL_IN_DB"))


Check = Callable[[LintContext], Iterable[Finding]]


def env_reference(value: Any) -> str | None:
    """The variable name of an ``os.environ/VAR`` value, else None (LiteLLM only expands a prefix)."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return value[len(ENV_PREFIX) :]
    return None


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in _TRUE if value is not None else False


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if not _IDENTIFIER.match(text):
        return f"{path}[{json.dumps(text)}]"
    return f"{path}.{text}" if path else text


def _walk(value: Any, path: str = "", _seen: frozenset[int] = frozenset()) -> Iterator[tuple[str, Any]]:
    """Every scalar in the document with its YAML path (recursive aliases are visited once)."""
    if isinstance(value, (Mapping, list)):
        if id(value) in _seen:
            return
        seen = _seen | {id(value)}
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, child in items:
            yield from _walk(child, _join(path, key), seen)
    else:
        yield path, value


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _db_url_shape(url: str) -> str:
    """``scheme://***@host:port/db`` - enough to recognise the target, no user and no password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an unparseable URL"
    if not parts.scheme:
        return "a URL without a scheme"
    credentials = "***@" if parts.username or parts.password else ""
    return f"{parts.scheme}://{credentials}{host}{port}{parts.path}"


# --------------------------------------------------------------------------- structure


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
        if not isinstance(params, Mapping):
            yield Finding(
                "error",
                "litellm-model-missing",
                f"{here}.litellm_params",
                f"{here} ({_label(entry)}) has no litellm_params mapping, so LiteLLM cannot route it",
                "add 'litellm_params:' with 'model: <provider>/<upstream model>'",
            )
            continue
        model = params.get("model")
        if not isinstance(model, str) or not model.strip():
            yield Finding(
                "error",
                "litellm-model-missing",
                f"{here}.litellm_params.model",
                f"{here} ({_label(entry)}) has no litellm_params.model, so LiteLLM cannot route it",
                "add 'model: <provider>/<upstream model>', e.g. 'model: openai/gpt-4o-mini'",
            )


def _label(entry: Mapping[str, Any]) -> str:
    name = entry.get("model_name")
    return repr(name) if isinstance(name, str) and name.strip() else "unnamed"


# --------------------------------------------------------------------------- environment


def check_env_references(ctx: LintContext) -> Iterator[Finding]:
    """Every ``os.environ/VAR`` names a variable that is set (and not blank) in the environment."""
    in_config = {str(k) for k in ctx.section("environment_variables")}
    secret_manager = ctx.general_settings.get("key_management_system")
    unresolved: list[str] = []
    for path, value in _walk(ctx.config):
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
        state = "is empty" if current is not None else "is not set"
        if ctx.references_only and var not in in_config:
            if var not in unresolved:
                unresolved.append(var)
            continue
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


# --------------------------------------------------------------------------- master key


def check_master_key(ctx: LintContext) -> Iterator[Finding]:
    """The master key comes from the environment, is set, is not a public default and starts ``sk-``.

    Mirrors LiteLLM: ``general_settings.master_key`` wins (``os.environ/`` expanded), else
    ``LITELLM_MASTER_KEY`` (proxy_server.py, "### MASTER KEY ###"); >=1.108 refuses to boot when it
    is unset, blank or publicly known (master_key_boot_check.py).
    """
    settings = ctx.general_settings
    override = _truthy(settings.get(OVERRIDE_SETTING)) or _truthy(ctx.environ.get(OVERRIDE_ENV))
    if override:
        where = (
            f"general_settings.{OVERRIDE_SETTING}" if _truthy(settings.get(OVERRIDE_SETTING)) else f"env:{OVERRIDE_ENV}"
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

    yield from _judge_master_key(key.strip(), path, origin, refusal)


def _judge_master_key(key: str, path: str, origin: str, refusal: str) -> Iterator[Finding]:
    if hashlib.sha256(key.encode()).hexdigest() in PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS:
        yield Finding(
            "error",
            "master-key-publicly-known",
            path,
            f"{origin} at {path} is LiteLLM's publicly known example key.{refusal}",
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


# --------------------------------------------------------------------------- database


def check_database_url(ctx: LintContext) -> Iterator[Finding]:
    """The database LiteLLM will use is PostgreSQL, and its password is not written in the config.

    Mirrors proxy_cli.py: ``general_settings.database_url`` (``os.environ/`` expanded) becomes
    ``DATABASE_URL``; without it the environment's ``DATABASE_URL`` is used; both it and
    ``DIRECT_URL`` must have a PostgreSQL scheme or the proxy exits 1.
    """
    settings = ctx.general_settings
    candidates: list[tuple[str, str, str]] = []  # (path, origin, url)
    raw = settings.get("database_url")
    if raw is not None and str(raw).strip():
        var = env_reference(raw)
        url = ctx.resolve(raw)
        if var is None and url is not None:
            candidates.append((DATABASE_URL_PATH, "the URL", url))
            if _password(url):
                yield Finding(
                    "warning",
                    "hardcoded-database-password",
                    DATABASE_URL_PATH,
                    f"{DATABASE_URL_PATH} contains a password written literally in the config",
                    f"database_url: {ENV_PREFIX}DATABASE_URL, and set DATABASE_URL in the environment",
                )
        elif var is not None and url is not None:
            candidates.append((DATABASE_URL_PATH, f"the value of {var}", url))
    elif ctx.resolve(ctx.environ.get("DATABASE_URL")) is not None:
        candidates.append(("env:DATABASE_URL", "the value of DATABASE_URL", ctx.environ["DATABASE_URL"]))
    direct = ctx.resolve(ctx.environ.get("DIRECT_URL"))
    if direct is not None:
        candidates.append(("env:DIRECT_URL", "the value of DIRECT_URL", direct))

    for path, origin, url in candidates:
        scheme = url.partition("://")[0].lower() if "://" in url else ""
        if scheme in POSTGRES_SCHEMES:
            continue
        what = f"scheme '{scheme}'" if scheme else "no scheme"
        mysql = (
            " A MySQL database, such as an application's own, cannot be shared with LiteLLM;"
            " give the proxy its own PostgreSQL."
            if scheme.startswith("mysql")
            else ""
        )
        yield Finding(
            "error",
            "database-not-postgres",
            path,
            f"{origin} at {path} is {_db_url_shape(url)} ({what}): LiteLLM's Prisma schema is "
            f"PostgreSQL-only, so the proxy exits at start.{mysql}",
            "point it at PostgreSQL: database_url: os.environ/DATABASE_URL with "
            "DATABASE_URL=postgresql://<user>:<password>@<host>:5432/<db>, or remove it to run without a DB",
        )

    if candidates and not ctx.references_only and ctx.resolve(ctx.environ.get("LITELLM_SALT_KEY")) is None:
        yield Finding(
            "info",
            "salt-key-unset",
            "env:LITELLM_SALT_KEY",
            "a database is configured but LITELLM_SALT_KEY is not set, so credentials stored in "
            "it are encrypted with the master key and rotating that key needs a migration",
            "set LITELLM_SALT_KEY to a random value before the first start, and never change it",
        )


# --------------------------------------------------------------------------- models


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
            f"{here} ({_label(entry)}) looks like an embedding model but {current}; LiteLLM's "
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
            path = _join(f"model_list[{index}].litellm_params", key)
            var = _suggested_env_var(str(key), params.get("model"))
            yield Finding(
                "warning",
                "hardcoded-api-key",
                path,
                f"{path} ({_label(entry)}) holds a literal secret; it ends up in the repo, "
                "images and logs of the config",
                f"{key}: {ENV_PREFIX}{var}, with {var} set in the proxy's environment, and rotate the old value",
            )


def _suggested_env_var(param: str, model: Any) -> str:
    provider = model.split("/", 1)[0] if isinstance(model, str) and "/" in model else ""
    if param == "api_key" and re.fullmatch(r"[A-Za-z0-9_]+", provider):
        return f"{provider.upper()}_API_KEY"
    return re.sub(r"[^A-Za-z0-9_]", "_", param).upper()


CHECKS: tuple[Check, ...] = (
    check_structure,
    check_model_entries,
    check_env_references,
    check_master_key,
    check_database_url,
    check_embedding_mode,
    check_duplicate_models,
    check_literal_secrets,
)
"""Every check, in report order. Each takes a :class:`LintContext` and yields :class:`Finding`."""


# --------------------------------------------------------------------------- parsing


class _Parsed:
    def __init__(self, config: Any, lines: dict[str, int], duplicates: list[Finding]) -> None:
        self.config, self.lines, self.duplicates = config, lines, duplicates


def _parse(text: str) -> _Parsed | Finding:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        config = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        # exc.problem/context are generic phrases; str(exc) would quote the offending line (a secret?).
        problem = "; ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        return Finding(
            "error",
            "yaml-invalid",
            "<document>",
            f"the config is not valid YAML{where}: {problem}",
            "fix the YAML syntax there (check indentation, ':' and quoting)",
            line=mark.line + 1 if mark else None,
        )
    except yaml.YAMLError as exc:
        return Finding(
            "error",
            "yaml-invalid",
            "<document>",
            f"the config is not valid YAML: {type(exc).__name__}",
            "fix the YAML syntax",
        )
    lines: dict[str, int] = {}
    duplicates: list[Finding] = []
    if node is not None:
        _index_nodes(node, "", lines, duplicates, set())
    return _Parsed(config, lines, duplicates)


def _index_nodes(node: yaml.Node, path: str, lines: dict[str, int], duplicates: list[Finding], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    lines.setdefault(path or "<document>", node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = _join(path, key)
            if key in first_line:
                duplicates.append(
                    Finding(
                        "warning",
                        "duplicate-yaml-key",
                        child,
                        f"{child} appears twice (lines {first_line[key]} and {key_node.start_mark.line + 1}); "
                        "YAML keeps only the last one, silently dropping the first",
                        "merge the two blocks into one",
                        line=key_node.start_mark.line + 1,
                    )
                )
            else:
                first_line[key] = key_node.start_mark.line + 1
            lines[child] = key_node.start_mark.line + 1
            _index_nodes(value_node, child, lines, duplicates, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[_join(path, index)] = item.start_mark.line + 1
            _index_nodes(item, _join(path, index), lines, duplicates, seen)


def _read(text_or_path: str | os.PathLike[str]) -> str:
    if isinstance(text_or_path, os.PathLike):
        return Path(text_or_path).read_text(encoding="utf-8")
    if "\n" not in text_or_path and text_or_path.strip().lower().endswith((".yaml", ".yml")):
        return Path(text_or_path).read_text(encoding="utf-8")
    return text_or_path


def _line_for(path: str, lines: Mapping[str, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _secret_values(ctx: LintContext) -> set[str]:
    """Every value a finding must not echo, whatever a check's message says."""
    secrets: set[str] = set()
    candidates: list[Any] = [ctx.general_settings.get("master_key"), ctx.environ.get(MASTER_KEY_ENV)]
    for url in (ctx.general_settings.get("database_url"), *(ctx.environ.get(v) for v in DB_URL_ENV_VARS)):
        resolved = ctx.resolve(url)
        if resolved:
            candidates += [_password(resolved), resolved]
    for _, entry in ctx.model_entries():
        params = entry.get("litellm_params")
        if isinstance(params, Mapping):
            candidates += [params.get(k) for k in SECRET_PARAM_NAMES]
    for value in candidates:
        resolved = ctx.resolve(value) if value is not None else None
        if resolved and len(resolved.strip()) >= 6:
            secrets.add(resolved.strip())
    return secrets


def lint_config(
    text_or_path: str | os.PathLike[str],
    environ: Mapping[str, str],
    *,
    checks: Sequence[Check] = CHECKS,
    references_only: bool = False,
) -> list[Finding]:
    """Check a LiteLLM ``config.yaml`` before deploying it; nothing is contacted.

    :param text_or_path: a :class:`~pathlib.Path` (any ``os.PathLike``) or a ``str`` ending in
        ``.yaml``/``.yml`` is read as a file (``OSError`` if unreadable); any other ``str`` is the
        YAML text itself.
    :param environ: the environment the proxy will run with; ``os.environ/VAR`` references,
        ``LITELLM_MASTER_KEY`` and ``DATABASE_URL`` are resolved against it, never against
        ``os.environ``.
    :param checks: the checks to run, default :data:`CHECKS`.
    :param references_only: check the config and its ``os.environ/`` references without their
        values: ``environ`` is not consulted, unset variables are not findings (one ``info`` lists
        them). For CI lint jobs that do not hold the proxy's secrets.
    :return: findings, errors first, then warnings, then info; file order within each.
    """
    parsed = _parse(_read(text_or_path))
    if isinstance(parsed, Finding):
        return [parsed]
    if not isinstance(parsed.config, Mapping):
        kind = "empty" if parsed.config is None else f"a {type(parsed.config).__name__}"
        return [
            Finding(
                "error",
                "config-not-mapping",
                "<document>",
                f"the config is {kind}; LiteLLM expects a mapping with model_list, general_settings, ...",
                "start from 'model_list:' at the top level",
                line=1,
            )
        ]
    ctx = LintContext(config=parsed.config, environ={} if references_only else environ, references_only=references_only)
    findings = list(parsed.duplicates)
    for check in checks:
        findings.extend(check(ctx))
    redact = Redactor(_secret_values(ctx))
    cleaned = [
        replace(
            f,
            message=redact(f.message),
            fix=redact(f.fix),
            path=redact(f.path),
            line=f.line if f.line is not None else _line_for(f.path, parsed.lines),
        )
        for f in findings
    ]
    return sorted(cleaned, key=lambda f: _SEVERITY_ORDER[f.severity])


# --------------------------------------------------------------------------- output


def exit_code(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """1 if any error (or, with ``strict``, any warning) was found, else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return int(ExitCode.FAILED if any(f.severity in failing for f in findings) else ExitCode.OK)


def _summary(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}


def format_findings(findings: Sequence[Finding], *, source: str | None = None) -> str:
    """Human-readable report: one block per finding (severity, location, code, message, fix)."""
    counts = _summary(findings)
    head = f"{source}: " if source else ""
    summary = f"{head}{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
    if not findings:
        return f"{head}no problems found"
    width = max(len(f.severity) for f in findings)
    blocks = []
    for f in findings:
        where = f"{f.path} (line {f.line})" if f.line is not None else f.path
        indent = " " * (width + 2)
        blocks.append(f"{f.severity.upper():<{width}}  {where}  [{f.code}]\n{indent}{f.message}\n{indent}fix: {f.fix}")
    return "\n\n".join(blocks) + f"\n\n{summary}"


def findings_to_json(findings: Sequence[Finding], *, source: str | None = None) -> str:
    """Machine-readable report: ``{"source", "summary": {error, warning, info}, "findings": [...]}``."""
    return json.dumps(
        {"source": source, "summary": _summary(findings), "findings": [asdict(f) for f in findings]}, indent=2
    )

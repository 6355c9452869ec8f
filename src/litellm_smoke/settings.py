"""Settings: resolved once, in a fixed order (option > env > ini > default)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from litellm_smoke._secrets import Secret

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONCURRENCY = 64
EMBEDDED_CHAT_MODELS = ("heartcode-chat-sfw",)
EMBEDDED_EMBEDDING_MODELS = ("heartcode-embed",)


class SettingsError(ValueError):
    """A setting has an invalid value; the message names it, its source and the valid form."""


@dataclass(frozen=True)
class Settings:
    """What a smoke run verifies and how. ``base_url=None`` means: start the embedded default."""

    base_url: str | None
    master_key: Secret | None
    chat_models: tuple[str, ...]
    embedding_models: tuple[str, ...]
    expect_db: bool | None
    timeout: float
    embedding_dim: int | None = None
    offline: bool = False
    replay_dir: str | None = None
    record_dir: str | None = None
    database_url: Secret | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    exclude_models: tuple[str, ...] = ()
    no_models: bool = False
    apis: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.base_url is None and not self.offline

    def describe(self) -> str:
        """One reproducible line for the report header; never contains the key."""
        target = "offline replay" if self.offline else (self.base_url or "embedded default")
        db = {True: "true", False: "false", None: "either"}[self.expect_db]
        return (
            f"litellm-smoke: target={target} chat_models={','.join(self.chat_models) or '-'} "
            f"embedding_models={','.join(self.embedding_models) or '-'} expect_db={db} "
            f"timeout={self.timeout:g}s master_key={self._key_state()} concurrency={self.concurrency}"
            + (f" exclude={','.join(self.exclude_models)}" if self.exclude_models else "")
            + (" no_models=true" if self.no_models else "")
            + (f" apis={','.join(self.apis)}" if self.apis else "")
        )

    def _key_state(self) -> str:
        if self.master_key:
            return "set"
        return "generated" if self.embedded else "unset"


@dataclass(frozen=True)
class _Spec:
    """One setting: its name in messages, where it is read from, and the help every interface shows."""

    name: str
    env: str
    option: str
    ini: str
    help: str
    repeatable: bool = False
    flag: bool = False  # a command-line switch without a value (env/ini: true|false)


URL = _Spec(
    "target URL",
    "LITELLM_BASE_URL",
    "--litellm-url",
    "litellm_url",
    "LiteLLM proxy root URL (env LITELLM_BASE_URL). Default: start the embedded default.",
)
MASTER_KEY = _Spec(
    "master key",
    "LITELLM_MASTER_KEY",
    "--litellm-master-key",
    "litellm_master_key",
    "master key (env LITELLM_MASTER_KEY); required with a target URL. Never printed.",
)
CHAT_MODELS = _Spec(
    "chat models",
    "LITELLM_CHAT_MODELS",
    "--chat-model",
    "litellm_chat_models",
    "chat model to verify, repeatable (env LITELLM_CHAT_MODELS, comma list).",
    repeatable=True,
)
EMBEDDING_MODELS = _Spec(
    "embedding models",
    "LITELLM_EMBEDDING_MODELS",
    "--embedding-model",
    "litellm_embedding_models",
    "embedding model to verify, repeatable (env LITELLM_EMBEDDING_MODELS, comma list).",
    repeatable=True,
)
EXPECT_DB = _Spec(
    "expect db",
    "LITELLM_EXPECT_DB",
    "--expect-db",
    "litellm_expect_db",
    "true|false: must readiness report a connected database? (env LITELLM_EXPECT_DB). "
    "Default: accept either and report it.",
)
TIMEOUT = _Spec(
    "timeout",
    "LITELLM_SMOKE_TIMEOUT",
    "--smoke-timeout",
    "litellm_smoke_timeout",
    f"per-request timeout in seconds (env LITELLM_SMOKE_TIMEOUT). Default: {DEFAULT_TIMEOUT:g}.",
)
EMBEDDING_DIM = _Spec(
    "embedding dimension",
    "LITELLM_EMBEDDING_DIM",
    "--embedding-dim",
    "litellm_embedding_dim",
    "expected embedding dimension (env LITELLM_EMBEDDING_DIM). Default: any, but consistent.",
)
REPLAY_DIR = _Spec(
    "replay directory",
    "LITELLM_SMOKE_REPLAY_DIR",
    "--replay-dir",
    "litellm_replay_dir",
    "directory of recorded exchanges for --offline (env LITELLM_SMOKE_REPLAY_DIR). "
    "Default: the recordings shipped with litellm-smoke.",
)
RECORD_DIR = _Spec(
    "record directory",
    "LITELLM_SMOKE_RECORD_DIR",
    "--smoke-record-dir",
    "litellm_smoke_record_dir",
    "write every exchange with a target URL to this directory, for --offline replay "
    "(env LITELLM_SMOKE_RECORD_DIR; `litellm-smoke record` sets it). Default: no recording.",
)
CONCURRENCY = _Spec(
    "concurrency",
    "LITELLM_SMOKE_CONCURRENCY",
    "--smoke-concurrency",
    "litellm_smoke_concurrency",
    "how many checks may have a request in flight at once, across all models "
    f"(env LITELLM_SMOKE_CONCURRENCY). 1 runs them one after the other. Default: {DEFAULT_CONCURRENCY}.",
)
EXCLUDE_MODELS = _Spec(
    "excluded models",
    "LITELLM_SMOKE_EXCLUDE_MODELS",
    "--exclude-model",
    "litellm_smoke_exclude_models",
    "glob of models not to verify (or MODEL:CAPABILITY, e.g. '*:function_calling'), repeatable "
    "(env LITELLM_SMOKE_EXCLUDE_MODELS, comma list). Default: verify every model.",
    repeatable=True,
)
NO_MODELS = _Spec(
    "no models",
    "LITELLM_SMOKE_NO_MODELS",
    "--no-models",
    "litellm_smoke_no_models",
    "an auth-only gate: verify no model (env LITELLM_SMOKE_NO_MODELS=true). Without it, a run that "
    "verified no model fails.",
    flag=True,
)
APIS = _Spec(
    "API surfaces",
    "LITELLM_SMOKE_APIS",
    "--api",
    "litellm_smoke_apis",
    "extra API surfaces to verify per chat model: responses (/v1/responses), messages (/v1/messages), "
    "repeatable or comma list (env LITELLM_SMOKE_APIS). Default: chat completions only.",
    repeatable=True,
)
API_SURFACES = ("responses", "messages")

ALL_SPECS = (
    URL,
    MASTER_KEY,
    CHAT_MODELS,
    EMBEDDING_MODELS,
    EXPECT_DB,
    TIMEOUT,
    EMBEDDING_DIM,
    REPLAY_DIR,
    RECORD_DIR,
    CONCURRENCY,
    EXCLUDE_MODELS,
    NO_MODELS,
    APIS,
)

DATABASE_URL_ENV_VARS: tuple[str, ...] = ("LITELLM_DATABASE_URL", "DATABASE_URL")
"""Where the direct database check finds its URL (environment only: it carries a password)."""


def _pick(
    spec: _Spec,
    options: Mapping[str, Any],
    environ: Mapping[str, str],
    ini: Mapping[str, Any],
) -> tuple[Any, str]:
    """The raw value and a human description of where it came from, or (None, "default")."""
    value = options.get(spec.option)
    if value not in (None, [], ""):
        return value, f"option {spec.option}"
    value = environ.get(spec.env)
    if value not in (None, ""):
        return value, f"environment variable {spec.env}"
    value = ini.get(spec.ini)
    if value not in (None, [], ""):
        return value, f"ini key {spec.ini}"
    return None, "default"


def _models(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    names: list[str] = []
    for item in items:
        for part in str(item).replace("\n", ",").split(","):
            part = part.strip()
            if part and part not in names:
                names.append(part)
    return tuple(names)


def _fail(spec: _Spec, source: str, value: str, valid: str) -> SettingsError:
    return SettingsError(f"invalid {spec.name} {value} from {source}: expected {valid}")


def parse_url(raw: str, source: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(URL, source, repr(raw), "an http(s) URL with a host, e.g. http://127.0.0.1:4000")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _fail(URL, source, repr(raw), "a port between 1 and 65535") from None
    return raw.strip().rstrip("/")


def parse_timeout(raw: Any, source: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _fail(TIMEOUT, source, repr(raw), "a positive number of seconds, e.g. 30") from None
    if not math.isfinite(value) or value <= 0:
        raise _fail(TIMEOUT, source, repr(raw), "a positive number of seconds, e.g. 30")
    return value


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def parse_expect_db(raw: Any, source: str) -> bool | None:
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in ("", "either", "auto", "unset"):
        return None
    raise _fail(EXPECT_DB, source, repr(raw), "true, false, or unset (accept either)")


def parse_dim(raw: Any, source: str) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise _fail(EMBEDDING_DIM, source, repr(raw), "a positive integer, e.g. 1536") from None
    if value <= 0:
        raise _fail(EMBEDDING_DIM, source, repr(raw), "a positive integer, e.g. 1536")
    return value


def parse_concurrency(raw: Any, source: str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise _fail(CONCURRENCY, source, repr(raw), "a whole number >= 1, e.g. 8 (1 = one check at a time)") from None
    if value < 1:
        raise _fail(CONCURRENCY, source, repr(raw), "a whole number >= 1, e.g. 8 (1 = one check at a time)")
    return value


def parse_flag(spec: _Spec, raw: Any, source: str) -> bool:
    if raw is True or raw is False:
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail(spec, source, repr(raw), "true or false")


def parse_apis(raw: Any, source: str) -> tuple[str, ...]:
    names = tuple(name.lower() for name in _models(raw))
    unknown = [name for name in names if name not in API_SURFACES]
    if unknown:
        raise _fail(APIS, source, repr(",".join(unknown)), f"a comma list of {', '.join(API_SURFACES)}")
    return names


def resolve(
    options: Mapping[str, Any],
    environ: Mapping[str, str],
    ini: Mapping[str, Any] | None = None,
    *,
    offline: bool = False,
) -> Settings:
    """Resolve every setting once.

    :param options: command-line values keyed by option name (``"--litellm-url"``).
    :param environ: the environment (injectable so tests never touch ``os.environ``).
    :param ini: ini values keyed by ini name (``"litellm_url"``).
    :raises SettingsError: with a one-line message naming the setting, its source and the valid form.
    """
    ini = ini or {}
    sources: dict[str, str] = {}

    def get(spec: _Spec) -> Any:
        value, source = _pick(spec, options, environ, ini)
        sources[spec.name] = source
        return value

    raw_url = get(URL)
    base_url = None if raw_url is None else parse_url(str(raw_url), sources[URL.name])

    raw_key = get(MASTER_KEY)
    master_key = Secret(str(raw_key).strip()) if raw_key else None
    if base_url is not None and master_key is None and not offline:
        raise SettingsError(
            f"missing master key for target {base_url} (from {sources[URL.name]}): "
            f"set {MASTER_KEY.env} or pass {MASTER_KEY.option}"
        )

    # No lists: the run discovers the models the proxy serves (checks/inventory.py), the
    # embedded default and offline replay included.
    raw_chat = get(CHAT_MODELS)
    raw_embed = get(EMBEDDING_MODELS)
    chat = _models(raw_chat) if raw_chat is not None else ()
    embed = _models(raw_embed) if raw_embed is not None else ()
    raw_exclude = get(EXCLUDE_MODELS)
    exclude = _models(raw_exclude) if raw_exclude is not None else ()
    raw_no_models = get(NO_MODELS)
    no_models = False if raw_no_models is None else parse_flag(NO_MODELS, raw_no_models, sources[NO_MODELS.name])
    raw_apis = get(APIS)
    apis = () if raw_apis is None else parse_apis(raw_apis, sources[APIS.name])
    raw_db = get(EXPECT_DB)
    expect_db = None if raw_db is None else parse_expect_db(raw_db, sources[EXPECT_DB.name])
    raw_timeout = get(TIMEOUT)
    timeout = DEFAULT_TIMEOUT if raw_timeout is None else parse_timeout(raw_timeout, sources[TIMEOUT.name])
    raw_dim = get(EMBEDDING_DIM)
    dim = None if raw_dim is None else parse_dim(raw_dim, sources[EMBEDDING_DIM.name])
    raw_replay = get(REPLAY_DIR)
    raw_record = get(RECORD_DIR)
    raw_concurrency = get(CONCURRENCY)
    concurrency = (
        DEFAULT_CONCURRENCY
        if raw_concurrency is None
        else parse_concurrency(raw_concurrency, sources[CONCURRENCY.name])
    )

    return Settings(
        base_url=base_url,
        master_key=master_key,
        chat_models=chat,
        embedding_models=embed,
        expect_db=expect_db,
        timeout=timeout,
        embedding_dim=dim,
        offline=offline,
        replay_dir=str(raw_replay) if raw_replay else None,
        record_dir=str(raw_record) if raw_record and base_url is not None and not offline else None,
        database_url=database_url_from_env(environ),
        concurrency=concurrency,
        exclude_models=exclude,
        no_models=no_models,
        apis=apis,
        sources=sources,
    )


def database_url_from_env(environ: Mapping[str, str]) -> Secret | None:
    """The database URL to check: ``LITELLM_DATABASE_URL``, else ``DATABASE_URL``; blank counts as unset."""
    for name in DATABASE_URL_ENV_VARS:
        value = environ.get(name, "").strip()
        if value:
            return Secret(value)
    return None


OptionGetter = Callable[[str], Any]


def option_values(getoption: OptionGetter, specs: Sequence[_Spec] = ALL_SPECS) -> dict[str, Any]:
    return {spec.option: getoption(spec.option) for spec in specs}

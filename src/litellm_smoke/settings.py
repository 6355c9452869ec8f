"""Settings: resolved once, in a fixed order (option > env > ini > default)."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from litellm_smoke._secrets import Redactor, Secret

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 600.0
"""The largest accepted timeout: a gate that may wait longer than 10 minutes per request is a hang."""
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
    allow_vulnerable: bool = False
    advisory_files: tuple[str, ...] = ()
    well_known_key_files: tuple[str, ...] = ()
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
    f"per-request timeout in seconds, for the whole exchange, at most {MAX_TIMEOUT:g} "
    f"(env LITELLM_SMOKE_TIMEOUT). Default: {DEFAULT_TIMEOUT:g}.",
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
ALLOW_VULNERABLE = _Spec(
    "allow vulnerable",
    "LITELLM_SMOKE_ALLOW_VULNERABLE",
    "--allow-vulnerable-litellm",
    "litellm_allow_vulnerable",
    "true: a LiteLLM release with a known vulnerability is a warning, not a failure "
    "(env LITELLM_SMOKE_ALLOW_VULNERABLE). A malicious release always fails. Default: false.",
)
ADVISORY_FILES = _Spec(
    "advisory files",
    "LITELLM_SMOKE_ADVISORIES",
    "--advisories",
    "litellm_advisories",
    "extra advisory file (YAML/JSON, shape of the shipped advisories.yaml), repeatable "
    "(env LITELLM_SMOKE_ADVISORIES, paths separated by the OS path separator).",
    repeatable=True,
)
WELL_KNOWN_KEY_FILES = _Spec(
    "well-known key files",
    "LITELLM_SMOKE_WELL_KNOWN_KEYS",
    "--well-known-keys",
    "litellm_well_known_keys",
    "extra file of publicly known master keys (sha256 digests), repeatable "
    "(env LITELLM_SMOKE_WELL_KNOWN_KEYS, paths separated by the OS path separator).",
    repeatable=True,
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
    ALLOW_VULNERABLE,
    ADVISORY_FILES,
    WELL_KNOWN_KEY_FILES,
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


def _models(raw: Any, spec: _Spec | None = None, source: str = "") -> tuple[str, ...]:
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    names: list[str] = []
    for item in items:
        for part in str(item).replace("\n", ",").split(","):
            part = part.strip()
            if part and part not in names:
                if spec is not None:
                    _check_model(part, spec, source)
                names.append(part)
    return tuple(names)


def _check_model(name: str, spec: _Spec, source: str) -> None:
    # Never echo a refused name: it may be a key pasted in the wrong place.
    if Redactor.mask_shapes(name) != name:
        raise SettingsError(
            f"invalid {spec.name} from {source}: a model name that looks like an API key is refused; "
            "secrets go through the environment (LITELLM_MASTER_KEY), never a model list"
        )
    if not name.isprintable():
        raise SettingsError(f"invalid {spec.name} from {source}: a model name contains a control character")


def _fail(spec: _Spec, source: str, value: str, valid: str) -> SettingsError:
    return SettingsError(f"invalid {spec.name} {value} from {source}: expected {valid}")


def _shown_url(raw: str) -> str:
    """The URL as an error message may show it: no user:password, no query, no key, no control character."""
    text = raw.strip()
    scheme, sep, rest = text.partition("://")
    if sep:
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            authority = "***@" + authority.rpartition("@")[2]
        text = f"{scheme}://{authority}{slash}{path}"
    text = text.split("?", 1)[0].split("#", 1)[0]
    return repr(Redactor.mask_shapes(text))


def parse_url(raw: str, source: str) -> str:
    """The proxy root URL, or a SettingsError. Refused: anything but http(s) with a host, a bad port,
    ``user:password@`` (the credential would be printed in every report, and httpx would send it as
    Basic auth in place of the master key), and a ``?query`` or ``#fragment`` (the checks append
    route paths to the root; a query there would be mangled into ``/?x=1/health/liveliness``).
    """
    text = raw.strip()
    if Redactor.mask_shapes(text) != text:
        raise SettingsError(
            f"invalid {URL.name} from {source}: it carries something that looks like an API key; "
            f"secrets go through the environment ({MASTER_KEY.env}), never the URL"
        )
    try:
        parts = urlsplit(text)  # raises ValueError on e.g. 'http://[::1'
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise _fail(URL, source, _shown_url(raw), "an http(s) URL with a host, e.g. http://127.0.0.1:4000")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _fail(URL, source, _shown_url(raw), "a port between 1 and 65535") from None
    if parts.username is not None or parts.password is not None:
        raise _fail(
            URL,
            source,
            _shown_url(raw),
            f"a URL without user:password@ (credentials in a URL end up in logs and reports; the proxy "
            f"is authenticated with {MASTER_KEY.env})",
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise _fail(URL, source, _shown_url(raw), "the proxy root URL without ?query or #fragment")
    if not text.isprintable() or any(c.isspace() for c in text):
        raise _fail(URL, source, _shown_url(raw), "a URL without spaces or control characters")
    return text.rstrip("/")


def parse_master_key(raw: Any, source: str) -> Secret:
    """The master key, or a SettingsError that names the problem and never shows the value.

    An HTTP header carries printable ASCII only: a newline or a non-ASCII character would fail
    inside the HTTP library, whose error message shows the header (and with it the key).
    """
    value = str(raw).strip()
    for position, char in enumerate(value, start=1):
        if " " < char < "\x7f":
            continue
        what = (
            "a line break"
            if char in "\r\n"
            else "a control character"
            if not char.isprintable()
            else "a space"
            if char.isspace()
            else "a non-ASCII character"
        )
        raise SettingsError(
            f"invalid {MASTER_KEY.name} from {source}: it contains {what} (character {position} of "
            f"{len(value)}); an HTTP header carries printable ASCII only. Check how the value was set "
            "(a trailing newline from a file, a pasted quote)"
        )
    return Secret(value)


def parse_timeout(raw: Any, source: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _fail(TIMEOUT, source, repr(raw), "a positive number of seconds, e.g. 30") from None
    if not math.isfinite(value) or value <= 0:
        raise _fail(TIMEOUT, source, repr(raw), "a positive number of seconds, e.g. 30")
    if value > MAX_TIMEOUT:
        raise _fail(TIMEOUT, source, repr(raw), f"at most {MAX_TIMEOUT:g} seconds")
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


def parse_files(spec: _Spec, raw: Any, source: str) -> tuple[str, ...]:
    """Paths from a repeatable option/ini list, or an os.pathsep-separated env value; each must load."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(os.pathsep)
    paths = tuple(dict.fromkeys(str(p).strip() for p in items if str(p).strip()))
    from litellm_smoke.security import advisories, well_known_keys  # only when files are given

    loader: Callable[..., Any] = (
        advisories.load_advisories if spec is ADVISORY_FILES else well_known_keys.load_well_known_keys
    )
    try:
        loader([Path(p) for p in paths])
    except ValueError as exc:  # AdvisoryDataError / WellKnownKeysError name the file and the entry
        raise SettingsError(f"invalid {spec.name} from {source}: {exc}") from None
    return paths


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

    def parsed(spec: _Spec, parse: Callable[[Any, str], T], default: T) -> T:
        """``spec``'s value parsed (the parser is told where it came from), or ``default`` when it is unset."""
        raw = get(spec)
        return default if raw is None else parse(raw, sources[spec.name])

    base_url = parsed(URL, lambda raw, source: parse_url(str(raw), source), None)
    raw_key = get(MASTER_KEY)
    master_key = parse_master_key(raw_key, sources[MASTER_KEY.name]) if raw_key else None
    if base_url is not None and master_key is None and not offline:
        raise SettingsError(
            f"missing master key for target {base_url} (from {sources[URL.name]}): "
            f"set {MASTER_KEY.env} or pass {MASTER_KEY.option}"
        )

    empty: tuple[str, ...] = ()
    # Each setting read and parsed in this order (the first bad one is the error). No model lists: the
    # run discovers the models the proxy serves (checks/inventory.py), the embedded default and offline replay included.
    return Settings(
        base_url=base_url,
        master_key=master_key,
        chat_models=parsed(CHAT_MODELS, lambda raw, source: _models(raw, CHAT_MODELS, source), empty),
        embedding_models=parsed(EMBEDDING_MODELS, lambda raw, source: _models(raw, EMBEDDING_MODELS, source), empty),
        exclude_models=parsed(EXCLUDE_MODELS, lambda raw, _: _models(raw), empty),
        no_models=parsed(NO_MODELS, functools.partial(parse_flag, NO_MODELS), False),
        apis=parsed(APIS, parse_apis, empty),
        expect_db=parsed(EXPECT_DB, parse_expect_db, None),
        timeout=parsed(TIMEOUT, parse_timeout, DEFAULT_TIMEOUT),
        embedding_dim=parsed(EMBEDDING_DIM, parse_dim, None),
        offline=offline,
        replay_dir=parsed(REPLAY_DIR, lambda raw, _: str(raw) if raw else None, None),
        record_dir=parsed(
            RECORD_DIR, lambda raw, _: str(raw) if raw and base_url is not None and not offline else None, None
        ),
        allow_vulnerable=parsed(ALLOW_VULNERABLE, functools.partial(parse_flag, ALLOW_VULNERABLE), False),
        advisory_files=parsed(ADVISORY_FILES, functools.partial(parse_files, ADVISORY_FILES), empty),
        well_known_key_files=parsed(WELL_KNOWN_KEY_FILES, functools.partial(parse_files, WELL_KNOWN_KEY_FILES), empty),
        concurrency=parsed(CONCURRENCY, parse_concurrency, DEFAULT_CONCURRENCY),
        database_url=database_url_from_env(environ),
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

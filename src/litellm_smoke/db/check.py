"""Direct database check: is the PostgreSQL behind LiteLLM's ``DATABASE_URL`` usable and migrated?

A pre-deploy check that needs no proxy: it connects with psycopg (imported lazily, so importing
this module costs nothing), reads the server version, looks for LiteLLM's core tables and reads
Prisma's ``_prisma_migrations`` ledger. Every failure is a :class:`DbCheckError` whose one-line
message names the cause, the (masked) URL and the fix; the password never appears in it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.settings import DATABASE_URL_ENV_VARS
from litellm_smoke.settings import database_url_from_env as _settings_database_url

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "CORE_TABLES",
    "ENV_VARS",
    "DatabaseUrl",
    "DbCheckError",
    "DbProblem",
    "DbReport",
    "check_database",
    "database_url_from_env",
    "mask_database_url",
    "parse_database_url",
]

# Tables every LiteLLM DB feature touches: keys, users, teams, budgets, spend, stored config.
# Names as in litellm_proxy_extras/schema.prisma (models without @@map, so model == table) and
# created by its first migration, 20250326162113_baseline/migration.sql.
CORE_TABLES: tuple[str, ...] = (
    "LiteLLM_VerificationToken",
    "LiteLLM_UserTable",
    "LiteLLM_TeamTable",
    "LiteLLM_SpendLogs",
    "LiteLLM_BudgetTable",
    "LiteLLM_Config",
)
LEDGER_TABLE = "_prisma_migrations"
ENV_VARS = DATABASE_URL_ENV_VARS
DEFAULT_PORT = 5432
URL_FORM = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"

_POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})  # what Prisma and LiteLLM's proxy_cli accept
_MYSQL_SCHEMES = frozenset({"mysql", "mariadb"})
# Query parameters libpq understands (a Prisma DATABASE_URL may carry them too). Everything else
# (connection_limit, pool_timeout, socket_timeout, pgbouncer, statement_cache_size, schema,
# sslaccept, sslidentity, ...) is Prisma's own and makes libpq refuse the URL, so it is dropped.
# connect_timeout is dropped as well: the ``timeout`` argument governs.
_LIBPQ_PARAMS = frozenset(
    {
        "host",
        "hostaddr",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslpassword",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "application_name",
        "client_encoding",
        "options",
        "service",
        "gssencmode",
        "krbsrvname",
        "target_session_attrs",
        "channel_binding",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
    }
)
_MASK = "***"
_REJECTED_PARAMETER = re.compile(
    r"invalid (connection option|\w+ value)|unrecognized configuration parameter|invalid value for"
)


class DbProblem(str, Enum):
    """Why a database check failed; stable values for tests and reports."""

    MALFORMED_URL = "malformed_url"
    NOT_POSTGRES = "not_postgres"
    DRIVER_MISSING = "driver_missing"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    TLS = "tls"
    AUTH = "auth"
    NO_DATABASE = "no_database"
    PERMISSION = "permission"
    NOT_MIGRATED = "not_migrated"
    FAILED_MIGRATION = "failed_migration"
    OTHER = "other"


class DbCheckError(Exception):
    """The database check failed. ``str()`` is one line: what failed, where (masked URL), and the fix.

    :param problem: the :class:`DbProblem` category.
    :param report: what was learned before failing (set for ``NOT_MIGRATED`` and ``FAILED_MIGRATION``).
    """

    def __init__(self, message: str, *, problem: DbProblem, report: DbReport | None = None) -> None:
        self.problem = problem
        self.report = report
        super().__init__(_one_line(REDACT(message)))


@dataclass(frozen=True)
class DbReport:
    """What :func:`check_database` found.

    ``migrations_applied`` counts ``_prisma_migrations`` rows with ``finished_at`` set and
    ``rolled_back_at`` unset; ``latest_migration`` is the newest such migration name (names start
    with a timestamp). Both are ``0``/``None`` when the schema has no ledger (``prisma db push``).
    ``ok`` is true when no core table is missing and no migration is left failed.
    """

    server_version: str
    migrations_applied: int
    latest_migration: str | None
    missing_tables: tuple[str, ...]
    failed_migrations: tuple[str, ...] = ()
    url: str = ""
    schema: str = "public"
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", not self.missing_tables and not self.failed_migrations)

    def describe(self) -> str:
        """One line for reports: server, URL, migration state and any problem."""
        if self.latest_migration is None:
            ledger = f"no {LEDGER_TABLE} ledger (schema created by prisma db push?)"
        else:
            ledger = f"{self.migrations_applied} migrations applied, latest {self.latest_migration}"
        problems = [f"missing tables {', '.join(self.missing_tables)}"] if self.missing_tables else []
        if self.failed_migrations:
            problems.append(f"failed migrations {', '.join(self.failed_migrations)}")
        state = "; ".join(problems) or "core tables present"
        return f"PostgreSQL {self.server_version} at {self.url} (schema {self.schema}): {ledger}; {state}"


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed LiteLLM ``DATABASE_URL``, split into what libpq gets and what it must not see.

    ``params`` are the libpq query parameters kept (Prisma's TLS spelling translated);
    ``dropped`` names the Prisma-only parameters removed; ``schema`` is Prisma's ``?schema=``
    (default ``public``). ``masked`` is safe to print.
    """

    scheme: str
    user: str | None
    password: Secret | None = field(repr=False)
    host: str | None
    port: int | None
    dbname: str | None
    schema: str
    params: tuple[tuple[str, str], ...]
    dropped: tuple[str, ...]
    masked: str

    def connect_kwargs(self, timeout: float) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect``; ``connect_timeout`` is at least 1 s (whole seconds)."""
        kwargs: dict[str, Any] = dict(self.params)
        for key, value in (("host", self.host), ("port", self.port), ("user", self.user), ("dbname", self.dbname)):
            if value is not None:
                kwargs[key] = value
        if self.password is not None:
            kwargs["password"] = self.password.reveal()
        kwargs["connect_timeout"] = max(1, math.ceil(timeout))
        return kwargs

    @property
    def where(self) -> str:
        """``host:port`` as libpq will dial it."""
        host = self.host or dict(self.params).get("host", "localhost")
        shown = f"[{host}]" if ":" in host else host  # IPv6
        return f"{shown}:{self.port or DEFAULT_PORT}"


def database_url_from_env(environ: Mapping[str, str]) -> str | None:
    """The database URL to check: ``LITELLM_DATABASE_URL``, else ``DATABASE_URL``; blank counts as unset."""
    url = _settings_database_url(environ)
    return url.reveal() if url is not None else None


def mask_database_url(url: str) -> str:
    """``url`` with the password replaced by ``***`` and the query string dropped (it may hold ``sslpassword``).

    Works on malformed URLs too: everything between ``://`` and the last ``@`` counts as user info,
    so a password with an unescaped ``@``, ``/`` or ``#`` is still masked. A value that is not a
    URL at all is not echoed.
    """
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return "<not a URL; value not shown>"
    userinfo, at, hostpart = rest.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        userinfo = f"{user}:{_MASK}@" if colon else f"{user}@"
    hostpart = re.split(r"[?#]", hostpart, maxsplit=1)[0]
    return f"{scheme}://{userinfo}{hostpart}"


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse a LiteLLM/Prisma ``DATABASE_URL``; raise :class:`DbCheckError` if it is not usable.

    Rejects non-PostgreSQL schemes (LiteLLM's Prisma schema has ``provider = "postgresql"``),
    SQLAlchemy-style ``postgresql+driver://`` schemes, a bad port and a missing host.
    """
    url = url.strip()
    masked = mask_database_url(url)
    if not url:
        raise DbCheckError(f"The database URL is empty. Fix: set it to {URL_FORM}.", problem=DbProblem.MALFORMED_URL)
    raw_scheme, sep, _ = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", raw_scheme):
        raise DbCheckError(
            f"The database URL is not a URL (value not shown: it may hold a password). Fix: use the form {URL_FORM}.",
            problem=DbProblem.MALFORMED_URL,
        )
    scheme = raw_scheme.lower()
    base, plus, driver = scheme.partition("+")
    if base not in _POSTGRES_SCHEMES:
        raise DbCheckError(_not_postgres_message(base, masked), problem=DbProblem.NOT_POSTGRES)
    if plus:
        raise DbCheckError(
            f"The database URL {masked} uses the SQLAlchemy-style scheme '{scheme}', which Prisma (LiteLLM's "
            f"database layer) does not accept. Fix: drop '+{driver}' and use postgresql://.",
            problem=DbProblem.MALFORMED_URL,
        )
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise DbCheckError(
            f"The database URL {masked} has an invalid port (not a number from 0 to 65535). Fix: use {URL_FORM}; "
            "percent-encode '@', ':', '/', '?' and '#' in the password.",
            problem=DbProblem.MALFORMED_URL,
        ) from None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    host = parts.hostname
    if not host and not any(key == "host" for key, _ in pairs):
        raise DbCheckError(
            f"The database URL {masked} names no host. Fix: use {URL_FORM}.", problem=DbProblem.MALFORMED_URL
        )
    params, dropped = _libpq_params(pairs)
    password = unquote(parts.password) if parts.password is not None else None
    return DatabaseUrl(
        scheme=scheme,
        user=unquote(parts.username) if parts.username else None,
        password=Secret(password) if password is not None else None,
        host=host,
        port=port,
        dbname=unquote(parts.path.lstrip("/")) or None,
        schema=next((value for key, value in pairs if key == "schema" and value), "public"),
        params=params,
        dropped=dropped,
        masked=masked,
    )


def check_database(url: str, *, timeout: float = 10.0, require_migrated: bool = True) -> DbReport:
    """Connect to LiteLLM's PostgreSQL and verify it can serve the proxy.

    :param url: a LiteLLM ``DATABASE_URL`` (Prisma dialect: ``connection_limit``, ``pool_timeout``,
        ``schema``... are understood; only libpq parameters reach the driver).
    :param timeout: bound in seconds for connecting (libpq ``connect_timeout``: whole seconds, and
        psycopg waits at least 2 s) and for each query (``statement_timeout``). Default 10.
    :param require_migrated: if true (the default), missing core tables or a failed migration raise
        ``DbCheckError``; if false they are only reported (``ok=False``): the proxy migrates an empty
        database itself on start unless ``DISABLE_SCHEMA_UPDATE`` is set.
    :raises DbCheckError: with a one-line message and a :class:`DbProblem`; the password never appears.
    """
    target = parse_database_url(url)
    try:
        import psycopg
    except ImportError:
        raise DbCheckError(
            "The database check needs psycopg 3. Fix: pip install 'litellm-smoke[db]'.",
            problem=DbProblem.DRIVER_MISSING,
        ) from None
    try:
        connection = psycopg.connect(autocommit=True, **target.connect_kwargs(timeout))
    except psycopg.Error as exc:
        raise _connect_error(exc, target, timeout) from None
    try:
        with connection:
            report = _inspect(connection, target, timeout)
    except psycopg.Error as exc:
        raise _query_error(exc, target, timeout) from None
    if require_migrated and report.missing_tables:
        raise DbCheckError(
            f"LiteLLM's schema is not migrated in {target.masked} (schema {report.schema}): missing tables "
            f"{', '.join(report.missing_tables)}. Fix: start the proxy once with this DATABASE_URL (it runs prisma "
            "migrate deploy from litellm-proxy-extras; not with DISABLE_SCHEMA_UPDATE=true) or run the migration job.",
            problem=DbProblem.NOT_MIGRATED,
            report=report,
        )
    if require_migrated and report.failed_migrations:
        raise DbCheckError(
            f"Migration {', '.join(report.failed_migrations)} failed and was not rolled back in {target.masked}; "
            "prisma migrate deploy refuses to continue (P3009). Fix: read its logs in _prisma_migrations, repair, "
            "then run prisma migrate resolve --rolled-back <name> (or --applied).",
            problem=DbProblem.FAILED_MIGRATION,
            report=report,
        )
    return report


def _inspect(connection: psycopg.Connection[Any], target: DatabaseUrl, timeout: float) -> DbReport:
    connection.execute("SELECT set_config('statement_timeout', %s, false)", (f"{max(1, int(timeout * 1000))}ms",))
    row = connection.execute("SELECT current_setting('server_version')").fetchone()
    version = str(row[0]).split()[0] if row else "unknown"
    wanted = (*CORE_TABLES, LEDGER_TABLE)
    present = {
        name
        for (name,) in connection.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
            (target.schema, list(wanted)),
        ).fetchall()
    }
    applied: int = 0
    latest: str | None = None
    failed: tuple[str, ...] = ()
    if LEDGER_TABLE in present:
        from psycopg import sql

        ledger = sql.Identifier(target.schema, LEDGER_TABLE)
        counted = connection.execute(
            sql.SQL(
                "SELECT count(*), max(migration_name) FROM {} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL"
            ).format(ledger)
        ).fetchone()
        if counted is not None:
            applied, latest = int(counted[0]), counted[1]
        failed = tuple(
            name
            for (name,) in connection.execute(
                sql.SQL(
                    "SELECT migration_name FROM {} WHERE finished_at IS NULL AND rolled_back_at IS NULL "
                    "ORDER BY migration_name"
                ).format(ledger)
            ).fetchall()
        )
    return DbReport(
        server_version=version,
        migrations_applied=applied,
        latest_migration=latest,
        missing_tables=tuple(name for name in CORE_TABLES if name not in present),
        failed_migrations=failed,
        url=target.masked,
        schema=target.schema,
    )


def _connect_error(exc: Exception, target: DatabaseUrl, timeout: float) -> DbCheckError:
    detail = _driver_detail(exc, target)
    lowered = detail.lower()
    at = f"PostgreSQL at {target.masked}"
    if type(exc).__name__ == "ConnectionTimeout" or "timeout expired" in lowered:
        return DbCheckError(
            f"Timed out after {max(2, math.ceil(timeout))}s connecting to {at}: the server did not answer. Fix: check "
            f"that {target.where} is the database's address and that no firewall silently drops traffic to it.",
            problem=DbProblem.TIMEOUT,
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return DbCheckError(
            f"Authentication failed for user '{target.user}' on {at}: {detail}. Fix: check the user and password "
            "in the URL (percent-encode special characters in the password).",
            problem=DbProblem.AUTH,
        )
    if re.search(r'role ".*" does not exist|no pg_hba\.conf entry|authentication failed', lowered):
        return DbCheckError(
            f"{at} rejected the login: {detail}. Fix: use an existing role, and allow this client in pg_hba.conf.",
            problem=DbProblem.AUTH,
        )
    if re.search(r'database ".*" does not exist', lowered):
        return DbCheckError(
            f"Database '{target.dbname}' does not exist on {at}. Fix: create it (CREATE DATABASE \"{target.dbname}\" "
            f'OWNER "{target.user}") or correct the database name in the URL path.',
            problem=DbProblem.NO_DATABASE,
        )
    if "permission denied" in lowered or "not permitted to log in" in lowered:
        return DbCheckError(
            f"{at} refused the connection: {detail}. Fix: GRANT CONNECT on the database to '{target.user}' "
            "and make sure the role has LOGIN.",
            problem=DbProblem.PERMISSION,
        )
    if _REJECTED_PARAMETER.search(lowered):
        return DbCheckError(
            f"The database URL {target.masked} has a parameter libpq or the server rejects: {detail}. Fix: remove or "
            "correct it.",
            problem=DbProblem.MALFORMED_URL,
        )
    if "ssl" in lowered or "certificate" in lowered or "gssapi" in lowered:
        return DbCheckError(
            f"TLS negotiation with {at} failed: {detail}. Fix: match sslmode/sslrootcert in the URL to the server's "
            "TLS setup.",
            problem=DbProblem.TLS,
        )
    if "resolve host" in lowered or "translate host name" in lowered:
        return DbCheckError(
            f"Cannot resolve the host of {at}: {detail}. Fix: correct the host name, or check DNS from this machine.",
            problem=DbProblem.UNREACHABLE,
        )
    if "connection refused" in lowered:
        return DbCheckError(
            f"Connection refused by {target.where} ({at}): nothing listens there. Fix: start PostgreSQL, or correct "
            "the host and port in the URL.",
            problem=DbProblem.UNREACHABLE,
        )
    return DbCheckError(
        f"Cannot connect to {at}: {detail}. Fix: check that the server at {target.where} is up and accepts "
        "connections from this machine.",
        problem=DbProblem.UNREACHABLE,
    )


def _query_error(exc: Exception, target: DatabaseUrl, timeout: float) -> DbCheckError:
    detail = _driver_detail(exc, target)
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate == "42501":
        return DbCheckError(
            f"Permission denied reading LiteLLM's schema in {target.masked}: {detail}. Fix: grant '{target.user}' "
            f"USAGE on schema {target.schema} and SELECT on its tables.",
            problem=DbProblem.PERMISSION,
        )
    if sqlstate == "57014":
        return DbCheckError(
            f"A schema query on {target.masked} ran longer than the {timeout:g}s timeout: {detail}. Fix: check for "
            "locks (a running migration?) or load on the server.",
            problem=DbProblem.TIMEOUT,
        )
    return DbCheckError(
        f"Reading LiteLLM's schema in {target.masked} failed: {detail}.",
        problem=DbProblem.OTHER,
    )


def _driver_detail(exc: Exception, target: DatabaseUrl) -> str:
    text = _one_line(str(exc)).removeprefix("connection failed: ").removeprefix("connection is bad: ")
    # libpq repeats "connection to server at "h", port p failed:" before the reason; the reason is what matters.
    text = re.sub(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: ', "", text)
    text = re.sub(r"^(FATAL|ERROR):\s+", "", text)
    secrets = [target.password.reveal()] if target.password else []
    secrets += [value for key, value in target.params if key == "sslpassword"]
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, _MASK)
    return REDACT(text).rstrip(".")


def _libpq_params(pairs: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    kept = {key: value for key, value in pairs if key in _LIBPQ_PARAMS}
    dropped = tuple(dict.fromkeys(key for key, _ in pairs if key not in _LIBPQ_PARAMS))
    # Prisma reads sslcert as the server's CA (libpq: the client certificate) and checks it only with
    # sslaccept=strict; LiteLLM's litellm_proxy_extras translates the same way. sslcert+sslkey is libpq's form.
    if "sslcert" in kept and "sslkey" not in kept:
        ca = kept.pop("sslcert")
        sslaccept = next((value for key, value in pairs if key == "sslaccept"), None)
        if sslaccept not in (None, "accept_invalid_certs") and kept.get("sslmode") != "disable":
            kept.setdefault("sslrootcert", ca)
            kept["sslmode"] = "verify-full"
    return tuple(kept.items()), dropped


def _not_postgres_message(scheme: str, masked: str) -> str:
    head = (
        f"LiteLLM needs PostgreSQL, but the database URL {masked} is a '{scheme}' URL: LiteLLM's Prisma schema "
        'declares provider = "postgresql" and the proxy exits on any other scheme.'
    )
    if scheme in _MYSQL_SCHEMES:
        return (
            f"{head} A MySQL database (such as the HeartCode backend's) cannot serve LiteLLM. Fix: run a separate "
            f"PostgreSQL for LiteLLM and set DATABASE_URL={URL_FORM}."
        )
    return f"{head} Fix: point DATABASE_URL at a PostgreSQL database ({URL_FORM})."


def _one_line(text: str) -> str:
    return " ".join(text.split())

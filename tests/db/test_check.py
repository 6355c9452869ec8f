"""Tests of litellm_smoke.db.check: URL handling as units, every verdict against a real PostgreSQL.

The server tests need PostgreSQL on 127.0.0.1:5432 and a role that may create roles and databases
(``LITELLM_SMOKE_PG_ADMIN_URL``, default ``postgresql://postgres:postgres@127.0.0.1:5432/postgres``).
Without one they skip, unless ``CI_REQUIRE_POSTGRES=1``, where they fail. Per run they create the role
``litellm_smoke`` (kept: concurrent runs share it) and uniquely named databases, dropped at the end:
one empty, one migrated with the migration SQL that litellm-proxy-extras ships.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urlsplit

import pytest

from litellm_smoke.db.check import (
    CORE_TABLES,
    DbCheckError,
    DbProblem,
    DbReport,
    check_database,
    database_url_from_env,
    mask_database_url,
    parse_database_url,
)

if TYPE_CHECKING:
    import psycopg

ADMIN_URL_ENV = "LITELLM_SMOKE_PG_ADMIN_URL"
DEFAULT_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
REQUIRE_ENV = "CI_REQUIRE_POSTGRES"
ROLE = "litellm_smoke"
# Test-only role on a loopback server. It holds URL-special characters on purpose: the URL must
# percent-encode them, and neither spelling may leak into a message.
ROLE_PASSWORD = "Sm0ke:p@ss/w#rd-7d41"
WRONG_PASSWORD = "Wr0ng-p@ss-93c2"

# Prisma's own ledger DDL (as litellm_proxy_extras/migration_recovery.py recreates it).
PRISMA_LEDGER_DDL = b"""
CREATE TABLE "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)
"""
LEDGER_ROW = (
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) '
    "VALUES (%s, %s, %s, %s, clock_timestamp(), 1)"
)


requires_psycopg = pytest.mark.skipif(
    importlib.util.find_spec("psycopg") is None, reason="psycopg is not installed (pip install 'litellm-smoke[db]')"
)


def _secret_free(text: str, *passwords: str) -> bool:
    return not any(form in text for p in passwords for form in {p, quote(p, safe=""), quote(p)})


# --------------------------------------------------------------------------- URL handling (no server)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        pytest.param("postgresql://u:pw@db:5432/litellm", "postgresql://u:***@db:5432/litellm", id="plain"),
        pytest.param("postgres://u@db/litellm", "postgres://u@db/litellm", id="no-password"),
        pytest.param("postgresql://db:5432/litellm", "postgresql://db:5432/litellm", id="no-userinfo"),
        pytest.param("postgresql://u:p%40ss@db/x?sslpassword=k", "postgresql://u:***@db/x", id="query-dropped"),
        pytest.param("postgresql://u:p@s:s/x@db:5432/x", "postgresql://u:***@db:5432/x", id="unescaped-@-and-/"),
        pytest.param("postgresql://u:pa#ss@db/x", "postgresql://u:***@db/x", id="unescaped-#"),
        pytest.param("mysql+pymysql://hc:pw@mysql:3306/hc", "mysql+pymysql://hc:***@mysql:3306/hc", id="mysql"),
        pytest.param("user:pw@db/litellm", "<not a URL; value not shown>", id="not-a-url"),
    ],
)
def test_mask_database_url(url: str, masked: str) -> None:
    assert mask_database_url(url) == masked


def test_parse_drops_prisma_params_and_keeps_libpq_ones() -> None:
    url = (
        "postgresql://litellm:pw@db.internal:6543/litellm?connection_limit=10&pool_timeout=60&socket_timeout=5"
        "&pgbouncer=true&statement_cache_size=0&connect_timeout=30&schema=tenant_a&sslmode=require"
        "&application_name=smoke&options=-c%20search_path%3Dtenant_a"
    )
    parsed = parse_database_url(url)
    assert parsed.dropped == (
        "connection_limit",
        "pool_timeout",
        "socket_timeout",
        "pgbouncer",
        "statement_cache_size",
        "connect_timeout",
        "schema",
    )
    assert dict(parsed.params) == {
        "sslmode": "require",
        "application_name": "smoke",
        "options": "-c search_path=tenant_a",
    }
    assert (parsed.host, parsed.port, parsed.user, parsed.dbname, parsed.schema) == (
        "db.internal",
        6543,
        "litellm",
        "litellm",
        "tenant_a",
    )
    kwargs = parsed.connect_kwargs(timeout=2.5)
    assert kwargs["connect_timeout"] == 3
    assert kwargs["password"] == "pw"
    assert "pw" not in repr(parsed)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("sslcert=/ca.pem", {}, id="prisma-ca-default-accepts-invalid"),
        pytest.param(
            "sslcert=/ca.pem&sslaccept=accept_invalid_certs&sslmode=require", {"sslmode": "require"}, id="lax"
        ),
        pytest.param(
            "sslcert=/ca.pem&sslaccept=strict&sslmode=require",
            {"sslrootcert": "/ca.pem", "sslmode": "verify-full"},
            id="prisma-ca-strict",
        ),
        pytest.param(
            "sslcert=/c.pem&sslkey=/k.pem&sslmode=verify-ca",
            {"sslcert": "/c.pem", "sslkey": "/k.pem", "sslmode": "verify-ca"},
            id="libpq-client-cert",
        ),
        pytest.param("sslidentity=/id.p12&sslpassword=x", {"sslpassword": "x"}, id="pkcs12-dropped"),
    ],
)
def test_parse_translates_prisma_tls_params(query: str, expected: dict[str, str]) -> None:
    assert dict(parse_database_url(f"postgresql://u:pw@db/litellm?{query}").params) == expected


def test_parse_decodes_percent_encoded_credentials() -> None:
    parsed = parse_database_url(f"postgres://lite%40llm:{quote(ROLE_PASSWORD, safe='')}@[::1]/my%20db")
    assert parsed.user == "lite@llm"
    assert parsed.password is not None
    assert parsed.password.reveal() == ROLE_PASSWORD
    assert (parsed.host, parsed.port, parsed.dbname, parsed.where) == ("::1", None, "my db", "[::1]:5432")
    assert parsed.masked == "postgres://lite%40llm:***@[::1]/my%20db"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({}, None, id="unset"),
        pytest.param({"DATABASE_URL": "postgresql://a"}, "postgresql://a", id="database-url"),
        pytest.param(
            {"LITELLM_DATABASE_URL": "postgresql://b", "DATABASE_URL": "postgresql://a"},
            "postgresql://b",
            id="litellm-first",
        ),
        pytest.param(
            {"LITELLM_DATABASE_URL": "  ", "DATABASE_URL": "postgresql://a"}, "postgresql://a", id="blank-is-unset"
        ),
    ],
)
def test_database_url_from_env(environ: dict[str, str], expected: str | None) -> None:
    assert database_url_from_env(environ) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql://heartcode:hc-secret-pw@mysql:3306/heartcode",
        "mysql+pymysql://heartcode:hc-secret-pw@mysql:3306/heartcode",
        "mariadb://heartcode:hc-secret-pw@mysql/heartcode",
    ],
)
def test_mysql_url_is_refused_with_an_explanation(url: str) -> None:
    with pytest.raises(DbCheckError) as info:
        check_database(url)
    message = str(info.value)
    assert info.value.problem is DbProblem.NOT_POSTGRES
    assert "LiteLLM needs PostgreSQL" in message
    assert 'provider = "postgresql"' in message
    assert "HeartCode" in message
    assert "heartcode:***@mysql" in message
    assert _secret_free(message, "hc-secret-pw")
    assert "\n" not in message


def test_sqlite_url_is_refused_without_the_mysql_note() -> None:
    with pytest.raises(DbCheckError) as info:
        check_database("sqlite:///litellm.db")
    assert info.value.problem is DbProblem.NOT_POSTGRES
    assert "HeartCode" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("litellm:s3cr3t-pw@db:5432/litellm", "not a URL", id="no-scheme"),
        pytest.param("postgresql://litellm:s3cr3t-pw@db:54x2/litellm", "invalid port", id="bad-port"),
        pytest.param("postgresql://litellm:s3cr3t-pw@db:99999/litellm", "invalid port", id="port-range"),
        pytest.param("postgresql://litellm:s3cr3t#pw@db/litellm", "invalid port", id="unescaped-#"),
        pytest.param("postgresql://litellm:s3cr3t-pw@/litellm", "names no host", id="no-host"),
        pytest.param("postgresql+asyncpg://litellm:s3cr3t-pw@db/litellm", "SQLAlchemy-style", id="driver-suffix"),
    ],
)
def test_malformed_url(url: str, says: str) -> None:
    with pytest.raises(DbCheckError) as info:
        check_database(url)
    assert info.value.problem is DbProblem.MALFORMED_URL
    assert says in str(info.value)
    assert _secret_free(str(info.value), "s3cr3t-pw", "s3cr3t#pw", "s3cr3t")
    assert "\n" not in str(info.value)


def test_report_ok_and_describe() -> None:
    good = DbReport("15.18", 3, "20250101000000_c", (), url="postgresql://u:***@db/x")
    assert good.ok
    assert good.describe() == (
        "PostgreSQL 15.18 at postgresql://u:***@db/x (schema public): 3 migrations applied, "
        "latest 20250101000000_c; core tables present"
    )
    assert not DbReport("15.18", 0, None, ("LiteLLM_Config",)).ok
    assert not DbReport("15.18", 3, "x", (), failed_migrations=("y",)).ok


def test_module_import_is_cheap() -> None:
    code = (
        "import sys, litellm_smoke.db.check; "
        "print(sorted(m for m in ('psycopg', 'pytest', 'litellm') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]", result.stderr


# --------------------------------------------------------------------------- unreachable servers (loopback only)


def _role_url(dbname: str, *, password: str = ROLE_PASSWORD, host: str = "127.0.0.1", port: int = 5432) -> str:
    return f"postgresql://{ROLE}:{quote(password, safe='')}@{host}:{port}/{dbname}"


def _verdict(url: str, timeout: float = 5) -> tuple[DbCheckError, float]:
    started = time.monotonic()
    with pytest.raises(DbCheckError) as info:
        check_database(url, timeout=timeout)
    return info.value, time.monotonic() - started


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@requires_psycopg
def test_closed_port_is_refused_fast(free_port: int) -> None:
    error, elapsed = _verdict(_role_url("litellm", port=free_port), timeout=5)
    assert error.problem is DbProblem.UNREACHABLE
    assert f"Connection refused by 127.0.0.1:{free_port}" in str(error)
    assert _secret_free(str(error), ROLE_PASSWORD)
    assert elapsed < 1


@requires_psycopg
def test_silent_server_times_out_within_timeout() -> None:
    # A listener that never answers: the TCP handshake completes (backlog), the startup packet goes unanswered.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        error, elapsed = _verdict(_role_url("litellm", port=silent.getsockname()[1]), timeout=2)
    assert error.problem is DbProblem.TIMEOUT
    assert "Timed out after 2s" in str(error)
    assert _secret_free(str(error), ROLE_PASSWORD)
    assert 1.5 < elapsed < 3.5


# --------------------------------------------------------------------------- a real PostgreSQL


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} [{REQUIRE_ENV}=1: PostgreSQL is required]", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection as a role that may create roles and databases; skips (or fails) without one."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'litellm-smoke[db]')")
    admin_url = os.environ.get(ADMIN_URL_ENV) or DEFAULT_ADMIN_URL
    parts = urlsplit(admin_url)
    where = f"{parts.hostname}:{parts.port or 5432}"
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2).close()
    except OSError as exc:
        _unavailable(f"no PostgreSQL reachable on {where} ({exc}); start one: pg_ctlcluster 15 main start")
    try:
        connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        _unavailable(
            f"PostgreSQL on {where} is up but the admin login {mask_database_url(admin_url)} failed "
            f"({' '.join(str(exc).split())}); set {ADMIN_URL_ENV}, or: "
            'su postgres -c "psql -c \\"ALTER ROLE postgres PASSWORD \'postgres\'\\""'
        )
    with connection:
        yield connection


@pytest.fixture(scope="session")
def role_url(pg_admin: psycopg.Connection[Any]) -> Callable[..., str]:
    """Creates (or resets) the ``litellm_smoke`` role; returns ``url(dbname, password=...)`` on the admin's server."""
    from psycopg import sql

    pg_admin.execute("DO $$BEGIN CREATE ROLE litellm_smoke LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$")
    pg_admin.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(ROLE), ROLE_PASSWORD))
    info = pg_admin.info
    return functools.partial(_role_url, host=info.host, port=info.port)


@pytest.fixture(scope="session")
def make_database(pg_admin: psycopg.Connection[Any], role_url: Callable[..., str]) -> Iterator[Callable[[str], str]]:
    """Factory: a fresh, uniquely named database owned by ``litellm_smoke``; all are dropped at session end."""
    from psycopg import sql

    created: list[str] = []

    def make(kind: str) -> str:
        name = f"litellm_smoke_{kind}_{os.getpid()}_{secrets.token_hex(3)}"
        pg_admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(ROLE)))
        created.append(name)
        return name

    try:
        yield make
    finally:
        for name in created:
            pg_admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def extras_dir() -> Path:
    """The installed litellm_proxy_extras package directory (found, not imported)."""
    spec = importlib.util.find_spec("litellm_proxy_extras")
    if spec is None or not spec.submodule_search_locations:
        _unavailable("litellm-proxy-extras is not installed (pip install 'litellm-smoke[embedded]')")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def migration_scripts(extras_dir: Path) -> tuple[Path, ...]:
    """litellm-proxy-extras' ``migrations/*/migration.sql``, in Prisma's (lexical) order."""
    scripts = sorted(extras_dir.glob("migrations/*/migration.sql"))
    assert scripts, f"{extras_dir} ships no migrations/*/migration.sql"
    return tuple(scripts)


@pytest.fixture(scope="session")
def prisma_tables(extras_dir: Path) -> frozenset[str]:
    """Table names declared by litellm-proxy-extras' schema.prisma: each model's ``@@map`` name, else its name."""
    schema = (extras_dir / "schema.prisma").read_text(encoding="utf-8")
    models = re.findall(r"^model (\w+) \{(.*?)^\}", schema, flags=re.MULTILINE | re.DOTALL)
    assert models, "no model found in schema.prisma"
    return frozenset(
        mapped.group(1) if (mapped := re.search(r'@@map\("([^"]+)"\)', body)) else name for name, body in models
    )


@dataclass(frozen=True)
class MigratedDatabase:
    url: str
    migrations: tuple[str, ...]
    apply_seconds: float


@pytest.fixture(scope="session")
def migrated_database(
    make_database: Callable[[str], str], role_url: Callable[..., str], migration_scripts: tuple[Path, ...]
) -> MigratedDatabase:
    """A database migrated the way ``prisma migrate deploy`` does it: each script, then its ledger row.

    One autocommit connection; each script is one simple-protocol query, so a multi-statement script
    runs as one implicit transaction and a lone ``CREATE INDEX CONCURRENTLY`` runs outside one, as
    under Prisma. The ledger checksum is the SHA-256 of the file, as Prisma computes it.
    """
    import psycopg

    url = role_url(make_database("migrated"))
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(PRISMA_LEDGER_DDL)
        for script in migration_scripts:
            body = script.read_bytes()
            started_at = datetime.now(timezone.utc)
            try:
                connection.execute(body)
            except psycopg.Error as exc:
                pytest.fail(f"applying {script.parent.name} failed: {exc}", pytrace=False)
            connection.execute(
                LEDGER_ROW,
                (str(uuid.uuid4()), hashlib.sha256(body).hexdigest(), script.parent.name, started_at),
            )
    elapsed = time.monotonic() - started
    return MigratedDatabase(url, tuple(s.parent.name for s in migration_scripts), elapsed)


@pytest.fixture(scope="session")
def empty_database(make_database: Callable[[str], str], role_url: Callable[..., str]) -> str:
    """URL of a fresh database with nothing in it."""
    return role_url(make_database("empty"))


def test_migrated_database_passes(migrated_database: MigratedDatabase, pg_admin: psycopg.Connection[Any]) -> None:
    report = check_database(migrated_database.url, timeout=5)
    row = pg_admin.execute("SELECT current_setting('server_version')").fetchone()
    assert row is not None
    assert report.ok, report.describe()
    assert report.server_version == row[0].split()[0]
    assert report.migrations_applied == len(migrated_database.migrations)
    assert report.latest_migration == migrated_database.migrations[-1]
    assert report.missing_tables == ()
    assert report.failed_migrations == ()
    assert ROLE_PASSWORD not in report.describe()
    assert "litellm_smoke:***@" in report.describe()


def test_core_tables_are_declared_by_litellm(prisma_tables: frozenset[str]) -> None:
    assert set(CORE_TABLES) <= prisma_tables, sorted(set(CORE_TABLES) - prisma_tables)


def test_migrated_database_has_every_prisma_table(
    migrated_database: MigratedDatabase, prisma_tables: frozenset[str]
) -> None:
    import psycopg

    with psycopg.connect(migrated_database.url) as connection:
        rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert prisma_tables - {name for (name,) in rows} == set()


def test_migrations_apply_fast(migrated_database: MigratedDatabase) -> None:
    # ~220 scripts over one connection take about a second locally; a regression to one
    # psql process per script, or per-statement round trips, would show here.
    assert migrated_database.apply_seconds < 30, (
        f"{len(migrated_database.migrations)} migrations took {migrated_database.apply_seconds:.1f}s"
    )


def test_prisma_query_params_are_accepted(migrated_database: MigratedDatabase) -> None:
    url = migrated_database.url + "?connection_limit=10&pool_timeout=60&pgbouncer=true&schema=public&sslmode=disable"
    assert check_database(url, timeout=5).ok


def test_empty_database_is_not_migrated(empty_database: str) -> None:
    with pytest.raises(DbCheckError) as info:
        check_database(empty_database, timeout=5)
    error = info.value
    assert error.problem is DbProblem.NOT_MIGRATED
    assert error.report is not None
    assert error.report.missing_tables == CORE_TABLES
    assert all(table in str(error) for table in CORE_TABLES)
    assert "prisma migrate deploy" in str(error)
    assert _secret_free(str(error), ROLE_PASSWORD)

    report = check_database(empty_database, timeout=5, require_migrated=False)
    assert not report.ok
    assert (report.missing_tables, report.migrations_applied, report.latest_migration) == (CORE_TABLES, 0, None)


@pytest.fixture
def ledger_schema(empty_database: str) -> Iterator[str]:
    """A schema holding the core tables and a ledger with one finished and one failed migration."""
    import psycopg
    from psycopg import sql

    schema = f"tenant_{secrets.token_hex(3)}"
    with psycopg.connect(empty_database, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        for table in CORE_TABLES:
            connection.execute(sql.SQL("CREATE TABLE {} ()").format(sql.Identifier(table)))
        connection.execute(PRISMA_LEDGER_DDL)
        connection.execute(LEDGER_ROW, (str(uuid.uuid4()), "0" * 64, "20250101000000_done", "2025-01-01"))
        connection.execute(
            'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, applied_steps_count) '
            "VALUES (%s, %s, %s, %s, 0)",
            (str(uuid.uuid4()), "1" * 64, "20250202000000_broken", "ERROR: column already exists"),
        )
        try:
            yield schema
        finally:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def test_failed_migration_in_prisma_schema(empty_database: str, ledger_schema: str) -> None:
    url = f"{empty_database}?schema={ledger_schema}&connection_limit=5"
    with pytest.raises(DbCheckError) as info:
        check_database(url, timeout=5)
    assert info.value.problem is DbProblem.FAILED_MIGRATION
    assert "20250202000000_broken" in str(info.value)
    report = check_database(url, timeout=5, require_migrated=False)
    assert (report.schema, report.migrations_applied) == (ledger_schema, 1)
    assert report.latest_migration == "20250101000000_done"
    assert report.failed_migrations == ("20250202000000_broken",)
    assert not report.ok


def test_wrong_password(empty_database: str, role_url: Callable[..., str]) -> None:
    dbname = urlsplit(empty_database).path.lstrip("/")
    error, elapsed = _verdict(role_url(dbname, password=WRONG_PASSWORD))
    assert error.problem is DbProblem.AUTH
    assert "password authentication failed" in str(error)
    assert f"'{ROLE}'" in str(error)
    assert _secret_free(str(error), WRONG_PASSWORD, ROLE_PASSWORD)
    assert error.__cause__ is None
    assert error.__suppress_context__
    assert elapsed < 2


def test_database_does_not_exist(role_url: Callable[..., str]) -> None:
    error, _ = _verdict(role_url("litellm_smoke_no_such_db"))
    assert error.problem is DbProblem.NO_DATABASE
    assert "'litellm_smoke_no_such_db' does not exist" in str(error)
    assert _secret_free(str(error), ROLE_PASSWORD)

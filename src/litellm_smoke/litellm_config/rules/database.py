"""Database: LiteLLM's Prisma schema is PostgreSQL-only, and the password is not in the config."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from litellm_smoke.litellm_config.rules._base import ENV_PREFIX, Check, Finding, LintContext, env_reference

DATABASE_URL_PATH = "general_settings.database_url"
# litellm/proxy/db/db_url_settings.py: SUPPORTED_DB_SCHEMES (schema.prisma pins provider "postgresql").
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
DB_URL_ENV_VARS = ("DATABASE_URL", "DIRECT_URL")


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

    # --references-only: whether the deployment sets LITELLM_SALT_KEY is not known here.
    if candidates and not ctx.references_only and ctx.resolve(ctx.environ.get("LITELLM_SALT_KEY")) is None:
        yield Finding(
            "info",
            "salt-key-unset",
            "env:LITELLM_SALT_KEY",
            "a database is configured but LITELLM_SALT_KEY is not set, so credentials stored in "
            "it are encrypted with the master key and rotating that key needs a migration",
            "set LITELLM_SALT_KEY to a random value before the first start, and never change it",
        )


CHECKS: tuple[Check, ...] = (check_database_url,)

"""Direct database check (pre-deploy): LiteLLM's PostgreSQL answers, accepts the credentials, is migrated.

Needs no proxy. Runs when DATABASE_URL or LITELLM_DATABASE_URL is set; skipped with the reason otherwise.
"""

from __future__ import annotations

import pytest

from litellm_smoke.db.check import DbCheckError, check_database
from litellm_smoke.settings import DATABASE_URL_ENV_VARS, Settings


@pytest.mark.smoke
@pytest.mark.db
def test_database_ready(smoke_settings: Settings, request: pytest.FixtureRequest) -> None:
    if smoke_settings.database_url is None:
        pytest.skip(f"no database to check: set {' or '.join(DATABASE_URL_ENV_VARS)}")
    try:
        report = check_database(smoke_settings.database_url.reveal(), timeout=smoke_settings.timeout)
    except DbCheckError as exc:
        raise pytest.fail.Exception(f"database check ({exc.problem.value}): {exc}", pytrace=False) from None
    request.node.user_properties.append(("db_server_version", report.server_version))
    request.node.user_properties.append(("db_migrations_applied", report.migrations_applied))
    if not report.ok:
        pytest.fail(f"database check: {report.describe()}", pytrace=False)

"""Security checks of a LiteLLM proxy: a known-bad release, routes open without a key, published keys.

Cost of a healthy run: no model call. 24 requests the proxy refuses before any handler runs (the
auth matrix, sent concurrently), one readiness read, and one ``GET /v1/models`` per publicly known key.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from litellm_smoke.checks import auth, security
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import ROUTE_MATRIX, ROUTE_MATRIX_LITELLM_VERSION
from litellm_smoke.settings import Settings

pytestmark = [pytest.mark.smoke, pytest.mark.asyncio(loop_scope="session")]


class LiteLLMVulnerableWarning(UserWarning):
    """A LiteLLM release with known vulnerabilities, allowed by LITELLM_SMOKE_ALLOW_VULNERABLE."""


async def test_litellm_version_not_known_bad(
    gateway: ProxyClient, smoke_settings: Settings, request: pytest.FixtureRequest
) -> None:
    report = await security.version_not_known_bad(
        gateway,
        allow_vulnerable=smoke_settings.allow_vulnerable,
        advisory_files=[Path(p) for p in smoke_settings.advisory_files],
    )
    request.node.user_properties.append(("litellm_version_source", report.source))
    if not report.known:
        request.node.user_properties.append(("litellm_version_unknown", report.version or "not reported"))
    if report.warning:
        request.node.user_properties.append(("security_warning", report.warning))
        warnings.warn(LiteLLMVulnerableWarning(report.warning), stacklevel=1)


@pytest.mark.parametrize("kind", ["inference", "management"])
async def test_auth_route_matrix(gateway: ProxyClient, kind: str, request: pytest.FixtureRequest) -> None:
    """Every inference alias and management route class refuses a request without a key (401/403)."""
    probes = [p for p in ROUTE_MATRIX if p.kind == kind]
    result = await auth.route_matrix_refused(gateway, probes)
    request.node.user_properties.append(("routes_refused", len(result.refused)))
    request.node.user_properties.append(("routes_not_served", ",".join(result.not_served)))
    request.node.user_properties.append(("route_matrix_litellm", ROUTE_MATRIX_LITELLM_VERSION))


async def test_auth_own_key_not_publicly_known(gateway: ProxyClient, smoke_settings: Settings) -> None:
    security.master_key_not_well_known(gateway.master_key, [Path(p) for p in smoke_settings.well_known_key_files])


async def test_auth_well_known_keys_rejected(gateway: ProxyClient, smoke_settings: Settings) -> None:
    await security.well_known_keys_refused(gateway, [Path(p) for p in smoke_settings.well_known_key_files])

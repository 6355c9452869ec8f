"""checks/auth.py route_matrix_refused at the edges of "open": every 2xx is, 300 and up are not (but still fail)."""

from __future__ import annotations

import pytest

from litellm_smoke.checks import auth
from litellm_smoke.client.routes import ROUTE_MATRIX
from litellm_smoke.errors import SmokeFailure
from tests.security.test_checks import client_for, opening

pytestmark = pytest.mark.asyncio

MANAGEMENT = [p for p in ROUTE_MATRIX if p.kind == "management"]


@pytest.mark.parametrize("status", [200, 201, 204, 299])
async def test_any_2xx_without_a_key_is_an_open_route(status: int) -> None:
    async with client_for(opening("/key/list", status=status)) as client:
        with pytest.raises(SmokeFailure, match=r"1 route\(s\) answered 2xx without a key") as info:
            await auth.route_matrix_refused(client, MANAGEMENT)
    assert info.value.security


@pytest.mark.parametrize("status", [300, 302, 400, 422, 502])
async def test_a_3xx_4xx_or_5xx_without_a_key_is_not_refused_but_not_open(status: int) -> None:
    async with client_for(opening("/key/list", status=status)) as client:
        with pytest.raises(SmokeFailure, match=r"1 route\(s\) not refused with 401/403") as info:
            await auth.route_matrix_refused(client, MANAGEMENT)
    assert not info.value.security
    assert f"GET /key/list -> {status}" in info.value.title


@pytest.mark.parametrize("status", [401, 403, 404, 405])
async def test_refusals_and_routes_not_served_pass(status: int) -> None:
    async with client_for(opening("/key/list", status=status)) as client:
        result = await auth.route_matrix_refused(client, MANAGEMENT)
    assert result.status["GET /key/list"] == status
    assert ("GET /key/list" in result.refused) is (status in (401, 403))
    assert ("GET /key/list" in result.not_served) is (status in (404, 405))

"""checks/security.py reported_version: where the version comes from, and that the run remembers it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from litellm_smoke.checks import security
from litellm_smoke.client.routes import READINESS, READINESS_DETAILS
from tests.security.test_checks import MASTER, client_for, lite

pytestmark = pytest.mark.asyncio


async def test_a_version_read_from_readiness_details_is_remembered_for_the_report() -> None:
    async with client_for(lite("1.108.7")) as client:
        assert client.litellm_version is None
        assert await security.reported_version(client) == ("1.108.7", f"{READINESS_DETAILS} body")
        assert client.litellm_version == "1.108.7"


async def test_a_header_that_is_no_version_is_replaced_by_the_one_read() -> None:
    async with client_for(lite("1.108.7")) as client:
        client.litellm_version = "<b>1.0</b>"
        assert await security.reported_version(client) == ("1.108.7", f"{READINESS_DETAILS} body")


async def test_a_valid_header_wins_and_sends_nothing() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(500)

    async with client_for(handler) as client:
        client.litellm_version = " 1.82.6 "
        assert await security.reported_version(client) == ("1.82.6", "x-litellm-version header")
    assert sent == []


async def test_details_need_the_master_key_and_the_public_readiness_none() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        return httpx.Response(401, json={"error": {"message": "no"}})

    async with client_for(handler) as client:
        version, why = await security.reported_version(client)
    assert version is None and READINESS_DETAILS in why and READINESS in why
    assert seen == [(READINESS_DETAILS, f"Bearer {MASTER}"), (READINESS, None)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("not json", id="not-json"),
        pytest.param('["1.82.7"]', id="not-an-object"),
        pytest.param('{"litellm_version": 1.827}', id="not-text"),
        pytest.param('{"litellm_version": "' + "9" * 65 + '"}', id="too-long"),
        pytest.param('{"litellm_version": "1.82.7\\u001b[2J"}', id="control-characters"),
    ],
)
async def test_a_body_without_a_version_is_no_version(body: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, text=body)

    async with client_for(handler) as client:
        version, _ = await security.reported_version(client)
    assert version is None
    assert client.litellm_version is None


def _old_public_readiness(details: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """LiteLLM <=1.74 reports its version in the public readiness body; ``details`` answers the other route."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == READINESS:
            return httpx.Response(200, json={"status": "healthy", "db": "Not connected", "litellm_version": "1.74.9"})
        if isinstance(details, Exception):
            raise details
        return details

    return handler


@pytest.mark.parametrize(
    "details",
    [
        pytest.param(httpx.ReadTimeout("timed out"), id="details-time-out"),
        pytest.param(
            httpx.Response(200, headers={"content-type": "text/html"}, text="<!doctype html><title>UI</title>"),
            id="details-answered-by-an-html-catch-all",
        ),
    ],
)
async def test_details_that_fail_fall_back_to_the_public_readiness(details: httpx.Response | Exception) -> None:
    async with client_for(_old_public_readiness(details)) as client:
        assert await security.reported_version(client) == ("1.74.9", f"{READINESS} body")

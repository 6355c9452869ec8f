"""checks/health.py: the LiteLLM version lookup (readiness details), which never fails a run."""

from __future__ import annotations

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.checks import health
from litellm_smoke.client.http import ProxyClient

MASTER = "sk-health-master-key-0123456789"


def _client(handler: httpx.MockTransport) -> ProxyClient:
    return ProxyClient("http://proxy.test", Secret(MASTER), 2.0, transport=handler)


@pytest.mark.asyncio
async def test_version_comes_from_readiness_details_with_the_master_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "healthy", "db": "Not connected", "litellm_version": "1.108.7"})

    async with _client(httpx.MockTransport(answer)) as client:
        assert await health.fetch_litellm_version(client) == "1.108.7"
        assert client.litellm_version == "1.108.7"
    assert seen[0].url.path == "/health/readiness/details"
    assert seen[0].headers["authorization"] == f"Bearer {MASTER}"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda r: httpx.Response(401, json={"error": {"message": "auth"}}), id="401"),
        pytest.param(lambda r: httpx.Response(200, text="<html>"), id="not-json"),
        pytest.param(lambda r: httpx.Response(200, json={"status": "healthy"}), id="old-body-without-version"),
    ],
)
async def test_version_lookup_never_fails_the_run(answer: object) -> None:
    async with _client(httpx.MockTransport(answer)) as client:  # type: ignore[arg-type]
        assert await health.fetch_litellm_version(client) is None


@pytest.mark.asyncio
async def test_version_lookup_survives_a_dead_target() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(httpx.MockTransport(refuse)) as client:
        client.litellm_version = "1.99.0"  # seen earlier on an x-litellm-version header
        assert await health.fetch_litellm_version(client) == "1.99.0"

"""checks/preflight.py: only LiteLLM's liveliness answer passes; anything else is one named diagnosis."""

from __future__ import annotations

import httpx
import pytest

from litellm_smoke.checks.preflight import check_liveliness
from litellm_smoke.client.routes import LIVELINESS
from litellm_smoke.errors import TargetUnreachable

from .proxy import ScriptedProxy, proxy

NGINX_WELCOME = "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>...</body></html>"


@pytest.mark.parametrize("body", ["I'm alive!", {"status": "I'm alive!"}, "ALIVE"])
@pytest.mark.asyncio
async def test_litellms_liveliness_passes(body: object) -> None:
    scripted = ScriptedProxy({("GET", LIVELINESS): httpx.Response(200, json=body)})
    await check_liveliness(scripted.client())
    assert "authorization" not in scripted.requests[0].headers


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(
            httpx.Response(200, text=NGINX_WELCOME, headers={"content-type": "text/html"}), "HTML page", id="nginx-200"
        ),
        pytest.param(httpx.Response(200, json={"status": "ok"}), "application/json", id="other-service-json"),
        pytest.param(httpx.Response(200, text="I'm alive!"), "text/plain", id="alive-not-json"),
        pytest.param(httpx.Response(201, json="I'm alive!"), "application/json", id="alive-201"),
        pytest.param(httpx.Response(200, text=""), "an empty body", id="empty"),
        pytest.param(httpx.Response(503, json="I'm alive!"), "shutting down (503)", id="503"),
        pytest.param(httpx.Response(404, json={"detail": "Not Found"}), "no /health/liveliness route", id="404"),
        pytest.param(httpx.Response(401, json={"detail": "no"}), "requires auth (401)", id="401"),
        pytest.param(httpx.Response(403, text="Forbidden"), "requires auth (403)", id="403"),
        pytest.param(
            httpx.Response(502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"}),
            "HTML page",
            id="502-html",
        ),
    ],
)
@pytest.mark.asyncio
async def test_anything_else_is_the_wrong_service(answer: httpx.Response, fragment: str) -> None:
    with pytest.raises(TargetUnreachable, match=r"^wrong service at http://proxy\.test: ") as caught:
        await check_liveliness(proxy("GET", LIVELINESS, answer))
    assert fragment in str(caught.value)


@pytest.mark.asyncio
async def test_a_transport_error_is_unreachable_naming_the_cause() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(TargetUnreachable, match="target unreachable: connection refused") as caught:
        await check_liveliness(proxy("GET", LIVELINESS, refuse))
    # the title names the URL it tried, so a run against several targets says which one is down
    assert caught.value.title.endswith("(http://proxy.test/health/liveliness)")

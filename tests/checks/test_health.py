"""checks/health.py: readiness and its db state under each expectation, and per-model health."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import health
from litellm_smoke.client.routes import MODEL_HEALTH, READINESS, READINESS_DETAILS
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy, error, proxy

OLD = {"litellm_version": "1.60.0", "cache": None}


@pytest.mark.parametrize(
    ("body", "state", "shape"),
    [
        ({"status": "healthy", "db": "Not connected"}, "none", "new"),
        ({"status": "healthy", "db": "not connected", **OLD}, "none", "old"),
        ({"status": "healthy", "db": "connected"}, "connected", "new"),
        ({"status": "healthy", "db": "disconnected"}, "disconnected", "new"),
        ({"status": "healthy", "db": "stalled"}, "stalled", "new"),
        ({"status": "connected", "db": "connected", **OLD}, "connected", "old"),
        ({"status": "disconnected", "db": "connected", **OLD}, "disconnected", "old"),
        ({"status": "healthy"}, "unknown", "minimal"),
        ({"status": "healthy", "db": "maybe"}, "unrecognised ('maybe')", "new"),
        ({"status": "healthy", "db": 1}, "unrecognised (1)", "new"),
        (["healthy"], "unknown", "unrecognised"),
        ("I'm alive!", "unknown", "unrecognised"),
    ],
)
def test_parse_readiness_reads_both_shapes(body: Any, state: str, shape: str) -> None:
    assert health.parse_readiness(body) == health.DbState(state, shape)


def ready(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("body", "expect_db", "state"),
    [
        ({"status": "healthy", "db": "Not connected"}, None, "none"),
        ({"status": "healthy", "db": "Not connected"}, False, "none"),
        ({"status": "healthy", "db": "connected"}, None, "connected"),
        ({"status": "healthy", "db": "connected"}, True, "connected"),
        ({"status": "healthy"}, None, "unknown"),
    ],
)
@pytest.mark.asyncio
async def test_readiness_passes_when_the_db_state_agrees(body: Any, expect_db: bool | None, state: str) -> None:
    scripted = ScriptedProxy({("GET", READINESS): ready(body)})
    assert (await health.readiness(scripted.client(), expect_db)).state == state
    assert "authorization" not in scripted.requests[0].headers  # readiness is public: no key is sent


@pytest.mark.parametrize(
    ("answer", "expect_db", "fragment"),
    [
        pytest.param(ready({"status": "healthy", "db": "stalled"}), None, "database is stalled", id="stalled"),
        pytest.param(ready({"status": "healthy", "db": "disconnected"}), None, "is disconnected", id="disconnected"),
        pytest.param(ready({"status": "healthy", "db": "stalled"}), False, "database is stalled", id="stalled-no-db"),
        pytest.param(ready({"status": "disconnected", "db": "connected", **OLD}), None, "is disconnected", id="old"),
        pytest.param(ready(error(), 401), None, "expected HTTP 200, got 401", id="401-json"),
        pytest.param(ready({"detail": "Not Found"}, 404), None, "expected HTTP 200, got 404", id="404-json"),
        pytest.param(ready({"status": "healthy"}, 204), None, "expected HTTP 200, got 204", id="204"),
        pytest.param(ready({"status": "healthy", "db": "connected"}, 503), None, "not ready (503)", id="503"),
        pytest.param(ready({"status": "healthy", "db": "maybe"}), False, "no database is expected", id="odd-false"),
        pytest.param(ready({"status": "healthy"}), False, "no database is expected", id="minimal-false"),
        pytest.param(ready({"status": "healthy", "db": "connected"}), False, "no database is expected", id="db"),
        pytest.param(ready({"status": "healthy", "db": "maybe"}), True, "a database is expected", id="odd-true"),
        pytest.param(ready({"status": "healthy", "db": "Not connected"}), True, "a database is expected", id="no-db"),
    ],
)
@pytest.mark.asyncio
async def test_readiness_fails_on_each_fault(answer: httpx.Response, expect_db: bool | None, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=f"^readiness: .*{re.escape(fragment)}"):
        await health.readiness(proxy("GET", READINESS, answer), expect_db)


# -- /health?model= ----------------------------------------------------------------------------------


def model_health(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


HEALTHY = {"healthy_endpoints": [{"model": "m"}], "unhealthy_endpoints": [], "healthy_count": 1, "unhealthy_count": 0}


@pytest.mark.asyncio
async def test_model_health_asks_for_one_model_only() -> None:
    scripted = ScriptedProxy({("GET", MODEL_HEALTH): model_health(HEALTHY)})
    assert await health.model_health(scripted.client(), "m") == {"healthy_count": 1, "unhealthy_count": 0}
    (request,) = scripted.requests
    assert dict(request.url.params) == {"model": "m"}


@pytest.mark.asyncio
async def test_model_health_counts_endpoints_when_the_counts_are_missing() -> None:
    body = {"healthy_endpoints": [{"model": "m"}, {"model": "m2"}], "unhealthy_endpoints": []}
    seen = await health.model_health(proxy("GET", MODEL_HEALTH, model_health(body)), "m")
    assert seen == {"healthy_count": 2, "unhealthy_count": 0}


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(
            model_health({**HEALTHY, "healthy_count": 0, "healthy_endpoints": []}), "no healthy", id="count-0"
        ),
        pytest.param(model_health(HEALTHY, 503), "no healthy deployment", id="503"),
        pytest.param(model_health(error(), 401), "unexpected HTTP 401", id="401"),
        pytest.param(model_health(error(), 500), "unexpected HTTP 500", id="500"),
        pytest.param(model_health({"healthy_count": "1"}), "unrecognised body", id="count-string"),
        pytest.param(model_health(["m"]), "unrecognised body", id="list"),
        pytest.param(model_health({"unhealthy_endpoints": []}), "no healthy deployment", id="nothing"),
    ],
)
@pytest.mark.asyncio
async def test_model_health_fails_on_each_fault(answer: httpx.Response, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=f"model health for m: {fragment}"):
        await health.model_health(proxy("GET", MODEL_HEALTH, answer), "m")


@pytest.mark.asyncio
async def test_unhealthy_endpoints_report_their_first_error_line() -> None:
    body = {
        "healthy_endpoints": [],
        "unhealthy_endpoints": [
            {"error": "AuthenticationError: bad key\nstack..."},
            {"mode_error": "no mode"},
            "x",
            {},
        ],
        "healthy_count": 0,
    }
    with pytest.raises(SmokeFailure) as caught:
        await health.model_health(proxy("GET", MODEL_HEALTH, model_health(body)), "m")
    text = str(caught.value)
    assert "3 unhealthy: AuthenticationError: bad key; no mode; no error text" in text
    assert "stack" not in text


@pytest.mark.asyncio
async def test_an_empty_health_body_is_polled_until_it_fills() -> None:
    answers = iter([model_health({}), model_health({}), model_health(HEALTHY)])
    scripted = ScriptedProxy({("GET", MODEL_HEALTH): lambda request: next(answers)})
    assert (await health.model_health(scripted.client(), "m"))["healthy_count"] == 1
    assert len(scripted.requests) == 3


@pytest.mark.asyncio
async def test_an_empty_health_body_until_the_timeout_fails() -> None:
    scripted = ScriptedProxy({("GET", MODEL_HEALTH): model_health({})})
    with pytest.raises(SmokeFailure, match="no healthy deployment"):
        await health.model_health(scripted.client(timeout=0.3), "m")
    assert 1 < len(scripted.requests) < 10


@pytest.mark.parametrize(
    ("body", "counts"),
    [
        pytest.param(
            {**HEALTHY, "unhealthy_endpoints": [{"model": "m", "error": "Connection error."}], "unhealthy_count": 1},
            {"healthy_count": 1, "unhealthy_count": 1},
            id="one-of-two-down",  # observed live: 200 with healthy_count 1, unhealthy_count 1
        ),
        pytest.param(
            {"healthy_count": 2, "unhealthy_count": 1}, {"healthy_count": 2, "unhealthy_count": 1}, id="counts"
        ),
        pytest.param(
            {**HEALTHY, "healthy_count": 3, "unhealthy_count": 2},
            {"healthy_count": 3, "unhealthy_count": 2},
            id="counts-beyond-the-lists",
        ),
    ],
)
@pytest.mark.asyncio
async def test_model_health_reports_the_proxys_own_counts(body: dict[str, Any], counts: dict[str, int]) -> None:
    """The counts decide and are reported as given: a body without endpoint lists is still healthy,
    and a model with some deployments down passes but says how many are down."""
    assert await health.model_health(proxy("GET", MODEL_HEALTH, model_health(body)), "m") == counts


class HealthClock:
    """model_health's time, moved by the proxy's answers: answer ``i`` arrives at ``times[i]``; sleeping is instant."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        return None

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.now = self.times.pop(0)
        return model_health({})


@pytest.mark.asyncio
async def test_an_empty_health_body_at_the_deadline_is_the_last_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = HealthClock(0.0, 2.0, 7.0)  # the client's timeout is 2 s: the second answer arrives at the deadline
    monkeypatch.setattr(health, "time", SimpleNamespace(monotonic=clock.monotonic))
    monkeypatch.setattr(health, "asyncio", SimpleNamespace(sleep=clock.sleep))
    scripted = ScriptedProxy({("GET", MODEL_HEALTH): clock.answer})
    with pytest.raises(SmokeFailure, match="no healthy deployment"):
        await health.model_health(scripted.client(timeout=2.0), "m")
    assert len(scripted.requests) == 2  # the timeout is spent: no poll after it


@pytest.mark.parametrize(
    ("answer", "version"),
    [
        (httpx.Response(200, json={"litellm_version": "1.2.3"}), "1.2.3"),
        (httpx.Response(200, json={"litellm_version": 123}), None),
        (httpx.Response(200, text="nope"), None),
        (httpx.Response(401, json={"litellm_version": "9.9.9"}), None),
    ],
)
@pytest.mark.asyncio
async def test_fetch_litellm_version(answer: httpx.Response, version: str | None) -> None:
    client = proxy("GET", READINESS_DETAILS, answer)
    assert await health.fetch_litellm_version(client) == version
    assert client.litellm_version == version


@pytest.mark.asyncio
async def test_a_blank_upstream_error_is_reported_as_blank() -> None:
    body = {"healthy_endpoints": [], "unhealthy_endpoints": [{"error": "   "}], "healthy_count": 0}
    with pytest.raises(SmokeFailure, match=r"(?m)1 unhealthy: $"):
        await health.model_health(proxy("GET", MODEL_HEALTH, model_health(body)), "m")


@pytest.mark.asyncio
async def test_the_version_from_headers_wins_and_survives_a_failed_lookup() -> None:
    client = proxy("GET", READINESS_DETAILS, httpx.Response(401, json={"error": {"message": "no"}}))
    client.litellm_version = "1.0.0"
    assert await health.fetch_litellm_version(client) == "1.0.0"
    client = proxy("GET", READINESS_DETAILS, httpx.Response(200, json={"litellm_version": "2.0.0"}))
    client.litellm_version = "1.0.0"
    assert await health.fetch_litellm_version(client) == "1.0.0"
    assert client.litellm_version == "1.0.0"

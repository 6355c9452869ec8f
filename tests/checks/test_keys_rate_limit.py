"""checks/keys.py key_rate_limited, below the lifecycle corpus: what it counts, sends and accepts as the 429."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from litellm_smoke.checks import keys
from litellm_smoke.client.routes import CHAT
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy
from .test_keys import minted

OK: dict[str, Any] = {
    "object": "chat.completion",
    "choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": "p"}}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8},
}
LIMITED = {"error": {"message": "Rate limit exceeded for api key: sk-...", "type": "None", "code": "429"}}


def _limited_after(accepted: int, last: httpx.Response | None = None) -> ScriptedProxy:
    answers = iter([httpx.Response(200, json=OK)] * accepted + [last or httpx.Response(429, json=LIMITED)])
    return ScriptedProxy({("POST", CHAT): lambda request: next(answers)})


@pytest.mark.asyncio
async def test_the_429_after_the_limit_passes_and_each_accepted_call_is_counted_with_its_usage() -> None:
    key = minted()
    limit = key.spec.rpm_limit
    scripted = _limited_after(limit)
    client = scripted.client()
    assert await keys.key_rate_limited(client, key) == {"requests": limit + 1, "accepted": limit}
    assert key.successful_calls == limit
    probe = {"model": "chat", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
    assert scripted.bodies(CHAT) == [probe] * (limit + 1)
    assert all(r.headers["authorization"] == f"Bearer {key.key.reveal()}" for r in scripted.requests)
    assert client.usage.model_calls == {"chat": limit}
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (7 * limit, limit)


@pytest.mark.asyncio
async def test_calls_of_earlier_checks_count_towards_the_minute() -> None:
    key = minted()
    key.successful_calls = 1
    result = await keys.key_rate_limited(_limited_after(key.spec.rpm_limit - 1).client(), key)
    assert result == {"requests": key.spec.rpm_limit, "accepted": key.spec.rpm_limit}


@pytest.mark.asyncio
async def test_a_200_that_is_not_json_still_counts_as_a_call() -> None:
    key = minted()
    answers = iter([httpx.Response(200, text="pong")] * key.spec.rpm_limit + [httpx.Response(429, json=LIMITED)])
    client = ScriptedProxy({("POST", CHAT): lambda request: next(answers)}).client()
    await keys.key_rate_limited(client, key)
    assert client.usage.model_calls == {"chat": key.spec.rpm_limit}
    assert client.usage.prompt_tokens == 0


@pytest.mark.asyncio
async def test_no_429_within_limit_plus_one_fails() -> None:
    key = minted()
    limit = key.spec.rpm_limit
    scripted = _limited_after(limit + 5)
    with pytest.raises(SmokeFailure, match=rf"not enforced: {limit + 1} requests in a row"):
        await keys.key_rate_limited(scripted.client(), key)
    assert len(scripted.requests) == limit + 1


@pytest.mark.asyncio
async def test_a_429_before_any_success_fails() -> None:
    with pytest.raises(SmokeFailure, match="429 before the key made a single successful call"):
        await keys.key_rate_limited(_limited_after(0).client(), minted())


@pytest.mark.asyncio
async def test_the_routers_429_is_not_the_keys_limit() -> None:
    router = httpx.Response(
        429, json={"error": {"message": "No healthy deployment available, cooldown", "code": "429"}}
    )
    with pytest.raises(SmokeFailure, match="the 429 came from the router"):
        await keys.key_rate_limited(_limited_after(1, router).client(), minted())


@pytest.mark.parametrize("status", [401, 500])
@pytest.mark.asyncio
async def test_another_status_fails_naming_the_request(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"request 2 got HTTP {status}"):
        await keys.key_rate_limited(_limited_after(1, httpx.Response(status, json=LIMITED)).client(), minted())

"""checks/keys.py, below the lifecycle corpus of tests/client/test_keys.py: each field /key/info must report,
a key that is not ``sk-``, a plaintext key where the hash belongs, the precondition, answers that are not
a completion or not a model-access refusal (with LiteLLM's own bodies from fixtures/synthesised/keys), an
echoed key, and the deleted key's grace (on a fake clock)."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.checks import keys
from litellm_smoke.client.keys import KeySpec, MintedKey
from litellm_smoke.client.routes import KEY_DELETE, KEY_INFO, READINESS
from litellm_smoke.errors import SmokeFailure
from tests.helpers.paths import SYNTHESISED_KEYS

from .proxy import ScriptedProxy, proxy

KEY = "sk-unit-minted-key-abcdef0123456789"
TOKEN = "8f3b0c1d2e4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344"


def minted(key: str = KEY, token: str | None = TOKEN) -> MintedKey:
    return MintedKey(key=Secret(key), token=token, spec=KeySpec("chat", "run1"), response={})


INFO: dict[str, Any] = {
    "key": TOKEN,
    "info": {
        "key_alias": "litellm-smoke-run1",
        "models": ["chat"],
        "max_budget": 0.01,
        "rpm_limit": 3,
        "metadata": {"litellm_smoke": True, "run_id": "run1"},
        "spend": 0.0,
        "expires": "2026-01-01T00:10:00Z",
    },
}


def info_with(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(INFO)
    for name, value in changes.items():
        if value is KeyError:
            del body["info"][name]
        else:
            body["info"][name] = value
    return body


@pytest.mark.asyncio
async def test_key_info_that_matches_the_mint_passes_and_is_asked_by_hash() -> None:
    scripted = ScriptedProxy({("GET", KEY_INFO): httpx.Response(200, json=INFO)})
    seen = await keys.key_info_reports_limits(scripted.client(), minted())
    assert seen == {"spend": 0.0, "expires": "2026-01-01T00:10:00Z"}
    assert dict(scripted.requests[0].url.params) == {"key": TOKEN}
    # an alias LiteLLM did not store is fine; an int budget equal to the float one too
    await keys.key_info_reports_limits(
        proxy("GET", KEY_INFO, httpx.Response(200, json=info_with(key_alias=None))), minted()
    )
    ok = info_with(max_budget=0.01000000000001)
    await keys.key_info_reports_limits(proxy("GET", KEY_INFO, httpx.Response(200, json=ok)), minted())


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param(info_with(max_budget=KeyError), "max_budget=None", id="budget-dropped"),
        pytest.param(info_with(max_budget=1.0), "max_budget=1.0", id="budget-raised"),
        pytest.param(info_with(max_budget=True), "max_budget=True", id="budget-bool"),
        pytest.param(info_with(max_budget="0.01"), "max_budget='0.01'", id="budget-string"),
        pytest.param(info_with(models=["chat", "embed"]), "models=['chat', 'embed']", id="extra-model"),
        pytest.param(info_with(models=[]), "models=[]", id="all-models"),
        pytest.param(info_with(models="chat"), "models='chat'", id="models-string"),
        pytest.param(info_with(rpm_limit=None), "rpm_limit=None", id="rpm-dropped"),
        pytest.param(info_with(rpm_limit=30), "rpm_limit=30", id="rpm-raised"),
        pytest.param(info_with(metadata={}), "metadata.litellm_smoke missing", id="tag-dropped"),
        pytest.param(info_with(metadata={"litellm_smoke": "true"}), "metadata.litellm_smoke missing", id="tag-string"),
        pytest.param(info_with(metadata=None), "metadata.litellm_smoke missing", id="no-metadata"),
        pytest.param(info_with(key_alias="someone-else"), "key_alias='someone-else'", id="alias"),
    ],
)
@pytest.mark.asyncio
async def test_key_info_disagreeing_with_the_mint_fails(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SmokeFailure, match="disagrees with what was minted") as caught:
        await keys.key_info_reports_limits(proxy("GET", KEY_INFO, httpx.Response(200, json=body)), minted())
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(404, json={"detail": "not found"}), "expected HTTP 200, got 404"),
        (httpx.Response(200, json={"key": TOKEN}), "no 'info' object"),
        (httpx.Response(200, json=[INFO]), "no 'info' object"),
    ],
)
@pytest.mark.asyncio
async def test_key_info_that_is_not_an_answer_fails(answer: httpx.Response, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=fragment):
        await keys.key_info_reports_limits(proxy("GET", KEY_INFO, answer), minted())


@pytest.mark.asyncio
async def test_key_info_returning_the_plaintext_key_is_a_security_failure() -> None:
    body = copy.deepcopy(INFO)
    body["key"] = KEY
    with pytest.raises(SmokeFailure, match="echoes a credential") as caught:
        await keys.key_info_reports_limits(proxy("GET", KEY_INFO, httpx.Response(200, json=body)), minted())
    assert caught.value.security
    # looked up by the key itself (no hash known), the key in the answer is no news
    no_hash = minted(token=None)
    body["key"] = KEY
    await keys.key_info_reports_limits(proxy("GET", KEY_INFO, httpx.Response(200, json=body)), no_hash)


def test_key_well_formed() -> None:
    keys.key_well_formed(minted())
    with pytest.raises(SmokeFailure, match="does not start with 'sk-'"):
        keys.key_well_formed(minted(key="pk-unit-minted-key-abcdef"))
    with pytest.raises(SmokeFailure, match="does not start with 'sk-'"):
        keys.key_well_formed(minted(key="SK-unit-minted-key-abcdef"))
    with pytest.raises(SmokeFailure, match="no token"):
        keys.key_well_formed(minted(token=None))
    with pytest.raises(SmokeFailure, match="equals the key itself") as caught:
        keys.key_well_formed(minted(token=KEY))
    assert caught.value.security


@pytest.mark.parametrize(
    ("expect_db", "answer", "runs"),
    [
        (True, None, True),
        (False, None, False),
        (None, httpx.Response(200, json={"status": "healthy", "db": "connected"}), True),
        (None, httpx.Response(200, json={"status": "healthy", "db": "Not connected"}), False),
        (None, httpx.Response(503, json={"status": "healthy", "db": "connected"}), False),
        (None, httpx.Response(200, json={"status": "healthy", "db": "stalled"}), False),
        (None, httpx.Response(200, text="<html>"), False),
    ],
)
@pytest.mark.asyncio
async def test_keys_precondition(expect_db: bool | None, answer: httpx.Response | None, runs: bool) -> None:
    scripted = ScriptedProxy({("GET", READINESS): answer} if answer is not None else {})
    reason = await keys.keys_precondition(scripted.client(), expect_db)
    assert (reason is None) is runs
    assert len(scripted.requests) == (1 if answer is not None else 0)
    if reason is not None:
        assert reason.startswith(keys.NO_DATABASE_REASON)
    if answer is not None and answer.headers.get("content-type") != "application/json":
        assert reason is not None and reason.endswith("[readiness: HTTP 200, db=unknown]")


# -- calling models with the key ---------------------------------------------------------------------

COMPLETION = {"object": "chat.completion", "choices": [{"message": {"role": "assistant", "content": "p"}}]}


@pytest.mark.asyncio
async def test_each_successful_call_is_counted_on_the_key() -> None:
    key = minted()
    key.successful_calls = 2
    scripted = ScriptedProxy({("POST", "/v1/chat/completions"): httpx.Response(200, json=COMPLETION)})
    client = scripted.client()
    assert await keys.key_calls_allowed_model(client, key) == {"model": "chat"}
    assert key.successful_calls == 3
    assert client.usage.model_calls == {"chat": 1}
    (request,) = scripted.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert scripted.bodies("/v1/chat/completions")[0]["max_tokens"] == 1


@pytest.mark.asyncio
async def test_the_refused_embedding_probe_is_the_cheapest_valid_request() -> None:
    denied = httpx.Response(403, json={"error": {"message": "no", "type": "key_model_access_denied"}})
    scripted = ScriptedProxy({("POST", "/v1/embeddings"): denied})
    await keys.key_refused_other_model(scripted.client(), minted(), "embed", "embedding")
    assert scripted.bodies("/v1/embeddings") == [{"model": "embed", "input": "ping"}]
    assert scripted.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.asyncio
async def test_an_old_style_refusal_in_detail_counts_as_access_denied() -> None:
    old = httpx.Response(401, json={"detail": "Authentication Error - API Key not allowed to access model. embed"})
    await keys.key_refused_other_model(proxy("POST", "/v1/chat/completions", old), minted(), "embed")
    other = httpx.Response(401, json={"detail": "Authentication Error - Invalid key"})
    with pytest.raises(SmokeFailure, match="not model_access_denied"):
        await keys.key_refused_other_model(proxy("POST", "/v1/chat/completions", other), minted(), "embed")


@pytest.mark.asyncio
async def test_a_forbidden_model_that_answers_is_a_security_failure_and_counted() -> None:
    client = proxy("POST", "/v1/chat/completions", httpx.Response(200, json=COMPLETION))
    with pytest.raises(SmokeFailure, match="was allowed to call embed") as caught:
        await keys.key_refused_other_model(client, minted(), "embed")
    assert caught.value.security
    assert client.usage.model_calls == {"embed": 1}


# -- what LiteLLM answers, from the synthesised fixtures (built from LiteLLM 1.108.7's own types) -------------------


def litellm_answer(name: str) -> httpx.Response:
    document = json.loads((SYNTHESISED_KEYS / f"{name}.json").read_text(encoding="utf-8"))
    return httpx.Response(document["status"], json=document["body"])


@pytest.mark.asyncio
async def test_the_allowed_model_call_records_what_it_spent() -> None:
    client = proxy("POST", "/v1/chat/completions", litellm_answer("chat_completion"))  # usage: 9 + 1 tokens
    await keys.key_calls_allowed_model(client, minted())
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (9, 1)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"object": "chat.completion", "choices": []}, id="no-choices"),
        pytest.param({**COMPLETION, "object": "text_completion"}, id="not-chat-completion"),
        pytest.param([COMPLETION], id="json-list"),
    ],
)
@pytest.mark.asyncio
async def test_an_allowed_model_answer_that_is_not_a_completion_fails(body: Any) -> None:
    client = proxy("POST", "/v1/chat/completions", httpx.Response(200, json=body))
    key = minted()
    with pytest.raises(SmokeFailure, match="200 but not a chat completion"):
        await keys.key_calls_allowed_model(client, key)
    assert key.successful_calls == 0


@pytest.mark.asyncio
async def test_the_refused_chat_probe_asks_for_the_forbidden_model() -> None:
    scripted = ScriptedProxy({("POST", "/v1/chat/completions"): litellm_answer("model_access_denied")})
    await keys.key_refused_other_model(scripted.client(), minted(), "heartcode-embed")
    (body,) = scripted.bodies("/v1/chat/completions")
    assert (body["model"], body["max_tokens"]) == ("heartcode-embed", 1)


IP_NOT_ALLOWED = {  # general_settings.allowed_ips: LiteLLM's auth wraps the HTTPException(403) in its envelope
    "error": {
        "message": "Authentication Error - Access forbidden: IP address 10.0.0.7 not allowed.",
        "type": "auth_error",
        "param": "None",
        "code": "403",
    }
}


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(litellm_answer("invalid_model"), "got past the key's allow-list", id="400-invalid-model"),
        pytest.param(litellm_answer("token_not_found"), "is the key itself rejected", id="401-key-unknown"),
        pytest.param(httpx.Response(403, json=IP_NOT_ALLOWED), "is the key itself rejected", id="403-ip-not-allowed"),
        pytest.param(httpx.Response(403, json="Forbidden"), "is the key itself rejected", id="403-json-string"),
        pytest.param(httpx.Response(403, json=["Forbidden"]), "is the key itself rejected", id="403-json-list"),
        pytest.param(httpx.Response(403, text="<html>403 Forbidden</html>"), "key itself rejected", id="403-html"),
        pytest.param(httpx.Response(404, json={"detail": "Not Found"}), "failed instead of refusing", id="404"),
        pytest.param(
            httpx.Response(500, json={"error": {"message": "boom", "type": "None", "code": "500"}}),
            "failed instead of refusing",
            id="500",
        ),
    ],
)
@pytest.mark.asyncio
async def test_a_refusal_that_is_not_model_access_denied_fails_and_says_what_it_was(
    answer: httpx.Response, fragment: str
) -> None:
    client = proxy("POST", "/v1/chat/completions", answer)
    with pytest.raises(SmokeFailure, match="not model_access_denied") as caught:
        await keys.key_refused_other_model(client, minted(), "heartcode-embed")
    assert fragment in caught.value.hint
    assert not caught.value.security


# -- a probe that echoes the key says which probe it was ---------------------------------------------------------

ECHO = {"error": {"message": f"Authentication Error, Received API Key = {KEY}", "type": "auth_error", "code": "401"}}


@pytest.mark.parametrize(
    ("route", "answer", "call", "title"),
    [
        pytest.param(
            ("POST", "/v1/chat/completions"),
            httpx.Response(200, json={**COMPLETION, "id": KEY}),
            keys.key_calls_allowed_model,
            "key litellm-smoke-run1 calling chat: the response echoes",
            id="allowed-model",
        ),
        pytest.param(
            ("POST", "/v1/chat/completions"),
            httpx.Response(401, json=ECHO),
            lambda c, m: keys.key_refused_other_model(c, m, "embed"),
            "key litellm-smoke-run1 refused embed: the response echoes",
            id="refused-model",
        ),
        pytest.param(
            ("GET", KEY_INFO),
            httpx.Response(200, json={**INFO, "key": KEY}),
            keys.key_info_reports_limits,
            "/key/info for litellm-smoke-run1: the response echoes",
            id="key-info",
        ),
        pytest.param(
            ("GET", "/v1/models"),
            httpx.Response(401, json=ECHO),
            keys.key_deleted_rejected,
            "deleted key litellm-smoke-run1: the response echoes",
            id="deleted-key",
        ),
    ],
)
@pytest.mark.asyncio
async def test_an_echoed_key_is_a_security_failure_naming_the_probe(
    route: tuple[str, str], answer: httpx.Response, call: Any, title: str
) -> None:
    scripted = ScriptedProxy({route: answer, ("POST", KEY_DELETE): litellm_answer("key_delete")})
    with pytest.raises(SmokeFailure) as caught:
        await call(scripted.client(), minted())
    assert caught.value.security
    assert caught.value.title == f"SECURITY: {title} a credential back in the body"
    assert KEY not in str(caught.value)


# -- the failures say which request they expected ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "call", "expected"),
    [
        pytest.param(
            {("GET", KEY_INFO): httpx.Response(404, json={"detail": "not found"})},
            keys.key_info_reports_limits,
            "GET /key/info?key=<hash> (master key) -> 200",
            id="key-info-404",
        ),
        pytest.param(
            {("POST", KEY_DELETE): httpx.Response(500, json={"error": {"message": "Not connected to DB!"}})},
            keys.key_deleted_rejected,
            'POST /key/delete (master key) -> 200 {"deleted_keys": [...]}',
            id="delete-500",
        ),
        pytest.param(
            {
                ("POST", KEY_DELETE): litellm_answer("key_delete"),
                ("GET", "/v1/models"): httpx.Response(500, json={"error": {"message": "boom"}}),
            },
            keys.key_deleted_rejected,
            "GET /v1/models with the deleted key -> 401",
            id="deleted-key-500",
        ),
    ],
)
@pytest.mark.asyncio
async def test_a_key_request_answered_wrongly_says_which_request_and_answer_it_expected(
    answers: dict[tuple[str, str], httpx.Response], call: Any, expected: str
) -> None:
    with pytest.raises(SmokeFailure, match="expected HTTP") as caught:
        await call(ScriptedProxy(answers).client(), minted())
    assert caught.value.expected == expected


# -- a deleted key: accepted for a while (another replica's cache), then rejected ---------------------------------


class FakeClock:
    """keys.key_deleted_rejected's time: sleeping advances it at once, so the grace loop runs instantly."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(keys, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(keys, "asyncio", SimpleNamespace(sleep=fake.sleep))
    return fake


def revoked_after(clock: FakeClock, seconds: float, probes: list[float]) -> ScriptedProxy:
    """A proxy that still accepts the deleted key for ``seconds`` after the delete (``probes``: when it was asked)."""

    def models(request: httpx.Request) -> httpx.Response:
        probes.append(clock.now)
        if clock.now < seconds:
            return httpx.Response(200, json={"object": "list", "data": []})
        return litellm_answer("token_not_found")

    return ScriptedProxy({("POST", KEY_DELETE): litellm_answer("key_delete"), ("GET", "/v1/models"): models})


@pytest.mark.parametrize("revoked", [0.0, 0.6, 2.0])
@pytest.mark.asyncio
async def test_a_deleted_key_rejected_within_the_grace_passes(clock: FakeClock, revoked: float) -> None:
    probes: list[float] = []
    key = minted()
    await keys.key_deleted_rejected(revoked_after(clock, revoked, probes).client(), key, grace=2.0)
    assert key.deleted
    assert probes[-1] >= revoked  # it kept asking until the key was rejected


@pytest.mark.parametrize("revoked", [2.1, 1e9])
@pytest.mark.asyncio
async def test_a_deleted_key_still_accepted_when_the_grace_is_over_fails_at_once(
    clock: FakeClock, revoked: float
) -> None:
    probes: list[float] = []
    with pytest.raises(SmokeFailure, match="is still accepted") as caught:
        await keys.key_deleted_rejected(revoked_after(clock, revoked, probes).client(), minted(), grace=2.0)
    failure = caught.value
    assert failure.security
    assert max(probes) <= 2.0  # no probe after the grace: a key revoked later is too late
    assert max(probes) >= 2.0 - 0.25  # and it kept asking until the grace was over
    assert failure.got == f"{len(probes)} x HTTP 200 over 2s after /key/delete answered 200"

"""The inventory: given lists, /model/info, the /v1/models + name-rule fallback, exclusions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.checks.inventory import Inventory, parse_model_info, resolve
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.litellm_config.reader import looks_like_embedding

pytestmark = pytest.mark.asyncio

KEY = "sk-inventory-test-key"


def _entry(name: str, **info: Any) -> dict[str, Any]:
    return {"model_name": name, "litellm_params": {"model": f"openai/{name}"}, "model_info": info}


MODEL_INFO = {
    "data": [
        _entry("chat-a", mode="chat"),
        _entry("agent", mode="chat", supports_function_calling=True, supports_response_schema=True),
        _entry("agent", mode="chat", supports_function_calling=True),  # a second deployment, no schema
        _entry("embed-a", mode="embedding"),
        _entry("image", mode="image_generation"),
        _entry("openai/*"),
        _entry("text-embedding-3-small", access_groups=["beta"]),  # no mode: the name rule decides
    ]
}
V1_MODELS = {"data": [{"id": "chat-a"}, {"id": "bge-small"}, {"id": "gpt-x"}]}


def _client(routes: dict[str, tuple[int, Any]], seen: list[str] | None = None) -> ProxyClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.path)
        status, body = routes.get(request.url.path, (404, {"error": {"message": "no"}}))
        return httpx.Response(status, json=body)

    return ProxyClient("http://proxy.test", Secret(KEY), 5.0, transport=httpx.MockTransport(handler))


Resolve = Callable[..., Any]


async def _resolve(client: ProxyClient, **kw: Any) -> Inventory:
    args: dict[str, Any] = {"chat": (), "embedding": (), "exclude": (), "discover": True}
    args.update(kw)
    async with client:
        return await resolve(client, name_rule=looks_like_embedding, **args)


async def test_discovery_from_model_info_reads_modes_and_capabilities() -> None:
    inventory = await _resolve(_client({"/model/info": (200, MODEL_INFO)}))
    assert inventory.of_mode("chat") == ["chat-a", "agent"]
    assert inventory.of_mode("embedding") == ["embed-a", "text-embedding-3-small"]
    # every deployment of 'agent' declares tools, only one declares response schema
    assert inventory.with_capability("function_calling") == ["agent"]
    assert inventory.with_capability("response_schema") == []
    assert [m.name for m in inventory.unverified] == ["image"]
    assert inventory.wildcards == ["openai/*"]
    assert inventory.access_groups == ["beta"]
    sources = {m.name: m.source for m in inventory.models}
    assert sources["chat-a"] == "/model/info" and sources["text-embedding-3-small"] == "/model/info + name rule"
    # 4 per chat model + 2 tool calls, 3 per embedding model; the image model costs nothing
    assert inventory.expected_calls() == 4 + 6 + 3 + 3
    assert any("not verified (mode image_generation)" in line for line in inventory.lines())


async def test_fallback_to_v1_models_and_the_name_rule() -> None:
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, V1_MODELS)}))
    assert inventory.of_mode("chat") == ["chat-a", "gpt-x"]
    assert inventory.of_mode("embedding") == ["bge-small"]
    assert {m.source for m in inventory.models} == {"/v1/models + name rule"}


async def test_nothing_discovered_says_why() -> None:
    inventory = await _resolve(_client({"/model/info": (400, {}), "/v1/models": (400, {})}))
    assert inventory.models == []
    assert inventory.problem == "GET /model/info answered 400; GET /v1/models answered 400"


async def test_given_lists_are_the_expectation_and_extra_models_are_reported() -> None:
    inventory = await _resolve(
        _client({"/model/info": (200, MODEL_INFO)}), chat=("agent", "missing-one"), embedding=("embed-a",)
    )
    assert [(m.name, m.mode, m.source) for m in inventory.models] == [
        ("agent", "chat", "given"),
        ("missing-one", "chat", "given"),
        ("embed-a", "embedding", "given"),
    ]
    assert inventory.with_capability("function_calling") == ["agent"]  # still read from /model/info
    assert inventory.extra == ["chat-a", "image", "text-embedding-3-small"]


async def test_exclusions_by_glob_and_by_capability() -> None:
    inventory = await _resolve(
        _client({"/model/info": (200, MODEL_INFO)}), exclude=("chat-*", "image", "*:function_calling")
    )
    assert "chat-a" not in inventory.of_mode("chat") and inventory.excluded == ["chat-a", "image"]
    assert inventory.with_capability("function_calling") == []


async def test_no_discovery_makes_no_request() -> None:
    seen: list[str] = []
    inventory = await _resolve(_client({}, seen), chat=("a",), discover=False)
    assert seen == [] and inventory.of_mode("chat") == ["a"]


async def test_parse_model_info_ignores_junk() -> None:
    assert parse_model_info({"data": [None, {"model_name": 3}, "x"]}) == []
    assert parse_model_info([]) == []


async def test_a_junk_entry_does_not_hide_the_models_after_it() -> None:
    # entries that are not a named model are skipped one by one, never ending the read
    body = {"data": [{"model_info": {"mode": "chat"}}, None, _entry("chat-a", mode="chat"), _entry("embed-a")]}
    assert [name for name, *_ in parse_model_info(body)] == ["chat-a", "embed-a"]


async def test_excluded_given_models_are_named_and_the_rest_still_verified() -> None:
    inventory = await _resolve(
        _client({"/model/info": (200, MODEL_INFO)}),
        chat=("chat-a", "agent", "chat-b"),
        embedding=("embed-a",),
        exclude=("chat-a",),
    )
    assert inventory.excluded == ["chat-a"]
    assert [m.name for m in inventory.models] == ["agent", "chat-b", "embed-a"]


@pytest.mark.parametrize("route", ["/model/info", "/v1/models"])
async def test_a_lookup_that_raises_is_a_problem_naming_the_exception(route: str) -> None:
    # discovery never raises: an exception outside httpx's transport errors (a proxy plugin, a bug) is named
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == route:
            raise RuntimeError("boom")
        return httpx.Response(403, json={"error": {"message": "not allowed"}})

    client = ProxyClient("http://proxy.test", Secret(KEY), 5.0, transport=httpx.MockTransport(handler))
    inventory = await _resolve(client)
    assert inventory.models == []
    assert f"GET {route}: RuntimeError" in (inventory.problem or "")


# -- the /v1/models fallback: what a proxy that lists nothing, or junk, leaves in the inventory
#    (LiteLLM answers {"data": [{"id": ..., "object": "model", ...}], "object": "list"}; a llm_api key
#    gets 403 on /model/info, so the fallback is the common path for a scoped key)


async def test_a_fallback_that_lists_no_model_is_a_named_problem() -> None:
    empty = {"data": [], "object": "list"}
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, empty)}))
    assert inventory.models == [] and inventory.excluded == [] and inventory.wildcards == []
    assert inventory.problem == "GET /model/info answered 403; GET /v1/models listed no models"
    assert "  discovery: GET /model/info answered 403; GET /v1/models listed no models" in inventory.lines()


async def test_a_fallback_that_found_models_has_no_problem() -> None:
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, V1_MODELS)}))
    assert inventory.of_mode("chat") == ["chat-a", "gpt-x"]
    assert inventory.problem is None


@pytest.mark.parametrize(
    ("listed", "exclude"),
    [
        pytest.param(["chat-a"], ("chat-*",), id="every-model-excluded"),
        pytest.param(["openai/*"], (), id="only-a-wildcard-route"),
    ],
)
async def test_a_fallback_whose_models_are_all_named_otherwise_is_no_discovery_problem(
    listed: list[str], exclude: tuple[str, ...]
) -> None:
    # the models were found: the report names them as excluded or as wildcards, not as "listed no models"
    body = {"data": [{"id": name, "object": "model"} for name in listed], "object": "list"}
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, body)}), exclude=exclude)
    assert inventory.models == []
    assert inventory.excluded + inventory.wildcards == listed
    assert inventory.problem is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"object": "list"}, id="no-data"),
        pytest.param({"data": None}, id="data-null"),
        pytest.param({"data": {"id": "chat-a"}}, id="data-an-object"),
    ],
)
async def test_a_model_list_without_a_data_list_lists_no_models(body: dict[str, Any]) -> None:
    # e.g. another service's JSON behind the same port: discovery never raises, it names the problem
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, body)}))
    assert inventory.models == []
    assert inventory.problem == "GET /model/info answered 403; GET /v1/models listed no models"


async def test_model_list_entries_that_are_not_named_models_are_skipped() -> None:
    body = {"data": ["gpt-x", None, {"object": "model"}, {"id": ""}, {"id": "chat-a", "object": "model"}]}
    inventory = await _resolve(_client({"/model/info": (403, {}), "/v1/models": (200, body)}))
    assert [m.name for m in inventory.models] == ["chat-a"]
    assert inventory.problem is None


async def test_a_given_models_capability_can_be_excluded_by_its_own_name() -> None:
    inventory = await _resolve(
        _client({"/model/info": (200, MODEL_INFO)}), chat=("agent",), exclude=("agent:function_calling",)
    )
    assert [m.name for m in inventory.models] == ["agent"]
    assert inventory.with_capability("function_calling") == []
    assert inventory.expected_calls() == 4  # no tool calls are planned for it


async def test_a_model_given_as_embedding_carries_no_chat_capability() -> None:
    # /model/info declares tools for 'agent', but the user lists it as an embedding model: no tool checks, no cost
    inventory = await _resolve(_client({"/model/info": (200, MODEL_INFO)}), embedding=("agent",))
    assert [(m.name, m.mode) for m in inventory.models] == [("agent", "embedding")]
    assert inventory.as_json()["models"][0]["capabilities"] == []
    assert inventory.expected_calls() == 3


async def test_a_model_info_entry_without_a_mode_and_a_chat_name_is_verified_as_chat() -> None:
    # LiteLLM leaves model_info.mode unset unless the config says it: the name rule then makes it a chat model
    body = {"data": [_entry("gpt-plain", supports_function_calling=True)]}
    inventory = await _resolve(_client({"/model/info": (200, body)}))
    assert [(m.name, m.mode, m.source) for m in inventory.models] == [("gpt-plain", "chat", "/model/info + name rule")]
    assert inventory.with_capability("function_calling") == ["gpt-plain"]
    assert inventory.unverified == []
    assert inventory.expected_calls() == 4 + 2


@pytest.mark.parametrize("mode", ["embedding", "image_generation", "audio_transcription", "made-up-mode"])
async def test_a_discovered_model_that_is_not_chat_carries_no_chat_capability(mode: str) -> None:
    # /model/info may flag tools on any deployment; only a chat model gets the tool checks and their cost
    body = {"data": [_entry("other", mode=mode, supports_function_calling=True, supports_response_schema=True)]}
    inventory = await _resolve(_client({"/model/info": (200, body)}))
    assert [(m.name, m.mode) for m in inventory.models] == [("other", mode)]
    assert inventory.as_json()["models"][0]["capabilities"] == []
    assert inventory.expected_calls() == (3 if mode == "embedding" else 0)
    assert "[" not in inventory.lines()[1]


@pytest.mark.parametrize("discover", [True, False], ids=["discovered-too", "no-discovery"])
async def test_a_run_on_given_lists_says_so_in_its_header_and_json(discover: bool) -> None:
    # the user named the models (LITELLM_CHAT_MODELS / LITELLM_EMBEDDING_MODELS): the report says the list is
    # theirs, not the proxy's, whether /model/info was read for capabilities or not asked at all
    inventory = await _resolve(
        _client({"/model/info": (200, MODEL_INFO)}), chat=("agent",), embedding=("embed-a",), discover=discover
    )
    assert inventory.source == "given"
    assert inventory.as_json()["source"] == "given"
    assert inventory.lines()[0].startswith("litellm-smoke inventory (given): 2 model(s) to verify")


@pytest.mark.parametrize(
    "model_info",
    [
        pytest.param(None, id="null"),
        pytest.param("chat", id="a-string"),
        pytest.param([{"mode": "chat"}], id="a-list"),
        pytest.param(7, id="a-number"),
    ],
)
async def test_a_model_info_that_is_not_an_object_leaves_the_model_to_the_name_rule(model_info: Any) -> None:
    # an odd or hostile proxy: the entry's model_info is not an object; the model is still found, its mode
    # comes from the name rule, it declares no capability, and discovery never raises
    body = {
        "data": [
            {"model_name": "gpt-odd", "model_info": model_info},
            {"model_name": "text-embedding-odd", "model_info": model_info},
            _entry("agent", mode="chat", supports_function_calling=True),
        ]
    }
    inventory = await _resolve(_client({"/model/info": (200, body)}))
    assert [(m.name, m.mode, m.source, m.capabilities) for m in inventory.models] == [
        ("gpt-odd", "chat", "/model/info + name rule", frozenset()),
        ("text-embedding-odd", "embedding", "/model/info + name rule", frozenset()),
        ("agent", "chat", "/model/info", frozenset({"function_calling"})),
    ]
    assert inventory.problem is None

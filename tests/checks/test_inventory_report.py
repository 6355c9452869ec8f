"""The inventory as the report shows it: the header lines and the JSON entry, pinned whole."""

from __future__ import annotations

from litellm_smoke.checks.inventory import CALLS_PER_CAPABILITY, CAPABILITIES, Inventory, Model


def _inventory() -> Inventory:
    return Inventory(
        models=[
            Model("chat-a", "chat", "/model/info", frozenset({"response_schema", "function_calling"})),
            Model("embed-a", "embedding", "/model/info + name rule"),
            Model("image", "image_generation", "/model/info"),
        ],
        source="discovered",
        excluded=["costly"],
        wildcards=["openai/*"],
        access_groups=["beta"],
        extra=["spare"],
        problem="GET /model/info answered 500",
    )


def test_the_header_names_every_model_its_mode_capabilities_source_and_the_cost() -> None:
    # chat: 4 + function_calling 2 + response_schema 1, 2 per API surface; embedding: 3; image: 0
    assert _inventory().lines(("responses",)) == [
        "litellm-smoke inventory (discovered): 2 model(s) to verify, about 12 upstream call(s)",
        "  chat-a: chat [function_calling, response_schema] (from /model/info)",
        "  embed-a: embedding (from /model/info + name rule)",
        "  image: image_generation (from /model/info) -- not verified (mode image_generation)",
        "  served but not in the given lists: spare",
        "  excluded: costly",
        "  not verifiable one by one (wildcard routes): openai/*",
        "  access groups (verified through their models): beta",
        "  discovery: GET /model/info answered 500",
    ]


def test_an_empty_inventory_has_only_its_first_line() -> None:
    assert Inventory().lines() == ["litellm-smoke inventory (given): 0 model(s) to verify, about 0 upstream call(s)"]


def test_the_json_entry_has_every_field() -> None:
    assert _inventory().as_json() == {
        "source": "discovered",
        "models": [
            {
                "name": "chat-a",
                "mode": "chat",
                "from": "/model/info",
                "capabilities": ["function_calling", "response_schema"],
                "verified": True,
            },
            {
                "name": "embed-a",
                "mode": "embedding",
                "from": "/model/info + name rule",
                "capabilities": [],
                "verified": True,
            },
            {"name": "image", "mode": "image_generation", "from": "/model/info", "capabilities": [], "verified": False},
        ],
        "excluded": ["costly"],
        "wildcards": ["openai/*"],
        "access_groups": ["beta"],
        "extra": ["spare"],
        "problem": "GET /model/info answered 500",
    }


def test_each_verified_mode_has_its_cost_and_other_modes_cost_nothing() -> None:
    costs = {
        mode: Model("m", mode, "given").expected_calls()
        for mode in ("chat", "embedding", "completion", "rerank", "moderation", "audio_speech")
    }
    assert costs == {"chat": 4, "embedding": 3, "completion": 1, "rerank": 1, "moderation": 1, "audio_speech": 0}
    assert Model("m", "chat", "given").expected_calls(("responses", "messages")) == 8
    assert Model("m", "embedding", "given").expected_calls(("responses",)) == 3
    tools = Model("m", "chat", "given", frozenset({"function_calling"}))
    assert tools.expected_calls() == 6
    assert [m.verified for m in _inventory().models] == [True, True, False]
    assert [m.name for m in _inventory().verified] == ["chat-a", "embed-a"]
    assert _inventory().with_capability("function_calling") == ["chat-a"]


def test_several_wildcards_and_access_groups_are_listed_comma_separated() -> None:
    inventory = Inventory(wildcards=["openai/*", "anthropic/*"], access_groups=["beta", "internal"])
    assert inventory.lines()[1:] == [
        "  not verifiable one by one (wildcard routes): openai/*, anthropic/*",
        "  access groups (verified through their models): beta, internal",
    ]


def test_every_declared_capability_has_a_cost() -> None:
    # the cost of a capability with no entry would silently be 0 calls: each flag /model/info can declare
    # must have its planned calls (this is what makes the table's default unreachable)
    assert set(CAPABILITIES.values()) <= set(CALLS_PER_CAPABILITY)
    for capability in CAPABILITIES.values():
        assert Model("m", "chat", "given", frozenset({capability})).expected_calls() > 4

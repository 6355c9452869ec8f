"""checks/embeddings.py: one finite vector per input, in order, one length, and the expected dimension."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import embeddings
from litellm_smoke.client.routes import EMBEDDINGS
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy, proxy


def body(*vectors: Any, indexes: list[Any] | None = None) -> dict[str, Any]:
    idx = indexes if indexes is not None else list(range(len(vectors)))
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in zip(idx, vectors, strict=True)],
        "usage": {"prompt_tokens": 9, "total_tokens": 9},
    }


V = [0.1, -0.2, 0.3, 0.0]


def test_healthy_vectors_give_their_dimension() -> None:
    assert embeddings.check_vectors("e", body(V, V, V), 3, None, "got") == 4
    assert embeddings.check_vectors("e", body(V, V, V), 3, 4, "got") == 4
    assert embeddings.check_vectors("e", body([1, 2]), 1, 2, "got") == 2  # ints are numbers too


@pytest.mark.parametrize(
    ("answer", "count", "dim", "fragment"),
    [
        pytest.param(body(V, V, V), 3, 1536, "dimension 4, expected 1536", id="dim-enforced"),
        pytest.param(body(V, V, V), 3, 3, "dimension 4, expected 3", id="dim-smaller"),
        pytest.param(body([], [], []), 3, None, "an empty vector", id="all-empty"),
        pytest.param(body(V, [], V), 3, None, "an empty vector", id="one-empty"),
        pytest.param(body(V, V[:2], V), 3, None, "vectors of different lengths [4, 2, 4]", id="lengths"),
        pytest.param(body(V, V), 3, None, "2 vectors for 3 inputs", id="missing"),
        pytest.param(body(V, V, V, V), 3, None, "4 vectors for 3 inputs", id="extra"),
        pytest.param(body(V, V, V, indexes=[2, 1, 0]), 3, None, "out of index order: [2, 1, 0]", id="reversed"),
        pytest.param(body(V, V, V, indexes=[1, 2, 3]), 3, None, "out of index order", id="one-based"),
        pytest.param({"data": [V, V, V]}, 3, None, "out of index order", id="bare-lists"),
        pytest.param(body(V, "AAAA", V), 3, None, "vector 1 is str", id="base64"),
        pytest.param(body(V, [0.1, math.nan], V), 3, None, "vector 1 has 1 non-finite", id="nan"),
        pytest.param(body([math.inf, -math.inf], V, V), 3, None, "vector 0 has 2 non-finite", id="inf"),
        pytest.param(body(V, V, [True, 0.1, 0.2, 0.3]), 3, None, "vector 2 has 1 non-finite or non-numeric", id="bool"),
        pytest.param(body(V, V, ["0.1", 0.1, 0.2, 0.3]), 3, None, "non-numeric", id="string-number"),
        pytest.param({"object": "list"}, 3, None, "no 'data' list", id="no-data"),
        pytest.param({"data": {"0": V}}, 1, None, "no 'data' list", id="data-not-list"),
        pytest.param([V], 1, None, "no 'data' list", id="list-body"),
    ],
)
def test_each_broken_embeddings_answer_fails(answer: Any, count: int, dim: int | None, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^embeddings e: ") as caught:
        embeddings.check_vectors("e", answer, count, dim, "got")
    assert fragment in str(caught.value)


@pytest.mark.asyncio
async def test_the_batch_sends_three_inputs_as_floats_and_enforces_the_dimension() -> None:
    scripted = ScriptedProxy({("POST", EMBEDDINGS): httpx.Response(200, json=body(V, V, V))})
    client = scripted.client()
    assert await embeddings.embeddings_batch(client, "e", 4) == {"dimension": 4, "vectors": 3}
    assert scripted.bodies(EMBEDDINGS) == [
        {"model": "e", "input": list(embeddings.INPUTS), "encoding_format": "float", "user": "litellm-smoke"}
    ]
    assert client.usage.model_calls == {"e": 1}
    assert client.usage.prompt_tokens == 9
    with pytest.raises(SmokeFailure, match="dimension 4, expected 3072"):
        await embeddings.embeddings_batch(scripted.client(), "e", 3072)


@pytest.mark.parametrize("status", [201, 400, 500])
@pytest.mark.asyncio
async def test_the_batch_needs_http_200(status: int) -> None:
    with pytest.raises(SmokeFailure, match=f"expected HTTP 200, got {status}"):
        await embeddings.embeddings_batch(proxy("POST", EMBEDDINGS, httpx.Response(status, json=body(V, V, V))), "e", 4)


@pytest.mark.asyncio
async def test_the_sdk_single_input_enforces_the_dimension_too() -> None:
    scripted = ScriptedProxy({("POST", EMBEDDINGS): httpx.Response(200, json={**body(V), "model": "e"})})
    client = scripted.client()
    assert await embeddings.embeddings_single_sdk(client, "e", 4) == {"dimension": 4, "vectors": 1}
    sent = scripted.bodies(EMBEDDINGS)[0]
    assert sent["input"] == embeddings.INPUTS[0] and sent["encoding_format"] == "float"
    assert sent["user"] == "litellm-smoke"
    assert client.usage.model_calls == {"e": 1} and client.usage.prompt_tokens == 9
    with pytest.raises(SmokeFailure, match="dimension 4, expected 1536"):
        await embeddings.embeddings_single_sdk(scripted.client(), "e", 1536)


@pytest.mark.asyncio
async def test_an_error_the_sdk_raises_is_the_checks_failure_naming_the_answer() -> None:
    # LiteLLM's answer for a model it does not serve: the SDK raises BadRequestError, the check names it
    message = (
        "/embeddings: Invalid model name passed in model=e. Call `/v1/models` to view available models for your key."
    )
    error = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": "400"}}
    scripted = ScriptedProxy({("POST", EMBEDDINGS): httpx.Response(400, json=error)})
    with pytest.raises(SmokeFailure, match=r"^embeddings e: the OpenAI SDK got HTTP 400") as caught:
        await embeddings.embeddings_single_sdk(scripted.client(), "e", None)
    assert caught.value.expected == "an embeddings list"
    assert "Invalid model name passed in model=e" in (caught.value.got or "")

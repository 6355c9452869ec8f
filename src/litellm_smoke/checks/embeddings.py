"""Embeddings: one finite vector per input, in order, all the same length."""

from __future__ import annotations

import json
import math
from typing import Any

from litellm_smoke.checks._common import expect_status, is_number, via_sdk
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import SMOKE_TAG, ProxyClient
from litellm_smoke.client.routes import EMBEDDINGS
from litellm_smoke.errors import SmokeFailure, excerpt

INPUTS = ("litellm smoke one", "litellm smoke two", "litellm smoke three")


def _fail(model: str, problem: str, expected: str, got: str, hint: str) -> SmokeFailure:
    return SmokeFailure(f"embeddings {model}: {problem}", expected=expected, got=got, hint=hint)


def check_vectors(model: str, body: Any, count: int, dim: int | None, got: str) -> int:
    """Validate an embeddings body for ``count`` inputs; returns the vector length."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise _fail(
            model,
            "no 'data' list",
            '{"data": [{"embedding": [...], "index": 0}, ...]}',
            got,
            "this is not an OpenAI embeddings response",
        )
    if len(data) != count:
        raise _fail(
            model,
            f"{len(data)} vectors for {count} inputs",
            f"one vector per input ({count})",
            got,
            "the upstream dropped or duplicated inputs; callers will misalign texts and vectors",
        )
    indexes = [item.get("index") if isinstance(item, dict) else None for item in data]
    if indexes != list(range(count)):
        raise _fail(
            model,
            f"vectors out of index order: {indexes}",
            f"index {list(range(count))} in order",
            got,
            "callers pair data[i] with input[i]; the proxy or upstream reorders them",
        )
    lengths = []
    for i, item in enumerate(data):
        vector = item.get("embedding")
        if not isinstance(vector, list):
            raise _fail(
                model,
                f"vector {i} is {type(vector).__name__}, not a list of floats",
                "a list of numbers (encoding_format float)",
                got,
                "base64 output means encoding_format was not honoured",
            )
        bad = [v for v in vector if not (is_number(v) and math.isfinite(v))]
        if bad:
            raise _fail(
                model,
                f"vector {i} has {len(bad)} non-finite or non-numeric values (e.g. {bad[0]!r})",
                "finite numbers only",
                got,
                "NaN/inf vectors poison every similarity search",
            )
        lengths.append(len(vector))
    if not lengths or min(lengths) == 0:
        raise _fail(model, "an empty vector", "non-empty vectors", got, "the upstream returned no values")
    if len(set(lengths)) != 1:
        raise _fail(
            model,
            f"vectors of different lengths {lengths}",
            "one dimension for all vectors",
            got,
            "two deployments with different dimensions behind one model name?",
        )
    if dim is not None and lengths[0] != dim:
        raise _fail(
            model,
            f"dimension {lengths[0]}, expected {dim}",
            f"dimension {dim} (LITELLM_EMBEDDING_DIM)",
            got,
            "the model behind this name changed; stored vectors will not match",
        )
    return lengths[0]


async def embeddings_batch(client: ProxyClient, model: str, dim: int | None) -> dict[str, Any]:
    """A batch of several inputs, raw HTTP."""
    body = {"model": model, "input": list(INPUTS), "encoding_format": "float", "user": SMOKE_TAG}
    response = await client.post(EMBEDDINGS, body)
    expect_status(
        response,
        200,
        f"embeddings {model}",
        "the proxy or its upstream failed; the error text names which",
        expected="HTTP 200 embeddings list",
    )
    parsed = json_body(response, f"embeddings {model}", "LiteLLM answers embeddings with JSON")
    length = check_vectors(model, parsed, len(INPUTS), dim, describe(response))
    client.usage.add(model, parsed.get("usage"))
    return {"dimension": length, "vectors": len(INPUTS)}


async def embeddings_single_sdk(client: ProxyClient, model: str, dim: int | None) -> dict[str, Any]:
    """A single string input through the official ``openai`` SDK."""
    sdk = client.openai()
    result = await via_sdk(
        sdk.embeddings.create(model=model, input=INPUTS[0], encoding_format="float", user=SMOKE_TAG),
        lambda problem, got, hint: _fail(model, problem, "an embeddings list", got, hint),
    )
    body = result.model_dump(warnings=False)  # a wrongly typed field is ours to report, not pydantic's
    length = check_vectors(model, body, 1, dim, excerpt(json.dumps(body)[:2000]))
    client.usage.add(model, body.get("usage"))
    return {"dimension": length, "vectors": 1}

"""The other modes a LiteLLM deployment serves: text completion, rerank, moderation. One cheap call each."""

from __future__ import annotations

import math
from typing import Any

from litellm_smoke.checks._common import expect_status, is_number
from litellm_smoke.client.diagnosis import describe, json_body
from litellm_smoke.client.http import SMOKE_TAG, ProxyClient
from litellm_smoke.client.routes import COMPLETIONS, MODERATIONS, RERANK
from litellm_smoke.errors import SmokeFailure

COMPLETION_PROMPT = "Say: pong"
RERANK_QUERY = "What is the capital of France?"
RERANK_DOCUMENTS = ("Paris is the capital of France.", "Bananas are yellow.")
MODERATION_INPUT = "I like sunny days."


async def _call(client: ProxyClient, path: str, body: dict[str, Any], what: str, shape: str) -> tuple[Any, str]:
    """One cheap call of a mode: HTTP 200 with a JSON body, returned parsed and described."""
    response = await client.post(path, body)
    expect_status(
        response,
        200,
        what,
        "the proxy or its upstream failed; the error text names which (a 404/400 can mean the "
        "deployment's provider does not serve this mode)",
        expected=f"HTTP 200 {shape}",
        origin=True,
    )
    return json_body(response, what, f"LiteLLM answers {path.rsplit('/', 1)[-1]} with JSON"), describe(response)


async def text_completion(client: ProxyClient, model: str) -> dict[str, Any]:
    """``POST /v1/completions`` with one token: a ``text_completion`` with a text choice and usage."""
    what = f"completion {model}"
    body = {"model": model, "prompt": COMPLETION_PROMPT, "max_tokens": 1, "temperature": 0, "user": SMOKE_TAG}
    shape = '{"object": "text_completion", "choices": [{"text": "...", "finish_reason": ...}], "usage": {...}}'
    parsed, got = await _call(client, COMPLETIONS, body, what, shape)
    choices = parsed.get("choices") if isinstance(parsed, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise SmokeFailure(f"{what}: no choices", expected=shape, got=got, hint="the upstream returned no completion")
    if not isinstance(choices[0].get("text"), str):
        raise SmokeFailure(
            f"{what}: choices[0].text is not a string",
            expected=shape,
            got=got,
            hint="a chat-shaped answer (message.content) means the route is not a text completion",
        )
    usage = parsed.get("usage")
    if not isinstance(usage, dict) or not is_number(usage.get("total_tokens")) or not usage["total_tokens"]:
        raise SmokeFailure(
            f"{what}: no usage token counts",
            expected="usage.total_tokens > 0",
            got=got,
            hint="spend tracking and budgets depend on usage; the upstream or proxy dropped it",
        )
    client.usage.add(model, usage)
    return {"text": choices[0]["text"]}


async def rerank(client: ProxyClient, model: str) -> dict[str, Any]:
    """``POST /v1/rerank`` with two documents: one finite score each, the relevant one first."""
    what = f"rerank {model}"
    body = {"model": model, "query": RERANK_QUERY, "documents": list(RERANK_DOCUMENTS), "top_n": 2}
    shape = '{"results": [{"index": 0, "relevance_score": 0.9}, {"index": 1, "relevance_score": 0.1}]}'
    parsed, got = await _call(client, RERANK, body, what, shape)
    results = parsed.get("results") if isinstance(parsed, dict) else None
    if not isinstance(results, list) or len(results) != len(RERANK_DOCUMENTS):
        raise SmokeFailure(
            f"{what}: expected {len(RERANK_DOCUMENTS)} results",
            expected=shape,
            got=got,
            hint="one result per document (top_n=2); the upstream dropped documents",
        )
    scores: dict[int, float] = {}
    for result in results:
        index = result.get("index") if isinstance(result, dict) else None
        score = result.get("relevance_score") if isinstance(result, dict) else None
        if not isinstance(index, int) or index not in (0, 1) or not (is_number(score) and math.isfinite(score)):
            raise SmokeFailure(
                f"{what}: a result without a document index and a finite relevance_score",
                expected=shape,
                got=got,
                hint="NaN/inf or missing scores break every ranking built on them",
            )
        scores[index] = float(score)
    if set(scores) != {0, 1}:
        raise SmokeFailure(f"{what}: results repeat a document", expected=shape, got=got, hint="check the upstream")
    order = [r["index"] for r in results]
    if order[0] != 0 or scores[0] < scores[1]:
        raise SmokeFailure(
            f"{what}: the relevant document is not ranked first",
            expected=f"document 0 ({RERANK_DOCUMENTS[0]!r}) first, with the higher score",
            got=got,
            hint="results are sorted by relevance, best first; a wrong model or a broken upstream",
        )
    client.usage.add(model, None)
    return {"scores": [scores[0], scores[1]]}


async def moderation(client: ProxyClient, model: str) -> dict[str, Any]:
    """``POST /v1/moderations``: one result with a boolean ``flagged`` and category scores."""
    what = f"moderation {model}"
    shape = '{"results": [{"flagged": false, "categories": {...}, "category_scores": {...}}]}'
    parsed, got = await _call(client, MODERATIONS, {"model": model, "input": MODERATION_INPUT}, what, shape)
    results = parsed.get("results") if isinstance(parsed, dict) else None
    first = results[0] if isinstance(results, list) and results else None
    if not isinstance(first, dict) or not isinstance(first.get("flagged"), bool):
        raise SmokeFailure(
            f"{what}: no result with a boolean 'flagged'",
            expected=shape,
            got=got,
            hint="this is not an OpenAI moderation answer; content filters built on it see nothing",
        )
    client.usage.add(model, None)
    return {"flagged": first["flagged"]}

"""checks/modes.py: text completion, rerank and moderation; each condition of their answers is needed."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import httpx
import pytest

from litellm_smoke.checks import modes
from litellm_smoke.client.routes import COMPLETIONS, MODERATIONS, RERANK
from litellm_smoke.errors import SmokeFailure

from .proxy import ScriptedProxy

COMPLETION: dict[str, Any] = {
    "object": "text_completion",
    "choices": [{"index": 0, "text": "pong", "finish_reason": "length"}],
    "usage": {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5},
}
RERANKED: dict[str, Any] = {
    "results": [{"index": 0, "relevance_score": 0.9}, {"index": 1, "relevance_score": 0.1}],
}
MODERATED: dict[str, Any] = {
    "results": [{"flagged": False, "categories": {"hate": False}, "category_scores": {"hate": 0.01}}],
}


def _answer(path: str, answer: Any, status: int = 200) -> ScriptedProxy:
    response = httpx.Response(status, text=answer) if isinstance(answer, str) else httpx.Response(status, json=answer)
    return ScriptedProxy({("POST", path): response})


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return body


# -- text completion ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_healthy_completion_sends_one_cheap_prompt_and_counts_its_usage() -> None:
    scripted = _answer(COMPLETIONS, COMPLETION)
    client = scripted.client()
    assert await modes.text_completion(client, "c") == {"text": "pong"}
    assert scripted.bodies(COMPLETIONS) == [
        {"model": "c", "prompt": modes.COMPLETION_PROMPT, "max_tokens": 1, "temperature": 0, "user": "litellm-smoke"}
    ]
    assert client.usage.model_calls == {"c": 1}
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (4, 1)


@pytest.mark.asyncio
async def test_an_empty_text_is_still_a_completion() -> None:
    assert await modes.text_completion(_answer(COMPLETIONS, _with(COMPLETION, "choices.0.text", "")).client(), "c") == {
        "text": ""
    }


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(_with(COMPLETION, "choices", []), "no choices", id="empty-choices"),
        pytest.param(_with(COMPLETION, "choices", KeyError), "no choices", id="no-choices"),
        pytest.param(_with(COMPLETION, "choices", {"0": {"text": "pong"}}), "no choices", id="choices-not-list"),
        pytest.param(_with(COMPLETION, "choices", ["pong"]), "no choices", id="choice-not-object"),
        pytest.param(["pong"], "no choices", id="list-body"),
        pytest.param(
            _with(COMPLETION, "choices.0", {"message": {"role": "assistant", "content": "pong"}}),
            "choices[0].text is not a string",
            id="chat-shape",
        ),
        pytest.param(_with(COMPLETION, "choices.0.text", None), "choices[0].text is not a string", id="text-null"),
        pytest.param(_with(COMPLETION, "usage", KeyError), "no usage token counts", id="no-usage"),
        pytest.param(_with(COMPLETION, "usage", [5]), "no usage token counts", id="usage-not-object"),
        pytest.param(_with(COMPLETION, "usage.total_tokens", 0), "no usage token counts", id="zero-tokens"),
        pytest.param(_with(COMPLETION, "usage.total_tokens", "5"), "no usage token counts", id="tokens-string"),
        pytest.param(_with(COMPLETION, "usage.total_tokens", KeyError), "no usage token counts", id="no-total"),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_completion_fails(answer: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^completion c: ") as caught:
        await modes.text_completion(_answer(COMPLETIONS, answer).client(), "c")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("status", [201, 400, 404, 500])
@pytest.mark.parametrize("check", ["text_completion", "rerank", "moderation"])
@pytest.mark.asyncio
async def test_any_status_but_200_fails_naming_it(check: str, status: int) -> None:
    path = {"text_completion": COMPLETIONS, "rerank": RERANK, "moderation": MODERATIONS}[check]
    healthy = {"text_completion": COMPLETION, "rerank": RERANKED, "moderation": MODERATED}[check]
    with pytest.raises(SmokeFailure, match=f"expected HTTP 200, got {status}"):
        await getattr(modes, check)(_answer(path, healthy, status).client(), "m")


@pytest.mark.parametrize("check", ["text_completion", "rerank", "moderation"])
@pytest.mark.asyncio
async def test_an_html_error_page_is_named_not_litellm(check: str) -> None:
    path = {"text_completion": COMPLETIONS, "rerank": RERANK, "moderation": MODERATIONS}[check]
    page = httpx.Response(502, headers={"content-type": "text/html"}, text="<html><body>Bad Gateway</body></html>")
    with pytest.raises(SmokeFailure, match=r"expected HTTP 200, got 502 \(an HTML page"):
        await getattr(modes, check)(ScriptedProxy({("POST", path): page}).client(), "m")


@pytest.mark.parametrize("check", ["text_completion", "rerank", "moderation"])
@pytest.mark.asyncio
async def test_a_200_that_is_not_json_fails(check: str) -> None:
    path = {"text_completion": COMPLETIONS, "rerank": RERANK, "moderation": MODERATIONS}[check]
    with pytest.raises(SmokeFailure):
        await getattr(modes, check)(_answer(path, "pong").client(), "m")


# -- rerank --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_healthy_rerank_sends_both_documents_and_reads_both_scores() -> None:
    scripted = _answer(RERANK, RERANKED)
    client = scripted.client()
    assert await modes.rerank(client, "r") == {"scores": [0.9, 0.1]}
    assert scripted.bodies(RERANK) == [
        {"model": "r", "query": modes.RERANK_QUERY, "documents": list(modes.RERANK_DOCUMENTS), "top_n": 2}
    ]
    assert client.usage.model_calls == {"r": 1}


@pytest.mark.asyncio
async def test_equal_scores_with_the_relevant_document_first_pass() -> None:
    tie = {"results": [{"index": 0, "relevance_score": 0.5}, {"index": 1, "relevance_score": 0.5}]}
    assert await modes.rerank(_answer(RERANK, tie).client(), "r") == {"scores": [0.5, 0.5]}
    ints = {"results": [{"index": 0, "relevance_score": 1}, {"index": 1, "relevance_score": 0}]}
    assert await modes.rerank(_answer(RERANK, ints).client(), "r") == {"scores": [1.0, 0.0]}


def _results(*pairs: tuple[Any, Any]) -> dict[str, Any]:
    return {"results": [{"index": i, "relevance_score": s} for i, s in pairs]}


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        pytest.param(_results((0, 0.9)), "expected 2 results", id="one-result"),
        pytest.param(_results((0, 0.9), (1, 0.1), (1, 0.1)), "expected 2 results", id="three-results"),
        pytest.param({"results": {"0": 0.9}}, "expected 2 results", id="results-not-list"),
        pytest.param({}, "expected 2 results", id="no-results"),
        pytest.param(["x", "y"], "expected 2 results", id="list-body"),
        pytest.param({"results": ["a", "b"]}, "without a document index", id="results-not-objects"),
        pytest.param(_results((0, 0.9), ("1", 0.1)), "without a document index", id="index-string"),
        pytest.param(_results((0, 0.9), (2, 0.1)), "without a document index", id="index-out-of-range"),
        pytest.param(_results((-1, 0.9), (1, 0.1)), "without a document index", id="index-negative"),
        pytest.param(_results((0, 0.9), (1, None)), "finite relevance_score", id="score-null"),
        pytest.param(_results((0, "0.9"), (1, 0.1)), "finite relevance_score", id="score-string"),
        pytest.param(_results((0, 0.9), (1, True)), "finite relevance_score", id="score-bool"),
        pytest.param(_results((0, 0.9), (0, 0.1)), "results repeat a document", id="repeated"),
        pytest.param(_results((1, 0.9), (0, 0.1)), "not ranked first", id="reversed"),
        pytest.param(_results((1, 0.1), (0, 0.9)), "not ranked first", id="unsorted"),
        pytest.param(_results((0, 0.1), (1, 0.9)), "not ranked first", id="lower-score-first"),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_rerank_fails(answer: Any, fragment: str) -> None:
    with pytest.raises(SmokeFailure, match=r"^rerank r: ") as caught:
        await modes.rerank(_answer(RERANK, answer).client(), "r")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf])
@pytest.mark.asyncio
async def test_a_non_finite_rerank_score_fails(score: float) -> None:
    # httpx's json= refuses NaN and infinities; LiteLLM's Python JSON sends them
    text = json.dumps(_results((0, score), (1, 0.1)), allow_nan=True)
    answer = httpx.Response(200, headers={"content-type": "application/json"}, text=text)
    with pytest.raises(SmokeFailure, match="finite relevance_score"):
        await modes.rerank(ScriptedProxy({("POST", RERANK): answer}).client(), "r")


# -- moderation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flagged", [False, True])
@pytest.mark.asyncio
async def test_a_healthy_moderation_reads_flagged(flagged: bool) -> None:
    scripted = _answer(MODERATIONS, _with(MODERATED, "results.0.flagged", flagged))
    client = scripted.client()
    assert await modes.moderation(client, "mod") == {"flagged": flagged}
    assert scripted.bodies(MODERATIONS) == [{"model": "mod", "input": modes.MODERATION_INPUT}]
    assert client.usage.model_calls == {"mod": 1}


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"results": []}, id="no-result"),
        pytest.param({}, id="no-results"),
        pytest.param({"results": {"flagged": False}}, id="results-not-list"),
        pytest.param({"results": ["ok"]}, id="result-not-object"),
        pytest.param(_with(MODERATED, "results.0.flagged", KeyError), id="no-flagged"),
        pytest.param(_with(MODERATED, "results.0.flagged", "false"), id="flagged-string"),
        pytest.param(_with(MODERATED, "results.0.flagged", 0), id="flagged-int"),
        pytest.param([MODERATED], id="list-body"),
    ],
)
@pytest.mark.asyncio
async def test_each_broken_moderation_fails(answer: Any) -> None:
    with pytest.raises(SmokeFailure, match=r"^moderation mod: no result with a boolean 'flagged'"):
        await modes.moderation(_answer(MODERATIONS, answer).client(), "mod")

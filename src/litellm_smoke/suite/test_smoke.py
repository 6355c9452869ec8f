"""Smoke checks of a LiteLLM proxy. Each test is one named check; failures say what broke.

Each test reports the outcome of its check's network work, which the session runs for all
selected checks at once (``engine/checks.py`` holds the work and the dependencies between
checks: a failed prerequisite skips its dependents, pointing at it).

Cost of a healthy run, per chat model: 3 completions (raw, streamed, OpenAI SDK) + 1 targeted
health probe made by the proxy; per embedding model: 2 embedding calls + 1 health probe.
"""

from __future__ import annotations

import pytest

from litellm_smoke.engine.checks import Engine
from litellm_smoke.errors import TargetUnreachable

pytestmark = [pytest.mark.smoke, pytest.mark.asyncio(loop_scope="session")]


@pytest.mark.smoke_preflight
async def test_reachability(smoke_preflight: TargetUnreachable | None) -> None:
    """The target answers /health/liveliness like LiteLLM. If not, this is the one failure."""
    if smoke_preflight is not None:
        raise smoke_preflight


async def test_readiness(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    """/health/readiness answers 200 and its database state matches the expectation."""
    await smoke_engine.report(request)


async def test_auth_master_key_accepted(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    """GET /v1/models with the master key answers 200: the root of every authenticated check."""
    await smoke_engine.report(request)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/models"), ("POST", "/v1/chat/completions")],
    ids=["models", "chat"],
)
async def test_auth_unauthenticated_rejected(
    smoke_engine: Engine, request: pytest.FixtureRequest, method: str, path: str
) -> None:
    await smoke_engine.report(request)


async def test_auth_wrong_key_rejected(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_auth_missing_bearer_prefix_rejected(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_models_listed(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    """Every expected model is in /v1/models; a missing one skips only its own checks."""
    await smoke_engine.report(request)


async def test_chat_completion(smoke_engine: Engine, request: pytest.FixtureRequest, chat_model: str) -> None:
    await smoke_engine.report(request)


async def test_chat_streaming(smoke_engine: Engine, request: pytest.FixtureRequest, chat_model: str) -> None:
    await smoke_engine.report(request)


@pytest.mark.openai_sdk
async def test_chat_openai_sdk(smoke_engine: Engine, request: pytest.FixtureRequest, chat_model: str) -> None:
    await smoke_engine.report(request)


async def test_embeddings_batch(smoke_engine: Engine, request: pytest.FixtureRequest, embedding_model: str) -> None:
    await smoke_engine.report(request)


@pytest.mark.openai_sdk
async def test_embeddings_openai_sdk_single(
    smoke_engine: Engine, request: pytest.FixtureRequest, embedding_model: str
) -> None:
    await smoke_engine.report(request)


async def test_unknown_model_rejected(smoke_engine: Engine, request: pytest.FixtureRequest) -> None:
    await smoke_engine.report(request)


async def test_model_health(smoke_engine: Engine, request: pytest.FixtureRequest, any_model: str) -> None:
    await smoke_engine.report(request)


# -- other modes, declared capabilities, and what is not verified ---------------------------------
# Collected only for models that have them (an absent mode or capability is no check at all).


async def test_completion(smoke_engine: Engine, request: pytest.FixtureRequest, completion_model: str) -> None:
    """/v1/completions with one token (mode completion)."""
    await smoke_engine.report(request)


async def test_rerank(smoke_engine: Engine, request: pytest.FixtureRequest, rerank_model: str) -> None:
    """/v1/rerank with two documents: finite scores, the relevant one first (mode rerank)."""
    await smoke_engine.report(request)


async def test_moderation(smoke_engine: Engine, request: pytest.FixtureRequest, moderation_model: str) -> None:
    """/v1/moderations: a result with a boolean flagged (mode moderation)."""
    await smoke_engine.report(request)


async def test_chat_tool_call(smoke_engine: Engine, request: pytest.FixtureRequest, tool_model: str) -> None:
    """A forced tool_choice returns that function with JSON arguments (supports_function_calling)."""
    await smoke_engine.report(request)


async def test_chat_tool_call_streaming(smoke_engine: Engine, request: pytest.FixtureRequest, tool_model: str) -> None:
    """The same, streamed: the tool_calls deltas reassemble (supports_function_calling)."""
    await smoke_engine.report(request)


async def test_chat_json_schema(smoke_engine: Engine, request: pytest.FixtureRequest, schema_model: str) -> None:
    """A response_format json_schema answer parses and validates (supports_response_schema)."""
    await smoke_engine.report(request)


async def test_model_not_verified(smoke_engine: Engine, request: pytest.FixtureRequest, unverified_model: str) -> None:
    """A model of a mode without a check (image, audio, video, unknown): listed as not verified."""
    await smoke_engine.report(request)


# -- other API surfaces, opt-in: --api responses,messages (LITELLM_SMOKE_APIS) ----------------------


async def test_responses_api(smoke_engine: Engine, request: pytest.FixtureRequest, responses_model: str) -> None:
    """/v1/responses: a completed response with text and usage."""
    await smoke_engine.report(request)


async def test_responses_api_streaming(
    smoke_engine: Engine, request: pytest.FixtureRequest, responses_model: str
) -> None:
    """/v1/responses streamed: text deltas and response.completed with usage."""
    await smoke_engine.report(request)


async def test_messages_api(smoke_engine: Engine, request: pytest.FixtureRequest, messages_model: str) -> None:
    """/v1/messages (Anthropic shape): a message with text and usage."""
    await smoke_engine.report(request)


async def test_messages_api_streaming(
    smoke_engine: Engine, request: pytest.FixtureRequest, messages_model: str
) -> None:
    """/v1/messages streamed: text deltas, message_delta usage, message_stop."""
    await smoke_engine.report(request)

"""Smoke checks of a LiteLLM proxy. Each test is one named check; failures say what broke.

Cost of a healthy run, per chat model: 3 completions (raw, streamed, OpenAI SDK) + 1 targeted
health probe made by the proxy; per embedding model: 2 embedding calls + 1 health probe.
"""

from __future__ import annotations

import pytest

from litellm_smoke import checks
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.errors import TargetUnreachable
from litellm_smoke.settings import Settings

pytestmark = [pytest.mark.smoke, pytest.mark.asyncio(loop_scope="session")]


@pytest.mark.smoke_preflight
async def test_reachability(smoke_preflight: TargetUnreachable | None) -> None:
    """The target answers /health/liveliness like LiteLLM. If not, this is the one failure."""
    if smoke_preflight is not None:
        raise smoke_preflight


async def test_readiness(gateway: ProxyClient, smoke_settings: Settings, request: pytest.FixtureRequest) -> None:
    state = await checks.readiness(gateway, smoke_settings.expect_db)
    # user_properties directly: the record_property fixture warns under junit_family xunit2
    request.node.user_properties.append(("db", state.state))


async def test_auth_master_key_accepted(gateway: ProxyClient) -> None:
    await checks.master_key_accepted(gateway)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/models"), ("POST", "/v1/chat/completions")],
    ids=["models", "chat"],
)
async def test_auth_unauthenticated_rejected(
    gateway: ProxyClient, smoke_settings: Settings, method: str, path: str
) -> None:
    model = smoke_settings.chat_models[0] if smoke_settings.chat_models else None
    await checks.unauthenticated_rejected(gateway, method, path, model)


async def test_auth_wrong_key_rejected(gateway: ProxyClient) -> None:
    await checks.wrong_key_rejected(gateway)


async def test_auth_missing_bearer_prefix_rejected(gateway: ProxyClient) -> None:
    await checks.missing_bearer_prefix_rejected(gateway)


async def test_models_listed(gateway: ProxyClient, smoke_settings: Settings) -> None:
    await checks.models_listed(gateway, smoke_settings.chat_models + smoke_settings.embedding_models)


async def test_chat_completion(gateway: ProxyClient, chat_model: str) -> None:
    await checks.chat_completion(gateway, chat_model)


async def test_chat_streaming(gateway: ProxyClient, chat_model: str) -> None:
    await checks.chat_streaming(gateway, chat_model)


@pytest.mark.openai_sdk
async def test_chat_openai_sdk(gateway: ProxyClient, chat_model: str) -> None:
    await checks.chat_completion_sdk(gateway, chat_model)


async def test_embeddings_batch(gateway: ProxyClient, smoke_settings: Settings, embedding_model: str) -> None:
    await checks.embeddings_batch(gateway, embedding_model, smoke_settings.embedding_dim)


@pytest.mark.openai_sdk
async def test_embeddings_openai_sdk_single(
    gateway: ProxyClient, smoke_settings: Settings, embedding_model: str
) -> None:
    await checks.embeddings_single_sdk(gateway, embedding_model, smoke_settings.embedding_dim)


async def test_unknown_model_rejected(gateway: ProxyClient) -> None:
    await checks.unknown_model_rejected(gateway)


async def test_model_health(gateway: ProxyClient, any_model: str) -> None:
    await checks.model_health(gateway, any_model)

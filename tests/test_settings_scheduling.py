"""The settings issue 11 and 12 added: concurrency, exclusions, the auth-only gate, API surfaces."""

from __future__ import annotations

import pytest

from litellm_smoke.settings import DEFAULT_CONCURRENCY, SettingsError, resolve


def test_defaults() -> None:
    settings = resolve({}, {})
    assert settings.concurrency == DEFAULT_CONCURRENCY == 64
    assert settings.exclude_models == () and settings.no_models is False and settings.apis == ()
    # no lists: the run discovers the models, the embedded default included
    assert settings.chat_models == () and settings.embedding_models == ()


def test_precedence_option_env_ini() -> None:
    env = {"LITELLM_SMOKE_CONCURRENCY": "4", "LITELLM_SMOKE_EXCLUDE_MODELS": "a*, b", "LITELLM_SMOKE_NO_MODELS": "yes"}
    settings = resolve({"--smoke-concurrency": "2"}, env, {"litellm_smoke_apis": ["responses"]})
    assert settings.concurrency == 2
    assert settings.exclude_models == ("a*", "b")
    assert settings.no_models is True
    assert settings.apis == ("responses",)
    assert "concurrency=2" in settings.describe() and "no_models=true" in settings.describe()


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({"--smoke-concurrency": "0"}, {}, "invalid concurrency '0' from option --smoke-concurrency: expected a whole"),
        ({}, {"LITELLM_SMOKE_CONCURRENCY": "many"}, "invalid concurrency 'many' from environment variable"),
        ({}, {"LITELLM_SMOKE_NO_MODELS": "maybe"}, "invalid no models 'maybe'"),
        (
            {"--api": ["responses,graphql"]},
            {},
            "invalid API surfaces 'graphql' from option --api: expected a comma list",
        ),
    ],
)
def test_bad_values_are_one_line(options: dict[str, object], env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(")):
        resolve(options, env)


def test_no_models_flag_from_the_command_line(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--co",
        "--no-models",
        "--smoke-concurrency",
        "3",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.stdout.fnmatch_lines(["*concurrency=3 no_models=true*"])

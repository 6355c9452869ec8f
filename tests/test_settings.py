from __future__ import annotations

import pytest

from litellm_smoke._secrets import Redactor, Secret
from litellm_smoke.settings import DEFAULT_TIMEOUT, SettingsError, resolve

KEY = "sk-config-test-0123456789"


def test_defaults_mean_embedded() -> None:
    settings = resolve({}, {})
    assert settings.embedded
    # no lists: the suite discovers the embedded default's models from /model/info
    assert settings.chat_models == ()
    assert settings.embedding_models == ()
    assert settings.expect_db is None
    assert settings.timeout == DEFAULT_TIMEOUT


def test_precedence_option_over_env_over_ini() -> None:
    options = {"--smoke-timeout": "5"}
    environ = {"LITELLM_SMOKE_TIMEOUT": "6"}
    ini = {"litellm_smoke_timeout": "7"}
    assert resolve(options, environ, ini).timeout == 5
    assert resolve({}, environ, ini).timeout == 6
    assert resolve({}, {}, ini).timeout == 7
    assert resolve({}, environ, ini).sources["timeout"] == "environment variable LITELLM_SMOKE_TIMEOUT"


def test_model_lists_from_env_and_repeated_options() -> None:
    environ = {
        "LITELLM_BASE_URL": "http://gw:4000/",
        "LITELLM_MASTER_KEY": KEY,
        "LITELLM_CHAT_MODELS": "a, b,,a",
        "LITELLM_EMBEDDING_MODELS": "e",
    }
    settings = resolve({}, environ)
    assert settings.base_url == "http://gw:4000"
    assert settings.chat_models == ("a", "b")
    assert settings.embedding_models == ("e",)
    assert resolve({"--chat-model": ["x", "y"]}, environ).chat_models == ("x", "y")


def test_external_target_without_models_verifies_no_models() -> None:
    settings = resolve({}, {"LITELLM_BASE_URL": "http://gw:4000", "LITELLM_MASTER_KEY": KEY})
    assert settings.chat_models == ()
    assert settings.embedding_models == ()


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        pytest.param(
            {"LITELLM_BASE_URL": "gw:4000", "LITELLM_MASTER_KEY": KEY},
            "invalid target URL 'gw:4000' from environment variable LITELLM_BASE_URL",
            id="no-scheme",
        ),
        pytest.param(
            {"LITELLM_BASE_URL": "http://", "LITELLM_MASTER_KEY": KEY}, "an http(s) URL with a host", id="no-host"
        ),
        pytest.param(
            {"LITELLM_BASE_URL": "ftp://gw", "LITELLM_MASTER_KEY": KEY}, "invalid target URL", id="bad-scheme"
        ),
        pytest.param(
            {"LITELLM_BASE_URL": "http://gw:99999", "LITELLM_MASTER_KEY": KEY},
            "a port between 1 and 65535",
            id="bad-port",
        ),
        pytest.param({"LITELLM_BASE_URL": "http://gw:4000"}, "missing master key", id="url-without-key"),
        pytest.param(
            {"LITELLM_SMOKE_TIMEOUT": "abc"},
            "invalid timeout 'abc' from environment variable LITELLM_SMOKE_TIMEOUT: expected a positive number",
            id="timeout-nan",
        ),
        pytest.param({"LITELLM_SMOKE_TIMEOUT": "-1"}, "invalid timeout '-1'", id="timeout-negative"),
        pytest.param(
            {"LITELLM_EXPECT_DB": "maybe"},
            "invalid expect db 'maybe' from environment variable LITELLM_EXPECT_DB: expected true, false, or unset",
            id="expect-db-maybe",
        ),
        pytest.param({"LITELLM_EMBEDDING_DIM": "wide"}, "invalid embedding dimension 'wide'", id="dim"),
    ],
)
def test_invalid_values_name_setting_source_and_valid_form(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        resolve({}, environ)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert KEY not in message


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("FALSE", False), ("1", True), ("no", False)])
def test_expect_db_values(raw: str, expected: bool) -> None:
    assert resolve({}, {"LITELLM_EXPECT_DB": raw}).expect_db is expected


def test_settings_never_show_the_key() -> None:
    settings = resolve({}, {"LITELLM_BASE_URL": "http://gw:4000", "LITELLM_MASTER_KEY": KEY})
    assert KEY not in repr(settings)
    assert KEY not in settings.describe()
    assert "master_key=set" in settings.describe()


def test_secret_masks_itself() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret)
    assert KEY not in str(secret)
    assert KEY not in f"{secret}"
    assert secret.reveal() == KEY


def test_redactor_masks_known_and_key_shaped_values() -> None:
    redactor = Redactor([KEY])
    text = f"key {KEY} other sk-abcdefghijkl Authorization: Bearer tok12345678 end"
    out = redactor(text)
    assert KEY not in out
    assert "sk-abcdefghijkl" not in out
    assert "tok12345678" not in out
    assert out.startswith("key [REDACTED]")

"""pytest hooks of litellm-smoke: options, settings, parametrization, reporting. Fixtures live in fixtures.py."""

from __future__ import annotations

import logging
import os
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest

from . import config as cfg
from ._secrets import redact
from .errors import SmokeFailure
from .fixtures import (  # noqa: F401 - re-exported so the entry point provides them
    SETTINGS_KEY,
    gateway,
    smoke_client,
    smoke_preflight,
    smoke_settings,
    smoke_target,
)

MARKERS = {
    "smoke": "a check of a live LiteLLM proxy (litellm-smoke); select with -m smoke",
    "keys": "a virtual-key lifecycle check; needs a database-backed proxy",
    "db": "a direct database check; needs DATABASE_URL or LITELLM_DATABASE_URL",
    "integration": "starts LiteLLM (and Postgres) with testcontainers; needs Docker",
    "embedded": "starts a real local LiteLLM proxy (needs the embedded extra)",
    "slow": "waits for asynchronous effects (spend writes, rate-limit windows)",
    "smoke_preflight": "the reachability preflight; sorted first so an unreachable target fails once",
}


@dataclass
class CheckResult:
    """One smoke check's outcome, for summaries and JSON reports."""

    nodeid: str
    name: str
    model: str | None
    outcome: str
    duration_ms: float
    reason: str


RESULTS_KEY = pytest.StashKey[list[CheckResult]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("litellm-smoke", "LiteLLM proxy smoke checks")
    specs = [
        (cfg.URL, {}, "LiteLLM proxy root URL (env LITELLM_BASE_URL). Default: start the embedded default."),
        (cfg.MASTER_KEY, {}, "master key (env LITELLM_MASTER_KEY); required with a target URL. Never printed."),
        (cfg.CHAT_MODELS, {"action": "append"}, "chat model to verify, repeatable (env LITELLM_CHAT_MODELS, comma list)."),
        (cfg.EMBEDDING_MODELS, {"action": "append"},
         "embedding model to verify, repeatable (env LITELLM_EMBEDDING_MODELS, comma list)."),
        (cfg.EXPECT_DB, {}, "true|false: must readiness report a connected database? (env LITELLM_EXPECT_DB). "
         "Default: accept either and report it."),
        (cfg.TIMEOUT, {}, f"per-request timeout in seconds (env LITELLM_SMOKE_TIMEOUT). Default: {cfg.DEFAULT_TIMEOUT:g}."),
        (cfg.EMBEDDING_DIM, {}, "expected embedding dimension (env LITELLM_EMBEDDING_DIM). Default: any, but consistent."),
        (cfg.REPLAY_DIR, {}, "directory of recorded exchanges for --offline (env LITELLM_SMOKE_REPLAY_DIR). "
         "Default: the recordings shipped with litellm-smoke."),
    ]
    for spec, extra, help_text in specs:
        group.addoption(spec.option, dest=spec.option.lstrip("-").replace("-", "_"), help=help_text, **extra)
        parser.addini(spec.ini, help=help_text, type="linelist" if extra else "string")
    group.addoption(
        "--offline",
        action="store_true",
        default=False,
        help="replay recorded LiteLLM responses through respx: no network, no proxy, no litellm import.",
    )


def _resolve(config: pytest.Config) -> cfg.Settings:
    options = {spec.option: config.getoption(spec.option) for spec in cfg.ALL_SPECS}
    ini = {spec.ini: config.getini(spec.ini) for spec in cfg.ALL_SPECS}
    try:
        return cfg.resolve(options, os.environ, ini, offline=bool(config.getoption("--offline")))
    except cfg.SettingsError as exc:
        raise pytest.UsageError(f"litellm-smoke: {exc}") from None


class _RedactingRecordFactory:
    """Log records pass through the redactor, so captured logs in reports carry no keys."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.wrapped(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken log call is not ours to fix
            return record
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return record


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.stash[SETTINGS_KEY] = _resolve(config)
    config.stash[RESULTS_KEY] = []
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(factory))


def pytest_unconfigure(config: pytest.Config) -> None:
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(factory.wrapped)


def pytest_report_header(config: pytest.Config) -> str:
    return config.stash[SETTINGS_KEY].describe()


def _no_models(kind: str, env: str) -> list[Any]:
    reason = f"no {kind} models configured (set {env})"
    return [pytest.param(None, id=f"no-{kind}-model", marks=pytest.mark.skip(reason=reason))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    settings = metafunc.config.stash[SETTINGS_KEY]
    chat, embed = list(settings.chat_models), list(settings.embedding_models)
    if "chat_model" in metafunc.fixturenames:
        metafunc.parametrize("chat_model", chat or _no_models("chat", cfg.CHAT_MODELS.env), ids=str)
    if "embedding_model" in metafunc.fixturenames:
        metafunc.parametrize(
            "embedding_model", embed or _no_models("embedding", cfg.EMBEDDING_MODELS.env), ids=str
        )
    if "any_model" in metafunc.fixturenames:
        metafunc.parametrize("any_model", chat + embed or _no_models("chat or embedding", f"{cfg.CHAT_MODELS.env} or {cfg.EMBEDDING_MODELS.env}"), ids=str)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The preflight runs first so that an unreachable target is one failure, not twenty.
    items.sort(key=lambda item: 0 if item.get_closest_marker("smoke_preflight") else 1)


def _model_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for name in ("chat_model", "embedding_model", "any_model"):
        if name in callspec.params and callspec.params[name]:
            return str(callspec.params[name])
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    if item.get_closest_marker("smoke") is None:
        return report
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        reason = ""
        if call.excinfo is not None and isinstance(call.excinfo.value, SmokeFailure):
            reason = call.excinfo.value.reason
            # the message is the whole story; a traceback through our own helpers adds nothing
            report.longrepr = str(call.excinfo.value)
        elif report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2])
        elif report.failed:
            text = str(call.excinfo.value) if call.excinfo else str(report.longrepr)
            reason = text.strip().splitlines()[0] if text.strip() else "failed"
        model = _model_of(item)
        if model:
            report.user_properties.append(("model", model))
        report.user_properties.append(("latency_ms", round(call.duration * 1000, 1)))
        version = _litellm_version(item)
        if version:
            report.user_properties.append(("litellm_version", version))
        item.config.stash[RESULTS_KEY].append(
            CheckResult(
                nodeid=item.nodeid,
                name=getattr(item, "originalname", item.name),
                model=model,
                outcome=report.outcome,
                duration_ms=round(call.duration * 1000, 1),
                reason=redact(reason),
            )
        )
    if report.failed and report.longrepr is not None:
        report.longrepr = redact(str(report.longrepr))
    return report


def _litellm_version(item: pytest.Item) -> str | None:
    funcargs = getattr(item, "funcargs", {})
    client = funcargs.get("gateway") or funcargs.get("smoke_client")
    return getattr(client, "litellm_version", None)


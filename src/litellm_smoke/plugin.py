"""pytest hooks of litellm-smoke: options, settings, parametrization, reporting. Fixtures live in fixtures.py."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from litellm_smoke import report as _report
from litellm_smoke import settings as cfg
from litellm_smoke._secrets import redact
from litellm_smoke.engine import interrupt
from litellm_smoke.engine.checks import CHECK_DURATION_KEY, OPTIONAL_PARAMS, model_of, optional_models
from litellm_smoke.errors import SmokeFailure
from litellm_smoke.fixtures import (  # noqa: F401 - re-exported so the entry point provides them
    EARLY_SDK_IMPORT_KEY,
    FREEZE_HEAP_KEY,
    MASKER_KEY,
    SESSION_KEY,
    SETTINGS_ERROR_KEY,
    SETTINGS_KEY,
    SmokeSession,
    gateway,
    key_mint,
    keys_gateway,
    minted_key,
    minted_keys,
    smoke_client,
    smoke_engine,
    smoke_inventory,
    smoke_key_session,
    smoke_mask,
    smoke_openai_sdk,
    smoke_preflight,
    smoke_session,
    smoke_settings,
    smoke_target,
)
from litellm_smoke.report import CheckResult

MARKERS = {
    "smoke": "a check of a live LiteLLM proxy (litellm-smoke); select with -m smoke",
    "keys": "a virtual-key lifecycle check; needs a database-backed proxy",
    "db": "a direct database check; needs DATABASE_URL or LITELLM_DATABASE_URL",
    "integration": "starts LiteLLM (and Postgres) with testcontainers; needs Docker",
    "embedded": "starts a real local LiteLLM proxy (needs the embedded extra)",
    "slow": "waits for asynchronous effects (spend writes, rate-limit windows)",
    "openai_sdk": "the check calls the proxy through the official openai SDK (~0.75 s to import); "
    "deselect with -m 'smoke and not openai_sdk' for a faster gate",
    "smoke_preflight": "the reachability preflight; sorted first so an unreachable target fails once",
}


RESULTS_KEY = pytest.StashKey[list[CheckResult]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("litellm-smoke", "LiteLLM proxy smoke checks")
    for spec in cfg.ALL_SPECS:
        dest = spec.option.lstrip("-").replace("-", "_")
        if spec.repeatable:
            group.addoption(spec.option, dest=dest, action="append", help=spec.help)
            parser.addini(spec.ini, help=spec.help, type="linelist")
        elif spec.flag:
            group.addoption(spec.option, dest=dest, action="store_true", default=None, help=spec.help)
            parser.addini(spec.ini, help=spec.help, type="string")
        else:
            group.addoption(spec.option, dest=dest, help=spec.help)
            parser.addini(spec.ini, help=spec.help, type="string")
    group.addoption(
        "--offline",
        action="store_true",
        default=False,
        help="replay recorded LiteLLM responses through respx: no network, no proxy, no litellm import.",
    )
    _add_report_options(group)


def _resolve(config: pytest.Config) -> cfg.Settings:
    options = {spec.option: config.getoption(spec.option) for spec in cfg.ALL_SPECS}
    ini = {spec.ini: config.getini(spec.ini) for spec in cfg.ALL_SPECS}
    try:
        settings = cfg.resolve(options, os.environ, ini, offline=bool(config.getoption("--offline")))
    except cfg.SettingsError as exc:
        raise pytest.UsageError(f"litellm-smoke: {exc}") from None
    if settings.offline:
        from litellm_smoke.offline.replay import (  # offline only
            ReplayError,
            load_exchanges,
            resolve_replay_dir,
            with_recorded_models,
        )

        try:
            directory = resolve_replay_dir(settings.replay_dir)
            load_exchanges(directory)
        except ReplayError as exc:
            raise pytest.UsageError(f"litellm-smoke --offline: {exc}") from None
        settings = with_recorded_models(settings, directory)
    return settings


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


# =============================================================================================
# Manners: installed, the plugin is autoloaded into every pytest run of the environment. It stays
# invisible (no header line, no settings errors, no warnings) until its suite is asked for: the
# suite's path or --pyargs litellm_smoke.suite, a -m expression that selects smoke checks, or one
# of its own options. Settings are then resolved at once, so bad input stops the run before any test.
# =============================================================================================

SUITE_DIR = Path(__file__).resolve().parent / "suite"
_ACTIVE_KEY = pytest.StashKey[bool]()
_SMOKE_COLLECTED_KEY = pytest.StashKey[int]()
# pytest-asyncio (a dependency, so autoloaded too) warns about its unset loop scope in every run;
# in a project with filterwarnings = error that warning is an INTERNALERROR. Silenced, narrowly.
_ASYNCIO_LOOP_SCOPE_WARNING = r'The configuration option "asyncio_default_fixture_loop_scope" is unset'
_MARKER_SETS = ({"smoke"}, {"smoke", "smoke_preflight"}, {"smoke", "keys"}, {"smoke", "db"}, {"smoke", "openai_sdk"})


def _names_the_suite(arg: str) -> bool:
    target = arg.split("::", 1)[0]
    if target == "litellm_smoke.suite" or target.startswith("litellm_smoke.suite."):
        return True
    try:
        path = Path(target).resolve()
    except (OSError, ValueError):
        return False
    return path == SUITE_DIR or SUITE_DIR in path.parents


def _marker_expression_selects_smoke(markexpr: str) -> bool:
    if not markexpr.strip():
        return False
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser

        expression = Expression.compile(markexpr)
    except Exception:  # a bad expression is pytest's error to report, not ours
        return "smoke" in markexpr and not markexpr.strip().startswith("not")
    return any(expression.evaluate(_carries(names)) for names in _MARKER_SETS)


def _carries(names: set[str]) -> Any:
    def matcher(name: str, /, **kwargs: object) -> bool:
        return name in names

    return matcher


def suite_named(config: pytest.Config) -> bool:
    """Did this run name the smoke suite (its path, --pyargs litellm_smoke.suite) or give one of our options?"""
    if any(_names_the_suite(str(arg)) for arg in config.args):
        return True
    options = [spec.option for spec in cfg.ALL_SPECS] + ["--offline", "smoke_json", "smoke_progress"]
    return any(config.getoption(option, None) not in (None, False, []) for option in options)


def suite_requested(config: pytest.Config) -> bool:
    """Did this run ask for the smoke suite: named it, or selected smoke checks with -m?"""
    return suite_named(config) or _marker_expression_selects_smoke(str(config.getoption("markexpr", "") or ""))


# A project may have a `smoke` marker of its own: a check is ours when it also uses our fixtures.
_OUR_FIXTURES = frozenset(
    {
        "smoke_settings", "smoke_target", "smoke_client", "smoke_preflight", "smoke_mask", "gateway",
        "keys_gateway", "key_mint", "minted_key", "minted_keys", "chat_model", "embedding_model", "any_model",
    }
)  # fmt: skip


def is_smoke_check(item: pytest.Item) -> bool:
    """A litellm-smoke check: marked ``smoke`` and using the plugin's fixtures (not a project's own smoke test)."""
    return item.get_closest_marker("smoke") is not None and not _OUR_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def settings_of(config: pytest.Config) -> cfg.Settings:
    """The run's settings; in a run that did not ask for the suite, a bad setting surfaces here, on use."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        raise config.stash[SETTINGS_ERROR_KEY]
    return settings


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    warnings.filterwarnings("ignore", message=_ASYNCIO_LOOP_SCOPE_WARNING, category=pytest.PytestDeprecationWarning)
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    active = suite_requested(config)
    config.stash[_ACTIVE_KEY] = active
    try:
        config.stash[SETTINGS_KEY] = _resolve(config)
    except pytest.UsageError as exc:
        # Named: stop before any test. Only `-m smoke` (a project may have its own smoke marker):
        # the error waits until one of our checks is collected.
        if suite_named(config):
            raise
        config.stash[SETTINGS_ERROR_KEY] = exc
    config.stash[RESULTS_KEY] = []
    # A session inside a running test (pytester, in process) leaves the outer process's heap alone.
    config.stash[FREEZE_HEAP_KEY] = top_level = "PYTEST_CURRENT_TEST" not in os.environ
    # The SDK import starts as soon as the target answers (during collection), not after it.
    config.stash[EARLY_SDK_IMPORT_KEY] = active and top_level and _sdk_checks_will_run(config)
    if active:
        _install_redacting_log_factory(config)


_SDK_MARKERS = {"smoke", "openai_sdk", "asyncio"}


def _sdk_checks_will_run(config: pytest.Config) -> bool:
    """Whether this run surely runs the openai SDK checks concurrently, judged before collection.

    The suite is named (its path, ``--pyargs``, the CLI), nothing can deselect them (``-k``,
    ``--deselect``, ``--lf``, a ``-m`` that excludes ``openai_sdk``), and they run eagerly. When in
    doubt, no: the engine then starts the import once it knows the selected checks, and a run
    that does not need the SDK never pays for it.
    """
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or settings.no_models or settings.concurrency <= 1 or not suite_named(config):
        return False
    if any(config.getoption(name, None) for name in ("collectonly", "keyword", "deselect", "lf", "stepwise")):
        return False
    if config.getoption("maxfail", 0):
        return False
    markexpr = str(config.getoption("markexpr", "") or "").strip()
    if not markexpr:
        return True
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser

        return bool(Expression.compile(markexpr).evaluate(_carries(_SDK_MARKERS)))
    except Exception:  # a bad expression is pytest's error to report
        return False


def _install_redacting_log_factory(config: pytest.Config) -> None:
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(factory))
        config.stash[_INSTALLED_LOG_FACTORY] = True


def pytest_unconfigure(config: pytest.Config) -> None:
    # Only the session that installed the factory removes it: a nested (pytester) session
    # must leave the outer session's redaction in place.
    factory = logging.getLogRecordFactory()
    if config.stash.get(_INSTALLED_LOG_FACTORY, False) and isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(factory.wrapped)


_INSTALLED_LOG_FACTORY = pytest.StashKey[bool]()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if not config.stash.get(_ACTIVE_KEY, False) or settings is None:
        return None
    lines = [settings.describe()]
    if settings.embedded:
        lines.append("litellm-smoke: the first check waits for the embedded LiteLLM to boot (10-25 s)")
    return lines


def pytest_report_collectionfinish(config: pytest.Config, items: Sequence[pytest.Item]) -> list[str]:
    if not any(is_smoke_check(item) for item in items):
        return []
    settings = settings_of(config)
    lines: list[str] = []
    if not (config.stash.get(_ACTIVE_KEY, False) and SETTINGS_KEY in config.stash):
        # Smoke checks collected in a run that did not name the suite (a copy of it, a conftest):
        # the reproduction line comes after collection instead of in the header.
        lines.append(settings.describe())
    session = config.stash.get(SESSION_KEY, None)
    if session is not None and session.prepared:
        lines += session.inventory().lines(settings.apis)
    return lines


_ABSENT = "absent"
"""The parameter of an optional check (a mode or capability no model has): the item is dropped."""


class _Absent:
    def __repr__(self) -> str:
        return _ABSENT


ABSENT: Any = _Absent()


def _no_models(kind: str, settings: cfg.Settings, session: SmokeSession) -> list[Any]:
    if settings.no_models:
        reason = f"auth-only gate ({cfg.NO_MODELS.option}): no {kind} model is verified"
    elif session.preflight is not None:
        reason = f"{session.preflight.title} -- see test_reachability"
    else:
        reason = f"no {kind} model to verify (none given, none discovered) -- see test_models_listed"
    return [pytest.param(None, id=f"no-{kind}-model", marks=pytest.mark.skip(reason=reason))]


def _optional(names: list[str]) -> list[Any]:
    return names or [pytest.param(ABSENT, id=_ABSENT)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    model_params = {"chat_model", "embedding_model", "any_model", *OPTIONAL_PARAMS} & set(metafunc.fixturenames)
    if not model_params:
        return
    settings = settings_of(metafunc.config)
    session = smoke_session(metafunc.config)
    if _deselected_by_marks(metafunc):
        # `-m "not smoke"` (the project's own test run): these items go, do not start a proxy for them
        inventory = session.given()
    else:
        inventory = session.inventory()  # once per session: starts the target and asks it
    chat, embed = inventory.of_mode("chat"), inventory.of_mode("embedding")
    if "chat_model" in metafunc.fixturenames:
        metafunc.parametrize("chat_model", chat or _no_models("chat", settings, session), ids=str)
    if "embedding_model" in metafunc.fixturenames:
        metafunc.parametrize("embedding_model", embed or _no_models("embedding", settings, session), ids=str)
    if "any_model" in metafunc.fixturenames:
        metafunc.parametrize("any_model", chat + embed or _no_models("chat or embedding", settings, session), ids=str)
    for name in OPTIONAL_PARAMS:
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, _optional(optional_models(name, inventory, settings)), ids=str)


def _deselected_by_marks(metafunc: pytest.Metafunc) -> bool:
    """Whether ``-m`` deselects this function whatever its parameters (its markers decide alone)."""
    markexpr = str(metafunc.config.getoption("markexpr", "") or "").strip()
    if not markexpr:
        return False
    names = {mark.name for mark in metafunc.definition.iter_markers()}
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m evaluation

        def matches(name: str, /, **kwargs: Any) -> bool:
            return name in names

        return not Expression.compile(markexpr).evaluate(matches)
    except Exception:  # another pytest: ask the target rather than guess
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # An optional check without a model to check (no rerank model, no API surface asked for) is
    # no check at all: it is deselected, not reported as a skip on every run.
    absent = [item for item in items if _absent(item)]
    if absent:
        items[:] = [item for item in items if not _absent(item)]
        config.hook.pytest_deselected(items=absent)
    # The preflight runs first so that an unreachable target is one failure, not twenty.
    items.sort(key=lambda item: 0 if item.get_closest_marker("smoke_preflight") else 1)


def _absent(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(value is ABSENT for value in callspec.params.values())


def _model_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return model_of(callspec.params) if callspec is not None else None


# A stop signal while the event loop runs cancels the run's tasks (engine/interrupt.py); pytest learns
# of it here, at the item's boundary, as its own KeyboardInterrupt. Teardowns run to their end (the
# minted key is deleted), and a signal that came during one stops the run before the next item.
# Only where our handler is installed (the child of `litellm-smoke check`); under plain pytest a
# Ctrl-C is asyncio's and pytest's as usual.
def _boundary(guard: Callable[[], contextlib.AbstractContextManager[None]]) -> contextlib.AbstractContextManager[None]:
    return guard() if interrupt.installed() else contextlib.nullcontext()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    # Between items (pytest's reporting) too: a KeyboardInterrupt raised at an arbitrary line there
    # can crash pytest's own rendering of it; the stop waits for the next boundary instead.
    with _boundary(interrupt.guarded):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    with _boundary(interrupt.guarded):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _boundary(interrupt.guarded):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    with _boundary(interrupt.deferred):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    with _boundary(interrupt.deferred):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    if not is_smoke_check(item):
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
            reason = _first_error_line(report.longreprtext) or (call.excinfo.typename if call.excinfo else "failed")
        model = _model_of(item)
        # A scheduled check reports its own duration, not how long its item waited for it.
        duration_ms = item.stash.get(CHECK_DURATION_KEY, round(call.duration * 1000, 1))
        # On the item, not only this report: junitxml writes the properties of the *teardown*
        # report, which copies item.user_properties when it is made.
        properties: list[tuple[str, object]] = []
        if model:
            properties.append(("model", model))
        properties.append(("latency_ms", duration_ms))
        version = _litellm_version(item)
        if version:
            properties.append(("litellm_version", version))
        report.user_properties.extend(properties)
        item.user_properties.extend(properties)
        item.config.stash[RESULTS_KEY].append(
            CheckResult(
                nodeid=item.nodeid,
                name=getattr(item, "originalname", item.name),
                model=model,
                outcome=report.outcome,
                duration_ms=duration_ms,
                reason=redact(reason),
            )
        )
    if report.failed and report.longrepr is not None:
        report.longrepr = redact(str(report.longrepr))
    return report


def _first_error_line(text: str) -> str:
    """The first ``E   …`` line of a pytest failure, else its last non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1] if lines else ""


def _litellm_version(item: pytest.Item) -> str | None:
    funcargs = getattr(item, "funcargs", {})
    client = funcargs.get("gateway") or funcargs.get("smoke_client")
    engine = funcargs.get("smoke_engine")
    if client is None and engine is not None:
        client = engine.run.client
    return getattr(client, "litellm_version", None)


# =============================================================================================
# Reporting: progress lines, the verdict table, --smoke-json, the GitHub step summary, and
# ::add-mask:: routing. Hooks only; the logic lives in litellm_smoke.report.
# =============================================================================================


def _add_report_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--smoke-json",
        dest="smoke_json",
        metavar="PATH",
        default=None,
        help="write the verdict as JSON to PATH: per check status, latency, model, reason; per run target, "
        "LiteLLM version, model calls, tokens, exit verdict. Never contains a key. Default: no file.",
    )
    group.addoption(
        "--smoke-progress",
        dest="smoke_progress",
        action="store_true",
        default=False,
        help="print one line per smoke check as it finishes instead of pytest's dots (litellm-smoke check sets it).",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if not config.pluginmanager.has_plugin(_SmokeReporter.NAME):
        config.pluginmanager.register(_SmokeReporter(config), _SmokeReporter.NAME)


def _is_check_report(report: pytest.TestReport) -> bool:
    # The same phases the makereport wrapper records a CheckResult for.
    return "smoke" in report.keywords and (
        report.when == "call" or (report.when == "setup" and report.outcome != "passed")
    )


NOTHING_COLLECTED_HINT = (
    "litellm-smoke: -m smoke selected no smoke check: the suite is not under this run's paths. "
    "Run it with `litellm-smoke check`, or add it to pytest's run: `pytest --pyargs litellm_smoke.suite -m smoke`"
)


class _SmokeReporter:
    """Per-session reporting state and hooks; registered by pytest_sessionstart."""

    NAME = "litellm-smoke-reporter"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.time()
        self.interrupted = False
        self.client: Any = None
        self.target: Any = None
        self.report: _report.RunReport | None = None
        self.json_path: str | None = config.getoption("smoke_json")
        self.json_error: str | None = None
        self.hint: str | None = None
        self.skip_locations: dict[str, tuple[str, int]] = {}
        self.checks: set[str] = set()  # node ids of the collected litellm-smoke checks
        self.progress = bool(config.getoption("smoke_progress"))
        config.stash[MASKER_KEY] = _report.Masker(os.environ, self._write_mask)

    def _write_mask(self, line: str) -> None:
        # Straight to the real stdout even inside a test: the runner must see the mask command
        # before any later line, and captured output would carry the key into JUnit.
        # A workflow command counts only at the start of a line, hence the terminal's write_line.
        capman = self.config.pluginmanager.getplugin("capturemanager")
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        with capman.global_and_fixture_disabled() if capman is not None else contextlib.nullcontext():
            if terminal is not None:
                terminal.write_line(line.rstrip("\n"))
                terminal.flush()
            else:
                sys.stdout.write(line)
                sys.stdout.flush()

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, Any, Any]:
        """The reachability preflight runs whenever a smoke check runs, whatever -k, -m or --lf kept.

        Without it a dead target turns into skipped checks and a run that verified nothing; with it
        the one failure names the cause.
        """
        preflights = [item for item in items if item.get_closest_marker("smoke_preflight") and is_smoke_check(item)]
        for item in items:  # the SDK's import happens in setup, not in the check's measured call
            if item.get_closest_marker("openai_sdk") and "smoke_openai_sdk" not in getattr(item, "fixturenames", ()):
                item.fixturenames.append("smoke_openai_sdk")  # type: ignore[attr-defined]
        self.checks = {item.nodeid for item in items if is_smoke_check(item)}
        config.stash[_SMOKE_COLLECTED_KEY] = sum(1 for item in items if item.get_closest_marker("smoke"))
        result = yield
        if any(item.nodeid in self.checks for item in items):
            _install_redacting_log_factory(config)
            if preflights and not any(item.get_closest_marker("smoke_preflight") for item in items):
                items[:0] = preflights[:1]
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
        result = yield
        if fixturedef.argname == "smoke_client":
            self.client = result  # for usage (model calls, tokens) and the LiteLLM version
        elif fixturedef.argname == "smoke_target":
            self.target = result
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Generator[None, Any, Any]:
        status = yield
        if self.progress and "smoke" in report.keywords:
            return status[0], "", ""  # our progress line replaces pytest's letter
        return status

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter files the report for -rs
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and isinstance(report.longrepr, tuple) and report.nodeid in self.checks:
            # One session fixture skips several checks with one reason: give them one location, so
            # pytest's short summary folds them into one "SKIPPED [6] ..." line.
            path, lineno, reason = report.longrepr
            first = self.skip_locations.setdefault(reason, (path, lineno))
            report.longrepr = (first[0], first[1], reason)
        if not self.progress or not _is_check_report(report):
            return
        results = self.config.stash[RESULTS_KEY]
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if not results or results[-1].nodeid != report.nodeid or terminal is None:
            return
        previous = _report.CheckRow.from_result(results[-2]) if len(results) > 1 else None
        text, markup = _report.progress_line(_report.CheckRow.from_result(results[-1]), previous=previous)
        terminal.write_line(text, **markup)

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    @pytest.hookimpl(trylast=True)  # after the session fixtures' teardown
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.stash.get(_SMOKE_COLLECTED_KEY, 0) == 0 and _marker_expression_selects_smoke(
            str(self.config.getoption("markexpr", "") or "")
        ):
            self.hint = NOTHING_COLLECTED_HINT
        settings = self.config.stash.get(SETTINGS_KEY, None)
        if settings is None:  # not asked for, and the settings are invalid: nothing of ours ran
            return
        results: list[CheckResult] = self.config.stash[RESULTS_KEY]
        smoke = self.config.stash.get(SESSION_KEY, None)
        inventory = smoke.inventory() if smoke is not None and smoke.prepared else None
        chat = inventory.of_mode("chat") if inventory is not None else settings.chat_models
        embed = inventory.of_mode("embedding") if inventory is not None else settings.embedding_models
        self.report = _report.RunReport.collect(
            results,
            int(exitstatus),
            # a stop signal during the last teardown: the run was asked to stop, and says so
            interrupted=self.interrupted or interrupt.requested() is not None,
            target=getattr(self.target, "base_url", None) or settings.base_url,
            target_kind=getattr(self.target, "kind", None) or ("offline" if settings.offline else None),
            litellm_version=getattr(self.client, "litellm_version", None),
            chat_models=chat,
            embedding_models=embed,
            inventory=(
                {**inventory.as_json(), "expected_upstream_calls": inventory.expected_calls(settings.apis)}
                if inventory is not None
                else None
            ),
            usage=getattr(self.client, "usage", None),
            started=self.started,
            finished=time.time(),
        )
        if self.json_path:
            try:
                self.report.write(self.json_path)
            except OSError as exc:
                self.json_error = f"litellm-smoke: cannot write --smoke-json {self.json_path}: {exc.strerror or exc}"
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.USAGE_ERROR
        if self.report.checks and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            # One set of exit codes whichever way the suite runs: a run that verified nothing does
            # not pass, an unreachable target is 3, as with `litellm-smoke check`.
            session.exitstatus = int(self.report.verdict.code)
        if self.report.checks:
            try:
                _report.write_step_summary(self.report)
            except OSError as exc:  # a summary is a courtesy; the verdict stands without it
                logging.getLogger(__name__).warning("cannot write $GITHUB_STEP_SUMMARY: %s", exc)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.hint:
            terminalreporter.write_line(self.hint, yellow=True, bold=True)
        if self.json_error:
            terminalreporter.write_line(self.json_error, red=True, bold=True)
        if self.report is None or not self.report.checks or self.progress:
            return  # with --smoke-progress the lines above are the table and the caller prints the verdict
        terminalreporter.write_sep("=", "litellm-smoke verdict")
        for text, markup in _report.table_lines(self.report.checks, self.report.verdict):
            terminalreporter.write_line(text, **markup)

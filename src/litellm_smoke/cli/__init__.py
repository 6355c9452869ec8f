"""The ``litellm-smoke`` command: ``check`` (the smoke suite as a deploy gate) and the other subcommands.

``check`` runs the very same pytest suite (``--pyargs litellm_smoke.suite -m smoke``) in a child
``python -m pytest``: the gate gets a fresh interpreter (no event loop, logging or plugin state
shared with the caller), Ctrl-C reaches one process that tears the embedded proxy down, and the
verdict comes back through the JSON report the plugin writes. The master key reaches the child
through its environment only; ``argv`` is visible to every user in ``ps``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from litellm_smoke import __version__
from litellm_smoke import report as _report
from litellm_smoke._secrets import redact
from litellm_smoke.errors import ExitCode
from litellm_smoke.settings import (
    CHAT_MODELS,
    EMBEDDING_MODELS,
    EXPECT_DB,
    MASTER_KEY,
    TIMEOUT,
    URL,
    SettingsError,
    parse_expect_db,
    parse_timeout,
    parse_url,
    resolve,
)

__all__ = [
    "ConfigFileError",
    "ConfigModels",
    "main",
    "models_from_config",
]


PROG = "litellm-smoke"
SUITE = "litellm_smoke.suite"

# Subcommands written in their own modules. Imported only when named (or for --help), so a
# missing or broken one costs `check` nothing.
_PLUGGABLE = {
    "lint-config": "litellm_smoke.cli.lint",
    "sweep": "litellm_smoke.cli.sweep",
    "record": "litellm_smoke.cli.record",
}

# The gate's own pytest configuration: the caller's pytest.ini/pyproject (addopts, strict
# warnings, testpaths) must not change what a deploy gate checks.
_PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
console_output_style = classic
junit_suite_name = litellm-smoke
"""

CHECK_DESCRIPTION = f"""\
Run the smoke checks against a LiteLLM proxy and print a verdict table. The checks are
the pytest suite {SUITE} (marker smoke), run in a child pytest. Arguments this
command does not know go to that pytest (e.g. -k chat, -x, --tb=long), as does
everything after --.

Target: --url, else $LITELLM_BASE_URL, else the embedded default (a real local LiteLLM in
front of a fake upstream; needs the 'embedded' extra). The master key is read from the
environment ($LITELLM_MASTER_KEY, or the variable named by --master-key-env) and never
accepted on the command line.

exit codes: 0 healthy, 1 a check failed, 2 usage or configuration error (also: no check
selected), 3 target unreachable (or the embedded default did not start), 130 interrupted.
"""


class ConfigFileError(ValueError):
    """A LiteLLM config.yaml given to ``--config`` cannot be used; the message says why."""


@dataclass(frozen=True)
class ConfigModels:
    """The models a LiteLLM config serves, split into what the chat and embedding checks cover."""

    chat: tuple[str, ...]
    embedding: tuple[str, ...]
    notes: tuple[str, ...]


_CHAT_MODES = ("chat", "completion")


def models_from_config(path: str | os.PathLike[str]) -> ConfigModels:
    """Derive the chat and embedding models from a LiteLLM ``config.yaml``'s ``model_list``.

    ``model_info.mode: embedding`` is an embedding model; ``chat`` or ``completion`` a chat
    model. Without a mode, a name (``model_name`` or ``litellm_params.model``) containing
    "embed" is taken for an embedding model, anything else for chat, and a note says so.
    Other modes (images, audio, rerank...) and wildcard routes have no smoke check: noted and
    skipped. Nothing is resolved: ``os.environ/`` values are not needed to name the models.

    :raises ConfigFileError: unreadable file, invalid YAML, or no usable ``model_list``.
    """
    import yaml  # only --config needs it

    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigFileError(f"cannot read {source}: {reason}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigFileError(f"{source} is not valid YAML{where}: {problem}") from None
    entries = data.get("model_list") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigFileError(
            f"{source} has no model_list: expected a LiteLLM proxy config with model_list entries "
            "(model_name + litellm_params.model)"
        )
    chat: list[str] = []
    embedding: list[str] = []
    notes: list[str] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        name = entry.get("model_name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            notes.append(f"model_list[{index}] has no model_name: skipped (litellm-smoke lint-config explains)")
            continue
        name = name.strip()
        if "*" in name:
            notes.append(f"{name}: a wildcard route, not a model: skipped (name models with --chat-model)")
            continue
        params = entry.get("litellm_params")
        upstream = params.get("model") if isinstance(params, dict) else None
        info = entry.get("model_info")
        mode = info.get("mode") if isinstance(info, dict) else None
        if mode == "embedding":
            kind = "embedding"
        elif mode in _CHAT_MODES:
            kind = "chat"
        elif mode is None:
            names = [n for n in (name, upstream) if isinstance(n, str)]
            kind = "embedding" if any("embed" in n.lower() for n in names) else "chat"
            because = 'its name contains "embed"' if kind == "embedding" else 'its name does not contain "embed"'
            notes.append(
                f"{name}: no model_info.mode, checked as {kind} because {because} "
                f"(set model_info.mode: {kind} in the config to make it explicit)"
            )
        else:
            notes.append(f"{name}: model_info.mode {mode!r} has no smoke check: skipped")
            continue
        if name in seen:
            if seen[name] != kind:
                notes.append(f"{name}: listed again as {kind}; checked as {seen[name]} (its first entry)")
            continue  # several deployments behind one name: one model to check
        seen[name] = kind
        (embedding if kind == "embedding" else chat).append(name)
    if not chat and not embedding:
        raise ConfigFileError(f"{source}: no model with a smoke check (chat or embedding) in model_list")
    return ConfigModels(tuple(chat), tuple(embedding), tuple(notes))


# -- argument parsing --------------------------------------------------------------------------


def _add_check_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="run the smoke checks against a LiteLLM proxy (the deploy gate)",
        description=CHECK_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--url", help=f"proxy root URL, without /v1 (default: ${URL.env}, else the embedded default)")
    parser.add_argument(
        "--master-key-env",
        metavar="NAME",
        default=MASTER_KEY.env,
        help=f"environment variable that holds the master key (default: {MASTER_KEY.env})",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the deployment's LiteLLM config.yaml: check the models of its model_list (chat vs embedding "
        "from model_info.mode); explicit --chat-model/--embedding-model or the env variables win",
    )
    parser.add_argument(
        "--chat-model",
        action="append",
        default=[],
        metavar="NAME",
        help=f"chat model to check, repeatable (default: ${CHAT_MODELS.env}, or from --config)",
    )
    parser.add_argument(
        "--embedding-model",
        action="append",
        default=[],
        metavar="NAME",
        help=f"embedding model to check, repeatable (default: ${EMBEDDING_MODELS.env}, or from --config)",
    )
    parser.add_argument(
        "--expect-db",
        metavar="true|false",
        help=f"must readiness report a connected database? (default: ${EXPECT_DB.env}, else accept either)",
    )
    parser.add_argument("--timeout", metavar="SECONDS", help=f"per-request timeout (default: ${TIMEOUT.env}, else 30)")
    parser.add_argument("--offline", action="store_true", help="replay recorded responses: no network, no proxy")
    parser.add_argument("--json", metavar="PATH", help="write the machine-readable verdict to PATH")
    parser.add_argument(
        "--junitxml", metavar="PATH", help="write JUnit XML to PATH (per-test model/latency properties)"
    )
    parser.add_argument(
        "--all-plugins",
        action="store_true",
        help="let pytest load every installed plugin (default: only litellm-smoke's and pytest-asyncio, "
        "so an unrelated broken plugin cannot break the gate; add others with -p NAME)",
    )
    parser.set_defaults(func=None)


def _add_broken(subparsers: Any, command: str, module: str, exc: BaseException) -> None:
    message = f"{command} is unavailable: importing {module} failed: {type(exc).__name__}: {exc}"
    parser = subparsers.add_parser(command, help=f"(unavailable: {type(exc).__name__})", add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def unavailable(args: argparse.Namespace) -> int:
        print(f"{PROG}: {redact(message)}", file=sys.stderr)
        return ExitCode.USAGE

    parser.set_defaults(func=unavailable)


def _add_pluggable(subparsers: Any, wanted: str | None) -> None:
    for command, module_name in _PLUGGABLE.items():
        if wanted is not None and command != wanted:
            continue
        try:
            module = importlib.import_module(module_name)
            module.add_parser(subparsers)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # the module exists but lacks a dependency
                _add_broken(subparsers, command, module_name, exc)
        except Exception as exc:  # a broken optional command must not take `check` down with it
            _add_broken(subparsers, command, module_name, exc)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``litellm-smoke`` parser. ``command``: register only that pluggable subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Smoke-test a LiteLLM proxy deployment before it takes traffic.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check_parser(subparsers)
    _add_pluggable(subparsers, None if command is None or command not in _PLUGGABLE else command)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


# -- check -------------------------------------------------------------------------------------

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEY_OPTIONS = (MASTER_KEY.option, "--master-key")


class UsageProblem(Exception):
    """Bad input for ``check``: printed as one line, exit 2."""


def _guard_passthrough(args: Sequence[str]) -> None:
    for position, arg in enumerate(args, start=1):
        if arg.split("=", 1)[0] in _KEY_OPTIONS:
            raise UsageProblem(
                f"{arg.split('=', 1)[0]} is refused: a key on the command line is visible in ps and shell "
                f"history; put it in ${MASTER_KEY.env} (or the variable named by --master-key-env)"
            )
        if redact(arg) != arg:
            raise UsageProblem(
                f"argument {position} after 'check' looks like an API key: secrets go through the environment "
                f"(${MASTER_KEY.env}), never the command line"
            )


def _has_option(args: Sequence[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in args)


def _models_env(args: argparse.Namespace, passthrough: Sequence[str], env: dict[str, str], out: list[str]) -> None:
    derived = models_from_config(args.config) if args.config else None
    for kind, spec, explicit in (
        ("chat", CHAT_MODELS, args.chat_model),
        ("embedding", EMBEDDING_MODELS, args.embedding_model),
    ):
        if explicit:
            env[spec.env] = ",".join(explicit)
            source = "--" + f"{kind}-model"
        elif env.get(spec.env) or _has_option(passthrough, spec.option):
            source = f"${spec.env}" if env.get(spec.env) else spec.option
        elif derived is not None:
            names = derived.chat if kind == "chat" else derived.embedding
            env[spec.env] = ",".join(names)
            source = args.config
        else:
            continue
        if derived is not None and source != args.config:
            out.append(f"{kind} models from {source}; the config's {kind} models are not used")
    if derived is not None:
        out.append(
            f"models from {args.config}: chat {', '.join(derived.chat) or '-'}; "
            f"embedding {', '.join(derived.embedding) or '-'}"
        )
        out.extend(f"note: {note}" for note in derived.notes)


def _child_env(args: argparse.Namespace, passthrough: Sequence[str], notes: list[str]) -> dict[str, str]:
    env = dict(os.environ)
    if not _ENV_NAME.match(args.master_key_env):
        # Never echo the value: it is probably the key itself.
        raise UsageProblem(
            "--master-key-env takes the NAME of an environment variable (e.g. PROD_LITELLM_KEY), not a key"
        )
    if args.master_key_env != MASTER_KEY.env:
        key = os.environ.get(args.master_key_env, "")
        if not key:
            raise UsageProblem(f"--master-key-env {args.master_key_env}: that environment variable is not set")
        env[MASTER_KEY.env] = key
    try:
        if args.url:
            env[URL.env] = parse_url(args.url, "option --url")
        if env.get(URL.env) and not env.get(MASTER_KEY.env, "").strip() and not args.offline:
            raise UsageProblem(
                f"missing master key for target {env[URL.env]}: set {args.master_key_env} in the environment "
                "(or name the variable that holds it with --master-key-env)"
            )
        if args.expect_db is not None:
            parse_expect_db(args.expect_db, "option --expect-db")
            env[EXPECT_DB.env] = args.expect_db
        if args.timeout is not None:
            parse_timeout(args.timeout, "option --timeout")
            env[TIMEOUT.env] = args.timeout
    except SettingsError as exc:
        raise UsageProblem(str(exc)) from None
    try:
        _models_env(args, passthrough, env, notes)
    except ConfigFileError as exc:
        raise UsageProblem(f"--config: {exc}") from None
    for option, value in (("--json", args.json), ("--junitxml", args.junitxml)):
        if value and Path(value).is_dir():
            raise UsageProblem(f"{option} {value} is a directory: give the path of the file to write")
    if not args.all_plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


_GATE_DISTRIBUTIONS = ("pytest-asyncio", "litellm-smoke")  # in load order


def _gate_plugins() -> list[str]:
    """The pytest plugins the gate loads with autoload off: pytest-asyncio's and all of ours.

    Read from the installed entry points, so a plugin module litellm-smoke adds later comes along;
    pytest_asyncio first, because our plugin imports it and a module imported before its ``-p``
    cannot be assertion-rewritten (PytestAssertRewriteWarning).
    """
    from importlib.metadata import entry_points

    found: dict[str, list[str]] = {name: [] for name in _GATE_DISTRIBUTIONS}
    for entry in entry_points(group="pytest11"):
        dist = getattr(entry, "dist", None)
        name = re.sub(r"[-_.]+", "-", dist.name).lower() if dist is not None else ""
        if name in found and entry.value not in found[name]:
            found[name].append(entry.value)
    found["pytest-asyncio"] = found["pytest-asyncio"] or ["pytest_asyncio.plugin"]
    found["litellm-smoke"] = found["litellm-smoke"] or ["litellm_smoke.plugin"]  # a source tree, not installed
    return [module for name in _GATE_DISTRIBUTIONS for module in found[name]]


def _pytest_command(args: argparse.Namespace, passthrough: Sequence[str], ini: Path, json_path: Path) -> list[str]:
    # rootdir = the directory holding the package, so test ids read
    # litellm_smoke/suite/test_smoke.py::test_x wherever litellm-smoke is installed.
    package_root = Path(__file__).resolve().parents[2]
    command = [
        sys.executable, "-m", "pytest", "--pyargs", SUITE, "-m", "smoke",
        "-c", str(ini), "--rootdir", str(package_root), "--confcutdir", str(package_root),
        "-q", "-rN", "--smoke-progress", "--smoke-json", str(json_path),
    ]  # fmt: skip
    if not args.all_plugins:
        for module in _gate_plugins():
            command += ["-p", module]
    if args.junitxml:
        command.append(f"--junitxml={Path(args.junitxml).resolve()}")
    if args.offline:
        command.append("--offline")
    return [*command, *passthrough]


def _run_child(command: Sequence[str], env: Mapping[str, str]) -> tuple[int, int | None]:
    """Run pytest; returns (its exit status, the signal that interrupted us or None).

    The child gets its own session, so a terminal's Ctrl-C reaches it exactly once, from us:
    a second SIGINT would cut the embedded proxy's teardown short.
    """
    posix = os.name == "posix"
    process = subprocess.Popen(list(command), env=dict(env), start_new_session=posix)
    received: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if process.poll() is None:
            process.send_signal(signum)

    handlers: dict[int, Any] = {}
    if posix and threading.current_thread() is threading.main_thread():
        for caught in (signal.SIGINT, signal.SIGTERM):
            handlers[caught] = signal.signal(caught, forward)
    try:
        returncode = process.wait()
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if process.poll() is None:  # we are leaving on an exception: do not orphan the run
            process.terminate()
            process.wait()
    return returncode, (received[0] if received else None)


def _say(text: str, *, stream: Any = None, colour: str | None = None) -> None:
    out = stream or sys.stdout
    if colour and out.isatty() and not os.environ.get("NO_COLOR"):
        code = {"green": "32", "red": "31", "yellow": "33"}[colour]
        text = f"\x1b[1;{code}m{text}\x1b[0m"
    print(redact(text), file=out, flush=True)


def run_check(args: argparse.Namespace, passthrough: Sequence[str]) -> int:
    """``litellm-smoke check``: returns the exit code (see ``CHECK_DESCRIPTION``)."""
    notes: list[str] = []
    try:
        _guard_passthrough(passthrough)
        env = _child_env(args, passthrough, notes)
        # The same resolution the plugin does, so bad input is one line here, not a pytest error.
        settings = resolve({}, env, offline=args.offline)
    except (UsageProblem, SettingsError) as exc:
        _say(f"{PROG} check: error: {exc}", stream=sys.stderr)
        return ExitCode.USAGE
    for note in notes:
        _say(f"{PROG}: {note}", colour="yellow" if note.startswith("note:") else None)
    _say(settings.describe().replace("litellm-smoke:", f"{PROG} {__version__}:", 1))
    if settings.embedded:
        _say(f"{PROG}: starting the embedded default (a local LiteLLM in front of a fake upstream, ~10 s)")

    with tempfile.TemporaryDirectory(prefix="litellm-smoke-check-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text(_PYTEST_INI, encoding="utf-8")
        json_path = Path(args.json).resolve() if args.json else Path(tmp) / "report.json"
        if args.json:
            json_path.unlink(missing_ok=True)  # a stale report must not stand in for this run
        command = _pytest_command(args, passthrough, ini, json_path)
        try:
            returncode, signum = _run_child(command, env)
        except OSError as exc:
            _say(f"{PROG} check: error: cannot start pytest ({sys.executable}): {exc}", stream=sys.stderr)
            return ExitCode.USAGE
        loaded = _report.load_rows(json_path)

    if signum is not None:
        _say(f"{PROG}: interrupted", colour="red")
        return 128 + signum
    document, rows = loaded if loaded is not None else ({}, [])
    interrupted = document.get("verdict", {}).get("status") == "interrupted"
    verdict = _report.decide(returncode, rows, interrupted=interrupted)
    artefacts = [f"{label}: {path}" for label, path in (("JSON", args.json), ("JUnit", args.junitxml)) if path]
    tail = f" ({'; '.join(artefacts)})" if artefacts else ""
    _say(f"{PROG}: {verdict.summary} -> exit {verdict.code}{tail}", colour="green" if verdict.code == 0 else "red")
    return verdict.code


# -- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Console script ``litellm-smoke``; returns the exit code instead of exiting when called directly."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    after_dashes: list[str] = []
    if "--" in arguments:
        cut = arguments.index("--")
        arguments, after_dashes = arguments[:cut], arguments[cut + 1 :]
    command = _command_of(arguments)
    parser = build_parser(command)
    try:
        args, extra = parser.parse_known_args(arguments)
        if args.command is None:
            parser.print_help()
            return ExitCode.USAGE
        if args.command != "check" and (extra or after_dashes):
            parser.error(f"unrecognized arguments: {' '.join(redact(a) for a in extra + after_dashes)}")
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    if args.command == "check":
        return run_check(args, [*extra, *after_dashes])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

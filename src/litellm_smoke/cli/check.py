"""``litellm-smoke check``: the smoke suite as a deploy gate.

``check`` runs the very same pytest suite (``--pyargs litellm_smoke.suite -m smoke``) in a child
``python -m pytest``: the gate gets a fresh interpreter (no event loop, logging or plugin state
shared with the caller), Ctrl-C reaches one process that tears the embedded proxy down, and the
verdict comes back through the JSON report the plugin writes. The master key reaches the child
through its environment only; ``argv`` is visible to every user in ``ps``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from litellm_smoke import __version__
from litellm_smoke import report as _report
from litellm_smoke._secrets import redact
from litellm_smoke.cli._pytest import PYTEST_INI, SUITE, pytest_command
from litellm_smoke.errors import ExitCode, printable
from litellm_smoke.litellm_config.reader import ConfigFileError, models_from_config
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

PROG = "litellm-smoke"

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


def add_parser(subparsers: Any) -> None:
    """Register ``check`` on an argparse subparsers object."""
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
    for kind, spec in (("chat", CHAT_MODELS), ("embedding", EMBEDDING_MODELS)):
        parser.add_argument(
            f"--{kind}-model",
            action="append",
            default=[],
            metavar="NAME",
            help=f"{kind} model to check, repeatable (default: ${spec.env}, or from --config)",
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


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEY_OPTIONS = (MASTER_KEY.option, "--master-key")


# pytest's cache options: the gate's pytest runs without the cache plugin (a gate run starts fresh),
# so these would otherwise fail as "unrecognized arguments" or, worse, silently rerun everything.
_CACHE_OPTIONS = (
    "--lf", "--last-failed", "--ff", "--failed-first", "--nf", "--new-first", "--sw", "--stepwise",
    "--sw-skip", "--stepwise-skip", "--lfnf", "--last-failed-no-failures", "--cache-clear", "--cache-show",
)  # fmt: skip


class UsageProblem(Exception):
    """Bad input for ``check``: printed as one line, exit 2."""


def _guard_passthrough(args: Sequence[str]) -> None:
    for position, arg in enumerate(args, start=1):
        if arg.split("=", 1)[0] in _CACHE_OPTIONS:
            raise UsageProblem(
                f"{arg.split('=', 1)[0]} does not work with check: every gate run starts fresh, without "
                "pytest's cache, so there is no last run to go back to; select checks by name with -k "
                "(the verdict table names the failed ones)"
            )
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


def _pytest_command(args: argparse.Namespace, passthrough: Sequence[str], ini: Path, json_path: Path) -> list[str]:
    extra = ["--smoke-json", str(json_path)]
    if args.junitxml:
        extra.append(f"--junitxml={Path(args.junitxml).resolve()}")
    if args.offline:
        extra.append("--offline")
    command = pytest_command(ini, extra=[*extra, *passthrough], all_plugins=args.all_plugins)
    if command[1:3] != ["-m", "pytest"]:
        return command
    # The same pytest run, through the guard that stops it (and removes our temp dir) if we die.
    return [command[0], "-m", "litellm_smoke.cli._guard", str(ini.parent), str(os.getpid()), "--", *command[3:]]


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
"""What stops ``check``: each is passed on to pytest as SIGINT, so the run stops as on Ctrl-C
(teardown of the embedded proxy, deletion of minted keys, the ``interrupted`` JSON)."""
CHILD_GRACE_SECONDS = 30.0
"""How long pytest may take to stop after an interrupt before it is killed."""


def _run_child(command: Sequence[str], env: Mapping[str, str]) -> tuple[int, int | None]:
    """Run pytest; returns (its exit status, the signal that interrupted us or None).

    The child gets its own session, so a terminal's Ctrl-C reaches it exactly once, from us:
    a second SIGINT would cut the embedded proxy's teardown short. SIGTERM and SIGHUP reach it
    as SIGINT too (pytest's own SIGTERM handling is to die on the spot, writing nothing); a
    second signal, or a child still running after :data:`CHILD_GRACE_SECONDS`, kills it.
    """
    posix = os.name == "posix"
    process = subprocess.Popen(list(command), env=dict(env), start_new_session=posix)
    received: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if process.poll() is None:
            if len(received) == 1:
                process.send_signal(signal.SIGINT)
            else:
                _kill_group(process)

    handlers: dict[int, Any] = {}
    if posix and threading.current_thread() is threading.main_thread():
        for name in STOP_SIGNALS:
            caught = getattr(signal, name, None)
            if caught is not None:
                handlers[caught] = signal.signal(caught, forward)
    try:
        deadline: float | None = None
        while True:
            try:
                returncode = process.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if received and deadline is None:
                    deadline = time.monotonic() + CHILD_GRACE_SECONDS
                if deadline is not None and time.monotonic() > deadline:
                    _kill_group(process)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if process.poll() is None:  # we are leaving on an exception: do not orphan the run
            process.terminate()
            try:
                process.wait(timeout=CHILD_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return returncode, (received[0] if received else None)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL pytest and everything in its session (the embedded proxy it started)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()


def _write_interrupted(path: Path, settings: Any, signum: int) -> None:
    """The documented ``interrupted`` JSON, when pytest was stopped before it could write its own."""
    try:
        document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, ValueError):
        document = None
    if isinstance(document, dict) and document.get("verdict", {}).get("status") == "interrupted":
        return
    report = _report.RunReport.collect(
        [],
        ExitCode.INTERRUPTED,
        interrupted=True,
        target=settings.base_url,
        chat_models=settings.chat_models,
        embedding_models=settings.embedding_models,
    )
    try:
        report.write(path)
    except OSError as exc:
        _say(f"{PROG} check: cannot write --json {path}: {exc.strerror or exc}", stream=sys.stderr)


def _say(text: str, *, stream: Any = None, colour: str | None = None) -> None:
    out = stream or sys.stdout
    text = printable(redact(text))
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
        if args.offline:
            from litellm_smoke.offline.replay import ReplayError, resolve_replay_dir, with_recorded_models

            try:
                settings = with_recorded_models(settings, resolve_replay_dir(settings.replay_dir))
            except ReplayError:
                pass  # the child pytest reports a bad replay directory in its own words
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
        ini.write_text(PYTEST_INI, encoding="utf-8")
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
        if args.json:
            _write_interrupted(json_path, settings, signum)
        by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        _say(f"{PROG}: interrupted{by}", colour="red")
        return 128 + signum
    document, rows = loaded if loaded is not None else ({}, [])
    interrupted = document.get("verdict", {}).get("status") == "interrupted"
    # The plugin exits with the verdict's own code; the JSON keeps pytest's status for decide().
    pytest_exit = document.get("pytest_exit_status", returncode) if loaded is not None else returncode
    verdict = _report.decide(int(pytest_exit), rows, interrupted=interrupted)
    artefacts = [f"{label}: {path}" for label, path in (("JSON", args.json), ("JUnit", args.junitxml)) if path]
    tail = f" ({'; '.join(artefacts)})" if artefacts else ""
    _say(f"{PROG}: {verdict.summary} -> exit {verdict.code}{tail}", colour="green" if verdict.code == 0 else "red")
    return verdict.code

"""The ``litellm-smoke`` command: ``check`` (the deploy gate, :mod:`.check`) and the other subcommands.

Each subcommand lives in its own module with an ``add_parser(subparsers)`` that sets ``func``.
Only ``check`` is imported up front; the others are imported when named (or for ``--help``), so a
missing or broken one costs ``check`` nothing.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from litellm_smoke import __version__
from litellm_smoke._secrets import redact
from litellm_smoke.cli import check
from litellm_smoke.errors import ExitCode

__all__ = ["build_parser", "main"]

PROG = check.PROG

_PLUGGABLE = {
    "lint-config": "litellm_smoke.cli.lint",
    "sweep": "litellm_smoke.cli.sweep",
    "record": "litellm_smoke.cli.record",
}


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
        if wanted is not None and command != wanted:  # "check" wants none of them
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
    """The ``litellm-smoke`` parser. ``command``: register only that subcommand (all for ``None``).

    ``check`` alone does not import the other subcommands' modules (the recorder, the config rules):
    a deploy gate's verdict should not wait for code it does not run.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Smoke-test a LiteLLM proxy deployment before it takes traffic.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    check.add_parser(subparsers)
    _add_pluggable(subparsers, command if command in _PLUGGABLE or command == "check" else None)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


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
        return check.run_check(args, [*extra, *after_dashes])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

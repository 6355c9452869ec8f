"""``litellm-smoke lint-config PATH``: static pre-deploy checks of a LiteLLM config (see :mod:`.lint`).

Also runnable alone: ``python -m litellm_smoke.cli.lint PATH [--json] [--env-file FILE] [--strict]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config.lint import exit_code, findings_to_json, format_findings, lint_config

DESCRIPTION = """\
Check a LiteLLM proxy config.yaml before deploying it, without starting anything or touching the
network: structure, model entries, os.environ/ references, the master key (hard-coded, publicly
known, missing), the database URL (PostgreSQL only), embedding model_info.mode, duplicate models
and literal API keys. References are resolved against this process's environment plus --env-file,
or, with --references-only, not resolved at all (a CI lint job without the proxy's secrets).
Secrets are never printed.

exit codes: 0 no errors (no warnings either, with --strict), 1 problems found, 2 usage error.
"""


class EnvFileError(ValueError):
    """An --env-file line is not ``KEY=VALUE``; the message names the file and line."""


def add_parser(subparsers: Any) -> None:
    """Register ``lint-config`` on an argparse subparsers object; sets ``func=run`` as the handler."""
    parser = subparsers.add_parser(
        "lint-config",
        help="statically check a LiteLLM config.yaml before deploy (no network)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the LiteLLM config.yaml to check")
    parser.add_argument("--json", action="store_true", help="print findings as JSON instead of text")
    parser.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="FILE",
        help="dotenv file (KEY=VALUE lines) with the deployment's environment; its values override "
        "this process's environment; repeatable, later files win (default: none)",
    )
    parser.add_argument(
        "--references-only",
        action="store_true",
        help="check the config and its os.environ/ references without their values: the environment is not "
        "read and unset variables are not errors (for CI lint jobs that hold none of the proxy's secrets; "
        "not with --env-file)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too (default: errors only)")


def parse_env_file(text: str, name: str = "<env-file>") -> dict[str, str]:
    """Parse dotenv text: ``KEY=VALUE``, optional ``export``, ``#`` comments, single/double quotes.

    :raises EnvFileError: for a line that is not a blank, a comment or ``KEY=VALUE``.
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum():
            # Only the line number: the line itself may be a secret.
            raise EnvFileError(f"{name}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def _environ(env_files: Sequence[str], base: Mapping[str, str]) -> dict[str, str]:
    environ = dict(base)
    for name in env_files:
        environ.update(parse_env_file(Path(name).read_text(encoding="utf-8"), name))
    return environ


def run(args: argparse.Namespace) -> int:
    """Run ``lint-config`` for parsed ``args`` (``path``, ``json``, ``env_file``, ``strict``).

    :return: 0 no errors, 1 errors (or warnings with ``--strict``), 2 unreadable config or env file.
    """
    path = Path(args.path)
    references_only = bool(getattr(args, "references_only", False))
    if references_only and args.env_file:
        print(
            "litellm-smoke lint-config: --references-only checks without values; --env-file gives values: "
            "use one or the other",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    try:
        environ = _environ(args.env_file or [], os.environ)
        findings = lint_config(path, environ, references_only=references_only)
    except EnvFileError as exc:
        print(f"litellm-smoke lint-config: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        filename = exc.filename if isinstance(exc, OSError) and exc.filename else path
        print(f"litellm-smoke lint-config: cannot read {filename}: {reason}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        print(findings_to_json(findings, source=str(path)))
    else:
        print(format_findings(findings, source=str(path)))
    return exit_code(findings, strict=args.strict)


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m litellm_smoke.cli.lint PATH``."""
    parser = argparse.ArgumentParser(
        prog="python -m litellm_smoke.cli.lint",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

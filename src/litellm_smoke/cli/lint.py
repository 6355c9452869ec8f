"""``litellm-smoke lint-config PATH``: static pre-deploy checks of a LiteLLM config (see :mod:`.lint`).

Also runnable alone: ``python -m litellm_smoke.cli.lint PATH [--json] [--env-file FILE | --references-only]``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from litellm_smoke.cli._subcommand import add_subcommand, standalone
from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config.lint import LintOptions, exit_code, findings_to_json, format_findings, lint
from litellm_smoke.security.advisories import AdvisoryDataError, load_advisories
from litellm_smoke.security.well_known_keys import WellKnownKeysError, load_well_known_keys

SUMMARY = "statically check a LiteLLM config.yaml before deploy (no network)"
DESCRIPTION = """\
Check a LiteLLM proxy config before deploying it, without starting anything or touching the
network. PATH is a config.yaml (its include: files are merged as LiteLLM merges them),
litellm-helm chart values (proxy_config, or the split chart's gateway.config.proxy_config), a
Kubernetes ConfigMap or a multi-document manifest holding one; the report says which it read.

Checks: structure, model entries, os.environ/ references, the master key (hard-coded, publicly
known, missing), the database URL (PostgreSQL only), embedding model_info.mode, duplicate models,
literal API keys, background health checks (settings that silently do something else, probes per
day across replicas x workers and their cost), and the LiteLLM versions and images pinned by the
requirements files, pyproject.toml, lockfiles, Dockerfiles and compose files next to PATH
(against the shipped advisory data). References are resolved against this process's environment
plus --env-file plus what the Helm values or manifest set, or, with --references-only, only
against what the Helm values or manifest set (a CI lint job without the proxy's secrets).
Secrets are never printed.

exit codes: 0 no errors (no warnings either, with --strict), 1 problems found, 2 usage error.
"""


class EnvFileError(ValueError):
    """An --env-file line is not ``KEY=VALUE``; the message names the file and line."""


def add_parser(subparsers: Any) -> None:
    """Register ``lint-config`` on an argparse subparsers object; sets ``func=run`` as the handler."""
    _add_arguments(add_subcommand(subparsers, "lint-config", SUMMARY, DESCRIPTION, run))


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def _dollars(text: str) -> float:
    try:
        amount = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a dollar amount such as 0.002, got {text!r}") from None
    if not math.isfinite(amount) or amount < 0:
        raise argparse.ArgumentTypeError(f"expected a dollar amount of 0 or more, got {text!r}")
    return amount


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the LiteLLM config.yaml, litellm-helm values, ConfigMap or manifest to check")
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
    shape = parser.add_argument_group("deployment shape and cost (background health checks)")
    shape.add_argument(
        "--replicas",
        type=_positive_int,
        metavar="N",
        help="proxy pods (default: Helm replicaCount or autoscaling minimum, a manifest's replicas, else 1)",
    )
    shape.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="uvicorn workers per pod, --num_workers (default: numWorkers / NUM_WORKERS when given, else 1)",
    )
    shape.add_argument(
        "--cost-per-probe",
        type=_dollars,
        metavar="USD",
        help="what one health-check call costs, to estimate money per day (default: no cost estimate)",
    )
    pins = parser.add_argument_group("versions and images")
    pins.add_argument(
        "--no-scan",
        action="store_true",
        help="do not read requirements, pyproject.toml, lockfiles, Dockerfiles, compose files next to PATH",
    )
    pins.add_argument(
        "--scan",
        action="append",
        default=[],
        metavar="DIR",
        help="also read those files in DIR (e.g. the repository root); repeatable",
    )
    pins.add_argument(
        "--advisories",
        action="append",
        default=[],
        metavar="FILE",
        help="extra advisory file (same shape as the shipped data) added to the shipped advisories; repeatable",
    )
    pins.add_argument(
        "--well-known-keys",
        action="append",
        default=[],
        metavar="FILE",
        help="extra file of publicly known master keys (sha256 digests, shape of the shipped "
        "well_known_keys.yaml) added to the shipped list; repeatable",
    )


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
    """Run ``lint-config`` for parsed ``args`` (see :func:`_add_arguments`).

    :return: 0 no errors, 1 errors (or warnings with ``--strict``), 2 unreadable config, env or advisory file.
    """
    path = Path(args.path)
    if args.references_only and args.env_file:
        print(
            "litellm-smoke lint-config: --references-only checks without values; --env-file gives values: "
            "use one or the other",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    options = LintOptions(
        replicas=args.replicas,
        workers=args.workers,
        cost_per_probe=args.cost_per_probe,
        scan_project=not args.no_scan,
        scan_dirs=tuple(Path(d) for d in args.scan),
        advisories=tuple(Path(f) for f in args.advisories),
        well_known_keys=tuple(Path(f) for f in args.well_known_keys),
        references_only=args.references_only,
    )
    try:
        for directory in options.scan_dirs:
            if not directory.is_dir():
                raise EnvFileError(f"--scan {directory}: not a directory")
        load_advisories(options.advisories)
        load_well_known_keys(options.well_known_keys)
        environ = {} if options.references_only else _environ(args.env_file or [], os.environ)
        report = lint(path, environ, options=options)
    except (EnvFileError, AdvisoryDataError, WellKnownKeysError) as exc:
        print(f"litellm-smoke lint-config: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        filename = exc.filename if isinstance(exc, OSError) and exc.filename else path
        print(f"litellm-smoke lint-config: cannot read {filename}: {reason}", file=sys.stderr)
        return ExitCode.USAGE
    if args.json:
        print(findings_to_json(report.findings, source=str(path), report=report))
    else:
        print(format_findings(report.findings, source=str(path), read_as=report.read_as))
    return exit_code(report.findings, strict=args.strict)


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m litellm_smoke.cli.lint PATH``."""
    return standalone(add_parser, "lint-config", "python -m litellm_smoke.cli.lint", argv)


if __name__ == "__main__":
    sys.exit(main())

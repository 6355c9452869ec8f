"""``litellm-smoke sweep``: delete virtual keys left behind by smoke runs that crashed (see :mod:`.sweep`).

Also runnable alone: ``python -m litellm_smoke.cli.sweep [--url URL] [--older-than 15m] [--dry-run]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from litellm_smoke._secrets import Secret
from litellm_smoke.cli._subcommand import add_subcommand, standalone
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import SweepError, sweep
from litellm_smoke.errors import ExitCode
from litellm_smoke.settings import (
    DEFAULT_TIMEOUT,
    MASTER_KEY,
    TIMEOUT,
    URL,
    SettingsError,
    parse_timeout,
    parse_url,
    resolve,
)

DEFAULT_OLDER_THAN = "15m"

SUMMARY = "delete virtual keys left behind by crashed smoke runs"
DESCRIPTION = f"""\
Delete the disposable virtual keys that litellm-smoke runs mint, when a run died before its own
cleanup. A key is deleted only if its alias starts with 'litellm-smoke-' AND its metadata has
"litellm_smoke": true. Key values are never printed: only aliases and masked hashes.

By default only keys older than {DEFAULT_OLDER_THAN} are deleted, so a suite running right now keeps its
key (smoke keys expire after 10 minutes anyway); --older-than 0 deletes them all.

The master key is read from ${MASTER_KEY.env} only, never from the command line.

exit codes: 0 done (also when there was nothing to delete), 1 listing or deleting failed (also: a
proxy without a database, which has no keys to list), 2 usage error.
"""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(raw: str) -> timedelta:
    """``30s``, ``15m``, ``2h``, ``1d`` or plain seconds; ``0`` means no minimum age."""
    match = _DURATION.match(raw)
    if not match:
        raise SettingsError(f"invalid --older-than {raw!r}: expected a duration like 30s, 15m, 2h, 1d or 0")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def add_parser(subparsers: Any) -> None:
    """Register ``sweep`` on an argparse subparsers object; sets ``func=run`` as the handler."""
    _add_arguments(add_subcommand(subparsers, "sweep", SUMMARY, DESCRIPTION, run))


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"LiteLLM proxy root URL (default: ${URL.env})")
    parser.add_argument(
        "--older-than",
        default=DEFAULT_OLDER_THAN,
        metavar="DURATION",
        help="only keys created at least this long ago: 30s, 15m, 2h, 1d; 0 = all (default: %(default)s)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    parser.add_argument(
        "--timeout", help=f"per-request timeout in seconds (default: ${TIMEOUT.env}, else {DEFAULT_TIMEOUT:g})"
    )


def _settings(args: argparse.Namespace) -> tuple[str, Secret, timedelta | None, float]:
    """The same resolution as ``check`` (option > env > default); the key comes from the environment only."""
    url = parse_url(args.url, "option --url") if args.url else None  # named as the user typed it
    timeout = parse_timeout(args.timeout, "option --timeout") if args.timeout else None
    settings = resolve({URL.option: url, TIMEOUT.option: timeout}, os.environ)
    if settings.base_url is None:
        raise SettingsError(f"no target: pass --url or set {URL.env}")
    assert settings.master_key is not None  # resolve() refuses a target URL without one
    age = parse_duration(str(args.older_than))
    return settings.base_url, settings.master_key, (age if age > timedelta(0) else None), settings.timeout


async def _sweep(url: str, key: Secret, older_than: timedelta | None, dry_run: bool, timeout: float) -> list[str]:
    async with ProxyClient(url, key, timeout) as client:
        return await sweep(client, older_than=older_than, dry_run=dry_run)


def run(args: argparse.Namespace) -> int:
    """Run ``sweep`` for parsed ``args`` (``url``, ``master_key``, ``older_than``, ``dry_run``, ``timeout``).

    :return: 0 done, 1 listing or deleting failed, 2 usage error.
    """
    try:
        url, key, older_than, timeout = _settings(args)
    except SettingsError as exc:
        print(f"litellm-smoke sweep: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        labels = asyncio.run(_sweep(url, key, older_than, bool(args.dry_run), timeout))
    except SweepError as exc:
        print(f"litellm-smoke sweep: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    age = f" older than {args.older_than}" if older_than else ""
    if not labels:
        print(f"litellm-smoke sweep: no smoke keys{age} on {url}")
        return ExitCode.OK
    verb = "would delete" if args.dry_run else "deleted"
    for label in labels:
        print(f"{verb} {label}")
    print(f"litellm-smoke sweep: {verb} {len(labels)} smoke key(s){age} on {url}")
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m litellm_smoke.cli.sweep``."""
    return standalone(add_parser, "sweep", "python -m litellm_smoke.cli.sweep", argv)


if __name__ == "__main__":
    sys.exit(main())

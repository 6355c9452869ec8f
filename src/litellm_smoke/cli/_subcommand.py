"""What every pluggable subcommand module shares: registering itself, and running on its own.

A subcommand module (lint, sweep, record) has ``add_parser(subparsers)``, which the ``litellm-smoke``
parser calls, and ``main(argv)`` for ``python -m litellm_smoke.cli.<module>``, which runs the parser
``add_parser`` registered: the same arguments and handler, under the module's own program name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any


def add_subcommand(
    subparsers: Any, name: str, summary: str, description: str, run: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """Register ``name`` (``summary`` in the command list, ``description`` in its help) with ``run`` as its handler."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=summary, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(func=run)
    return parser


def standalone(add_parser: Callable[[Any], object], name: str, prog: str, argv: Sequence[str] | None) -> int:
    """Run the subcommand ``add_parser`` registers as ``name`` on its own, as ``prog``.

    A usage error exits through argparse (``SystemExit(2)``), as a standalone program does.
    """
    subparsers = argparse.ArgumentParser().add_subparsers()
    add_parser(subparsers)
    parser: argparse.ArgumentParser = subparsers.choices[name]
    parser.prog = prog
    args = parser.parse_args(argv)
    return int(args.func(args))

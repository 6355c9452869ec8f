"""``litellm-smoke record``: run the smoke suite against a real proxy and keep every exchange.

The recordings are what ``pytest -m smoke --offline`` replays. Recording runs the very suite
the replay serves (in a child pytest), so every request a check makes, negative ones
included, is recorded by construction.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from litellm_smoke._secrets import REDACT, Secret
from litellm_smoke.cli._pytest import PYTEST_INI, pytest_command
from litellm_smoke.offline.recorder import RECORD_DIR_ENV, scan_for_secrets
from litellm_smoke.offline.replay import ReplayError, load_exchanges
from litellm_smoke.settings import (
    API_SURFACES,
    MASTER_KEY,
    SettingsError,
    parse_timeout,
    parse_url,
)

__all__ = ["add_parser", "main", "run"]

MANIFEST = "_manifest.json"  # the same name offline.replay.recorded_models reads


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``record`` on an ``argparse`` sub-parser collection."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "record",
        help="record a real LiteLLM proxy's answers to every smoke request, for --offline replay",
        description=(
            "Run the smoke suite against a real LiteLLM proxy and write every exchange (secrets replaced "
            "by placeholders) to OUT/<litellm-version>/. Without --url, the embedded default (a real local "
            "LiteLLM in front of a fake upstream) is started and recorded. The master key comes from "
            f"{MASTER_KEY.env}, never from the command line."
        ),
    )
    parser.add_argument("--url", help="the proxy root URL (default: start the embedded default)")
    parser.add_argument(
        "--out", required=True, type=Path, help="parent directory; recordings go to OUT/<litellm-version>/"
    )
    parser.add_argument("--chat-model", action="append", default=[], help="chat model to exercise (repeatable)")
    parser.add_argument(
        "--api",
        action="append",
        default=[],
        choices=API_SURFACES,
        help="also record this API surface per chat model (repeatable; default: all with the embedded default, "
        "none with --url)",
    )
    parser.add_argument(
        "--embedding-model", action="append", default=[], help="embedding model to exercise (repeatable)"
    )
    parser.add_argument("--timeout", type=_seconds, default=60.0, help="per-request timeout in seconds (default 60)")
    parser.add_argument(
        "--allow-failures",
        action="store_true",
        help="keep the recordings even if a smoke check failed (default: a baseline must come from a healthy proxy)",
    )
    parser.set_defaults(func=run)
    return parser


def _seconds(raw: str) -> float:
    try:
        return parse_timeout(raw, "option --timeout")
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _err(message: str, code: int = 2) -> int:
    print(f"litellm-smoke record: {REDACT(message)}", file=sys.stderr)
    return code


@contextlib.contextmanager
def _target(url: str | None) -> Iterator[tuple[str, Secret, str]]:
    if url is not None:
        key = os.environ.get(MASTER_KEY.env, "").strip()
        if not key:
            raise SettingsError(f"missing master key for {url}: set {MASTER_KEY.env}")
        yield url, Secret(key), url
        return
    from litellm_smoke.launchers.embedded import EmbeddedProxy  # starts a real LiteLLM subprocess (~10 s)

    with EmbeddedProxy() as endpoint:
        yield endpoint.base_url, endpoint.master_key, "embedded default (real LiteLLM, fake upstream)"


def _suite_outcomes(junit: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    if not junit.is_file():
        return outcomes
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
        outcomes[case.get("name", "?")] = outcome
    return outcomes


def _models(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The chat and embedding models given to record; the manifest stores them, so a replay checks the same
    list without flags. None given: the suite discovers the models, and the replay discovers them again
    from the recorded /model/info."""
    return list(args.chat_model), list(args.embedding_model)


def _run_suite(args: argparse.Namespace, url: str, key: Secret, staging: Path, workdir: Path) -> dict[str, str]:
    junit = workdir / "junit.xml"
    ini = workdir / "pytest.ini"
    ini.write_text(PYTEST_INI, encoding="utf-8")
    extra = ["-q", "-rfEs", "--junitxml", str(junit), "--litellm-url", url, "--smoke-timeout", f"{args.timeout:g}"]
    # Without lists the suite discovers the models (/model/info), and that exchange is recorded too.
    chat, embed = _models(args)
    # The embedded default costs nothing: record the opt-in API surfaces too, so --offline can replay them.
    apis = args.api or (list(API_SURFACES) if args.url is None else [])
    if apis:
        extra += ["--api", ",".join(apis)]
    for model in chat:
        extra += ["--chat-model", model]
    for model in embed:
        extra += ["--embedding-model", model]
    command = pytest_command(ini, extra=extra, progress=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_SMOKE_")}
    env[MASTER_KEY.env] = key.reveal()  # the environment, not argv: argv is visible in ps
    env[RECORD_DIR_ENV] = str(staging)
    env.pop("LITELLM_BASE_URL", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # as check: only our plugins and pytest-asyncio
    # A neutral working directory: the user's pytest configuration must not change what is recorded.
    subprocess.run(command, cwd=workdir, env=env, check=False)
    return _suite_outcomes(junit)


def run(args: argparse.Namespace) -> int:
    """Record; 0 when the suite passed and the recordings are written, 1 on failed checks, 2 on bad input."""
    try:
        url = parse_url(args.url, "option --url") if args.url else None
    except SettingsError as exc:
        return _err(str(exc))
    with tempfile.TemporaryDirectory(prefix="litellm-smoke-record-") as tmp:
        workdir = Path(tmp)
        staging = workdir / "exchanges"
        try:
            with _target(url) as (base_url, key, described):
                REDACT.add(key)
                print(f"litellm-smoke record: recording {described}", file=sys.stderr)
                outcomes = _run_suite(args, base_url, key, staging, workdir)
        except SettingsError as exc:
            return _err(str(exc))
        except (RuntimeError, OSError) as exc:  # StartupError is a RuntimeError
            return _err(f"could not start the target: {exc}")
        return _publish(args, staging, key, outcomes, described)


def _publish(args: argparse.Namespace, staging: Path, key: Secret, outcomes: dict[str, str], described: str) -> int:
    if not outcomes:
        return _err("the smoke suite did not run (no JUnit report); see its output above")
    failed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    if failed and not args.allow_failures:
        return _err(
            f"{len(failed)} smoke check(s) failed against the target ({', '.join(failed)}); nothing was written: "
            "a baseline must come from a healthy proxy (or pass --allow-failures)",
            code=1,
        )
    leaks = scan_for_secrets(staging, [key.reveal()])
    if leaks:
        return _err("refusing to write recordings that contain secrets: " + "; ".join(leaks))
    try:
        exchanges = load_exchanges(staging)
    except ReplayError as exc:
        return _err(str(exc))
    versions = {json.loads(e.file.read_text(encoding="utf-8")).get("litellm_version") for e in exchanges}
    versions.discard(None)
    if len(versions) != 1:
        return _err(f"expected one LiteLLM version in the x-litellm-version headers, saw {sorted(versions) or 'none'}")
    version = versions.pop()
    # Only model calls carry x-litellm-version; every file of one run came from the same proxy.
    for exchange in exchanges:
        document = json.loads(exchange.file.read_text(encoding="utf-8"))
        document["litellm_version"] = version
        exchange.file.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = {
        "litellm_version": version,
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": described if args.url is None else "external proxy",
        "models": dict(zip(("chat", "embedding"), _models(args), strict=True)),
        "checks": outcomes,
        "exchanges": sorted(e.file.name for e in exchanges),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    destination = args.out / version
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staging, destination)
    print(
        f"litellm-smoke record: {len(exchanges)} exchanges from LiteLLM {version} written to {destination} "
        f"({sum(o == 'passed' for o in outcomes.values())}/{len(outcomes)} checks passed)",
        file=sys.stderr,
    )
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m litellm_smoke.cli.record``: the subcommand on its own, until the CLI wires it."""
    parser = argparse.ArgumentParser(prog="litellm-smoke")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["record", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

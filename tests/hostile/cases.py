"""The hostile-target cases: each runs ``litellm-smoke check`` against one mode of the hostile server.

Shared by the tests (tests/hostile/test_target.py) and the benchmark (benchmarks/hostile.py), so the
table in docs/security-hostile.md measures exactly what the tests assert.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.hostile.server import MASTER_KEY, MODEL, HostileServer, serve

TIMEOUT = 3.0
"""The smoke timeout every case runs with (seconds)."""
STARTUP_SLACK = 4.0
"""Allowed on top of 2 x TIMEOUT for collection and the openai SDK import on a loaded machine."""


@dataclass(frozen=True)
class Case:
    name: str
    mode: str
    exit_code: int
    failures: dict[str, str]  # check name -> a substring its reason must contain
    args: tuple[str, ...] = ()
    issue_item: str = ""


CASES: tuple[Case, ...] = (
    Case("healthy", "healthy", 0, {}, issue_item="baseline"),
    Case(
        "trickle-liveliness",
        "trickle-liveliness",
        3,
        {"reachability": "timed out waiting for the response"},
        issue_item="1 time",
    ),
    Case(
        "trickle-headers",
        "trickle-headers",
        3,
        {"reachability": "timed out waiting for the response"},
        issue_item="1 time",
    ),
    Case(
        "trickle-chat",
        "trickle-chat",
        1,
        {"chat_completion": "timed out waiting for the response"},
        issue_item="1 time",
    ),
    Case("trickle-sse", "trickle-sse", 1, {"chat_streaming": "the stream stalled"}, issue_item="1 time"),
    Case(
        "endless-sse",
        "endless-sse",
        1,
        {"chat_streaming": "the stream passed the 8 MB size cap"},
        issue_item="2 memory",
    ),
    Case(
        "gzip-bomb",
        "gzip-bomb",
        1,
        {"chat_completion": "the response is too large"},
        issue_item="2 memory",
    ),
    Case(
        "huge-body",
        "huge-body",
        1,
        {"chat_completion": "the response is too large"},
        issue_item="2 memory",
    ),
    *(
        Case(
            f"echo-{form}",
            f"echo-{form}",
            1,
            # the well-known-key probes (sk-1234, ...) are wrong keys too, and are echoed the same way
            {"auth_wrong_key_rejected": "SECURITY: wrong key", "auth_well_known_keys_rejected": "SECURITY: "},
            issue_item="3 echo",
        )
        for form in ("upper", "base64", "hex", "percent", "json-escaped", "no-prefix", "split")
    ),
    Case(
        "echo-master-models",
        "echo-master-models",
        1,
        {"auth_master_key_accepted": "SECURITY: master key"},
        issue_item="3 echo",
    ),
    Case(
        "deep-json",
        "deep-json",
        1,
        {"chat_completion": "not JSON"},
        issue_item="6 tracebacks",
    ),
    Case(
        "big-int",
        "big-int",
        1,
        {"chat_completion": "not JSON"},
        issue_item="6 tracebacks",
    ),
    Case(
        "invalid-utf8",
        "invalid-utf8",
        1,
        {"chat_completion": "not JSON"},
        issue_item="6 tracebacks",
    ),
    Case(
        "non-json",
        "non-json",
        1,
        {"chat_completion": "not JSON"},
        issue_item="6 tracebacks",
    ),
    Case(
        "inf-tokens",
        "inf-tokens",
        1,
        {"chat_completion": "no usage token counts"},
        issue_item="6 infinite tokens",
    ),
    Case(
        "escapes",
        "escapes",
        1,
        {"chat_completion": "expected HTTP 200, got 500"},
        issue_item="9 escapes",
    ),
    Case("redirect", "redirect", 3, {"reachability": "redirect"}, issue_item="10 redirects"),
    Case(
        "model-with-colons",
        "healthy",
        1,
        {"models_listed": "missing a::b"},
        args=("--chat-model", "a::b"),
        issue_item="6 model ::",
    ),
)


@dataclass
class Outcome:
    code: int
    seconds: float
    stdout: str
    stderr: str
    report: dict[str, object] = field(default_factory=dict)
    junit: str = ""
    wrong_keys: list[str] = field(default_factory=list)

    @property
    def verdict_seconds(self) -> float:
        """The run's own duration from the JSON (no interpreter start), else the wall time."""
        duration = self.report.get("duration_s")
        return float(duration) if isinstance(duration, (int, float)) else self.seconds

    def failures(self) -> dict[str, str]:
        rows = self.report.get("checks")
        out: dict[str, str] = {}
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("status") == "failed":
                out[str(row.get("name"))] = str(row.get("reason"))
        return out


def check_command(url: str, json_path: Path, junit_path: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "litellm_smoke.cli", "check", "--url", url, "--timeout", f"{TIMEOUT:g}",
        "--json", str(json_path), "--junitxml", str(junit_path), *extra,
    ]  # fmt: skip


def child_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "OPENAI_", "DATABASE_URL"))}
    keep.update(LITELLM_MASTER_KEY=MASTER_KEY, LITELLM_LOCAL_MODEL_COST_MAP="True", NO_COLOR="1")
    return keep


def run_case(case: Case, workdir: Path) -> Outcome:
    """Serve the case's mode and run the CLI against it once."""
    json_path, junit_path = workdir / f"{case.name}.json", workdir / f"{case.name}.xml"
    extra = case.args if "--chat-model" in case.args else ("--chat-model", MODEL, *case.args)
    with serve(case.mode) as (url, server):
        started = time.monotonic()
        done = subprocess.run(
            check_command(url, json_path, junit_path, *extra),
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        seconds = time.monotonic() - started
        keys = list(server.wrong_keys)
    report = json.loads(json_path.read_text()) if json_path.exists() else {}
    junit = junit_path.read_text() if junit_path.exists() else ""
    return Outcome(done.returncode, seconds, done.stdout, done.stderr, report, junit, keys)


def secret_forms(secret: str) -> list[str]:
    """Independent of the redactor: lower-cased 12-character windows, and the hex and base64 forms."""
    folded = secret.lower()
    if folded.startswith("sk-litellm-smoke-wrong-"):  # the public prefix of the suite's wrong key
        folded = folded[len("sk-litellm-smoke-wrong-") :]
    windows = {folded[i : i + 12] for i in range(max(1, len(folded) - 11))}
    raw = secret.encode()
    forms = {raw.hex()[:24], base64.b64encode(raw).decode()[:16]}
    return [*windows, *forms]


def leaked(text: str, secrets: list[str]) -> list[str]:
    """Which secrets show (in any checked form) in ``text``."""
    lowered = text.lower()
    return [s for s in secrets if any(form.lower() in lowered for form in secret_forms(s))]


__all__ = ["CASES", "MASTER_KEY", "Case", "HostileServer", "Outcome", "leaked", "run_case"]

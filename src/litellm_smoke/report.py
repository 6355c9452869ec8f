"""Verdicts and reports of a smoke run: the exit code, the table, the JSON file, the GitHub summary.

The pytest plugin collects one result per check and calls in here; ``litellm-smoke check`` reads the
JSON back. Nothing here imports pytest, so the CLI stays cheap and the logic is testable alone.
Every string that leaves this module passes through the redactor.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ._secrets import REDACT, Secret, redact

if TYPE_CHECKING:
    from .client import ProxyClient, Usage

__all__ = [
    "EXIT_FAILED",
    "EXIT_HEALTHY",
    "EXIT_INTERRUPTED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "REPORT_SCHEMA",
    "CheckRow",
    "RunReport",
    "Verdict",
    "decide",
    "fetch_litellm_version",
    "github_mask",
    "markdown_summary",
    "progress_line",
    "public_url",
    "set_mask_writer",
    "table_lines",
]

EXIT_HEALTHY = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130  # the shell convention for SIGINT

REPORT_SCHEMA = "litellm-smoke/report/v1"
PREFLIGHT_TEST = "test_reachability"
READINESS_DETAILS = "/health/readiness/details"

# pytest's ExitCode values, spelled out so this module does not import pytest.
_PYTEST_OK, _PYTEST_FAILED, _PYTEST_INTERRUPTED, _PYTEST_INTERNAL, _PYTEST_USAGE, _PYTEST_NO_TESTS = range(6)

_REASON_CHARS = 160
_WORDS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}
_MARKUP: dict[str, dict[str, bool]] = {
    "passed": {"green": True},
    "failed": {"red": True, "bold": True},
    "skipped": {"yellow": True},
}


@dataclass
class CheckResult:
    """One smoke check's outcome as the plugin records it, for summaries and JSON reports."""

    nodeid: str
    name: str
    model: str | None
    outcome: str
    duration_ms: float
    reason: str


@dataclass(frozen=True)
class CheckRow:
    """One check in a report. ``name`` is the display name: the test name without ``test_``,
    plus its parameter id when that id is not the model (``auth_unauthenticated_rejected[chat]``)."""

    name: str
    test: str
    nodeid: str
    status: str  # passed | failed | skipped
    latency_ms: float
    model: str | None
    reason: str

    @classmethod
    def from_result(cls, result: CheckResult) -> CheckRow:
        return cls(
            name=check_label(result.name, result.nodeid, result.model),
            test=result.name,
            nodeid=result.nodeid,
            status=result.outcome,
            latency_ms=round(result.duration_ms, 1),
            model=result.model,
            reason=_clean_reason(result.reason),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckRow:
        return cls(
            name=str(data.get("name", "?")),
            test=str(data.get("test", data.get("name", "?"))),
            nodeid=str(data.get("nodeid", "")),
            status=str(data.get("status", "failed")),
            latency_ms=float(data.get("latency_ms") or 0.0),
            model=data.get("model"),
            reason=str(data.get("reason") or ""),
        )


def _clean_reason(reason: str) -> str:
    text = " ".join(reason.split())
    text = text.removeprefix("Skipped: ")
    # The gateway fixture skips every check after a failed preflight with the preflight's title;
    # repeating it on each row hides the one row that matters.
    if text.endswith(f"-- see {PREFLIGHT_TEST}"):
        text = f"not run: see {PREFLIGHT_TEST.removeprefix('test_')}"
    return redact(text)


@dataclass(frozen=True)
class Verdict:
    """The run's outcome: ``code`` is the exit code of ``litellm-smoke check``."""

    code: int
    status: str  # healthy | failed | unreachable | no_checks | usage_error | interrupted
    summary: str


def check_label(test: str, nodeid: str, model: str | None) -> str:
    base = test.removeprefix("test_")
    if nodeid.endswith("]") and "[" in nodeid:
        param = nodeid[nodeid.index("[", nodeid.rfind("::")) + 1 : -1]
        if param and param != model:
            return f"{base}[{param}]"
    return base


def _counts(rows: Sequence[CheckRow]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def decide(pytest_exit: int, rows: Sequence[CheckRow], *, interrupted: bool = False) -> Verdict:
    """Map pytest's exit status and the check results to the CLI's exit code.

    0 healthy; 1 a check failed; 3 the preflight failed (target unreachable, or the embedded
    default did not start); 2 usage or configuration error, including pytest's "no tests
    collected" (5) and collection errors -- a gate that selected nothing must not pass;
    130 interrupted (Ctrl-C).
    """
    counts = _counts(rows)
    total = len(rows)
    if interrupted:
        return Verdict(EXIT_INTERRUPTED, "interrupted", f"INTERRUPTED after {total} checks")
    preflight = next((r for r in rows if r.test == PREFLIGHT_TEST and r.status == "failed"), None)
    if pytest_exit == _PYTEST_FAILED and preflight is not None:
        reason = preflight.reason or "see above"
        if reason.lower().startswith("target unreachable: "):
            reason = reason[len("target unreachable: ") :]
        return Verdict(EXIT_UNREACHABLE, "unreachable", f"TARGET UNREACHABLE: {reason}")
    if pytest_exit == _PYTEST_FAILED:
        failed = counts["failed"]
        if failed:
            return Verdict(EXIT_FAILED, "failed", f"UNHEALTHY: {failed} of {total} checks failed" + _tail(counts))
        return Verdict(EXIT_FAILED, "failed", "UNHEALTHY: tests failed (errors outside the checks, see above)")
    if pytest_exit == _PYTEST_NO_TESTS:
        return Verdict(EXIT_USAGE, "no_checks", "NO CHECKS RAN: the selection (-k/-m) matched no check")
    if pytest_exit == _PYTEST_USAGE:
        return Verdict(EXIT_USAGE, "usage_error", "USAGE ERROR: pytest rejected the arguments or settings")
    if pytest_exit == _PYTEST_INTERRUPTED:
        return Verdict(EXIT_USAGE, "usage_error", "ERROR: the run was interrupted by collection errors")
    if pytest_exit == _PYTEST_INTERNAL:
        return Verdict(EXIT_USAGE, "usage_error", "INTERNAL ERROR in pytest or a plugin (see above)")
    if pytest_exit != _PYTEST_OK:
        return Verdict(EXIT_USAGE, "usage_error", f"ERROR: pytest exited with status {pytest_exit}")
    if total == 0:
        return Verdict(EXIT_USAGE, "no_checks", "NO CHECKS RAN: tests passed but none was a smoke check")
    if counts["passed"] == 0:
        # Everything skipped is no evidence of health: a gate that verified nothing must not pass.
        return Verdict(EXIT_USAGE, "no_checks", f"NOTHING VERIFIED: all {total} checks were skipped")
    if counts["skipped"]:
        summary = f"HEALTHY: {counts['passed']} passed, {counts['skipped']} skipped ({total} checks)"
    else:
        summary = f"HEALTHY: all {total} checks passed"
    return Verdict(EXIT_HEALTHY, "healthy", summary)


def _tail(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[k]} {k}" for k in ("passed", "skipped") if counts.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


def public_url(url: str | None) -> str | None:
    """The URL without user info, query or fragment: the parts that can carry credentials."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunReport:
    """Everything the JSON report holds; build it with :meth:`collect`, write it with :meth:`write`."""

    checks: list[CheckRow]
    verdict: Verdict
    pytest_exit: int
    target: str | None = None
    target_kind: str | None = None
    litellm_version: str | None = None
    chat_models: list[str] = field(default_factory=list)
    embedding_models: list[str] = field(default_factory=list)
    model_calls: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None

    @classmethod
    def collect(
        cls,
        results: Iterable[CheckResult],
        pytest_exit: int,
        *,
        interrupted: bool = False,
        target: str | None = None,
        target_kind: str | None = None,
        litellm_version: str | None = None,
        chat_models: Sequence[str] = (),
        embedding_models: Sequence[str] = (),
        usage: Usage | None = None,
        started: float | None = None,
        finished: float | None = None,
    ) -> RunReport:
        rows = [CheckRow.from_result(r) for r in results]
        report = cls(
            checks=rows,
            verdict=decide(pytest_exit, rows, interrupted=interrupted),
            pytest_exit=int(pytest_exit),
            target=public_url(target),
            target_kind=target_kind,
            litellm_version=litellm_version,
            chat_models=list(chat_models),
            embedding_models=list(embedding_models),
        )
        if usage is not None:
            report.model_calls = dict(usage.model_calls)
            report.prompt_tokens = usage.prompt_tokens
            report.completion_tokens = usage.completion_tokens
        if started is not None:
            report.started = datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds")
        if finished is not None:
            report.finished = datetime.fromtimestamp(finished, timezone.utc).isoformat(timespec="seconds")
        if started is not None and finished is not None:
            report.duration_s = round(finished - started, 2)
        return report

    def to_dict(self) -> dict[str, Any]:
        from . import __version__

        counts = _counts(self.checks)
        data = {
            "schema": REPORT_SCHEMA,
            "tool": {"name": "litellm-smoke", "version": __version__},
            "verdict": asdict(self.verdict),
            "pytest_exit_status": self.pytest_exit,
            "target": {"url": self.target, "kind": self.target_kind},
            "litellm_version": self.litellm_version,
            "models": {"chat": self.chat_models, "embedding": self.embedding_models},
            "started": self.started,
            "finished": self.finished or _now(),
            "duration_s": self.duration_s,
            "counts": {**counts, "total": len(self.checks)},
            "usage": {
                "model_calls": self.model_calls,
                "model_calls_total": sum(self.model_calls.values()),
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
            },
            "checks": [asdict(row) for row in self.checks],
        }
        redacted: dict[str, Any] = _redacted(data)
        return redacted

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON report (UTF-8, indented); parent directories are created."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return target


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def load_rows(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[CheckRow]] | None:
    """Read a JSON report back: ``(document, rows)``, or None if it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        return None
    return data, [CheckRow.from_json(c) for c in data["checks"] if isinstance(c, dict)]


# -- terminal ----------------------------------------------------------------------------------

Markup = dict[str, bool]


def _latency(row: CheckRow) -> str:
    return "-" if row.status == "skipped" else f"{row.latency_ms:,.0f} ms"


def _short(text: str, limit: int = _REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def progress_line(row: CheckRow, width: int = 48) -> tuple[str, Markup]:
    """``PASS  chat_completion   heartcode-chat-sfw   812 ms`` plus the reason for FAIL/SKIP."""
    word = _WORDS.get(row.status, row.status.upper())
    text = f"{word:<5} {row.name:<{width}} {row.model or '-':<22} {_latency(row):>9}"
    if row.status != "passed" and row.reason:
        text += f"  {_short(row.reason, 100)}"
    return text.rstrip(), _MARKUP.get(row.status, {})


def table_lines(rows: Sequence[CheckRow], verdict: Verdict) -> list[tuple[str, Markup]]:
    """The verdict table, one ``(text, markup)`` pair per line; markup is only applied on a TTY."""
    name_w = max([len("check"), *(len(r.name) for r in rows)])
    model_w = max([len("model"), *(len(r.model or "-") for r in rows)])
    lines: list[tuple[str, Markup]] = [
        (f"{'check':<{name_w}}  {'model':<{model_w}}  verdict  {'latency':>9}  reason", {"bold": True})
    ]
    for row in rows:
        word = _WORDS.get(row.status, row.status.upper())
        reason = _short(row.reason) if row.status != "passed" else ""
        text = f"{row.name:<{name_w}}  {row.model or '-':<{model_w}}  {word:<7}  {_latency(row):>9}  {reason}"
        lines.append((text.rstrip(), _MARKUP.get(row.status, {})))
    colour = {"green": True, "bold": True} if verdict.code == EXIT_HEALTHY else {"red": True, "bold": True}
    lines.append((f"{verdict.summary} -> exit {verdict.code}", colour))
    return lines


# -- GitHub Actions ----------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: RunReport) -> str:
    """The verdict as Markdown for ``$GITHUB_STEP_SUMMARY``: a headline, the run facts, the table."""
    icon = {"healthy": "✅", "failed": "❌", "unreachable": "⛔"}.get(report.verdict.status, "⚠️")
    facts = [f"target `{report.target or 'embedded default'}`"]
    if report.litellm_version:
        facts.append(f"LiteLLM {report.litellm_version}")
    if report.duration_s is not None:
        facts.append(f"{len(report.checks)} checks in {report.duration_s:g} s")
    calls = sum(report.model_calls.values())
    facts.append(f"{calls} model calls, {report.prompt_tokens + report.completion_tokens} tokens")
    lines = [
        f"### {icon} litellm-smoke: {_md(report.verdict.summary)}",
        "",
        " · ".join(facts) + f" · exit {report.verdict.code}",
        "",
        "| check | model | verdict | latency | reason |",
        "|---|---|---|---:|---|",
    ]
    for row in report.checks:
        word = _WORDS.get(row.status, row.status)
        reason = _md(_short(row.reason)) if row.status != "passed" else ""
        lines.append(f"| {_md(row.name)} | {_md(row.model or '-')} | {word} | {_latency(row)} | {reason} |")
    return redact("\n".join(lines)) + "\n\n"


def write_step_summary(report: RunReport, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append :func:`markdown_summary` to ``$GITHUB_STEP_SUMMARY`` when it is set; returns the path."""
    env = os.environ if environ is None else environ
    name = env.get("GITHUB_STEP_SUMMARY", "").strip()
    if not name:
        return None
    path = Path(name)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(markdown_summary(report))
    return path


MaskWriter = Callable[[str], None]
_mask_writer: MaskWriter | None = None


def set_mask_writer(writer: MaskWriter | None) -> MaskWriter | None:
    """Route ``::add-mask::`` lines through ``writer`` (the pytest plugin installs one that bypasses
    output capture, so the runner sees the line at once and JUnit never holds it). Returns the
    previous writer so it can be restored."""
    global _mask_writer
    previous, _mask_writer = _mask_writer, writer
    return previous


def _stdout(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


def github_mask(value: str | Secret | None, environ: Mapping[str, str] | None = None) -> bool:
    """Protect a secret the run created (e.g. a minted virtual key): call it before anything else
    could print the value.

    Always adds the value to the process-wide redactor. Under GitHub Actions
    (``GITHUB_ACTIONS=true``) also prints ``::add-mask::<value>`` so the runner masks it in every
    later log line, including other processes' output. Returns whether a mask command was written.
    """
    text = value.reveal() if isinstance(value, Secret) else value
    if not text:
        return False
    # The runner masks line by line, and so must we: a multi-line value is masked per line too.
    lines = [line for line in text.splitlines() if line.strip()]
    for part in {text, *lines}:
        REDACT.add(part)
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") != "true":
        return False
    write = _mask_writer or _stdout
    for line in lines:
        write(f"::add-mask::{line}\n")
    return True


# -- LiteLLM version ---------------------------------------------------------------------------


async def fetch_litellm_version(client: ProxyClient) -> str | None:
    """One ``GET /health/readiness/details`` with the master key; returns ``litellm_version``.

    Cheap (no model call) and never raises: on any failure it returns what the client already
    knows (the ``x-litellm-version`` header of earlier responses), else None. A found version is
    stored on ``client.litellm_version`` so reports pick it up.
    """
    from .errors import SmokeFailure

    try:
        response = await client.get(READINESS_DETAILS)
    except SmokeFailure:
        return client.litellm_version
    version = None
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("litellm_version"), str):
            version = body["litellm_version"]
    if version and not client.litellm_version:
        client.litellm_version = version
    return client.litellm_version or version

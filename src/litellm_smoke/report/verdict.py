"""The verdict of a smoke run: one row per check, the exit code, and the JSON report.

The pytest plugin collects one :class:`CheckResult` per check; :func:`decide` maps pytest's exit
status and the rows to the exit code; :class:`RunReport` is what ``--smoke-json`` writes and
``litellm-smoke check`` reads back. Nothing here imports pytest or sends a request, and every
string that leaves this module passes through the redactor.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from litellm_smoke._secrets import redact
from litellm_smoke.errors import ExitCode


class Usage(Protocol):
    """What the run spent (the client's ``Usage``): the report only reads it."""

    model_calls: dict[str, int]
    prompt_tokens: int
    completion_tokens: int


REPORT_SCHEMA = "litellm-smoke/report/v1"
PREFLIGHT_TEST = "test_reachability"

# pytest's ExitCode values, spelled out so this module does not import pytest.
_PYTEST_OK, _PYTEST_FAILED, _PYTEST_INTERRUPTED, _PYTEST_INTERNAL, _PYTEST_USAGE, _PYTEST_NO_TESTS = range(6)


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
        # The parameter starts after "::test_x[", and may itself contain "::" or "[" (a model name).
        marker = f"::{test}["
        start = nodeid.find(marker)
        param = nodeid[start + len(marker) : -1] if start != -1 else nodeid[nodeid.index("[") + 1 : -1]
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
        return Verdict(ExitCode.INTERRUPTED, "interrupted", f"INTERRUPTED after {total} checks")
    preflight = next((r for r in rows if r.test == PREFLIGHT_TEST and r.status == "failed"), None)
    if pytest_exit == _PYTEST_FAILED and preflight is not None:
        reason = preflight.reason or "see above"
        if reason.lower().startswith("target unreachable: "):
            reason = reason[len("target unreachable: ") :]
        return Verdict(ExitCode.UNREACHABLE, "unreachable", f"TARGET UNREACHABLE: {reason}")
    if pytest_exit == _PYTEST_FAILED:
        failed = counts["failed"]
        if failed:
            return Verdict(ExitCode.FAILED, "failed", f"UNHEALTHY: {failed} of {total} checks failed" + _tail(counts))
        return Verdict(ExitCode.FAILED, "failed", "UNHEALTHY: tests failed (errors outside the checks, see above)")
    if pytest_exit == _PYTEST_NO_TESTS:
        return Verdict(ExitCode.USAGE, "no_checks", "NO CHECKS RAN: the selection (-k/-m) matched no check")
    if pytest_exit == _PYTEST_USAGE:
        return Verdict(ExitCode.USAGE, "usage_error", "USAGE ERROR: pytest rejected the arguments or settings")
    if pytest_exit == _PYTEST_INTERRUPTED:
        return Verdict(ExitCode.USAGE, "usage_error", "ERROR: the run was interrupted by collection errors")
    if pytest_exit == _PYTEST_INTERNAL:
        return Verdict(ExitCode.USAGE, "usage_error", "INTERNAL ERROR in pytest or a plugin (see above)")
    if pytest_exit != _PYTEST_OK:
        return Verdict(ExitCode.USAGE, "usage_error", f"ERROR: pytest exited with status {pytest_exit}")
    if total == 0:
        return Verdict(ExitCode.USAGE, "no_checks", "NO CHECKS RAN: tests passed but none was a smoke check")
    checks = [r for r in rows if r.test != PREFLIGHT_TEST]
    if counts["passed"] == 0 or (checks and not any(r.status == "passed" for r in checks)):
        # Everything skipped is no evidence of health: a gate that verified nothing must not pass.
        # The preflight runs with any selection, so a reachable target alone does not count either.
        selected = checks or rows
        if all(r.status == "skipped" for r in selected):
            summary = f"NOTHING VERIFIED: all {len(selected)} selected checks were skipped"
        else:
            summary = f"NOTHING VERIFIED: none of the {len(selected)} selected checks passed"
        return Verdict(ExitCode.USAGE, "no_checks", summary)
    if counts["skipped"]:
        summary = f"HEALTHY: {counts['passed']} passed, {counts['skipped']} skipped ({total} checks)"
    else:
        summary = f"HEALTHY: all {total} checks passed"
    return Verdict(ExitCode.OK, "healthy", summary)


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
    inventory: dict[str, Any] | None = None  # what was verified, where each mode came from

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
        inventory: dict[str, Any] | None = None,
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
            inventory=inventory,
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
        from litellm_smoke import __version__

        counts = _counts(self.checks)
        data = {
            "schema": REPORT_SCHEMA,
            "tool": {"name": "litellm-smoke", "version": __version__},
            "verdict": asdict(self.verdict),
            "pytest_exit_status": self.pytest_exit,
            "target": {"url": self.target, "kind": self.target_kind},
            "litellm_version": self.litellm_version,
            "models": {"chat": self.chat_models, "embedding": self.embedding_models},
            "inventory": self.inventory,
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

"""What a person reads in a terminal: one progress line per check, and the verdict table."""

from __future__ import annotations

from collections.abc import Sequence

from litellm_smoke._secrets import redact
from litellm_smoke.errors import ExitCode, printable
from litellm_smoke.report.verdict import CheckRow, Verdict

_REASON_CHARS = 160
WORDS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}
_MARKUP: dict[str, dict[str, bool]] = {
    "passed": {"green": True},
    "failed": {"red": True, "bold": True},
    "skipped": {"yellow": True},
}


Markup = dict[str, bool]


def latency_text(row: CheckRow) -> str:
    return "-" if row.status == "skipped" else f"{row.latency_ms:,.0f} ms"


def shorten(text: str, limit: int = _REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str) -> str:
    """What may reach a terminal: redacted, one line, no control characters (a reason or model name
    comes from the target or the environment, and must not move the cursor or fake a PASS)."""
    return printable(redact(text.translate(_ONE_LINE)))


_ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\x0b": " ", "\x0c": " ", "\x85": " "})
SAME_REASON = "(same reason as above)"


def _reason(row: CheckRow, previous: CheckRow | None, limit: int) -> str:
    """The row's reason, or a short back-reference when the row above gave the same one."""
    if row.status == "passed" or not row.reason:
        return ""
    if previous is not None and previous.status == row.status and previous.reason == row.reason:
        return SAME_REASON
    return shorten(row.reason, limit)


def progress_line(row: CheckRow, width: int = 48, previous: CheckRow | None = None) -> tuple[str, Markup]:
    """``PASS  chat_completion   heartcode-chat-sfw   812 ms`` plus the reason for FAIL/SKIP."""
    word = WORDS.get(row.status, row.status.upper())
    text = f"{word:<5} {row.name:<{width}} {row.model or '-':<22} {latency_text(row):>9}"
    reason = _reason(row, previous, 100)
    if reason:
        text += f"  {reason}"
    return safe(text.rstrip()), _MARKUP.get(row.status, {})


def table_lines(rows: Sequence[CheckRow], verdict: Verdict) -> list[tuple[str, Markup]]:
    """The verdict table, one ``(text, markup)`` pair per line; markup is only applied on a TTY."""
    name_w = max([len("check"), *(len(r.name) for r in rows)])
    model_w = max([len("model"), *(len(r.model or "-") for r in rows)])
    lines: list[tuple[str, Markup]] = [
        (f"{'check':<{name_w}}  {'model':<{model_w}}  verdict  {'latency':>9}  reason", {"bold": True})
    ]
    previous: CheckRow | None = None
    for row in rows:
        word = WORDS.get(row.status, row.status.upper())
        reason = _reason(row, previous, _REASON_CHARS)
        previous = row
        text = f"{row.name:<{name_w}}  {row.model or '-':<{model_w}}  {word:<7}  {latency_text(row):>9}  {reason}"
        lines.append((safe(text.rstrip()), _MARKUP.get(row.status, {})))
    colour = {"green": True, "bold": True} if verdict.code == ExitCode.OK else {"red": True, "bold": True}
    lines.append((f"{verdict.summary} -> exit {verdict.code}", colour))
    return lines

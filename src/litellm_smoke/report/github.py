"""GitHub Actions: the verdict as a step summary, and ``::add-mask::`` for secrets a run creates."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from litellm_smoke._secrets import REDACT, Secret, redact
from litellm_smoke.errors import printable
from litellm_smoke.report.terminal import WORDS, latency_text, shorten
from litellm_smoke.report.verdict import RunReport


def _md(text: str) -> str:
    return printable(" ".join(text.split())).replace("|", "\\|")


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
        word = WORDS.get(row.status, row.status)
        reason = _md(shorten(row.reason)) if row.status != "passed" else ""
        lines.append(f"| {_md(row.name)} | {_md(row.model or '-')} | {word} | {latency_text(row)} | {reason} |")
    return printable(redact("\n".join(lines))) + "\n\n"


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


def _stdout(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


class Masker:
    """Protects a secret the run created (e.g. a minted virtual key); call it before anything else
    could print the value.

    Always adds the value to the redactor. Under GitHub Actions (``GITHUB_ACTIONS=true`` in
    ``environ``) also writes ``::add-mask::<value>`` through ``write``, so the runner masks it in
    every later log line, including other processes' output. The pytest plugin passes a ``write``
    that bypasses output capture, so the runner sees the line at once and JUnit never holds it.
    """

    def __init__(self, environ: Mapping[str, str] | None = None, write: MaskWriter | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.write = write or _stdout

    def __call__(self, value: str | Secret | None) -> bool:
        """Returns whether a mask command was written."""
        text = value.reveal() if isinstance(value, Secret) else value
        if not text:
            return False
        # The runner masks line by line, and so must we: a multi-line value is masked per line too.
        lines = [line for line in text.splitlines() if line.strip()]
        for part in {text, *lines}:
            REDACT.add(part)
        if self.environ.get("GITHUB_ACTIONS") != "true":
            return False
        for line in lines:
            self.write(f"::add-mask::{line}\n")
        return True

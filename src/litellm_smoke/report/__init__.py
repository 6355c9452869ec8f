"""Reports of a smoke run: the verdict and JSON (:mod:`.verdict`), the terminal table
(:mod:`.terminal`) and GitHub Actions output (:mod:`.github`). No HTTP and no pytest here."""

from __future__ import annotations

from litellm_smoke.report.github import Masker, markdown_summary, write_step_summary
from litellm_smoke.report.terminal import progress_line, table_lines
from litellm_smoke.report.verdict import (
    PREFLIGHT_TEST,
    REPORT_SCHEMA,
    CheckResult,
    CheckRow,
    RunReport,
    Verdict,
    check_label,
    decide,
    load_rows,
    public_url,
)

__all__ = [
    "PREFLIGHT_TEST",
    "REPORT_SCHEMA",
    "CheckResult",
    "CheckRow",
    "Masker",
    "RunReport",
    "Verdict",
    "check_label",
    "decide",
    "load_rows",
    "markdown_summary",
    "progress_line",
    "public_url",
    "table_lines",
    "write_step_summary",
]

"""report/verdict.py decide(): the exit code and status of each kind of run, and what its summary counts."""

from __future__ import annotations

import pytest

from litellm_smoke.report.verdict import CheckResult, CheckRow, decide


def row(name: str, status: str = "passed", reason: str = "") -> CheckRow:
    nodeid = f"litellm_smoke/suite/test_smoke.py::{name}"
    return CheckRow.from_result(CheckResult(nodeid, name, None, status, 1.0, reason))


def test_healthy_with_skips_counts_both() -> None:
    verdict = decide(0, [row("test_a"), row("test_b", "skipped", "no model"), row("test_c")])
    assert (verdict.code, verdict.status) == (0, "healthy")
    assert verdict.summary == "HEALTHY: 2 passed, 1 skipped (3 checks)"


def test_failed_summary_counts_the_rest() -> None:
    checks = [row("test_a"), row("test_b", "failed"), row("test_c", "failed"), row("test_d", "skipped")]
    verdict = decide(1, checks)
    assert (verdict.code, verdict.status) == (1, "failed")
    assert verdict.summary == "UNHEALTHY: 2 of 4 checks failed (1 passed, 1 skipped)"
    assert decide(1, [row("test_b", "failed")]).summary == "UNHEALTHY: 1 of 1 checks failed"


@pytest.mark.parametrize(
    ("reason", "summary"),
    [
        ("target unreachable: connection refused", "TARGET UNREACHABLE: connection refused"),
        ("Target Unreachable: timed out", "TARGET UNREACHABLE: timed out"),
        ("wrong service at http://x: 404", "TARGET UNREACHABLE: wrong service at http://x: 404"),
        ("", "TARGET UNREACHABLE: see above"),
    ],
)
def test_a_failed_preflight_is_unreachable(reason: str, summary: str) -> None:
    verdict = decide(1, [row("test_reachability", "failed", reason), row("test_a", "skipped")])
    assert (verdict.code, verdict.status, verdict.summary) == (3, "unreachable", summary)


def test_only_a_failed_preflight_is_unreachable() -> None:
    # a passed preflight, or another check failing, is a plain failure
    verdict = decide(1, [row("test_reachability"), row("test_a", "failed", "target unreachable: x")])
    assert (verdict.code, verdict.status) == (1, "failed")


def test_interrupted_wins_over_everything() -> None:
    verdict = decide(1, [row("test_reachability", "failed")], interrupted=True)
    assert (verdict.code, verdict.status, verdict.summary) == (130, "interrupted", "INTERRUPTED after 1 checks")


@pytest.mark.parametrize(
    ("pytest_exit", "status"), [(2, "usage_error"), (3, "usage_error"), (4, "usage_error"), (5, "no_checks")]
)
def test_pytest_errors_are_usage_errors_even_with_passing_checks(pytest_exit: int, status: str) -> None:
    verdict = decide(pytest_exit, [row("test_a")])
    assert (verdict.code, verdict.status) == (2, status)


def test_unknown_statuses_do_not_count_as_passed() -> None:
    verdict = decide(0, [row("test_a", "xfailed"), row("test_b", "skipped")])
    assert (verdict.code, verdict.status) == (2, "no_checks")
    assert verdict.summary == "NOTHING VERIFIED: none of the 2 selected checks passed"


def test_skip_reasons_lose_the_prefix_and_whitespace_and_are_redacted() -> None:
    assert row("test_a", "skipped", "Skipped:  no\n chat   model").reason == "no chat model"
    assert row("test_a", "skipped", "Skipped: x -- see test_reachability").reason == "not run: see reachability"
    assert row("test_a", "skipped", "key sk-abcdef1234567890 used").reason == "key [REDACTED] used"


def test_a_passed_preflight_with_only_skipped_checks_is_not_healthy() -> None:
    # A reachable target is no evidence of health: the preflight runs with any selection,
    # so a run whose every real check was skipped verified nothing and must not exit 0.
    rows = [row("test_reachability"), row("test_a", "skipped", "no chat model"), row("test_b", "skipped", "no model")]
    verdict = decide(0, rows)
    assert (verdict.code, verdict.status) == (2, "no_checks")
    assert verdict.summary == "NOTHING VERIFIED: all 2 selected checks were skipped"

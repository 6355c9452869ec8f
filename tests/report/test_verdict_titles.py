"""report/verdict.py decide(): the one-line verdict of each kind of run, word for word (the CLI's last line)."""

from __future__ import annotations

import pytest

from litellm_smoke.report.verdict import decide

from .test_verdict import row


@pytest.mark.parametrize(
    ("pytest_exit", "code", "status", "summary"),
    [
        (2, 2, "usage_error", "ERROR: the run was interrupted by collection errors"),
        (3, 2, "usage_error", "INTERNAL ERROR in pytest or a plugin (see above)"),
        (4, 2, "usage_error", "USAGE ERROR: pytest rejected the arguments or settings"),
        (5, 2, "no_checks", "NO CHECKS RAN: the selection (-k/-m) matched no check"),
        (7, 2, "usage_error", "ERROR: pytest exited with status 7"),
    ],
)
def test_each_pytest_exit_has_its_verdict(pytest_exit: int, code: int, status: str, summary: str) -> None:
    verdict = decide(pytest_exit, [row("test_a")])
    assert (verdict.code, verdict.status, verdict.summary) == (code, status, summary)


def test_the_other_verdicts_word_for_word() -> None:
    assert decide(0, []).summary == "NO CHECKS RAN: tests passed but none was a smoke check"
    assert decide(0, [row("test_a"), row("test_b")]).summary == "HEALTHY: all 2 checks passed"
    assert decide(1, []).summary == "UNHEALTHY: tests failed (errors outside the checks, see above)"
    assert decide(0, [row("test_a", "skipped")]).summary == "NOTHING VERIFIED: all 1 selected checks were skipped"
    interrupted = decide(1, [row("test_a"), row("test_b", "failed")], interrupted=True)
    assert (interrupted.code, interrupted.status, interrupted.summary) == (
        130,
        "interrupted",
        "INTERRUPTED after 2 checks",
    )


def test_counts_start_at_zero_and_count_each_row_once() -> None:
    rows = [row("test_a"), row("test_b", "failed"), row("test_c", "skipped"), row("test_d", "skipped")]
    assert decide(1, rows).summary == "UNHEALTHY: 1 of 4 checks failed (1 passed, 2 skipped)"
    assert decide(1, [row("test_b", "failed")]).summary == "UNHEALTHY: 1 of 1 checks failed"
    assert decide(0, [row("test_a"), row("test_c", "skipped")]).summary == "HEALTHY: 1 passed, 1 skipped (2 checks)"


def test_a_status_outside_the_three_is_counted_once_too() -> None:
    # a JSON report read back (CheckRow.from_json) may carry any status string
    from litellm_smoke.report.verdict import CheckRow, _counts

    odd = CheckRow.from_json({"name": "a", "status": "error"})
    assert _counts([odd, row("test_b")]) == {"passed": 1, "failed": 0, "skipped": 0, "error": 1}


def test_a_run_of_only_the_skipped_preflight_counts_the_preflight() -> None:
    # no check besides the preflight was selected, and it was skipped: the summary counts the one row there is
    verdict = decide(0, [row("test_reachability", "skipped")])
    assert (verdict.code, verdict.status, verdict.summary) == (
        2,
        "no_checks",
        "NOTHING VERIFIED: all 1 selected checks were skipped",
    )

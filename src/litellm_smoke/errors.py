"""Failure types: what was expected, what came back, what to look at."""

from __future__ import annotations

from enum import IntEnum

from litellm_smoke._secrets import redact

EXCERPT_CHARS = 300


class ExitCode(IntEnum):
    """The exit codes of every ``litellm-smoke`` command (and the verdict of a pytest run).

    ``check``: 0 healthy, 1 a check failed, 2 usage or configuration error (also: nothing
    selected or verified), 3 target unreachable, 130 interrupted. ``lint-config``: 0 no errors,
    1 findings, 2 unreadable input. ``sweep``: 0 done, 1 listing or deleting failed, 2 usage error.
    """

    OK = 0
    FAILED = 1
    USAGE = 2
    UNREACHABLE = 3
    INTERRUPTED = 130  # the shell convention for SIGINT


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, redacted excerpt of a body."""
    flat = " ".join(text.split())
    flat = redact(flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SmokeFailure(AssertionError):
    """A smoke check failed. Subclasses AssertionError so pytest reports *failed*, not *error*.

    The message has a title line, then ``expected``, ``got`` and ``look at`` lines; every part
    passes through the redactor, so no key can appear in it.
    """

    def __init__(self, title: str, *, expected: str, got: str, hint: str, security: bool = False) -> None:
        self.title = redact(("SECURITY: " if security else "") + title)
        self.expected = redact(expected)
        self.got = redact(got)
        self.hint = redact(hint)
        self.security = security
        super().__init__(str(self))

    @property
    def reason(self) -> str:
        """The one-line reason for summaries."""
        return self.title

    def __str__(self) -> str:
        return f"{self.title}\n  expected: {self.expected}\n  got:      {self.got}\n  look at:  {self.hint}"


class TargetUnreachable(SmokeFailure):
    """The preflight could not reach a LiteLLM proxy at all; every other check is skipped."""


class StartupError(RuntimeError):
    """The embedded default (or another launcher) could not start the target."""

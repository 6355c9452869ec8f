"""Failure types: what was expected, what came back, what to look at."""

from __future__ import annotations

from ._secrets import redact

EXCERPT_CHARS = 300


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

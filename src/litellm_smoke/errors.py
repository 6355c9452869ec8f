"""Failure types: what was expected, what came back, what to look at."""

from __future__ import annotations

import re
from enum import IntEnum

from litellm_smoke._secrets import redact

EXCERPT_CHARS = 300
_EXCERPT_SCAN = 8192  # an excerpt looks at this much of a body at most, however large the body
_EDGE_GUARD = 512  # dropped from the end of a cut prefix: it may hold the first part of a secret

# C0 and C1 control characters (ESC, CSI, BEL, backspace, carriage return...), DEL, and the
# bidirectional overrides that reorder what a terminal shows. Newlines and tabs are kept here;
# one-line contexts flatten them anyway.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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


def printable(text: str) -> str:
    """``text`` without terminal control characters: a body cannot clear the screen, move the cursor,
    write the clipboard (OSC 52) or print a fake PASS through us. Each one becomes ``?``.
    """
    return _CONTROL.sub("?", text)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, redacted, printable excerpt of a body.

    Only a bounded prefix is looked at (a 200 MB body costs no more than a small one); the end of a
    cut prefix is dropped before redaction could miss a secret that the cut split.
    """
    cut = len(text) > _EXCERPT_SCAN
    flat = " ".join(text[:_EXCERPT_SCAN].split())
    if cut:
        flat = flat[: max(0, len(flat) - _EDGE_GUARD)]
    flat = printable(redact(flat))
    if cut and len(flat) < limit:
        return flat + " …"
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SmokeFailure(AssertionError):
    """A smoke check failed. Subclasses AssertionError so pytest reports *failed*, not *error*.

    The message has a title line, then ``expected``, ``got`` and ``look at`` lines; every part
    passes through the redactor, so no key can appear in it.
    """

    def __init__(self, title: str, *, expected: str, got: str, hint: str, security: bool = False) -> None:
        self.title = printable(redact(("SECURITY: " if security else "") + title))
        self.expected = printable(redact(expected))
        self.got = printable(redact(got))
        self.hint = printable(redact(hint))
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

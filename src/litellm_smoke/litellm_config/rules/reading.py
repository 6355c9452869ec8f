"""Reading: the file is YAML, holds a config, and its ``include:`` files and wrapper make sense.

``yaml-invalid`` and ``config-not-mapping`` stop the lint (nothing else can be checked); the rest
come from how :func:`~litellm_smoke.litellm_config.reader.read_config` assembled the config.
"""

from __future__ import annotations

from collections.abc import Iterator

from litellm_smoke.litellm_config.rules._base import Check, Finding, LintContext


def check_assembly(ctx: LintContext) -> Iterator[Finding]:
    """Keys written twice, missing or malformed ``include:`` files, wrappers that may not be what runs."""
    loaded = ctx.loaded
    if loaded is None:
        return
    for dup in loaded.duplicates:
        yield Finding(
            "warning",
            "duplicate-yaml-key",
            dup.path,
            f"{dup.path} appears twice (lines {dup.first_line} and {dup.line}); "
            "YAML keeps only the last one, silently dropping the first",
            "merge the two blocks into one",
            line=dup.line,
            file=dup.file,
        )
    for problem in loaded.problems:
        yield Finding(
            problem.severity,
            problem.code,
            problem.path,
            problem.message,
            problem.fix,
            line=problem.line,
            file=problem.file,
        )


CHECKS: tuple[Check, ...] = (check_assembly,)

"""Reading: the file is YAML, holds a config, and its ``include:`` files and wrapper make sense.

``yaml-invalid`` and ``config-not-mapping`` stop the lint (nothing else can be checked); the rest
come from how :func:`~litellm_smoke.litellm_config.reader.read_config` assembled the config.
"""

from __future__ import annotations

from collections.abc import Iterator

from litellm_smoke.litellm_config.rules._base import Family, Finding, LintContext, Rule


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


FAMILY = Family(
    "reading",
    "Reading the config",
    (check_assembly,),
    (
        Rule("yaml-invalid", "error", "the file is not valid YAML (line and column given)"),
        Rule("config-not-mapping", "error", "the file holds no mapping LiteLLM could read as a config"),
        Rule("duplicate-yaml-key", "warning", "a key written twice in one mapping: YAML keeps the last"),
        Rule("include-missing", "error", "an include: entry names a file that is not there: LiteLLM fails to start"),
        Rule("include-not-mapping", "error", "an included file is not a mapping: LiteLLM refuses it"),
        Rule("include-not-list", "error", "include: is not a list of file paths"),
        Rule(
            "include-replaces-section",
            "warning",
            "an included file replaces a whole section (general_settings...) and drops earlier keys",
        ),
        Rule("helm-config-not-rendered", "warning", "the chart mounts an existing ConfigMap, not this proxy_config"),
        Rule("manifest-several-configs", "warning", "a manifest holds several LiteLLM ConfigMaps; one was checked"),
    ),
)

"""Static pre-deploy checks of a LiteLLM proxy config: no network, no LiteLLM import.

The config is read by :func:`~litellm_smoke.litellm_config.reader.read_config` (plain file,
``include:``, Helm values, ConfigMap, manifest); the rules live in
:mod:`litellm_smoke.litellm_config.rules`, one module per family, listed in its registry.
This module runs them, locates each finding (file and line), removes secrets and formats the report.

Every finding names the YAML path it is about, the file and line to edit, what is wrong and the
fix. Secrets never reach a finding: not the master key, not an ``api_key``, not the password of a
database URL, not even a prefix of one.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from litellm_smoke._secrets import Redactor
from litellm_smoke.errors import ExitCode
from litellm_smoke.litellm_config.reader import ConfigFileError, LoadedConfig, read_config
from litellm_smoke.litellm_config.rules import CHECKS, RULES, Check, Finding, LintContext, LintOptions, Severity
from litellm_smoke.litellm_config.rules.database import DB_URL_ENV_VARS, _password
from litellm_smoke.litellm_config.rules.master_key import (
    MASTER_KEY_ENV,
    OVERRIDE_ENV,
    PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS,
)
from litellm_smoke.litellm_config.rules.models import SECRET_PARAM_NAMES

__all__ = [
    "CHECKS",
    "OVERRIDE_ENV",
    "PUBLICLY_KNOWN_MASTER_KEY_SHA256_DIGESTS",
    "RULES",
    "Finding",
    "LintContext",
    "LintOptions",
    "LintReport",
    "Severity",
    "exit_code",
    "findings_to_json",
    "format_findings",
    "lint",
    "lint_config",
]

JSON_SCHEMA_VERSION = 2
_SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
_SECRET_ENV_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL|DIRECT_URL", re.IGNORECASE)


@dataclass(frozen=True)
class LintReport:
    """Findings, plus what was read: ``read_as`` (the wrapper in words) and every file merged."""

    findings: list[Finding]
    source: str
    read_as: str = "LiteLLM config"
    wrapper: str = "config"
    files: tuple[str, ...] = ()
    deployment: dict[str, Any] = field(default_factory=dict)


def _read(text_or_path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """(source name, text or None to read the file)."""
    if isinstance(text_or_path, os.PathLike):
        return str(text_or_path), None
    if "\n" not in text_or_path and text_or_path.strip().lower().endswith((".yaml", ".yml")):
        return text_or_path, None
    return "<config>", text_or_path


def _secret_values(ctx: LintContext) -> set[str]:
    """Every value a finding must not echo, whatever a check's message says."""
    secrets: set[str] = set()
    settings = ctx.general_settings
    candidates: list[Any] = [settings.get("master_key"), ctx.environ.get(MASTER_KEY_ENV)]
    for url in (settings.get("database_url"), *(ctx.environ.get(v) for v in DB_URL_ENV_VARS)):
        resolved = ctx.resolve(url)
        if resolved:
            candidates += [_password(resolved), resolved]
    for _, entry in ctx.model_entries():
        params = entry.get("litellm_params")
        if isinstance(params, Mapping):
            candidates += [params.get(k) for k in SECRET_PARAM_NAMES]
    loaded = ctx.loaded
    if loaded is not None:
        values = loaded.wrapper_values
        if isinstance(values, Mapping):
            candidates.append(values.get("masterkey"))
        candidates += [v for k, v in loaded.environ.items() if _SECRET_ENV_NAME.search(k)]
    for value in candidates:
        resolved = ctx.resolve(value) if value is not None else None
        if resolved and len(resolved.strip()) >= 6:
            secrets.add(resolved.strip())
    return secrets


def _locate(finding: Finding, loaded: LoadedConfig) -> Finding:
    if finding.line is not None or finding.file is not None:
        return finding
    if finding.path.startswith("env:"):
        return finding
    if finding.path.startswith("helm:"):
        where = loaded.locate_wrapper(finding.path[len("helm:") :])
    else:
        where = loaded.locate(finding.path)
    if where is None:
        return replace(finding, file=loaded.files[0] if loaded.files else None)
    return replace(finding, file=where[0], line=where[1])


def lint(
    text_or_path: str | os.PathLike[str],
    environ: Mapping[str, str],
    *,
    options: LintOptions = LintOptions(),  # noqa: B008 - frozen dataclass, safe as a default
    checks: Sequence[Check] = CHECKS,
) -> LintReport:
    """Check a LiteLLM config (or the Helm values / ConfigMap / manifest carrying it) before deploying it.

    :param text_or_path: a :class:`~pathlib.Path` (any ``os.PathLike``) or a ``str`` ending in
        ``.yaml``/``.yml`` is read as a file (``OSError`` if unreadable); any other ``str`` is the
        YAML text itself (then no file next to it is scanned).
    :param environ: the environment the proxy will run with; ``os.environ/VAR`` references,
        ``LITELLM_MASTER_KEY`` and ``DATABASE_URL`` are resolved against it plus what the wrapper
        sets (Helm ``envVars``, a manifest's ``env``), never against ``os.environ``. Ignored with
        ``options.references_only``.
    :param options: replicas, workers, cost per probe, whether to scan files next to the config,
        references only (check the references, not their values).
    :param checks: the checks to run, default :data:`CHECKS`.
    :return: findings sorted errors first, then warnings, then info; report order within each.
    """
    source, text = _read(text_or_path)
    try:
        loaded = read_config(source, text=text) if text is not None else read_config(Path(source))
    except ConfigFileError as exc:
        if exc.code == "config-unreadable":
            if isinstance(exc.__cause__, (OSError, UnicodeDecodeError)):
                raise exc.__cause__ from None
            raise OSError(str(exc)) from None
        return LintReport([_stop_finding(exc)], source)
    if not isinstance(loaded.config, Mapping):
        kind = "empty" if loaded.config is None else f"a {type(loaded.config).__name__}"
        stop = ConfigFileError(
            f"the config is {kind}; LiteLLM expects a mapping with model_list, general_settings, ...",
            code="config-not-mapping",
            file=loaded.files[0] if loaded.files else None,
            line=1,
        )
        return LintReport([_stop_finding(stop)], source, loaded.described, loaded.wrapper, tuple(loaded.files))
    # --references-only: the caller's environment is not the deployment's; what the wrapper sets is config.
    merged_env = {**loaded.environ, **({} if options.references_only else environ)}
    ctx = LintContext(config=loaded.config, environ=merged_env, loaded=loaded, options=options)
    findings: list[Finding] = []
    for check in checks:
        findings.extend(check(ctx))
    redact = Redactor(_secret_values(ctx))
    cleaned = [
        _locate(replace(f, message=redact(f.message), fix=redact(f.fix), path=redact(f.path)), loaded) for f in findings
    ]
    deployment = ctx.deployment
    return LintReport(
        sorted(cleaned, key=lambda f: _SEVERITY_ORDER[f.severity]),
        source,
        loaded.described,
        loaded.wrapper,
        tuple(loaded.files),
        {"replicas": deployment.replicas, "workers": deployment.workers, "from": deployment.source},
    )


def _stop_finding(exc: ConfigFileError) -> Finding:
    if exc.code == "yaml-invalid":
        return Finding(
            "error",
            "yaml-invalid",
            "<document>",
            exc.detail,
            "fix the YAML syntax there (check indentation, ':' and quoting)",
            line=exc.line,
            file=exc.file,
        )
    return Finding(
        "error",
        exc.code,
        "<document>",
        str(exc),
        "start from 'model_list:' at the top level (or give the Helm values / ConfigMap that holds the config)",
        line=exc.line,
        file=exc.file,
    )


def lint_config(
    text_or_path: str | os.PathLike[str],
    environ: Mapping[str, str],
    *,
    checks: Sequence[Check] = CHECKS,
    options: LintOptions = LintOptions(),  # noqa: B008 - frozen dataclass, safe as a default
) -> list[Finding]:
    """:func:`lint`, findings only."""
    return lint(text_or_path, environ, options=options, checks=checks).findings


# --------------------------------------------------------------------------- output


def exit_code(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """1 if any error (or, with ``strict``, any warning) was found, else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return int(ExitCode.FAILED if any(f.severity in failing for f in findings) else ExitCode.OK)


def _summary(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}


def _where(f: Finding) -> str:
    if f.file is not None and f.line is not None:
        return f"{f.path} ({f.file}:{f.line})"
    if f.line is not None:
        return f"{f.path} (line {f.line})"
    return f.path


def format_findings(findings: Sequence[Finding], *, source: str | None = None, read_as: str | None = None) -> str:
    """Human-readable report: what was read, then one block per finding (severity, location, code, message, fix)."""
    counts = _summary(findings)
    head = f"{source}: " if source else ""
    intro = f"{source}: read as {read_as}\n" if source and read_as and read_as != "LiteLLM config" else ""
    summary = f"{head}{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
    if not findings:
        return f"{intro}{head}no problems found"
    width = max(len(f.severity) for f in findings)
    blocks = []
    for f in findings:
        indent = " " * (width + 2)
        head_line = f"{f.severity.upper():<{width}}  {_where(f)}  [{f.code}]"
        blocks.append(f"{head_line}\n{indent}{f.message}\n{indent}fix: {f.fix}")
    return intro + "\n\n".join(blocks) + f"\n\n{summary}"


def findings_to_json(
    findings: Sequence[Finding], *, source: str | None = None, report: LintReport | None = None
) -> str:
    """Machine-readable report (documented in docs/config-lint.md, "JSON output").

    ``{"schema": 2, "source", "read_as", "wrapper", "files", "deployment", "summary": {error, warning, info},
    "findings": [{severity, code, path, message, fix, line, file}]}``
    """
    data: dict[str, Any] = {"schema": JSON_SCHEMA_VERSION, "source": source}
    if report is not None:
        data.update(
            source=source if source is not None else report.source,
            read_as=report.read_as,
            wrapper=report.wrapper,
            files=list(report.files),
            deployment=report.deployment,
        )
    data.update(summary=_summary(findings), findings=[asdict(f) for f in findings])
    return json.dumps(data, indent=2)

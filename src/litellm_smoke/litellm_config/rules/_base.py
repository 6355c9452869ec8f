"""What every rule module shares: :class:`Finding`, :class:`LintContext`, :class:`Rule`, small helpers.

Facts about LiteLLM cited in the rule modules come from ``litellm==1.108.7`` (``site-packages/litellm/...``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from litellm_smoke.litellm_config.reader import Deployment, LoadedConfig, join_path

__all__ = [
    "ENV_PREFIX",
    "Check",
    "Family",
    "Finding",
    "LintContext",
    "LintOptions",
    "Rule",
    "Severity",
    "env_reference",
    "join_path",
    "label",
    "truthy",
    "walk",
]

Severity = Literal["error", "warning", "info"]
ENV_PREFIX = "os.environ/"
_TRUE = frozenset({"true", "1", "yes", "on"})


@dataclass(frozen=True)
class Finding:
    """One problem found in a config or next to it.

    :param severity: ``error`` (the deploy will fail or is unsafe), ``warning`` (probably wrong) or
        ``info`` (worth knowing).
    :param code: stable kebab-case identifier, e.g. ``hardcoded-master-key`` (see the registry).
    :param path: YAML path in the config as LiteLLM sees it (``model_list[1].litellm_params.model``),
        ``env:VAR`` for a value read from the environment, ``helm:KEY`` for a chart value outside
        ``proxy_config``, ``<document>`` for the file as a whole, or a dependency/image reference
        for version findings.
    :param message: what is wrong and where; never contains a secret.
    :param fix: what to change.
    :param line: 1-based line in ``file``, when known.
    :param file: the file to edit (an included file, the Helm values, a requirements file...).
    """

    severity: Severity
    code: str
    path: str
    message: str
    fix: str
    line: int | None = field(default=None, compare=False)
    file: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LintOptions:
    """Inputs that are not in the config.

    :ivar replicas: proxy pods (default: from Helm values / manifest, else 1); :ivar workers: uvicorn
        workers per pod (same); :ivar cost_per_probe: dollars one health-check probe costs;
    :ivar scan_project: read requirements/lockfiles/Dockerfiles/compose files next to the config;
    :ivar scan_dirs: more directories to read them from; :ivar advisories: extra advisory files;
    :ivar well_known_keys: extra files of publicly known keys (security/well_known_keys.py);
    :ivar references_only: check the config and its ``os.environ/`` references without their values
        (a CI lint job holds none of the proxy's secrets): the caller's environment is not consulted
        (what the config's own wrapper sets still is), an unset variable is not a finding (one
        ``info`` lists them) and a value that would come from the environment is not judged; values
        written in the config still are.
    """

    replicas: int | None = None
    workers: int | None = None
    cost_per_probe: float | None = None
    scan_project: bool = True
    scan_dirs: tuple[Path, ...] = ()
    advisories: tuple[Path, ...] = ()
    well_known_keys: tuple[Path, ...] = ()
    references_only: bool = False


@dataclass(frozen=True)
class LintContext:
    """What every check sees: the config, the environment the proxy will run with, how it was read."""

    config: Mapping[str, Any]
    environ: Mapping[str, str]
    loaded: LoadedConfig | None = None
    options: LintOptions = field(default_factory=LintOptions)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.config.get(name)
        return value if isinstance(value, Mapping) else {}

    @property
    def general_settings(self) -> Mapping[str, Any]:
        return self.section("general_settings")

    def model_entries(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        models = self.config.get("model_list")
        if isinstance(models, list):
            for index, entry in enumerate(models):
                if isinstance(entry, Mapping):
                    yield index, entry

    def resolve(self, value: Any) -> str | None:
        """The string LiteLLM would use for ``value``: ``os.environ/VAR`` is looked up, blank is None."""
        if value is None:
            return None
        var = env_reference(value)
        resolved = self.environ.get(var) if var is not None else str(value)
        return resolved if resolved and resolved.strip() else None

    @property
    def references_only(self) -> bool:
        return self.options.references_only

    def value_unknown(self, value: Any) -> bool:
        """With ``references_only``: ``value`` is an ``os.environ/`` reference the config itself does not set.

        Its value is the deployment's business, so rules leave it unjudged instead of treating it as unset.
        """
        var = env_reference(value)
        return self.references_only and var is not None and var not in self.environ

    def provided_elsewhere(self, var: str) -> str | None:
        """Where the wrapper sets ``var`` from a place we cannot read (a Secret), else None."""
        return self.loaded.provided_env.get(var) if self.loaded is not None else None

    @property
    def opaque_env(self) -> list[str]:
        return self.loaded.opaque_env if self.loaded is not None else []

    @property
    def deployment(self) -> Deployment:
        """Replicas and workers: ``--replicas``/``--workers`` win over what the files say; 1 by default."""
        found = self.loaded.deployment if self.loaded is not None else Deployment()
        return Deployment(
            self.options.replicas or found.replicas or 1,
            self.options.workers or found.workers or 1,
            found.backend_replicas,
            "options" if (self.options.replicas or self.options.workers) else found.source,
            found.notes,
        )

    def store_model_in_db(self) -> bool:
        return truthy(self.general_settings.get("store_model_in_db")) or truthy(self.environ.get("STORE_MODEL_IN_DB"))


Check = Callable[[LintContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One finding code, as documented: its usual severity and what it means."""

    code: str
    severity: Severity
    summary: str


@dataclass(frozen=True)
class Family:
    """A rule family: one module, its checks (run in order) and the codes they can report."""

    name: str
    title: str
    checks: tuple[Check, ...]
    rules: tuple[Rule, ...]


def env_reference(value: Any) -> str | None:
    """The variable name of an ``os.environ/VAR`` value, else None (LiteLLM only expands a prefix)."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return value[len(ENV_PREFIX) :]
    return None


def truthy(value: Any) -> bool:
    return str(value).strip().lower() in _TRUE if value is not None else False


def walk(value: Any, path: str = "", _seen: frozenset[int] = frozenset()) -> Iterator[tuple[str, Any]]:
    """Every scalar in the document with its YAML path (recursive aliases are visited once)."""
    if isinstance(value, (Mapping, list)):
        if id(value) in _seen:
            return
        seen = _seen | {id(value)}
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, child in items:
            yield from walk(child, join_path(path, key), seen)
    else:
        yield path, value


def label(entry: Mapping[str, Any]) -> str:
    name = entry.get("model_name")
    return repr(name) if isinstance(name, str) and name.strip() else "unnamed"

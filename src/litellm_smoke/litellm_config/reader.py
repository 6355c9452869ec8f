"""One reader of LiteLLM's proxy configuration, shared by ``lint-config`` and ``check --config``.

Deployments rarely hand LiteLLM a bare ``config.yaml``. :func:`read_config` accepts what they
actually keep in the repository and says which of these it read:

- a plain ``config.yaml``, with LiteLLM's ``include:`` merged the way LiteLLM 1.108.7 merges it
  (``litellm/proxy/common_utils/config_includes.py``: lists extended, other values replaced,
  entries resolved next to the declaring file, then next to the root config, each file read once);
- litellm-helm chart values (``proxy_config``, ``masterkey``, ``replicaCount``, ``numWorkers``,
  ``envVars``, ``environmentSecrets``, ``db``) and the split chart's ``gateway.config.proxy_config``;
- a Kubernetes ConfigMap (``data."config.yaml"``), alone or in a multi-document manifest, whose
  Deployment (replicas, ``--num_workers``, env) is read too.

Every value keeps the file and line it came from (:attr:`LoadedConfig.locations`), so findings
point at the line to edit, also inside an included file or a ConfigMap's block scalar.

It also knows which models a config serves (:func:`models_from_config`) and how to tell an
embedding model from a chat model by name (:func:`looks_like_embedding`, the one rule).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from litellm_smoke.litellm_config._yaml import YamlDocument, YamlProblem, load_documents

__all__ = [
    "EMBEDDING_NAME_RULE",
    "ConfigFileError",
    "ConfigModels",
    "Deployment",
    "DuplicateKey",
    "LoadedConfig",
    "ReadProblem",
    "Wrapper",
    "join_path",
    "looks_like_embedding",
    "models_from_config",
    "read_config",
]

_EMBEDDING_NAME = re.compile(r"embed|(^|[/_.-])(bge|gte|e5)([_.-]|$)", re.IGNORECASE)
EMBEDDING_NAME_RULE = '"embed" or a bge/gte/e5 name part'
"""The rule in words, for notes and findings."""

INCLUDE_KEY = "include"
PROXY_CONFIG_KEYS = frozenset({"model_list", "general_settings", "litellm_settings", "router_settings", INCLUDE_KEY})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")

Wrapper = Literal["config", "helm-values", "helm-split-values", "configmap", "manifest"]


def looks_like_embedding(name: str) -> bool:
    """Whether a model name reads as an embedding model: ``text-embedding-3-small``, ``BAAI/bge-large``,
    ``thenlper/gte-base``, ``intfloat/e5-mistral`` (not ``gpt-5`` or ``gte`` inside a word)."""
    return bool(_EMBEDDING_NAME.search(name))


def join_path(path: str, key: object) -> str:
    """``path`` + ``key`` in the YAML-path notation findings use: ``a.b[0]["odd key"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if not _IDENTIFIER.match(text):
        return f"{path}[{json.dumps(text)}]"
    return f"{path}.{text}" if path else text


class ConfigFileError(ValueError):
    """A config cannot be used at all; the message says why (and never quotes a secret).

    :param file: the file at fault, :param line: its 1-based line when known,
    :param code: the lint code (``yaml-invalid``, ``config-not-mapping``, ``config-unreadable``...).
    """

    def __init__(
        self, message: str, *, code: str = "config-unreadable", file: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.file, self.line = code, file, line
        self.detail = message


@dataclass(frozen=True)
class ReadProblem:
    """Something wrong with how the config is assembled (a missing include, an odd wrapper).

    Not fatal: the rest of the config is still read. Lint turns each into a finding.
    """

    severity: Literal["error", "warning", "info"]
    code: str
    path: str
    message: str
    fix: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class DuplicateKey:
    """A mapping key written twice in one file (YAML silently keeps the last)."""

    path: str
    file: str
    first_line: int
    line: int


@dataclass(frozen=True)
class Deployment:
    """How many processes run the proxy, as far as the files say (None: they do not say)."""

    replicas: int | None = None
    workers: int | None = None
    backend_replicas: int | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class LoadedConfig:
    """A LiteLLM proxy config as the proxy would see it, and where each part came from.

    :ivar config: the merged config (``include:`` resolved); whatever the YAML held, even a non-mapping.
    :ivar source: the path given.
    :ivar wrapper: what the file was (see :data:`Wrapper`); :ivar described: the same in words.
    :ivar files: every file read, root first.
    :ivar locations: config path (``general_settings.master_key``) -> (file, 1-based line).
    :ivar environ: environment the wrapper gives the proxy (Helm ``envVars``, a manifest's ``env``).
    :ivar provided_env: variables the wrapper sets from places we cannot read -> where from.
    :ivar opaque_env: whole environment sources we cannot read (``Secret litellm-env``).
    :ivar wrapper_values: the wrapper document (Helm values, ConfigMap, manifest documents) for
        rules about the wrapper itself; :ivar wrapper_locations: its own paths -> (file, line).
    """

    config: Any
    source: str
    wrapper: Wrapper = "config"
    described: str = "LiteLLM config"
    files: list[str] = field(default_factory=list)
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    environ: dict[str, str] = field(default_factory=dict)
    provided_env: dict[str, str] = field(default_factory=dict)
    opaque_env: list[str] = field(default_factory=list)
    deployment: Deployment = field(default_factory=Deployment)
    wrapper_values: Any = None
    wrapper_locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    root_dir: Path | None = None

    def locate(self, path: str) -> tuple[str, int] | None:
        """(file, line) of a config path, or of its nearest parent that has one."""
        return _nearest(path, self.locations)

    def locate_wrapper(self, path: str) -> tuple[str, int] | None:
        return _nearest(path, self.wrapper_locations)


def _nearest(path: str, locations: Mapping[str, tuple[str, int]]) -> tuple[str, int] | None:
    while path:
        if path in locations:
            return locations[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return locations.get("<document>")


# --------------------------------------------------------------------------- entry point


def read_config(source: str | os.PathLike[str], *, text: str | None = None) -> LoadedConfig:
    """Read a LiteLLM config, or the Helm values / ConfigMap / manifest that carries one.

    :param source: the file; with ``text`` given, only its name (for messages and includes).
    :raises ConfigFileError: unreadable file, invalid YAML, or nothing that holds a config.
    """
    name = str(source)
    root_dir: Path | None = None
    if text is None:
        text = _read_text(Path(source), name)
        root_dir = Path(source).resolve().parent
    documents = _load(text, name)
    mappings = [d for d in documents if isinstance(d.data, Mapping)]
    configmaps = [d for d in mappings if _is_configmap_with_config(d.data)]
    if configmaps:
        return _from_manifest(name, documents, configmaps, root_dir)
    if len(documents) > 1:
        raise ConfigFileError(
            f"{name} holds {len(documents)} YAML documents and none is a ConfigMap with a config.yaml; "
            "LiteLLM reads only a single-document config",
            code="config-not-mapping",
            file=name,
            line=1,
        )
    document = documents[0]
    data = document.data
    if isinstance(data, Mapping) and not PROXY_CONFIG_KEYS & set(data):
        if isinstance(data.get("proxy_config"), Mapping):
            return _from_helm(name, document, split=False, root_dir=root_dir)
        gateway = data.get("gateway")
        if isinstance(gateway, Mapping) and isinstance(gateway.get("config"), Mapping):
            return _from_helm(name, document, split=True, root_dir=root_dir)
    loaded = LoadedConfig(config=data, source=name, files=[name], root_dir=root_dir)
    if document.node is not None:
        _index(document.node, "", name, 0, loaded.locations, loaded.duplicates)
    if isinstance(data, Mapping) and INCLUDE_KEY in data:
        loaded.config = _resolve_includes(loaded, data, name, reader=_disk_reader)
        if len(loaded.files) > 1:
            loaded.described = f"LiteLLM config with include: ({len(loaded.files) - 1} file(s) merged)"
    return loaded


def _read_text(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigFileError(f"cannot read {name}: {reason}", file=name) from exc


def _load(text: str, name: str, line_offset: int = 0, file: str | None = None) -> list[YamlDocument]:
    try:
        return load_documents(text)
    except YamlProblem as exc:
        line = exc.line + line_offset if exc.line is not None else None
        where = f"line {line}, column {exc.column}" if line is not None else ""
        error = ConfigFileError(
            f"{name} is not valid YAML{f' ({where})' if where else ''}: {exc.problem}",
            code="yaml-invalid",
            file=file or name,
            line=line,
        )
        error.detail = f"the config is not valid YAML{f' at {where}' if where else ''}: {exc.problem}"
        raise error from None


def _index(
    node: yaml.Node,
    path: str,
    file: str,
    offset: int,
    locations: dict[str, tuple[str, int]],
    duplicates: list[DuplicateKey] | None,
    _seen: set[int] | None = None,
) -> None:
    """Record (file, line) for every path under ``node``; ``offset`` is added to node lines."""
    seen = _seen if _seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    locations.setdefault(path or "<document>", (file, node.start_mark.line + 1 + offset))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = join_path(path, key)
            line = key_node.start_mark.line + 1 + offset
            if key in first_line and duplicates is not None:
                duplicates.append(DuplicateKey(child, file, first_line[key], line))
            first_line.setdefault(key, line)
            locations[child] = (file, line)
            _index(value_node, child, file, offset, locations, duplicates, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join_path(path, index)
            locations[child] = (file, item.start_mark.line + 1 + offset)
            _index(item, child, file, offset, locations, duplicates, seen)


def _child_node(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in reversed(node.value) if str(k.value) == key), None)
    return node


# --------------------------------------------------------------------------- include:


def _disk_reader(location: str) -> tuple[str, Any, yaml.Node | None] | None:
    """(label, data, node) of an included file on disk, None if absent."""
    path = Path(location)
    if not path.is_file():
        return None
    relative = os.path.relpath(location)
    label = location if relative.startswith("..") else relative
    doc = _load(_read_text(path, label), label)[0]
    return label, doc.data, doc.node


def _resolve_includes(loaded: LoadedConfig, config: Mapping[str, Any], root: str, *, reader: Any) -> Any:
    """LiteLLM's ``resolve_includes``, keeping track of where every merged value came from."""
    root_abs = os.path.abspath(root)
    merged: dict[str, Any] = {k: v for k, v in config.items() if k != INCLUDE_KEY}
    pending: list[tuple[int, str, str, str]] = [  # (index, entry, declared_in (abs), declared_in label)
        (i, e, root_abs, root) for i, e in enumerate(_include_entries(loaded, config, root))
    ]
    loaded_files = {root_abs}
    while pending:
        index, entry, declared_in, label = pending.pop(0)
        location = _resolve_include_path(entry, declared_in, root_abs)
        if location in loaded_files:
            continue
        found = reader(location)
        if found is None:
            where = _where(loaded, join_path(INCLUDE_KEY, index), label)
            loaded.problems.append(
                ReadProblem(
                    "error" if loaded.wrapper == "config" else "warning",
                    "include-missing",
                    join_path(INCLUDE_KEY, index),
                    f"include: names {entry!r}, which is not next to {label}; LiteLLM fails to start with "
                    "'Included file not found'",
                    f"create {entry} next to {label}, or remove the entry",
                    *where,
                )
            )
            continue
        inc_label, data, node = found
        loaded_files.add(location)
        loaded.files.append(inc_label)
        if not isinstance(data, Mapping):
            kind = "empty" if data is None else f"a {type(data).__name__}"
            if data is None:
                continue  # LiteLLM reads an empty include as {}
            loaded.problems.append(
                ReadProblem(
                    "error",
                    "include-not-mapping",
                    join_path(INCLUDE_KEY, index),
                    f"the included file {inc_label} is {kind}; LiteLLM refuses it ('Included config file is "
                    "not a YAML mapping')",
                    f"make {inc_label} a mapping of config sections (model_list:, litellm_settings:, ...)",
                    inc_label,
                    1,
                )
            )
            continue
        locations: dict[str, tuple[str, int]] = {}
        if node is not None:
            _index(node, "", inc_label, 0, locations, loaded.duplicates)
        for key, value in data.items():
            if key == INCLUDE_KEY:
                continue
            prefix = join_path("", key)
            base = merged.get(key)
            shift = len(base) if isinstance(value, list) and isinstance(base, list) else None
            if isinstance(base, Mapping) and isinstance(value, Mapping) and set(base) - set(value):
                dropped = ", ".join(sorted(str(k) for k in set(base) - set(value)))
                section_at: tuple[str, int | None] = locations.get(prefix) or (inc_label, None)
                loaded.problems.append(
                    ReadProblem(
                        "warning",
                        "include-replaces-section",
                        prefix,
                        f"{inc_label} sets {prefix}, which replaces the whole {prefix} merged so far: LiteLLM "
                        f"merges include: files one level deep only, so {dropped} from earlier files are dropped",
                        f"keep {prefix} in one file, or repeat {dropped} in {inc_label}",
                        *section_at,
                    )
                )
            if shift is None:
                _drop_prefix(loaded.locations, prefix)
            for path, where in locations.items():
                relocated = _relocate(path, prefix, shift)
                if relocated is not None:
                    loaded.locations[relocated] = where
            merged[key] = [*base, *value] if shift is not None and isinstance(base, list) else value
        pending.extend(
            (i, e, location, inc_label) for i, e in enumerate(_include_entries(loaded, data, inc_label, locations))
        )
    return merged


def _include_entries(
    loaded: LoadedConfig, config: Mapping[str, Any], label: str, locations: Mapping[str, tuple[str, int]] | None = None
) -> list[str]:
    if INCLUDE_KEY not in config:
        return []
    entries = config.get(INCLUDE_KEY)
    if isinstance(entries, list) and all(isinstance(e, str) for e in entries):
        return list(entries)
    where = (locations or loaded.locations).get(INCLUDE_KEY)
    loaded.problems.append(
        ReadProblem(
            "error",
            "include-not-list",
            INCLUDE_KEY,
            f"include: in {label} is not a list of file paths; LiteLLM refuses to start",
            "write include: as a list, e.g. 'include: [models.yaml]'",
            *(where or (label, None)),
        )
    )
    return []


def _resolve_include_path(entry: str, declared_in: str, root: str) -> str:
    # Same rule as litellm/proxy/common_utils/config_includes.py resolve_include_file_path (1.108.7).
    declared_relative = os.path.abspath(os.path.join(os.path.dirname(declared_in), entry))
    root_relative = os.path.abspath(os.path.join(os.path.dirname(root), entry))
    if root_relative == declared_relative or not os.path.exists(root_relative):
        return declared_relative
    return declared_relative if os.path.exists(declared_relative) else root_relative


def _owns(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _drop_prefix(locations: dict[str, tuple[str, int]], prefix: str) -> None:
    for path in [p for p in locations if _owns(p, prefix)]:
        del locations[path]


def _relocate(path: str, prefix: str, shift: int | None) -> str | None:
    """``path`` of an included file as a path of the merged config (list items shifted), None if not under prefix."""
    if not _owns(path, prefix):
        return None
    if shift is None or path == prefix:
        return path if shift is None else None
    match = re.match(r"\[(\d+)\]", path[len(prefix) :])
    if match is None:
        return None
    return f"{prefix}[{int(match.group(1)) + shift}]{path[len(prefix) + match.end() :]}"


def _where(loaded: LoadedConfig, path: str, label: str) -> tuple[str, int | None]:
    found = loaded.locations.get(path)
    return found if found is not None else (label, None)


# --------------------------------------------------------------------------- Helm values


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _replicas(section: Mapping[str, Any], hpa_keys: tuple[str, ...], label: str, notes: list[str]) -> int:
    for key in hpa_keys:
        scaler = section.get(key)
        if isinstance(scaler, Mapping) and scaler.get("enabled") is True:
            low = _whole(scaler.get("minReplicas")) or 1
            high = _whole(scaler.get("maxReplicas"))
            span = f"{low} to {high}" if high else f"at least {low}"
            notes.append(f"{label}{key} scales from {span} replicas; counting {low} (pass --replicas to override)")
            return low
    count = _whole(section.get("replicaCount"))
    return 1 if count is None else count


def _from_helm(name: str, document: YamlDocument, *, split: bool, root_dir: Path | None) -> LoadedConfig:
    values = document.data
    notes: list[str] = []
    if split:
        gateway = values["gateway"]
        section, prefix = gateway, "gateway."
        config_node = _child_node(document.node, "gateway", "config", "proxy_config")
        proxy_config = gateway["config"].get("proxy_config")
        described = "split litellm chart values (gateway.config.proxy_config)"
        backend = values.get("backend")
        backend_replicas = (
            _replicas(backend, ("hpa", "autoscaling"), "backend.", notes)
            if isinstance(backend, Mapping) and backend.get("enabled", True) is not False
            else None
        )
        created = gateway["config"].get("create", True)
        config_key = "gateway.config.create"
    else:
        section, prefix = values, ""
        config_node = _child_node(document.node, "proxy_config")
        proxy_config = values.get("proxy_config")
        described = "litellm-helm chart values (proxy_config)"
        backend_replicas = None
        cm = values.get("proxyConfigMap")
        created = cm.get("create", True) if isinstance(cm, Mapping) else True
        config_key = "proxyConfigMap.create"
    replicas = _replicas(section, ("autoscaling", "hpa", "keda"), prefix, notes)
    workers = _whole(section.get("numWorkers"))
    loaded = LoadedConfig(
        config=proxy_config if proxy_config is not None else {},
        source=name,
        wrapper="helm-split-values" if split else "helm-values",
        described=described,
        files=[name],
        wrapper_values=values,
        root_dir=root_dir,
    )
    if document.node is not None:
        _index(document.node, "", name, 0, loaded.wrapper_locations, None)
    if config_node is not None:
        _index(config_node, "", name, 0, loaded.locations, loaded.duplicates)
    if created is False:
        loaded.problems.append(
            ReadProblem(
                "warning",
                "helm-config-not-rendered",
                f"helm:{config_key}",
                f"{config_key} is false, so the proxy reads an existing ConfigMap and the proxy_config "
                f"checked here may not be what runs",
                "lint the ConfigMap the proxy mounts instead, or set create: true",
                *(loaded.locate_wrapper(config_key) or (name, None)),
            )
        )
    _helm_environment(loaded, section, values)
    env_workers = loaded.environ.get("NUM_WORKERS", "")
    if workers is None and env_workers.isdigit():
        workers = int(env_workers)
    loaded.deployment = Deployment(replicas, workers or 1, backend_replicas, f"{name} ({described})", tuple(notes))
    if isinstance(loaded.config, Mapping) and INCLUDE_KEY in loaded.config:
        loaded.config = _resolve_includes(loaded, loaded.config, name, reader=_disk_reader)
    return loaded


def _helm_environment(loaded: LoadedConfig, section: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """The environment the chart's Deployment gives the proxy (templates/deployment.yaml)."""
    env_vars = section.get("envVars")
    if isinstance(env_vars, Mapping):
        loaded.environ.update({str(k): str(v) for k, v in env_vars.items() if v is not None})
    extra = section.get("extraEnvVars")
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                if "value" in item:
                    loaded.environ[item["name"]] = str(item["value"])
                elif "valueFrom" in item:
                    loaded.provided_env[item["name"]] = "a valueFrom reference in extraEnvVars"
    masterkey = values.get("masterkey")
    secret_name = values.get("masterkeySecretName")
    if isinstance(masterkey, str) and masterkey.strip():
        loaded.environ["PROXY_MASTER_KEY"] = masterkey
    elif isinstance(secret_name, str) and secret_name.strip():
        loaded.provided_env["PROXY_MASTER_KEY"] = f"Secret {secret_name}"
    else:
        loaded.provided_env["PROXY_MASTER_KEY"] = "the key the chart generates (Secret <release>-masterkey)"
    db = values.get("db")
    db = db if isinstance(db, Mapping) else {}
    if db.get("deployStandalone", True) is True or db.get("useExisting") is True:
        loaded.provided_env.setdefault("DATABASE_URL", "the chart (postgresql://... built from db.* values)")
    for kind, key in (("Secret", "environmentSecrets"), ("ConfigMap", "environmentConfigMaps")):
        sources = section.get(key)
        if isinstance(sources, list):
            loaded.opaque_env.extend(f"{kind} {s}" for s in sources if isinstance(s, str))


# --------------------------------------------------------------------------- ConfigMap / manifest


def _configmap_key(data: Mapping[str, Any]) -> str | None:
    entries = data.get("data")
    if not isinstance(entries, Mapping):
        return None
    if isinstance(entries.get("config.yaml"), str):
        return "config.yaml"
    for key, value in entries.items():
        if str(key).endswith((".yaml", ".yml")) and isinstance(value, str):
            try:
                inner = load_documents(value)[0].data
            except YamlProblem:
                continue
            if isinstance(inner, Mapping) and PROXY_CONFIG_KEYS & set(inner):
                return str(key)
    return None


def _is_configmap_with_config(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == "ConfigMap" and _configmap_key(data) is not None


def _meta_name(data: Mapping[str, Any]) -> str:
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return str(name) if name else "<unnamed>"


def _from_manifest(
    name: str, documents: list[YamlDocument], configmaps: list[YamlDocument], root_dir: Path | None
) -> LoadedConfig:
    chosen = configmaps[0]
    data = chosen.data
    key = _configmap_key(data)
    assert key is not None  # guaranteed by _is_configmap_with_config
    cm_name = _meta_name(data)
    kind: Wrapper = "configmap" if len(documents) == 1 else "manifest"
    described = f"Kubernetes ConfigMap {cm_name}, data.{json.dumps(key) if '.' in key else key}"
    if kind == "manifest":
        described = f"multi-document manifest ({len(documents)} documents), {described}"
    value_node = _child_node(chosen.node, "data", key)
    text = data["data"][key]
    offset = _block_offset(value_node)
    inner = _load(text, f"{name} (data.{key})", offset or 0, file=name)
    if len(inner) != 1:
        raise ConfigFileError(f"data.{key} in {name} holds several YAML documents", code="yaml-invalid", file=name)
    loaded = LoadedConfig(
        config=inner[0].data,
        source=name,
        wrapper=kind,
        described=described,
        files=[name],
        wrapper_values=[d.data for d in documents],
        root_dir=root_dir,
    )
    for index, document in enumerate(documents):
        if document.node is not None:
            prefix = f"<doc{index}>" if len(documents) > 1 else ""
            _index(document.node, prefix, name, 0, loaded.wrapper_locations, None)
    if inner[0].node is not None:
        if offset is not None:
            _index(inner[0].node, "", name, offset, loaded.locations, loaded.duplicates)
        else:  # a quoted or folded scalar: lines inside it do not map to the file; point at the key
            where = (name, value_node.start_mark.line + 1) if value_node is not None else (name, 1)
            loaded.locations["<document>"] = where
    if len(configmaps) > 1:
        others = ", ".join(_meta_name(d.data) for d in configmaps[1:])
        loaded.problems.append(
            ReadProblem(
                "warning",
                "manifest-several-configs",
                "<document>",
                f"{name} has {len(configmaps)} ConfigMaps holding a LiteLLM config; only {cm_name} was checked "
                f"(not {others})",
                "lint each ConfigMap on its own (one per file)",
                name,
                None,
            )
        )
    siblings = {str(k): v for k, v in data["data"].items() if isinstance(v, str)}
    if isinstance(loaded.config, Mapping) and INCLUDE_KEY in loaded.config:
        base = root_dir or Path.cwd()

        def configmap_reader(location: str) -> tuple[str, Any, yaml.Node | None] | None:
            # A ConfigMap mounted as a directory turns each data key into a file next to config.yaml.
            entry = os.path.relpath(location, base)
            if entry in siblings:
                doc = _load(siblings[entry], f"{name} (data.{entry})")[0]
                return f"{name} (data.{entry})", doc.data, doc.node
            return _disk_reader(location)

        loaded.config = _resolve_includes(loaded, loaded.config, str(base / key), reader=configmap_reader)
    _manifest_deployment(loaded, documents)
    return loaded


def _block_offset(node: yaml.Node | None) -> int | None:
    """Lines to add to a line inside a literal block scalar (``|``) to get the file's line."""
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        return node.start_mark.line + 1  # content starts on the line after the '|' indicator
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _manifest_deployment(loaded: LoadedConfig, documents: list[YamlDocument]) -> None:
    """Replicas, workers and environment of the Deployment that runs LiteLLM in the same manifest."""
    for document in documents:
        data = document.data
        if not (isinstance(data, Mapping) and data.get("kind") in ("Deployment", "StatefulSet")):
            continue
        spec = _mapping(data.get("spec"))
        pod = _mapping(_mapping(spec.get("template")).get("spec"))
        containers = pod.get("containers")
        containers = containers if isinstance(containers, list) else []
        for container in containers:
            if not isinstance(container, Mapping) or "litellm" not in str(container.get("image", "")).lower():
                continue
            workers: int | None = None
            for item in _list(container.get("env")):
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    if "value" in item:
                        loaded.environ[item["name"]] = str(item["value"])
                    else:
                        loaded.provided_env[item["name"]] = f"a valueFrom reference in Deployment {_meta_name(data)}"
            for source in _list(container.get("envFrom")):
                if isinstance(source, Mapping):
                    for kind, ref in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                        target = source.get(ref)
                        if isinstance(target, Mapping) and target.get("name"):
                            loaded.opaque_env.append(f"{kind} {target['name']}")
            words = [str(w) for w in [*_list(container.get("command")), *_list(container.get("args"))]]
            for index, word in enumerate(words):
                if word.startswith("--num_workers"):
                    value = word.partition("=")[2] or (words[index + 1] if index + 1 < len(words) else "")
                    workers = int(value) if value.isdigit() else None
            if workers is None and loaded.environ.get("NUM_WORKERS", "").isdigit():
                workers = int(loaded.environ["NUM_WORKERS"])
            replicas = _whole(spec.get("replicas"))
            loaded.deployment = Deployment(
                replicas if replicas is not None else 1,
                workers or 1,
                None,
                f"Deployment {_meta_name(data)} in {loaded.source}",
            )
            return


# --------------------------------------------------------------------------- models for check --config


@dataclass(frozen=True)
class ConfigModels:
    """The models a LiteLLM config serves, split into what the chat and embedding checks cover."""

    chat: tuple[str, ...]
    embedding: tuple[str, ...]
    notes: tuple[str, ...]


_CHAT_MODES = ("chat", "completion")


def models_from_config(path: str | os.PathLike[str]) -> ConfigModels:
    """Derive the chat and embedding models from a LiteLLM config's ``model_list``.

    The config is read by :func:`read_config`, so Helm values, a ConfigMap and ``include:`` work
    as in ``lint-config``; a note says what was read when it is not a plain config.
    ``model_info.mode: embedding`` is an embedding model; ``chat`` or ``completion`` a chat
    model. Without a mode, a name (``model_name`` or ``litellm_params.model``) that
    :func:`looks_like_embedding` is taken for an embedding model, anything else for chat, and a
    note says so.
    Other modes (images, audio, rerank...) and wildcard routes have no smoke check: noted and
    skipped. Nothing is resolved: ``os.environ/`` values are not needed to name the models.

    :raises ConfigFileError: unreadable file, invalid YAML, or no usable ``model_list``.
    """
    loaded = read_config(path)
    source = str(path)
    data = loaded.config
    entries = data.get("model_list") if isinstance(data, Mapping) else None
    if not isinstance(entries, list) or not entries:
        read_as = f" (read as {loaded.described})" if loaded.wrapper != "config" else ""
        raise ConfigFileError(
            f"{source} has no model_list{read_as}: expected a LiteLLM proxy config with model_list entries "
            "(model_name + litellm_params.model)"
        )
    chat: list[str] = []
    embedding: list[str] = []
    notes: list[str] = []
    if loaded.wrapper != "config" or len(loaded.files) > 1:
        notes.append(f"read {source} as {loaded.described}")
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        name = entry.get("model_name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            notes.append(f"model_list[{index}] has no model_name: skipped (litellm-smoke lint-config explains)")
            continue
        name = name.strip()
        if "*" in name:
            notes.append(f"{name}: a wildcard route, not a model: skipped (name models with --chat-model)")
            continue
        params = entry.get("litellm_params")
        upstream = params.get("model") if isinstance(params, Mapping) else None
        info = entry.get("model_info")
        mode = info.get("mode") if isinstance(info, Mapping) else None
        if mode == "embedding":
            kind = "embedding"
        elif mode in _CHAT_MODES:
            kind = "chat"
        elif mode is None:
            names = [n for n in (name, upstream) if isinstance(n, str)]
            kind = "embedding" if any(looks_like_embedding(n) for n in names) else "chat"
            because = f"its name {'contains' if kind == 'embedding' else 'does not contain'} {EMBEDDING_NAME_RULE}"
            notes.append(
                f"{name}: no model_info.mode, checked as {kind} because {because} "
                f"(set model_info.mode: {kind} in the config to make it explicit)"
            )
        else:
            notes.append(f"{name}: model_info.mode {mode!r} has no smoke check: skipped")
            continue
        if name in seen:
            if seen[name] != kind:
                notes.append(f"{name}: listed again as {kind}; checked as {seen[name]} (its first entry)")
            continue  # several deployments behind one name: one model to check
        seen[name] = kind
        (embedding if kind == "embedding" else chat).append(name)
    if not chat and not embedding:
        raise ConfigFileError(f"{source}: no model with a smoke check (chat or embedding) in model_list")
    return ConfigModels(tuple(chat), tuple(embedding), tuple(notes))

"""The inventory of a smoke run: which models to verify, in which mode, with which declared capabilities.

Resolved once per session, before the checks are collected (they are parametrized from it):

1. Given lists (``--chat-model`` / ``--embedding-model`` or their env/ini) are the expectation:
   a listed model that the proxy lacks fails ``models_listed``, as before. ``/model/info`` is
   still read (when it answers) for the declared capabilities, and models the proxy serves
   beyond the lists are reported.
2. No lists: ``GET /model/info`` (master key) gives each model's ``mode`` and capabilities.
3. ``/model/info`` unavailable or silent: ``GET /v1/models`` names the models, and the one shared
   name rule (``litellm_config.reader.looks_like_embedding``) decides chat vs embedding.

Exclusion globs (``--exclude-model``) drop models nobody wants to pay for; wildcard routes
(``openai/*``) cannot be verified one by one and are named as such; modes the suite does not
verify (image, audio, video, unknown) are listed as "not verified (mode ...)", never passed.
Nothing here raises: a failed lookup is a ``problem`` the report shows, and the checks of the
run (the master key, the model list) name the root cause.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import MODEL_INFO, MODELS
from litellm_smoke.errors import SmokeFailure

VERIFIED_MODES = ("chat", "embedding", "completion", "rerank", "moderation")
"""Modes with cheap checks of their own; every other mode is listed as not verified."""
CAPABILITIES = {
    "supports_function_calling": "function_calling",
    "supports_response_schema": "response_schema",
}
"""``/model/info`` flags that add checks, and the short names used in ids and reports."""

# Upstream calls per model of each mode, and per declared capability (docs/checks.md).
CALLS_PER_MODE = {"chat": 4, "embedding": 3, "completion": 1, "rerank": 1, "moderation": 1}
CALLS_PER_CAPABILITY = {"function_calling": 2, "response_schema": 1}


@dataclass(frozen=True)
class Model:
    """One model name the proxy serves (or was expected to)."""

    name: str
    mode: str
    source: str  # "given", "/model/info", "/v1/models + name rule"
    capabilities: frozenset[str] = frozenset()

    @property
    def verified(self) -> bool:
        return self.mode in VERIFIED_MODES

    def expected_calls(self, apis: Sequence[str] = ()) -> int:
        calls = CALLS_PER_MODE.get(self.mode, 0)
        calls += sum(CALLS_PER_CAPABILITY.get(c, 0) for c in self.capabilities)
        if self.mode == "chat":
            calls += 2 * len(apis)  # each API surface: one plain and one streamed call
        return calls


@dataclass
class Inventory:
    """What the run verifies and what it names without verifying."""

    models: list[Model] = field(default_factory=list)
    source: str = "given"
    excluded: list[str] = field(default_factory=list)
    wildcards: list[str] = field(default_factory=list)
    access_groups: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # served, but not in the given lists
    problem: str | None = None  # why discovery found nothing, if it did not

    def of_mode(self, mode: str) -> list[str]:
        return [m.name for m in self.models if m.mode == mode]

    def with_capability(self, capability: str) -> list[str]:
        return [m.name for m in self.models if m.mode == "chat" and capability in m.capabilities]

    @property
    def unverified(self) -> list[Model]:
        return [m for m in self.models if not m.verified]

    @property
    def verified(self) -> list[Model]:
        return [m for m in self.models if m.verified]

    def expected_calls(self, apis: Sequence[str] = ()) -> int:
        return sum(m.expected_calls(apis) for m in self.models)

    def lines(self, apis: Sequence[str] = ()) -> list[str]:
        """The report header's inventory lines; never a key."""
        out = [
            f"litellm-smoke inventory ({self.source}): {len(self.verified)} model(s) to verify, "
            f"about {self.expected_calls(apis)} upstream call(s)"
        ]
        for model in self.models:
            caps = f" [{', '.join(sorted(model.capabilities))}]" if model.capabilities else ""
            state = "" if model.verified else f" -- not verified (mode {model.mode})"
            out.append(f"  {model.name}: {model.mode}{caps} (from {model.source}){state}")
        if self.extra:
            out.append(f"  served but not in the given lists: {', '.join(self.extra)}")
        if self.excluded:
            out.append(f"  excluded: {', '.join(self.excluded)}")
        if self.wildcards:
            out.append(f"  not verifiable one by one (wildcard routes): {', '.join(self.wildcards)}")
        if self.access_groups:
            out.append(f"  access groups (verified through their models): {', '.join(self.access_groups)}")
        if self.problem:
            out.append(f"  discovery: {self.problem}")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "models": [
                {
                    "name": m.name,
                    "mode": m.mode,
                    "from": m.source,
                    "capabilities": sorted(m.capabilities),
                    "verified": m.verified,
                }
                for m in self.models
            ],
            "excluded": list(self.excluded),
            "wildcards": list(self.wildcards),
            "access_groups": list(self.access_groups),
            "extra": list(self.extra),
            "problem": self.problem,
        }


def excluded(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _flag(info: Mapping[str, Any], key: str) -> bool:
    return info.get(key) is True


def parse_model_info(body: Any) -> list[tuple[str, str | None, frozenset[str], tuple[str, ...]]]:
    """``(model_name, mode, capabilities, access_groups)`` per model group of a ``/model/info`` body.

    A model name with several deployments is one entry: its mode is the first one declared, and a
    capability counts only when every deployment declares it (the router may pick any of them).
    """
    data = body.get("data") if isinstance(body, dict) else None
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("model_name"), str):
            continue
        info = entry.get("model_info")
        groups.setdefault(entry["model_name"], []).append(info if isinstance(info, dict) else {})
    parsed = []
    for name, infos in groups.items():
        mode = next((str(i["mode"]) for i in infos if isinstance(i.get("mode"), str) and i["mode"]), None)
        caps = frozenset(short for flag, short in CAPABILITIES.items() if all(_flag(i, flag) for i in infos))
        access = tuple(
            dict.fromkeys(str(g) for i in infos for g in (i.get("access_groups") or []) if isinstance(g, str))
        )
        parsed.append((name, mode, caps, access))
    return parsed


async def _model_info(client: ProxyClient) -> tuple[list[Any] | None, str | None]:
    try:
        response = await client.get(MODEL_INFO)
    except SmokeFailure as failure:
        return None, f"GET {MODEL_INFO}: {failure.title}"
    except Exception as exc:  # discovery never raises: the checks of the run name the cause
        return None, f"GET {MODEL_INFO}: {type(exc).__name__}"
    if response.status_code != 200:
        return None, f"GET {MODEL_INFO} answered {response.status_code}"
    try:
        parsed = parse_model_info(response.json())
    except ValueError:
        return None, f"GET {MODEL_INFO} answered non-JSON"
    if not parsed:
        return None, f"GET {MODEL_INFO} listed no models"
    return parsed, None


async def _model_ids(client: ProxyClient) -> tuple[list[str] | None, str | None]:
    try:
        response = await client.get(MODELS)
    except SmokeFailure as failure:
        return None, f"GET {MODELS}: {failure.title}"
    except Exception as exc:
        return None, f"GET {MODELS}: {type(exc).__name__}"
    if response.status_code != 200:
        return None, f"GET {MODELS} answered {response.status_code}"
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return None, f"GET {MODELS} answered no model list"
    ids = [str(m["id"]) for m in data if isinstance(m, dict) and m.get("id")] if isinstance(data, list) else []
    return ids, None


async def resolve(
    client: ProxyClient,
    *,
    chat: Sequence[str],
    embedding: Sequence[str],
    exclude: Sequence[str],
    name_rule: Callable[[str], bool],
    discover: bool,
) -> Inventory:
    """The run's inventory (see the module docstring). Never raises.

    :param chat: given chat models (the expectation), or empty.
    :param embedding: given embedding models, or empty.
    :param name_rule: True when a name reads as an embedding model (the fallback's only rule).
    :param discover: ask the proxy at all (False: the given lists only, no request).
    """
    given = [*chat, *embedding]
    inventory = Inventory(source="given" if given else "discovered")
    info: list[tuple[str, str | None, frozenset[str], tuple[str, ...]]] | None = None
    problem = None
    if discover:
        info, problem = await _model_info(client)
    by_name = {name: (mode, caps) for name, mode, caps, _ in info or []}
    if info:
        inventory.access_groups = list(dict.fromkeys(g for *_, groups in info for g in groups))
    if given:
        for name, kind in [(n, "chat") for n in chat] + [(n, "embedding") for n in embedding]:
            if excluded(name, exclude):
                inventory.excluded.append(name)
                continue
            caps = _kept(name, by_name.get(name, (None, frozenset()))[1], exclude)
            inventory.models.append(Model(name, kind, "given", caps if kind == "chat" else frozenset()))
        inventory.extra = [n for n in by_name if n not in given and "*" not in n]
        return inventory
    if not discover:
        return inventory
    if info:
        for name, declared, caps, _ in info:
            mode = declared or ("embedding" if name_rule(name) else "chat")
            _add(inventory, name, mode, "/model/info" if declared else "/model/info + name rule", caps, exclude)
        return inventory
    ids, fallback_problem = await _model_ids(client)
    if ids is None:
        inventory.problem = f"{problem}; {fallback_problem}"
        return inventory
    for name in ids:
        _add(
            inventory, name, "embedding" if name_rule(name) else "chat", "/v1/models + name rule", frozenset(), exclude
        )
    if not inventory.models and not inventory.excluded and not inventory.wildcards:
        inventory.problem = f"{problem}; GET {MODELS} listed no models"
    return inventory


def _add(inventory: Inventory, name: str, mode: str, source: str, caps: frozenset[str], exclude: Sequence[str]) -> None:
    if "*" in name:
        inventory.wildcards.append(name)
    elif excluded(name, exclude):
        inventory.excluded.append(name)
    else:
        caps = _kept(name, caps, exclude)
        inventory.models.append(Model(name, mode, source, caps if mode == "chat" else frozenset()))


def _kept(name: str, caps: frozenset[str], exclude: Sequence[str]) -> frozenset[str]:
    """Capabilities not excluded by a ``MODEL:CAPABILITY`` glob (``*:function_calling``)."""
    return frozenset(c for c in caps if not excluded(f"{name}:{c}", exclude))

"""One reader of LiteLLM's proxy configuration, shared by ``lint-config`` and ``check --config``.

It knows which models a ``config.yaml`` serves and how to tell an embedding model from a chat model
by name when ``model_info.mode`` is missing (one rule, :func:`looks_like_embedding`, so the linter's
warning and the gate's choice of checks never disagree).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EMBEDDING_NAME_RULE",
    "ConfigFileError",
    "ConfigModels",
    "looks_like_embedding",
    "models_from_config",
]

_EMBEDDING_NAME = re.compile(r"embed|(^|[/_.-])(bge|gte|e5)([_.-]|$)", re.IGNORECASE)
EMBEDDING_NAME_RULE = '"embed" or a bge/gte/e5 name part'
"""The rule in words, for notes and findings."""


def looks_like_embedding(name: str) -> bool:
    """Whether a model name reads as an embedding model: ``text-embedding-3-small``, ``BAAI/bge-large``,
    ``thenlper/gte-base``, ``intfloat/e5-mistral`` (not ``gpt-5`` or ``gte`` inside a word)."""
    return bool(_EMBEDDING_NAME.search(name))


class ConfigFileError(ValueError):
    """A LiteLLM config.yaml given to ``--config`` cannot be used; the message says why."""


@dataclass(frozen=True)
class ConfigModels:
    """The models a LiteLLM config serves, split into what the chat and embedding checks cover."""

    chat: tuple[str, ...]
    embedding: tuple[str, ...]
    notes: tuple[str, ...]


_CHAT_MODES = ("chat", "completion")


def models_from_config(path: str | os.PathLike[str]) -> ConfigModels:
    """Derive the chat and embedding models from a LiteLLM ``config.yaml``'s ``model_list``.

    ``model_info.mode: embedding`` is an embedding model; ``chat`` or ``completion`` a chat
    model. Without a mode, a name (``model_name`` or ``litellm_params.model``) that
    :func:`looks_like_embedding` is taken for an embedding model, anything else for chat, and a
    note says so.
    Other modes (images, audio, rerank...) and wildcard routes have no smoke check: noted and
    skipped. Nothing is resolved: ``os.environ/`` values are not needed to name the models.

    :raises ConfigFileError: unreadable file, invalid YAML, or no usable ``model_list``.
    """
    import yaml  # only --config needs it

    from litellm_smoke.litellm_config._safe_yaml import safe_load_yaml

    source = Path(path)
    try:
        data = safe_load_yaml(source)  # bounded: no FIFO, no /dev/zero, no alias bomb
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigFileError(f"cannot read {source}: {reason}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigFileError(f"{source} is not valid YAML{where}: {problem}") from None
    entries = data.get("model_list") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigFileError(
            f"{source} has no model_list: expected a LiteLLM proxy config with model_list entries "
            "(model_name + litellm_params.model)"
        )
    chat: list[str] = []
    embedding: list[str] = []
    notes: list[str] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        name = entry.get("model_name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            notes.append(f"model_list[{index}] has no model_name: skipped (litellm-smoke lint-config explains)")
            continue
        name = name.strip()
        if "*" in name:
            notes.append(f"{name}: a wildcard route, not a model: skipped (name models with --chat-model)")
            continue
        params = entry.get("litellm_params")
        upstream = params.get("model") if isinstance(params, dict) else None
        info = entry.get("model_info")
        mode = info.get("mode") if isinstance(info, dict) else None
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

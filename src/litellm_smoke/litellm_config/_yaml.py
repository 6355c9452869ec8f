"""The one place that turns YAML text into Python values (and the nodes that carry line numbers).

Every reader in :mod:`litellm_smoke.litellm_config` goes through :func:`load_documents`, so a
hardened loader (size/time caps, alias guard) can replace the body of this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["YamlDocument", "YamlProblem", "load_documents"]


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML stream: its value and its node tree (for line numbers)."""

    data: Any
    node: yaml.Node | None


class YamlProblem(ValueError):
    """Text that is not valid YAML. ``line``/``column`` are 1-based; ``problem`` never quotes the text."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.line, self.column = problem, line, column


def load_documents(text: str) -> list[YamlDocument]:
    """Parse every document of ``text`` with PyYAML's safe loader, once, keeping value and node.

    :raises YamlProblem: invalid YAML; the message names the generic problem, never the offending
        line (which may hold a secret).
    """
    loader = yaml.SafeLoader(text)
    documents: list[YamlDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            documents.append(YamlDocument(loader.construct_document(node), node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = "; ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        raise YamlProblem(problem, mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(type(exc).__name__) from None
    except RecursionError:
        raise YamlProblem("nested too deeply to parse") from None
    finally:
        loader.dispose()
    return documents or [YamlDocument(None, None)]

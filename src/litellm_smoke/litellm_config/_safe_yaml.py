"""The one guarded way to read a LiteLLM config: ``lint-config`` and ``check --config`` both load YAML here.

A config path comes from the user but may point anywhere: a FIFO (reading it blocks forever), a
symlink to ``/dev/zero`` (an endless file), a 100 MB file, a "billion laughs" alias bomb (a few
hundred bytes whose aliases expand to billions of nodes for any code that walks the data), or
nesting deep enough to exhaust the recursion limit. Each is refused before or while parsing, with
:class:`UnsafeYaml` (an ``OSError``, so every caller's "cannot read" path reports it: exit 2).

Limits: :data:`MAX_BYTES` of text, :data:`MAX_NODES` composed nodes, :data:`MAX_EXPANDED_NODES`
nodes once aliases are expanded, :data:`MAX_SECONDS` of parsing. A real LiteLLM config is a few
kilobytes and a few hundred nodes.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_EXPANDED_NODES = 1_000_000
MAX_SECONDS = 5.0

__all__ = ["MAX_BYTES", "UnsafeYaml", "load_yaml_text", "read_yaml_text", "safe_load_yaml"]


class UnsafeYaml(OSError):
    """The config is refused before it could hang, exhaust memory or recurse; ``strerror`` says why."""

    def __init__(self, reason: str, filename: str | None = None) -> None:
        super().__init__(errno.EINVAL, reason, filename)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_yaml_text(path: str | os.PathLike[str]) -> str:
    """The text of a config file: a regular file (symlinks followed) of at most :data:`MAX_BYTES`, UTF-8.

    :raises UnsafeYaml: not a regular file, or too large.
    :raises OSError: unreadable. :raises UnicodeDecodeError: not UTF-8.
    """
    name = os.fspath(path)
    info = os.stat(name)  # follows symlinks: a link to /dev/zero is judged by /dev/zero
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeYaml(f"{_kind(info.st_mode)}, not a regular file: refused", name)
    if info.st_size > MAX_BYTES:
        raise UnsafeYaml(f"{info.st_size:,} bytes, over the {MAX_BYTES:,}-byte limit for a config", name)
    # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not block on it.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise UnsafeYaml("not a regular file: refused", name)
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnsafeYaml(f"over the {MAX_BYTES:,}-byte limit for a config", name)
    return data.decode("utf-8")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a node budget and a clock, checked as each node is composed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._ends = time.monotonic() + MAX_SECONDS

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise UnsafeYaml(f"more than {MAX_NODES:,} YAML nodes: refused")
        if self._nodes % 1000 == 0 and time.monotonic() > self._ends:
            raise UnsafeYaml(f"parsing took over {MAX_SECONDS:g}s: refused")
        return super().compose_node(parent, index)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the graph holds once every alias is expanded (memoised: linear in the graph)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a cycle (a recursive alias) counts once instead of looping
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded_size(key, sizes) + _expanded_size(value, sizes)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, sizes)
    total = min(total, MAX_EXPANDED_NODES + 1)
    sizes[id(node)] = total
    return total


def load_yaml_text(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed node graph (for line numbers) and the constructed data of one YAML document.

    :raises UnsafeYaml: too large, too many nodes, an alias bomb, too deep, or too slow.
    :raises yaml.YAMLError: invalid YAML.
    """
    if len(text) > MAX_BYTES:
        raise UnsafeYaml(f"{len(text):,} characters, over the {MAX_BYTES:,}-byte limit for a config")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise UnsafeYaml(f"its aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb): refused")
        return node, loader.construct_document(node)
    except RecursionError:
        raise UnsafeYaml("nested too deeply to parse: refused") from None
    finally:
        loader.dispose()


def safe_load_yaml(path: str | os.PathLike[str]) -> Any:
    """``yaml.safe_load`` of a config file, within every limit above.

    :raises UnsafeYaml: see :func:`read_yaml_text` and :func:`load_yaml_text` (carries the file name).
    """
    text = read_yaml_text(path)
    try:
        return load_yaml_text(text)[1]
    except UnsafeYaml as exc:
        raise UnsafeYaml(exc.strerror or "refused", str(Path(path))) from None

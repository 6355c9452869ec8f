"""The team data files of this package (advisories, well-known keys): one way to read and open them.

Each kind ships one YAML file under ``litellm_smoke/data/`` and accepts extra files of the same
shape: a mapping with one list of entries. Errors are the kind's own ``ValueError`` subclass and
name the file (and, through :meth:`DataFile.entries`, the entry).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

MAX_FILE_BYTES = 1_000_000
CACHED_FILES = 16
T = TypeVar("T")


@dataclass(frozen=True)
class DataFile(Generic[T]):
    """One kind of data file, whose entries parse into ``T``.

    :ivar kind: how messages name it (``advisory file``).
    :ivar list_key: the top-level key holding the list of entries.
    :ivar shipped_name: the file shipped in ``litellm_smoke/data/``.
    :ivar error: the exception raised, naming the file and entry.
    :ivar entry: ``entry(raw, origin, where)``: one entry checked and built (``where`` starts its messages).
    :ivar yaml_error_type: name the YAML error's type in "not valid YAML/JSON" (the advisories do).
    """

    kind: str
    list_key: str
    shipped_name: str
    error: type[ValueError]
    entry: Callable[[Mapping[str, Any], str, str], T]
    yaml_error_type: bool = False
    _read: dict[tuple[str, int, int], tuple[T, ...]] = field(default_factory=dict, compare=False, repr=False)

    def load(self, extra: Sequence[Path] = ()) -> tuple[T, ...]:
        """The shipped entries followed by those of each ``extra`` file (in order); a file is read again
        only when its modification time or size changed."""
        loaded = list(self.shipped)
        for path in extra:
            stat = self.stat(Path(path))
            key = (str(path), stat.st_mtime_ns, stat.st_size)
            if key not in self._read:
                if len(self._read) >= CACHED_FILES:
                    del self._read[next(iter(self._read))]
                self._read[key] = tuple(self.parse(self.read(Path(path)), str(path)))
            loaded.extend(self._read[key])
        return tuple(loaded)

    @functools.cached_property
    def shipped(self) -> tuple[T, ...]:
        """The entries of the shipped file."""
        text = resources.files("litellm_smoke").joinpath("data").joinpath(self.shipped_name).read_text(encoding="utf-8")
        return tuple(self.parse(text, self.shipped_name))

    def parse(self, text: str, origin: str) -> list[T]:
        """Parse one file (YAML or JSON); the error names ``origin`` and the entry."""
        return [self.entry(raw, origin, where) for where, raw in self.entries(text, origin)]

    def stat(self, path: Path) -> os.stat_result:
        """``path``'s stat, for a regular file; else the kind's error."""
        try:
            if not path.is_file():
                raise self.error(f"{self.kind} {path}: not a regular file")
            return path.stat()
        except (OSError, UnicodeDecodeError) as exc:
            raise self._unreadable(path, exc) from exc

    def read(self, path: Path) -> str:
        """The text of a regular file of at most :data:`MAX_FILE_BYTES`; else the kind's error."""
        try:
            if not path.is_file():
                raise self.error(f"{self.kind} {path}: not a regular file")
            with path.open(encoding="utf-8") as handle:
                text = handle.read(MAX_FILE_BYTES + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise self._unreadable(path, exc) from exc
        if len(text) > MAX_FILE_BYTES:
            raise self.error(f"{self.kind} {path}: larger than {MAX_FILE_BYTES} bytes")
        return text

    def entries(self, text: str, origin: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(``where``, entry) for each entry of the file, in order, each checked to be a mapping when reached.

        ``where`` (``advisory file <origin>, entry 3``) starts the messages about that entry.
        """
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            detail = f" ({exc.__class__.__name__})" if self.yaml_error_type else ""
            raise self.error(f"{self.kind} {origin}: not valid YAML/JSON{detail}") from exc
        if not isinstance(document, Mapping) or not isinstance(document.get(self.list_key), list):
            raise self.error(f"{self.kind} {origin}: expected a mapping with a list '{self.list_key}'")
        return self._checked(document[self.list_key], origin)

    def _checked(self, raw_entries: list[Any], origin: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for index, raw in enumerate(raw_entries):
            where = f"{self.kind} {origin}, entry {index + 1}"
            if not isinstance(raw, Mapping):
                raise self.error(f"{where}: expected a mapping")
            yield where, raw

    def _unreadable(self, path: Path, exc: BaseException) -> ValueError:
        return self.error(f"{self.kind} {path}: cannot read it ({exc.__class__.__name__})")

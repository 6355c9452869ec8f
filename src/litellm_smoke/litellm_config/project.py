"""What the files next to a config say about the LiteLLM that will run: version pins and images.

Read, never executed or resolved: requirements files (pip and pip-tools), ``pyproject.toml``
(PEP 621, PEP 735 dependency groups, Poetry), lockfiles (``uv.lock``, ``poetry.lock``,
``Pipfile.lock``), Dockerfiles (``FROM`` and ``pip``/``uv pip`` installs in ``RUN``) and compose
files (``services.*.image``). Specifiers are parsed with :mod:`packaging`; nothing is grepped
for a version. Judging them against the advisory data is :mod:`.rules.versions`' job.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from litellm_smoke.litellm_config._yaml import YamlProblem, load_documents

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["ImageRef", "Pin", "image_refs_in", "parse_image", "pins_in", "poetry_to_pep440", "scan_directory"]

PACKAGE = "litellm"
MAX_FILE_BYTES = 2_000_000
# LiteLLM's published proxy images (ghcr.io/berriai/litellm, -database, -non_root, ...; Docker Hub litellm/litellm).
_LITELLM_IMAGE = re.compile(r"(^|/)(berriai/litellm[a-z0-9_.-]*|litellm/litellm[a-z0-9_.-]*)$", re.IGNORECASE)
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")

PinKind = Literal["requirement", "lock"]


@dataclass(frozen=True)
class Pin:
    """A LiteLLM requirement or locked version found in a file.

    :ivar specifier: PEP 440 specifier set text (``==1.82.8``, ``>=1.80,<2``; empty: any version).
    :ivar kind: ``requirement`` (a range or pin someone wrote) or ``lock`` (the version a lockfile resolved).
    :ivar text: the requirement as written, for messages.
    """

    file: str
    line: int | None
    kind: PinKind
    specifier: str
    text: str


@dataclass(frozen=True)
class ImageRef:
    """A LiteLLM container image reference: ``repository[:tag][@digest]``."""

    file: str
    line: int | None
    where: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def text(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.repository}{tag}{digest}"


def is_litellm_image(repository: str) -> bool:
    return bool(_LITELLM_IMAGE.search(repository.strip()))


def parse_image(reference: str) -> tuple[str, str | None, str | None]:
    """``repository``, ``tag`` and ``digest`` of an image reference (a registry port is not a tag)."""
    ref, _, digest = reference.strip().partition("@")
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :] or None, digest or None
    return ref, None, digest or None


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES or not path.is_file():
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _requirement(text: str) -> Requirement | None:
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    return requirement if canonicalize_name(requirement.name) == PACKAGE else None


# --------------------------------------------------------------------------- requirements files


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with ``\\`` continuations joined and comments removed."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            yield start, buffer.strip()
        buffer = ""
    if buffer.strip():
        yield start, buffer.strip()


def pins_in_requirements(text: str, file: str) -> Iterator[Pin]:
    for number, line in _logical_lines(text):
        if line.startswith("-"):
            continue  # -r, -c, -e, --index-url, ... (an editable or URL litellm is not a version pin)
        body = re.split(r"\s--?[a-z]", " " + line)[0].strip() if " -" in line else line
        requirement = _requirement(body)
        if requirement is not None and requirement.url is None:
            yield Pin(file, number, "requirement", str(requirement.specifier), body)


# --------------------------------------------------------------------------- pyproject / locks


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _line_matching(text: str, pattern: str) -> int | None:
    compiled = re.compile(pattern)
    for number, line in enumerate(text.splitlines(), start=1):
        if compiled.search(line):
            return number
    return None


def poetry_to_pep440(constraint: str) -> list[str]:
    """Poetry version constraint -> PEP 440 specifier sets (one per ``||`` alternative)."""
    alternatives = []
    for part in constraint.split("||"):
        clauses = []
        for clause in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", part.strip()):
            clause = clause.strip()
            if not clause or clause == "*":
                continue
            if clause.startswith("^"):
                clauses.append(_caret(clause[1:].strip()))
            elif clause.startswith("~") and not clause.startswith("~="):
                clauses.append(_tilde(clause[1:].strip()))
            elif clause[0].isdigit():
                clauses.append(f"=={clause}")
            else:
                clauses.append(clause)
        alternatives.append(",".join(clauses))
    return alternatives


def _release(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"\d+", text.split("-")[0])[:3]] or [0]


def _caret(version: str) -> str:
    parts = _release(version)
    index = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
    upper = [*parts[:index], parts[index] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str) -> str:
    parts = _release(version)
    upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def pins_in_pyproject(text: str, file: str) -> Iterator[Pin]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    strings: list[Any] = list(project.get("dependencies") or [])
    for group in (project.get("optional-dependencies") or {}).values():
        strings.extend(group if isinstance(group, list) else [])
    for group in (data.get("dependency-groups") or {}).values():
        strings.extend(group if isinstance(group, list) else [])
    for item in strings:
        if isinstance(item, str) and (requirement := _requirement(item)) is not None and requirement.url is None:
            yield Pin(file, _line_of(text, item), "requirement", str(requirement.specifier), item)
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]
    for table in tables:
        for name, value in table.items():
            if canonicalize_name(str(name)) != PACKAGE:
                continue
            constraint = value.get("version") if isinstance(value, dict) else value
            if not isinstance(constraint, str):
                continue  # a git/path dependency
            for spec in poetry_to_pep440(constraint):
                line = _line_matching(text, rf"^\s*{re.escape(str(name))}\s*=")
                yield Pin(file, line, "requirement", spec, f"{name} = {constraint!r} (Poetry)")


def pins_in_toml_lock(text: str, file: str) -> Iterator[Pin]:
    """``uv.lock`` and ``poetry.lock``: ``[[package]]`` tables with ``name`` and ``version``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    for package in data.get("package") or []:
        if isinstance(package, dict) and canonicalize_name(str(package.get("name", ""))) == PACKAGE:
            version = str(package.get("version", ""))
            if version:
                line = _line_of(text, f'version = "{version}"')
                yield Pin(file, line, "lock", f"=={version}", f"litellm {version} (locked)")


def pins_in_pipfile_lock(text: str, file: str) -> Iterator[Pin]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    for section in ("default", "develop"):
        entry = (data.get(section) or {}).get(PACKAGE) if isinstance(data, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            yield Pin(
                file, _line_of(text, '"litellm"'), "lock", entry["version"], f"litellm {entry['version']} (locked)"
            )


# --------------------------------------------------------------------------- Dockerfile / compose


def _substitute(text: str, variables: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in variables:
            return variables[name]
        return match.group(2) or ""

    return _INTERPOLATION.sub(replace, text)


def scan_dockerfile(text: str, file: str) -> tuple[list[Pin], list[ImageRef]]:
    pins: list[Pin] = []
    images: list[ImageRef] = []
    args: dict[str, str] = {}
    for number, line in _logical_lines(text):
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ARG":
            name, _, default = rest.strip().partition("=")
            if default:
                args[name.strip()] = default.strip().strip("\"'")
        elif instruction == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            if words:
                repository, tag, digest = parse_image(_substitute(words[0], args))
                if is_litellm_image(repository):
                    images.append(ImageRef(file, number, "FROM", repository, tag, digest))
        elif instruction == "RUN":
            pins.extend(_install_pins(_substitute(rest, args), file, number))
    return pins, images


def _install_pins(command: str, file: str, line: int) -> Iterator[Pin]:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    installing = False
    for word in words:
        if word in ("&&", ";", "||", "|"):
            installing = False
        elif word == "install":
            installing = True
        elif installing and not word.startswith("-"):
            requirement = _requirement(word)
            if requirement is not None and requirement.url is None:
                yield Pin(file, line, "requirement", str(requirement.specifier), word)


def image_refs_in(data: Any, node_lines: Mapping[str, int], file: str) -> Iterator[ImageRef]:
    """``services.<name>.image`` of a compose document."""
    services = data.get("services") if isinstance(data, Mapping) else None
    if not isinstance(services, Mapping):
        return
    for name, service in services.items():
        image = service.get("image") if isinstance(service, Mapping) else None
        if not isinstance(image, str):
            continue
        repository, tag, digest = parse_image(_substitute(image, {}))
        if is_litellm_image(repository):
            yield ImageRef(file, node_lines.get(str(name)), f"services.{name}.image", repository, tag, digest)


def scan_compose(text: str, file: str) -> list[ImageRef]:
    try:
        documents = load_documents(text)
    except YamlProblem:
        return []
    refs: list[ImageRef] = []
    for document in documents:
        lines: dict[str, int] = {}
        services = _service_nodes(document.node)
        for key_node, value_node in services:
            image = next((v for k, v in value_node.value if k.value == "image"), None) if _is_map(value_node) else None
            lines[str(key_node.value)] = (image or key_node).start_mark.line + 1
        refs.extend(image_refs_in(document.data, lines, file))
    return refs


def _is_map(node: Any) -> bool:
    return type(node).__name__ == "MappingNode"


def _service_nodes(node: Any) -> list[Any]:
    if not _is_map(node):
        return []
    services = next((v for k, v in node.value if k.value == "services"), None)
    return list(services.value) if services is not None and _is_map(services) else []


# --------------------------------------------------------------------------- directory


def pins_in(path: Path, label: str) -> tuple[list[Pin], list[ImageRef]]:
    """Pins and LiteLLM images in one file, by its name; ([], []) for a file we do not read."""
    name = path.name.lower()
    text = _read(path)
    if text is None:
        return [], []
    if name == "pyproject.toml":
        return list(pins_in_pyproject(text, label)), []
    if name in ("uv.lock", "poetry.lock"):
        return list(pins_in_toml_lock(text, label)), []
    if name == "pipfile.lock":
        return list(pins_in_pipfile_lock(text, label)), []
    if re.fullmatch(r"(.*requirements.*|constraints.*)\.(txt|in)", name):
        return list(pins_in_requirements(text, label)), []
    if name in ("dockerfile", "containerfile") or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
        return scan_dockerfile(text, label)
    if re.fullmatch(r"(docker-)?compose([.-][a-z0-9_.-]+)?\.ya?ml", name):
        return [], scan_compose(text, label)
    return [], []


def scan_directory(directory: Path, label_base: str = "") -> tuple[list[Pin], list[ImageRef]]:
    """Every pin and LiteLLM image in the files directly in ``directory`` (and ``requirements/``)."""
    pins: list[Pin] = []
    images: list[ImageRef] = []
    try:
        candidates = sorted(p for p in directory.iterdir() if p.is_file())
        sub = directory / "requirements"
        if sub.is_dir():
            candidates += sorted(p for p in sub.iterdir() if p.is_file() and p.suffix in (".txt", ".in"))
    except OSError:
        return pins, images
    for path in candidates:
        relative = path.relative_to(directory).as_posix()
        label = f"{label_base.rstrip('/')}/{relative}" if label_base else relative
        if path.parent != directory:  # requirements/<anything>.txt
            text = _read(path)
            pins += list(pins_in_requirements(text, label)) if text is not None else []
            continue
        found_pins, found_images = pins_in(path, label)
        pins += found_pins
        images += found_images
    return pins, images

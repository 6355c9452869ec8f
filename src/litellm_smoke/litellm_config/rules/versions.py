"""Versions and images: the LiteLLM a deployment pins is not a known-bad release, and its image does not float.

Reads the files next to the config (:mod:`litellm_smoke.litellm_config.project`) and the images
the Helm values or manifest name, and judges them against the advisory data shared with the live
security check (:mod:`litellm_smoke.security.advisories`). Specifiers are evaluated with
``packaging`` (``allowed_by``), never matched as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypedDict

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from litellm_smoke.litellm_config.project import ImageRef, Pin, is_litellm_image, parse_image, scan_directory
from litellm_smoke.litellm_config.rules._base import Check, Finding, LintContext, Severity
from litellm_smoke.security.advisories import Advisory, allowed_by, known_bad, known_bad_image, parse_version

# Tags LiteLLM moves to each new build: what runs changes without a deploy.
FLOATING_TAGS = frozenset({"latest", "main", "main-latest", "main-stable", "stable", "nightly", "main-nightly", "dev"})
_VERSION_IN_TAG = re.compile(r"v?(\d+\.\d+\.\d+(?:\.\d+)?)")
PIN_EXAMPLE = "ghcr.io/berriai/litellm:main-v1.108.7 (better: add @sha256:<digest> from the registry)"


class _Place(TypedDict):
    line: int | None
    file: str | None


def _found_in(found: Pin | ImageRef) -> _Place:
    """Where a pin or image was found, as a finding's ``line`` and ``file``."""
    return {"line": found.line, "file": found.file}


def _names(advisories: Iterable[Advisory]) -> str:
    return "; ".join(f"{a.names} ({a.severity}, affects {a.affected})" for a in advisories)


def _safe(advisories: list[Advisory]) -> str:
    return advisories[0].safe


def _floor(advisories: list[Advisory]) -> str:
    """The lowest version above every advisory's fix, for a suggested lower bound."""
    fixed = [v for v in (parse_version(a.fixed) for a in advisories if a.fixed) if v is not None]
    return str(max(fixed)) if fixed else "<a fixed release>"


def _exact(specifier: str) -> str | None:
    """The version of a single ``==X``/``===X`` pin, else None."""
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    items = list(spec)
    if len(items) == 1 and items[0].operator in ("==", "===") and "*" not in items[0].version:
        return items[0].version
    return None


def _judge_pin(pin: Pin, extra: tuple[Path, ...]) -> Iterator[Finding]:
    exact = _exact(pin.specifier)
    if exact is not None:
        advisories = known_bad(exact, extra)
        if not advisories:
            return
        malicious = [a for a in advisories if a.malicious]
        severity: Severity = "error" if malicious else "warning"
        what = "a compromised (malicious) release" if malicious else "a release with published vulnerabilities"
        yield Finding(
            severity,
            "litellm-pin-known-bad",
            pin.text,
            f"{pin.text} pins LiteLLM {exact}, {what}: {_names(malicious or advisories)}",
            f"pin a safe release instead: {_safe(malicious or advisories)}"
            + (" - and rotate every credential a host that installed it could read" if malicious else ""),
            **_found_in(pin),
        )
        return
    try:
        advisories = allowed_by(pin.specifier, extra)
    except ValueError:
        return
    if not advisories:
        return
    malicious = [a for a in advisories if a.malicious]
    shown = malicious or advisories
    admits = f"{pin.text} allows any LiteLLM version" if not pin.specifier else f"{pin.text} ({pin.specifier}) admits"
    yield Finding(
        "warning" if malicious else "info",
        "litellm-range-admits-known-bad",
        pin.text,
        f"{admits} known-bad releases: {_names(shown)}; a resolver, a cache or a mirror can still pick one",
        f"narrow it to exclude them, e.g. litellm>={_floor(shown)} ({'; '.join(a.safe for a in shown)})",
        **_found_in(pin),
    )


def _judge_image(ref: ImageRef, extra: tuple[Path, ...]) -> Iterator[Finding]:
    if ref.digest:
        advisories = known_bad_image(ref.digest, extra)
        if advisories:
            yield Finding(
                "error",
                "image-digest-compromised",
                ref.where,
                f"{ref.where} runs {ref.text}, an image digest listed as compromised: {_names(advisories)}",
                f"replace it with a clean image ({_safe(advisories)}) and rotate every credential the container held",
                **_found_in(ref),
            )
        return  # a digest pins the content, whatever the tag says
    tag = ref.tag or "latest"
    match = _VERSION_IN_TAG.search(tag)
    if match is None:
        floating = tag.lower() in FLOATING_TAGS or tag.lower().endswith(("-latest", "-stable", "-nightly"))
        yield Finding(
            "warning",
            "image-tag-floating",
            ref.where,
            f"{ref.where} runs {ref.text}"
            + (" (no tag means latest)" if ref.tag is None else "")
            + (
                ", a tag LiteLLM moves to every new build: each restart may run a different, untested release"
                if floating
                else ", a tag without a version: what runs can change without a deploy"
            ),
            f"pin a version and a digest, e.g. {PIN_EXAMPLE}",
            **_found_in(ref),
        )
        return
    advisories = known_bad(match.group(1), extra)
    if advisories:
        # An advisory names releases; whether the images built from them are affected differs per
        # advisory (PYSEC-2026-2: PyPI only), so an image tag is a warning, a listed digest an error.
        shown = [a for a in advisories if a.malicious] or advisories
        yield Finding(
            "warning",
            "image-version-known-bad",
            ref.where,
            f"{ref.where} runs {ref.text}, built from LiteLLM {match.group(1)}, which advisories name: "
            f"{_names(shown)}; see {shown[0].sources[0].url} for whether images are affected",
            f"move to an image of a safe release: {_safe(shown)}",
            **_found_in(ref),
        )


def _wrapper_images(ctx: LintContext) -> Iterator[ImageRef]:
    """Images named by the Helm values or the manifest the config came in."""
    loaded = ctx.loaded
    if loaded is None:
        return
    values = loaded.wrapper_values
    if loaded.wrapper.startswith("helm") and isinstance(values, Mapping):
        for prefix, section in (("", values), ("gateway.", values.get("gateway")), ("backend.", values.get("backend"))):
            image = section.get("image") if isinstance(section, Mapping) else None
            if not isinstance(image, Mapping) or not isinstance(image.get("repository"), str):
                continue
            tag = image.get("tag")
            if not tag:
                continue  # the chart then uses main-<appVersion>: pinned by the chart version
            repository = image["repository"]
            if is_litellm_image(repository):
                where = loaded.locate_wrapper(f"{prefix}image.tag") or (loaded.source, None)
                yield ImageRef(where[0], where[1], f"helm:{prefix}image.tag", repository, str(tag), None)
    elif isinstance(values, list):
        for index, document in enumerate(values):
            yield from _manifest_images(ctx, index, document)


def _manifest_images(ctx: LintContext, index: int, document: Any) -> Iterator[ImageRef]:
    assert ctx.loaded is not None
    spec = document.get("spec") if isinstance(document, Mapping) else None
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    for number, container in enumerate(containers if isinstance(containers, list) else []):
        image = container.get("image") if isinstance(container, Mapping) else None
        if not isinstance(image, str):
            continue
        repository, tag, digest = parse_image(image)
        if is_litellm_image(repository):
            path = f"<doc{index}>.spec.template.spec.containers[{number}].image"
            where = ctx.loaded.wrapper_locations.get(path) or (ctx.loaded.source, None)
            label = f"containers[{number}].image"
            yield ImageRef(where[0], where[1], label, repository, tag, digest)


def check_versions_and_images(ctx: LintContext) -> Iterator[Finding]:
    """LiteLLM pins and images next to the config (requirements, pyproject, locks, Dockerfile, compose)."""
    options = ctx.options
    directories: list[Path] = list(options.scan_dirs)
    if options.scan_project and ctx.loaded is not None and ctx.loaded.root_dir is not None:
        directories.insert(0, ctx.loaded.root_dir)
    pins: list[Pin] = []
    images: list[ImageRef] = list(_wrapper_images(ctx))
    seen: set[Path] = set()
    for directory in directories:
        resolved = directory.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        found_pins, found_images = scan_directory(directory, _label(directory, ctx))
        pins += found_pins
        images += found_images
    extra = options.advisories
    for pin in pins:
        yield from _judge_pin(pin, extra)
    for image in images:
        yield from _judge_image(image, extra)


def _label(directory: Path, ctx: LintContext) -> str:
    """How files of ``directory`` are named in findings: next to the config as the config was named."""
    if ctx.loaded is not None and ctx.loaded.root_dir is not None and directory == ctx.loaded.root_dir:
        parent = str(Path(ctx.loaded.source).parent)
        return "" if parent == "." else parent
    return str(directory)


CHECKS: tuple[Check, ...] = (check_versions_and_images,)

"""Background health checks: settings that silently do something else, and what the probes cost.

Mirrors LiteLLM 1.108.7, ``litellm/proxy/proxy_server.py``:

- ``load_config`` reads ``general_settings.background_health_checks`` (default False),
  ``use_shared_health_check``, ``health_check_interval`` (default ``DEFAULT_HEALTH_CHECK_INTERVAL``
  = 300) and starts ``_run_background_health_check`` when ``background_health_checks`` is truthy:
  any non-empty text, ``"false"`` included, counts as on.
- ``_run_background_health_check`` returns at once unless ``health_check_interval`` is an ``int``
  above 0 (``not isinstance(health_check_interval, int)``), so ``"300"`` means no checks at all.
- Every process that runs the proxy's startup runs its own loop: each replica and each uvicorn
  worker. ``use_shared_health_check`` lets one process probe for all only when the proxy has a
  Redis (``general_settings.coordination_redis``, a Redis ``litellm_settings.cache`` or
  ``REDIS_HOST``/``REDIS_URL``/``REDIS_CLUSTER_NODES``/``REDIS_SENTINEL_NODES``); results are then
  reused for ``DEFAULT_SHARED_HEALTH_CHECK_TTL`` (300 s).
- Each round probes every deployment not marked ``model_info.disable_background_health_check``
  and inside ``background_health_check_model_groups``; the probe is a real call in the
  deployment's mode (``health_check_helpers.get_mode_handlers``): an image, video or speech
  model generates real media every round.
- ``os.environ/`` values are resolved with ``get_secret``: ``"true"``/``"false"`` become booleans,
  anything else stays text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from litellm_smoke.litellm_config.rules._base import Check, Finding, LintContext, env_reference, label

DEFAULT_HEALTH_CHECK_INTERVAL = 300  # litellm/constants.py
DEFAULT_SHARED_HEALTH_CHECK_TTL = 300  # litellm/constants.py
SECONDS_PER_DAY = 86_400
# Modes whose probe makes the upstream generate (and bill) real media (get_mode_handlers).
MEDIA_MODES = frozenset({"image_generation", "image_edit", "video_generation", "audio_speech"})
# Upstream names LiteLLM's model map lists with a media mode, for entries without model_info.mode.
_MEDIA_NAME = re.compile(r"(^|/)(dall-e|gpt-image|imagen|sora|veo|tts-|stable-diffusion|flux)", re.IGNORECASE)
# Settings LiteLLM tests for truthiness, where a quoted "false" means on.
BOOLEAN_SETTINGS = (
    "background_health_checks",
    "use_shared_health_check",
    "health_check_details",
    "enable_health_check_routing",
    "health_check_ignore_transient_errors",
)
_FALSE_WORDS = frozenset({"false", "no", "off", "0", "n", "f", "disabled"})
REDIS_ENV_VARS = ("REDIS_HOST", "REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINEL_NODES")


def _as_litellm_sees(ctx: LintContext, value: Any) -> Any:
    """``value`` after LiteLLM's ``os.environ/`` expansion (get_secret: true/false -> bool, else text)."""
    var = env_reference(value)
    if var is None:
        return value
    resolved = ctx.environ.get(var)
    if resolved is None:
        return None
    return {"true": True, "false": False}.get(resolved.strip().lower(), resolved)


def _setting(ctx: LintContext, name: str, default: Any = None) -> Any:
    return _as_litellm_sees(ctx, ctx.general_settings.get(name, default))


def background_checks_on(ctx: LintContext) -> bool:
    return bool(_setting(ctx, "background_health_checks", False))


def interval_problem(value: Any) -> str | None:
    """Why LiteLLM will not run the loop with this interval (as it sees it), or None."""
    if isinstance(value, bool):
        return None if not value else "is true, which Python counts as 1: every process probes every second"
    if isinstance(value, int):
        return None if value > 0 else f"is {value}; LiteLLM runs the loop only for a whole number of seconds above 0"
    if isinstance(value, str):
        return (
            f"is the text {value!r}; LiteLLM runs the loop only for a whole number of seconds above 0 "
            "(proxy_server.py: not isinstance(health_check_interval, int))"
        )
    shown = "empty" if value is None else f"{value!r} ({type(value).__name__})"
    return f"is {shown}; LiteLLM runs the loop only for a whole number of seconds above 0"


def check_text_booleans(ctx: LintContext) -> Iterator[Finding]:
    """On/off settings written as text that reads "off" but counts as on (``"false"``, ``"no"``, ``"0"``)."""
    places: list[tuple[str, Any]] = [
        (f"general_settings.{name}", ctx.general_settings.get(name))
        for name in BOOLEAN_SETTINGS
        if name in ctx.general_settings
    ]
    for index, entry in ctx.model_entries():
        info = entry.get("model_info")
        if isinstance(info, Mapping) and "disable_background_health_check" in info:
            places.append(
                (
                    f"model_list[{index}].model_info.disable_background_health_check",
                    info.get("disable_background_health_check"),
                )
            )
    for path, raw in places:
        name = path.rsplit(".", 1)[1]
        seen = _as_litellm_sees(ctx, raw)
        if not isinstance(seen, str) or seen.strip().lower() not in _FALSE_WORDS:
            continue
        var = env_reference(raw)
        origin = f"reads {var}, whose value is the text {seen!r}" if var else f"is the text {seen!r}"
        effect = (
            "so this deployment is never health-checked" if name == "disable_background_health_check" else "so it is on"
        )
        fix = (
            f"set {var}=false (LiteLLM turns only 'true'/'false' into booleans)"
            if var
            else f"{name}: false (no quotes)"
        )
        yield Finding(
            "warning",
            "health-check-text-boolean",
            path,
            f"{path} {origin}; LiteLLM tests it for truthiness and any non-empty text is true, {effect}",
            fix,
        )


def check_interval(ctx: LintContext) -> Iterator[Finding]:
    """With background checks on, ``health_check_interval`` is a whole number of seconds above 0."""
    if not background_checks_on(ctx):
        return
    path = "general_settings.health_check_interval"
    raw = ctx.general_settings.get("health_check_interval", DEFAULT_HEALTH_CHECK_INTERVAL)
    if ctx.value_unknown(raw):
        return  # --references-only: the interval is the deployment's value
    problem = interval_problem(_as_litellm_sees(ctx, raw))
    if problem is None:
        return
    var = env_reference(raw)
    where = f"{path} (from {var})" if var else path
    never = "" if problem.startswith("is true") else ", so background health checks never run although they are on"
    fix = (
        "write the number in the config, e.g. health_check_interval: 300 (os.environ/ values are always text)"
        if var
        else "health_check_interval: 300 (a whole number of seconds, no quotes)"
    )
    yield Finding("warning", "health-check-interval-not-integer", path, f"{where} {problem}{never}", fix)


def redis_source(ctx: LintContext) -> str | None:
    """Where the proxy gets the Redis shared health checks need, or None."""
    coordination = ctx.general_settings.get("coordination_redis")
    if isinstance(coordination, Mapping) and any(
        coordination.get(k) for k in ("host", "url", "startup_nodes", "sentinel_nodes")
    ):
        return "general_settings.coordination_redis"
    settings = ctx.section("litellm_settings")
    if settings.get("cache") is True:
        params = settings.get("cache_params")
        cache_type = params.get("type", "redis") if isinstance(params, Mapping) else "redis"
        if cache_type == "redis":
            return "litellm_settings.cache (Redis)"
    for var in REDIS_ENV_VARS:
        if (ctx.environ.get(var) or "").strip() or ctx.provided_elsewhere(var):
            return f"{var} in the environment"
    return None


@dataclass(frozen=True)
class Probed:
    """The deployments one round of background checks probes, and the media ones among them."""

    count: int
    media: tuple[tuple[int, str, str], ...]  # (index, label, mode or inferred mode)
    inferred: frozenset[int]


def probed_deployments(ctx: LintContext) -> Probed:
    raw_groups = ctx.general_settings.get("background_health_check_model_groups")
    groups = {str(g) for g in raw_groups} if isinstance(raw_groups, list) else None
    seen: set[str] = set()
    count = 0
    media: list[tuple[int, str, str]] = []
    inferred: set[int] = set()
    for index, entry in ctx.model_entries():
        info = entry.get("model_info")
        info = info if isinstance(info, Mapping) else {}
        if _as_litellm_sees(ctx, info.get("disable_background_health_check", False)):
            continue
        if groups is not None and entry.get("model_name") not in groups:
            continue
        params = entry.get("litellm_params")
        params = params if isinstance(params, Mapping) else {}
        model = params.get("model")
        if isinstance(model, str) and model.startswith("auto_router/"):
            continue
        identity = info.get("id")
        key = str(identity) if identity is not None else repr([entry.get("model_name"), params])
        if key in seen:
            continue
        seen.add(key)
        count += 1
        mode = info.get("mode")
        if mode in MEDIA_MODES:
            media.append((index, label(entry), str(mode)))
        elif mode is None and isinstance(model, str) and _MEDIA_NAME.search(model):
            media.append((index, label(entry), "image, video or speech generation"))
            inferred.add(index)
    return Probed(count, tuple(media), frozenset(inferred))


def _loop_runs(ctx: LintContext) -> int | None:
    """The interval when the background loop really runs, else None."""
    if not background_checks_on(ctx):
        return None
    interval = _setting(ctx, "health_check_interval", DEFAULT_HEALTH_CHECK_INTERVAL)
    if interval_problem(interval) is not None:
        return None
    return int(interval) if not isinstance(interval, bool) else 1


def check_shared_without_redis(ctx: LintContext) -> Iterator[Finding]:
    """``use_shared_health_check`` has the Redis it needs to share anything."""
    if _loop_runs(ctx) is None or not _setting(ctx, "use_shared_health_check", False):
        return
    if redis_source(ctx) is not None or ctx.references_only:
        return  # with --references-only, REDIS_HOST/REDIS_URL may well be in the deployment's environment
    unknown = f" (unless {', '.join(ctx.opaque_env)} sets REDIS_HOST or REDIS_URL)" if ctx.opaque_env else ""
    yield Finding(
        "warning",
        "health-check-shared-without-redis",
        "general_settings.use_shared_health_check",
        "use_shared_health_check is on but the proxy has no Redis" + unknown + ": LiteLLM shares results only "
        "through Redis, so every replica and worker still probes every deployment on its own",
        "give the proxy a Redis every process reaches: general_settings.coordination_redis: {host: ..., port: ...}, "
        "litellm_settings.cache: true with a Redis cache_params, or REDIS_HOST/REDIS_URL in its environment",
    )


def check_media_probes(ctx: LintContext) -> Iterator[Finding]:
    """Background checks do not probe image, video or speech models (each probe generates real media)."""
    interval = _loop_runs(ctx)
    if interval is None:
        return
    probed = probed_deployments(ctx)
    rounds = math.ceil(SECONDS_PER_DAY / interval)
    for index, name, mode in probed.media:
        here = f"model_list[{index}]"
        if index in probed.inferred:
            what = (
                f"has no model_info.mode and its upstream model looks like {mode}; LiteLLM then takes the "
                "mode from its model map and"
            )
        else:
            what = f"has model_info.mode {mode}, so"
        yield Finding(
            "warning",
            "health-check-media-probe",
            f"{here}.model_info",
            f"{here} ({name}) {what} every background health check generates real media: about {rounds:,} "
            "paid generations a day per process that runs the checks",
            "add 'disable_background_health_check: true' under this entry's model_info, or leave its "
            "model_name out of general_settings.background_health_check_model_groups",
        )


def _money(amount: float) -> str:
    if amount == 0:
        return "$0"
    return "under $0.01" if amount < 0.01 else f"${amount:,.2f}"


def check_probe_volume(ctx: LintContext) -> Iterator[Finding]:
    """Probes per day across replicas x workers, and their cost with ``--cost-per-probe``."""
    interval = _loop_runs(ctx)
    if interval is None:
        return
    deployment = ctx.deployment
    processes = (deployment.replicas or 1) * (deployment.workers or 1)
    shape = f"{deployment.replicas} replica(s) x {deployment.workers} worker(s)"
    if deployment.backend_replicas:
        processes += deployment.backend_replicas
        shape += f" + {deployment.backend_replicas} backend replica(s)"
    probed = probed_deployments(ctx)
    if probed.count == 0:
        return
    per_loop = probed.count * math.ceil(SECONDS_PER_DAY / interval)
    shared = bool(_setting(ctx, "use_shared_health_check", False)) and redis_source(ctx) is not None
    if shared:
        period = max(interval, DEFAULT_SHARED_HEALTH_CHECK_TTL)
        total = probed.count * math.ceil(SECONDS_PER_DAY / period)
    else:
        total = per_loop * processes
    cost = ctx.options.cost_per_probe
    money = (
        f", {_money(total * cost)} a day and {_money(total * cost * 30)} per 30 days at ${cost:g} a probe"
        if cost is not None
        else ""
    )
    db = " plus the models stored in the database" if ctx.store_model_in_db() else ""
    where = f" ({deployment.source})" if deployment.source and deployment.source != "options" else ""
    base = (
        f"background health checks probe {probed.count} deployment(s){db} every {interval}s in each of "
        f"{processes} process(es), {shape}{where}: about {total:,} provider calls a day{money}"
    )
    if not shared and processes > 1:
        yield Finding(
            "warning",
            "health-check-probes-multiplied",
            "general_settings.background_health_checks",
            f"{base}; one shared loop would make {per_loop:,}",
            "general_settings.use_shared_health_check: true with a Redis every process reaches "
            "(general_settings.coordination_redis or REDIS_HOST), or raise health_check_interval",
        )
    elif cost is not None or ctx.options.replicas or ctx.options.workers or deployment.source:
        how = "shared through Redis, so one process probes for all" if shared else "one process"
        yield Finding(
            "info",
            "health-check-probe-estimate",
            "general_settings.background_health_checks",
            f"{base} ({how})",
            "nothing to do if that is intended; raise health_check_interval or disable checks on costly models "
            "to spend less",
        )


CHECKS: tuple[Check, ...] = (
    check_text_booleans,
    check_interval,
    check_shared_without_redis,
    check_media_probes,
    check_probe_volume,
)

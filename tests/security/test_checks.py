"""The security checks against a gateway simulated with httpx.MockTransport: each fault fails, healthy passes.

Every failure is also checked for leaks: neither the run's master key nor a probed well-known key
may appear in its message.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from litellm_smoke._secrets import Secret
from litellm_smoke.checks import auth, security
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.routes import MODELS, PROBE_MODEL, READINESS, READINESS_DETAILS, ROUTE_MATRIX
from litellm_smoke.errors import SmokeFailure
from litellm_smoke.security import well_known_keys

pytestmark = pytest.mark.asyncio

MASTER = "sk-run-master-key-0123456789abcdef"
PUBLISHED = [key for _, key in well_known_keys.probe_keys()]
SEED_KEY = base64.b64decode("c2stTzV6NEU3cy02TmhMREczWlpicTl0UQ==").decode()

Handler = Callable[[httpx.Request], httpx.Response]
UNAUTHORIZED = {"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error"}}


def lite(version: str | None = "1.108.7", *, details: bool = True) -> Handler:
    """A healthy LiteLLM: the master key works, everything else is 401, readiness/details reports ``version``."""

    def handle(request: httpx.Request) -> httpx.Response:
        authorization = request.headers.get("authorization", "")
        if request.url.path == READINESS:
            return httpx.Response(200, json={"status": "healthy", "db": "Not connected"})
        if authorization != f"Bearer {MASTER}":
            return httpx.Response(401, json=UNAUTHORIZED)
        if request.url.path == READINESS_DETAILS and details:
            body = {"status": "healthy", "db": "Not connected"}
            if version:
                body["litellm_version"] = version
            return httpx.Response(200, json=body)
        if request.url.path == MODELS:
            return httpx.Response(200, json={"object": "list", "data": []})
        return httpx.Response(404, json={"detail": "Not Found"})

    return handle


def client_for(handler: Handler, master: str = MASTER) -> ProxyClient:
    return ProxyClient("http://gateway.test", Secret(master), 5.0, transport=httpx.MockTransport(handler))


def assert_no_secret(failure: SmokeFailure, *extra: str) -> None:
    text = str(failure)
    for secret in (MASTER, *PUBLISHED, *extra):
        assert secret not in text, "a key leaked into the failure"


# -- version -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "advisory"), [("1.82.8", "MAL-2026-2144"), ("1.82.7", "PYSEC-2026-2"), ("1.107.0", "v1.107.0")]
)
async def test_malicious_version_fails_as_security_naming_advisory_and_safe_release(
    version: str, advisory: str
) -> None:
    async with client_for(lite(version)) as client:
        with pytest.raises(SmokeFailure) as info:
            await security.version_not_known_bad(client)
    failure = info.value
    assert failure.security
    assert failure.title.startswith(f"SECURITY: LiteLLM {version} is a malicious release")
    assert advisory in str(failure)
    assert "replace it now with" in failure.hint
    assert "rotate" in failure.hint
    assert_no_secret(failure)


async def test_malicious_version_fails_even_when_vulnerable_is_allowed() -> None:
    async with client_for(lite("1.82.8")) as client:
        with pytest.raises(SmokeFailure, match="malicious"):
            await security.version_not_known_bad(client, allow_vulnerable=True)


async def test_vulnerable_version_fails_naming_cve_and_fixed_release() -> None:
    async with client_for(lite("1.74.14")) as client:
        with pytest.raises(SmokeFailure) as info:
            await security.version_not_known_bad(client)
    failure = info.value
    assert failure.security
    assert "known vulnerabilit" in failure.title
    assert "CVE-2026-49468" in failure.title
    assert "fixed in 1.84.0" in failure.got
    assert "upgrade to 1.84.0 or later" in failure.hint
    assert "LITELLM_SMOKE_ALLOW_VULNERABLE" in failure.hint
    assert_no_secret(failure)


async def test_vulnerable_version_allowed_is_a_warning() -> None:
    async with client_for(lite("1.74.14")) as client:
        report = await security.version_not_known_bad(client, allow_vulnerable=True)
    assert report.warning
    assert "CVE-2026-49468" in report.warning
    assert {a.severity for a in report.advisories} == {"vulnerable"}
    # the report still names the release and where it was read (the JUnit properties of the run carry both)
    assert (report.version, report.source, report.known) == ("1.74.14", f"{READINESS_DETAILS} body", True)


async def test_clean_version_passes() -> None:
    async with client_for(lite("1.108.7")) as client:
        report = await security.version_not_known_bad(client)
    assert (report.version, report.advisories, report.warning) == ("1.108.7", (), None)
    assert report.source == f"{READINESS_DETAILS} body"


@pytest.mark.parametrize("version", [None, "main-latest", "", "1.82.8\x1b[2J", "9" * 500, "<b>1.82.8</b>"])
async def test_unknown_version_is_reported_not_failed(version: str | None) -> None:
    async with client_for(lite(version)) as client:
        report = await security.version_not_known_bad(client)
    assert not report.known
    assert report.advisories == ()


async def test_header_seen_earlier_wins_and_old_public_readiness_is_read() -> None:
    async with client_for(lite("1.108.7")) as client:
        client.litellm_version = "1.82.8"
        with pytest.raises(SmokeFailure, match=r"x-litellm-version header"):
            await security.version_not_known_bad(client)

    def old(request: httpx.Request) -> httpx.Response:  # ≈1.60: readiness is public and long
        if request.url.path == READINESS:
            return httpx.Response(200, json={"status": "healthy", "db": "Not connected", "litellm_version": "1.82.7"})
        return httpx.Response(404)

    async with client_for(old) as client:
        with pytest.raises(SmokeFailure, match=rf"{READINESS} body"):
            await security.version_not_known_bad(client)


async def test_team_advisory_file_is_used(tmp_path: Path) -> None:
    team = tmp_path / "team.yaml"
    team.write_text(
        "advisories:\n  - id: TEAM-7\n    severity: vulnerable\n    affected: '==1.108.7'\n    fixed: '1.108.8'\n"
        "    summary: our finding\n    sources: [{url: 'https://wiki.example/7', date: '2026-11-29'}]\n"
    )
    async with client_for(lite("1.108.7")) as client:
        with pytest.raises(SmokeFailure, match="TEAM-7"):
            await security.version_not_known_bad(client, advisory_files=[team])


# -- the route auth matrix ---------------------------------------------------------------------


def opening(*paths: str, status: int = 200) -> Handler:
    healthy = lite()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path in paths and "authorization" not in request.headers:
            return httpx.Response(status, json={"data": [{"api_base": "https://internal.example"}]})
        return healthy(request)

    return handle


@pytest.mark.parametrize("kind", ["inference", "management"])
async def test_matrix_passes_when_every_route_refuses(kind: str) -> None:
    probes = [p for p in ROUTE_MATRIX if p.kind == kind]
    async with client_for(lite()) as client:
        result = await auth.route_matrix_refused(client, probes)
    assert len(result.refused) == len(probes)
    assert not result.not_served


async def test_open_admin_route_fails_as_security_naming_it() -> None:
    async with client_for(opening("/key/list", "/model/info")) as client:
        with pytest.raises(SmokeFailure) as info:
            await auth.route_matrix_refused(client, [p for p in ROUTE_MATRIX if p.kind == "management"])
    failure = info.value
    assert failure.security
    assert "2 route(s) answered 2xx without a key" in failure.title
    assert "GET /key/list (keys)" in failure.title
    assert "GET /model/info" in failure.title
    assert_no_secret(failure)


async def test_open_alias_route_fails_as_security_naming_it() -> None:
    async with client_for(opening("/chat/completions")) as client:
        with pytest.raises(SmokeFailure) as info:
            await auth.route_matrix_refused(client, [p for p in ROUTE_MATRIX if p.kind == "inference"])
    assert info.value.security
    assert "POST /chat/completions (chat)" in info.value.title


async def test_route_answering_500_without_a_key_fails_without_security_tag() -> None:
    async with client_for(opening("/v1/rerank", status=500)) as client:
        with pytest.raises(SmokeFailure) as info:
            await auth.route_matrix_refused(client, ROUTE_MATRIX)
    assert not info.value.security
    assert "POST /v1/rerank -> 500" in info.value.title


async def test_routes_this_version_does_not_serve_are_not_failures() -> None:
    async with client_for(opening("/v1/responses", "/responses", status=404)) as client:
        result = await auth.route_matrix_refused(client, ROUTE_MATRIX)
    assert set(result.not_served) == {"POST /v1/responses", "POST /responses"}


async def test_matrix_requests_are_free_and_concurrency_is_bounded() -> None:
    in_flight, peak, seen = 0, 0, []

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        seen.append(request)
        return httpx.Response(401, json=UNAUTHORIZED)

    transport = httpx.MockTransport(handle)
    async with ProxyClient("http://gateway.test", Secret(MASTER), 5.0, transport=transport) as client:
        await auth.route_matrix_refused(client, ROUTE_MATRIX, concurrency=4)
    assert 1 < peak <= 4
    assert len(seen) == len(ROUTE_MATRIX)
    for request in seen:
        assert "authorization" not in request.headers
        if request.method == "POST":
            body = json.loads(request.read())
            assert body.get("model", PROBE_MODEL) == PROBE_MODEL
            assert PROBE_MODEL in (body.get("model") or request.url.path)
            limits = [body.get(k) for k in ("max_tokens", "max_output_tokens") if k in body]
            limits += [body.get("generationConfig", {}).get("maxOutputTokens")] if "generationConfig" in body else []
            assert all(limit <= 16 for limit in limits)


# -- well-known keys ---------------------------------------------------------------------------


def accepting(key: str) -> Handler:
    healthy = lite()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == f"Bearer {key}" and request.url.path == MODELS:
            return httpx.Response(200, json={"object": "list", "data": [{"id": "gpt-4o"}]})
        return healthy(request)

    return handle


async def test_well_known_keys_refused_on_a_healthy_gateway() -> None:
    async with client_for(lite()) as client:
        probed = await security.well_known_keys_refused(client)
    assert len(probed) == len(PUBLISHED) >= 2


@pytest.mark.parametrize("key", ["sk-1234", SEED_KEY], ids=["litellm-docs", "seed"])
async def test_accepted_well_known_key_fails_as_security_without_spelling_it(key: str) -> None:
    async with client_for(accepting(key)) as client:
        with pytest.raises(SmokeFailure) as info:
            await security.well_known_keys_refused(client)
    assert info.value.security
    assert "publicly known key(s) accepted" in info.value.title
    assert_no_secret(info.value, key)


@pytest.mark.parametrize("key", ["sk-1234", SEED_KEY], ids=["litellm-docs", "seed"])
async def test_own_master_key_well_known_fails_telling_to_rotate(key: str) -> None:
    with pytest.raises(SmokeFailure) as info:
        security.master_key_not_well_known(Secret(key))
    assert info.value.security
    assert "rotate it now" in info.value.hint
    assert_no_secret(info.value, key)


async def test_own_master_key_from_team_file(tmp_path: Path) -> None:
    team = tmp_path / "keys.yaml"
    team.write_text(f"keys:\n  - label: our wiki\n    sha256: {well_known_keys.digest(MASTER)}\n")
    security.master_key_not_well_known(Secret(MASTER))
    with pytest.raises(SmokeFailure, match="our wiki"):
        security.master_key_not_well_known(Secret(MASTER), [team])


async def test_well_known_keys_refused_returns_the_label_of_each_key_probed() -> None:
    # the labels are what a report may show: every key probed, by name, never by value
    labels = tuple(entry.label for entry, _ in well_known_keys.probe_keys())
    async with client_for(lite()) as client:
        probed = await security.well_known_keys_refused(client)
    assert probed == labels
    assert not any(key in label for key in PUBLISHED for label in probed)


async def test_well_known_keys_are_probed_when_the_run_has_no_master_key() -> None:
    # an auth-only run without a master key: no own key to skip, every published key is still probed
    client = ProxyClient("http://gateway.test", None, 5.0, transport=httpx.MockTransport(lite()))
    async with client:
        probed = await security.well_known_keys_refused(client)
    assert len(probed) == len(PUBLISHED)


async def test_an_echo_of_a_probed_key_names_which_published_key_it_was() -> None:
    (label,) = [entry.label for entry, key in well_known_keys.probe_keys() if key == SEED_KEY]

    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ")
        if request.url.path == MODELS and sent == SEED_KEY:
            return httpx.Response(401, json={"error": {"message": f"Invalid key: {sent}"}})
        return lite()(request)

    async with client_for(echo) as client:
        with pytest.raises(SmokeFailure) as info:
            await security.well_known_keys_refused(client)
    assert f"publicly known key ({label}): the response echoes a credential back in the body" in info.value.title
    assert_no_secret(info.value, SEED_KEY)


async def test_own_well_known_master_key_is_not_probed_twice() -> None:
    async with client_for(lite(), master="sk-1234") as client:
        probed = await security.well_known_keys_refused(client)
    assert len(probed) == len(PUBLISHED) - 1


async def test_a_key_echoed_or_accepted_never_reaches_the_message() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ")
        if request.url.path == MODELS and sent == SEED_KEY:
            return httpx.Response(200, json={"data": [], "note": f"welcome {sent}"})
        return lite()(request)

    async with client_for(echo) as client:
        with pytest.raises(SmokeFailure) as info:
            await security.well_known_keys_refused(client)
    assert info.value.security
    assert "echoes a credential" in info.value.title
    assert_no_secret(info.value, SEED_KEY)


async def test_a_version_nobody_reports_is_reported_with_the_reason() -> None:
    # LiteLLM 1.108.7 sends no x-litellm-version on /health/* nor /v1/models; an old or locked-down
    # proxy may also leave litellm_version out of readiness: the run's report says where it looked
    async with client_for(lite(None)) as client:
        report = await security.version_not_known_bad(client)
    assert (report.version, report.known, report.advisories) == (None, False, ())
    assert report.source == f"no x-litellm-version header and no litellm_version in {READINESS_DETAILS} or {READINESS}"

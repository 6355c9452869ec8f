"""The virtual-key checks and the sweep, against a stateful respx stand-in for a DB-backed LiteLLM.

Bodies come from fixtures/synthesised/keys (built from LiteLLM's own types by
tests/keys_replay/build.py). Each check is shown to pass on a healthy proxy and to fail on its
fault, first in-process, then black-box: the real suite/test_keys.py run through pytester.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from litellm_smoke._secrets import MASK, Secret, redact
from litellm_smoke.checks import keys
from litellm_smoke.cli import sweep as _cli_sweep
from litellm_smoke.client import keys as key_api
from litellm_smoke.client.http import ProxyClient
from litellm_smoke.client.keys import SweepError, find_smoke_keys, sweep
from litellm_smoke.errors import ExitCode, SmokeFailure
from tests.helpers.paths import KEYS_REPLAY
from tests.keys_replay.build import BUILDERS, OUT_DIR
from tests.keys_replay.router import BASE_URL, MASTER_KEY, FakeKeyProxy

MODEL = "heartcode-chat-sfw"
EMBED = "heartcode-embed"
BUILD_SCRIPT = KEYS_REPLAY / "build.py"


@asynccontextmanager
async def client_for(fake: FakeKeyProxy) -> AsyncIterator[ProxyClient]:
    async with ProxyClient(fake.base_url, Secret(fake.master_key), 5.0, transport=fake.transport()) as client:
        yield client


# -- the synthesised fixtures ------------------------------------------------------------------


def test_every_synthesised_fixture_is_marked_and_built_by_the_script() -> None:
    files = sorted(OUT_DIR.glob("*.json"))
    assert {p.stem for p in files} == set(BUILDERS)
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["synthesised"] is True, path.name
        assert document["source"].endswith("(litellm 1.108.7)"), path.name
        assert document["built_by"] == "tests/keys_replay/build.py", path.name


@pytest.mark.skipif(importlib.util.find_spec("litellm") is None, reason="litellm not installed (embedded extra)")
def test_synthesised_fixtures_match_a_fresh_build_from_litellm_types() -> None:
    # A subprocess: importing litellm takes seconds and must not leak warnings into this run.
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


# -- the lifecycle, check by check -------------------------------------------------------------

Step = Callable[[ProxyClient, key_api.MintedKey], Awaitable[Any]]


def _steps() -> list[tuple[str, Step]]:
    async def well_formed(client: ProxyClient, minted: key_api.MintedKey) -> None:
        keys.key_well_formed(minted)

    return [
        ("well_formed", well_formed),
        ("allowed_model", keys.key_calls_allowed_model),
        ("refused_model", lambda c, m: keys.key_refused_other_model(c, m, EMBED, "embedding")),
        ("info", keys.key_info_reports_limits),
        ("rate_limit", keys.key_rate_limited),
        ("deleted", lambda c, m: keys.key_deleted_rejected(c, m, grace=0.3)),
    ]


async def _lifecycle(
    fake: FakeKeyProxy,
) -> tuple[dict[str, SmokeFailure], key_api.KeyRegistry, key_api.MintedKey | None]:
    registry = key_api.KeyRegistry()
    failures: dict[str, SmokeFailure] = {}
    async with client_for(fake) as client:
        try:
            minted = await key_api.generate_key(
                client, key_api.KeySpec(MODEL, key_api.new_run_id()), register=registry.add
            )
        except SmokeFailure as failure:
            failures["generate"] = failure
            return failures, registry, None
        for name, step in _steps():
            try:
                await step(client, minted)
            except SmokeFailure as failure:
                failures[name] = failure
        await registry.delete_all(client)
    return failures, registry, minted


@pytest.mark.asyncio
async def test_healthy_lifecycle_passes_every_check_and_spends_at_most_rpm_limit_calls() -> None:
    fake = FakeKeyProxy()
    failures, registry, minted = await _lifecycle(fake)
    assert failures == {}
    assert minted is not None
    assert minted.deleted
    # rpm_limit accepted (billable) completions, then the one refused with 429
    assert len(fake.calls_to("POST", "/v1/chat/completions")) == key_api.DEFAULT_RPM_LIMIT + 1
    assert len(fake.minted[0].window) == key_api.DEFAULT_RPM_LIMIT
    assert [c["json"] for c in fake.calls_to("POST", "/key/delete")] == [{"keys": [minted.token]}]
    assert registry.alive == []


@pytest.mark.parametrize(
    ("fault", "step", "fragment", "security"),
    [
        pytest.param("generate_500", "generate", "expected HTTP 200, got 500", False, id="generate-500"),
        pytest.param("token_equals_key", "well_formed", "token of litellm-smoke-", True, id="token-is-key"),
        pytest.param(
            "allow_forbidden_model", "refused_model", "was allowed to call heartcode-embed", True, id="allow-list-off"
        ),
        pytest.param(
            "access_denied_400",
            "refused_model",
            "HTTP 400, not model_access_denied",
            False,
            id="allow-list-after-lookup",
        ),
        pytest.param("info_drops_rpm", "info", "rpm_limit=None", False, id="info-drops-limit"),
        pytest.param("no_rate_limit", "rate_limit", "not enforced: 4 requests", False, id="no-429"),
        pytest.param("deleted_key_accepted", "deleted", "is still accepted", True, id="deleted-key-works"),
        pytest.param("delete_500", "deleted", "key delete of", False, id="delete-500"),
    ],
)
@pytest.mark.asyncio
async def test_each_check_fails_on_its_fault(fault: str, step: str, fragment: str, security: bool) -> None:
    fake = FakeKeyProxy(faults=[fault])
    failures, _, minted = await _lifecycle(fake)
    assert step in failures, f"{step} passed despite {fault}; failures: {list(failures)}"
    failure = failures[step]
    assert fragment in str(failure)
    assert failure.security is security
    order = ["generate"] + [name for name, _ in _steps()]
    assert not [name for name in failures if order.index(name) < order.index(step)], failures
    if minted is not None:
        assert minted.key.reveal() not in str(failure)


@pytest.mark.asyncio
async def test_generate_registers_the_key_before_validating_it_and_redacts_it_at_once() -> None:
    fake = FakeKeyProxy(faults=["token_equals_key"])
    registry = key_api.KeyRegistry()
    async with client_for(fake) as client:
        minted = await key_api.generate_key(client, key_api.KeySpec(MODEL, "r1"), register=registry.add)
        assert list(registry) == [minted]
        with pytest.raises(SmokeFailure):
            keys.key_well_formed(minted)
        assert redact(f"x {minted.key.reveal()} y") == f"x {MASK} y"
        assert minted.key.reveal() not in repr(minted)
        assert await registry.delete_all(client) == []
    assert all(k.deleted for k in fake.keys.values())


@pytest.mark.asyncio
async def test_registry_reports_keys_it_could_not_delete_by_alias_only() -> None:
    fake = FakeKeyProxy(faults=["delete_500"])
    registry = key_api.KeyRegistry()
    async with client_for(fake) as client:
        minted = await key_api.generate_key(client, key_api.KeySpec(MODEL, "r2"), register=registry.add)
        leftovers = await registry.delete_all(client)
    assert len(leftovers) == 1
    assert leftovers[0].startswith("litellm-smoke-r2 (hash …")
    assert minted.key.reveal() not in leftovers[0]
    assert (minted.token or "") not in leftovers[0]


@pytest.mark.asyncio
async def test_a_mint_without_an_answer_is_found_by_its_alias_and_deleted() -> None:
    """An interrupted (or timed-out) mint may have created a key whose hash never arrived."""
    fake = FakeKeyProxy()
    registry = key_api.KeyRegistry()
    spec = key_api.KeySpec(MODEL, "r3")
    async with client_for(fake) as client:
        registry.expect(spec)
        await key_api.generate_key(client, spec)  # the answer is lost: the registry never hears of the key
        await key_api.generate_key(client, key_api.KeySpec(MODEL, "someone-else"))
        assert len(registry) == 0
        assert await registry.delete_all(client) == []
        assert await registry.delete_all(client) == []  # once found and deleted, not looked up again
    assert {k.alias: k.deleted for k in fake.keys.values()} == {
        "litellm-smoke-r3": True,
        "litellm-smoke-someone-else": False,
    }
    assert len(fake.calls_to("GET", "/key/list")) == 1


@pytest.mark.asyncio
async def test_a_refused_mint_leaves_nothing_to_look_up() -> None:
    fake = FakeKeyProxy(faults=["no_db"])
    registry = key_api.KeyRegistry()
    spec = key_api.KeySpec(MODEL, "r4")
    async with client_for(fake) as client:
        registry.expect(spec)
        with pytest.raises(SmokeFailure):
            await key_api.generate_key(client, spec, register=registry.add, answered=registry.answered)
        assert await registry.delete_all(client) == []
    assert fake.calls_to("GET", "/key/list") == []


@pytest.mark.asyncio
async def test_a_pending_mint_that_cannot_be_looked_up_is_reported_by_alias() -> None:
    fake = FakeKeyProxy(faults=["no_db"])
    registry = key_api.KeyRegistry()
    registry.expect(key_api.KeySpec(MODEL, "r5"))
    async with client_for(fake) as client:
        leftovers = await registry.delete_all(client)
    assert len(leftovers) == 1
    assert leftovers[0].startswith("litellm-smoke-r5 (its mint got no answer): GET /key/list answered 500")


@pytest.mark.parametrize(
    ("successes_before", "body", "fragment"),
    [
        pytest.param(
            1,
            {"error": {"message": "No healthy deployment available, passed model=x", "type": "None", "code": "429"}},
            "came from the router",
            id="router-cooldown",
        ),
        pytest.param(
            0,
            {"error": {"message": "Rate limit exceeded for api_key", "type": "throttling_error", "code": "429"}},
            "before the key made a single successful call",
            id="never-worked",
        ),
    ],
)
@pytest.mark.asyncio
async def test_a_429_that_does_not_prove_the_key_limit_fails(successes_before: int, body: Any, fragment: str) -> None:
    fake = FakeKeyProxy()
    async with client_for(fake) as client:
        minted = await key_api.generate_key(client, key_api.KeySpec(MODEL, "r3"))
    minted.successful_calls = successes_before
    router = respx.MockRouter(base_url=BASE_URL)
    router.route(method="POST", path="/v1/chat/completions").mock(return_value=httpx.Response(429, json=body))
    async with ProxyClient(BASE_URL, Secret(MASTER_KEY), 5.0, transport=httpx.MockTransport(router.async_handler)) as c:
        with pytest.raises(SmokeFailure, match=fragment):
            await keys.key_rate_limited(c, minted)


@pytest.mark.asyncio
async def test_refusal_with_an_old_style_401_message_counts_as_access_denied() -> None:
    fake = FakeKeyProxy()
    async with client_for(fake) as client:
        minted = await key_api.generate_key(client, key_api.KeySpec(MODEL, "r4"))
    body = {
        "error": {
            "message": "Authentication Error, key not allowed to access model. This key can only access "
            "models=['heartcode-chat-sfw']. Tried to access x",
            "type": "auth_error",
            "code": 401,
        }
    }
    router = respx.MockRouter(base_url=BASE_URL)
    router.route(method="POST", path="/v1/chat/completions").mock(return_value=httpx.Response(401, json=body))
    async with ProxyClient(BASE_URL, Secret(MASTER_KEY), 5.0, transport=httpx.MockTransport(router.async_handler)) as c:
        await keys.key_refused_other_model(c, minted, "x")
        router.routes[0].mock(
            return_value=httpx.Response(
                401, json={"error": {"message": "Invalid API key", "type": "token_not_found_in_db"}}
            )
        )
        with pytest.raises(SmokeFailure, match="not model_access_denied"):
            await keys.key_refused_other_model(c, minted, "x")


@pytest.mark.parametrize(
    ("chat", "embed", "expected"),
    [
        pytest.param([MODEL], [EMBED], (EMBED, "embedding"), id="embedding-model-first"),
        pytest.param([MODEL, "other-chat"], [], ("other-chat", "chat"), id="second-chat-model"),
    ],
)
def test_forbidden_model_is_a_real_model_when_one_is_configured(
    chat: list[str], embed: list[str], expected: tuple[str, str]
) -> None:
    assert keys.pick_forbidden_model(MODEL, chat, embed) == expected


def test_forbidden_model_falls_back_to_a_made_up_name() -> None:
    name, kind = keys.pick_forbidden_model(MODEL, [MODEL], [])
    assert name.startswith("litellm-smoke-not-allowed-")
    assert kind == "chat"


@pytest.mark.parametrize(
    ("expect_db", "faults", "runs"),
    [
        pytest.param(True, ["no_db"], True, id="expected-runs-even-without-db"),
        pytest.param(False, [], False, id="not-expected-skips-even-with-db"),
        pytest.param(None, [], True, id="detected"),
        pytest.param(None, ["no_db"], False, id="not-detected"),
    ],
)
@pytest.mark.asyncio
async def test_key_checks_run_when_a_database_is_expected_or_detected(
    expect_db: bool | None, faults: list[str], runs: bool
) -> None:
    fake = FakeKeyProxy(faults=faults)
    async with client_for(fake) as client:
        reason = await keys.keys_precondition(client, expect_db)
    assert (reason is None) is runs
    if reason is not None:
        assert reason.startswith("no database: virtual keys need LiteLLM with PostgreSQL; set LITELLM_EXPECT_DB=true")
    if expect_db is not None:
        assert fake.requests == []  # no probe when the setting decides


# -- the sweep -----------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _seed_mixed(fake: FakeKeyProxy) -> dict[str, Any]:
    tag = {key_api.METADATA_TAG: True}
    return {
        "old": fake.seed("litellm-smoke-20260301T100000Z-aaaaaa", metadata=tag, created_at=NOW - timedelta(hours=2)),
        "young": fake.seed(
            "litellm-smoke-20260301T115900Z-bbbbbb", metadata=tag, created_at=NOW - timedelta(minutes=1)
        ),
        "prefix_only": fake.seed("litellm-smoke-by-hand", metadata={}, created_at=NOW - timedelta(days=1)),
        "tag_only": fake.seed("team-prod-key", metadata=tag, created_at=NOW - timedelta(days=1)),
        "tag_false": fake.seed(
            "litellm-smoke-x", metadata={key_api.METADATA_TAG: "true"}, created_at=NOW - timedelta(days=1)
        ),
        "unrelated": fake.seed("prod", metadata={"team": "core"}, created_at=NOW - timedelta(days=1)),
    }


@pytest.mark.parametrize("faults", [[], ["exact_alias_filter"]], ids=["substring-filter", "old-exact-filter"])
@pytest.mark.asyncio
async def test_sweep_deletes_only_keys_with_both_marks(faults: list[str]) -> None:
    fake = FakeKeyProxy(faults=faults)
    seeded = _seed_mixed(fake)
    async with client_for(fake) as client:
        labels = await sweep(client, now=NOW)
    deleted = {name for name, k in seeded.items() if k.deleted}
    assert deleted == {"old", "young"}
    assert [label.split(" ")[0] for label in labels] == sorted([seeded["old"].alias, seeded["young"].alias])
    for k in seeded.values():
        assert k.key not in " ".join(labels)
        assert k.token not in " ".join(labels)


@pytest.mark.asyncio
async def test_sweep_spares_young_keys_and_dry_run_deletes_nothing() -> None:
    fake = FakeKeyProxy()
    seeded = _seed_mixed(fake)
    async with client_for(fake) as client:
        planned = await sweep(client, older_than=timedelta(minutes=15), dry_run=True, now=NOW)
        assert not any(k.deleted for k in seeded.values())
        done = await sweep(client, older_than=timedelta(minutes=15), now=NOW)
    assert planned == done
    assert len(done) == 1
    assert done[0].startswith(seeded["old"].alias)
    assert seeded["old"].deleted
    assert not seeded["young"].deleted


@pytest.mark.asyncio
async def test_sweep_pages_through_a_full_listing() -> None:
    fake = FakeKeyProxy(faults=["exact_alias_filter"])
    for i in range(230):
        fake.seed(f"other-{i}", created_at=NOW - timedelta(minutes=i))
    leftover = fake.seed("litellm-smoke-z", metadata={key_api.METADATA_TAG: True}, created_at=NOW - timedelta(days=9))
    async with client_for(fake) as client:
        found = await find_smoke_keys(client)
    assert [k.alias for k in found] == [leftover.alias]
    assert len(fake.calls_to("GET", "/key/list")) == 1 + 3  # the filtered try, then three pages of 100


@pytest.mark.asyncio
async def test_sweep_without_a_database_says_so() -> None:
    async with client_for(FakeKeyProxy(faults=["no_db"])) as client:
        with pytest.raises(SweepError, match="has no database"):
            await sweep(client)


# -- the CLI -------------------------------------------------------------------------------------


def _args(**kwargs: Any) -> argparse.Namespace:
    values = {"url": BASE_URL, "older_than": "0", "dry_run": False, "timeout": "5"}
    return argparse.Namespace(**{**values, **kwargs})


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_MASTER_KEY", MASTER_KEY)
    monkeypatch.delenv("LITELLM_BASE_URL", raising=False)


@pytest.mark.usefixtures("proxy_env")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"url": None}, "no target: pass --url or set LITELLM_BASE_URL", id="no-url"),
        pytest.param({"url": "ftp://x"}, "invalid target URL 'ftp://x' from option --url", id="bad-url"),
        pytest.param({"older_than": "soon"}, "invalid --older-than 'soon'", id="bad-duration"),
    ],
)
def test_cli_usage_errors_are_one_line(
    overrides: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli_sweep.run(_args(**overrides)) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.usefixtures("proxy_env")
def test_cli_dry_run_then_sweep_prints_aliases_never_keys(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeKeyProxy()
    seeded = _seed_mixed(fake)
    with fake.router():
        assert _cli_sweep.run(_args(dry_run=True)) == ExitCode.OK
        dry = capsys.readouterr().out
        assert not any(k.deleted for k in seeded.values())
        assert _cli_sweep.run(_args()) == ExitCode.OK
        real = capsys.readouterr().out
        assert _cli_sweep.run(_args()) == ExitCode.OK
        again = capsys.readouterr().out
    assert f"would delete {seeded['old'].alias} (hash …{seeded['old'].token[-6:]}" in dry
    assert "would delete 2 smoke key(s)" in dry
    assert "deleted 2 smoke key(s)" in real
    assert "no smoke keys on http://litellm.test" in again
    for k in seeded.values():
        for text in (dry, real):
            assert k.key not in text
            assert k.token not in text
            assert MASTER_KEY not in text


@pytest.mark.usefixtures("proxy_env")
def test_cli_reports_a_failed_sweep_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeKeyProxy(faults=["no_db"]).router():
        assert _cli_sweep.run(_args()) == ExitCode.FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "has no database" in err
    assert MASTER_KEY not in err


def test_duration_parser() -> None:
    assert _cli_sweep.parse_duration("15m") == timedelta(minutes=15)
    assert _cli_sweep.parse_duration("0") == timedelta(0)
    assert _cli_sweep.parse_duration("1.5h") == timedelta(minutes=90)


# -- the real suite (src/litellm_smoke/suite/test_keys.py), black-box through pytester ------------

SUITE = Path(keys.__file__).resolve().parents[1] / "suite" / "test_keys.py"
ROUTER = KEYS_REPLAY / "router.py"

CONFTEST = """
from __future__ import annotations

from pathlib import Path

import pytest

from keys_replay_router import FakeKeyProxy

FAULTS = {faults!r}
INTERRUPT_AT = {interrupt!r}


@pytest.fixture(scope="session", autouse=True)
def fake_litellm():
    fake = FakeKeyProxy({base_url!r}, {master!r}, faults=FAULTS, fixtures_dir=Path({fixtures!r}),
                        journal=Path({journal!r}))
    with fake.router():
        yield fake


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if item.name == INTERRUPT_AT:
        raise KeyboardInterrupt
"""

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
filterwarnings = error
"""


class SuiteRun:
    def __init__(self, result: pytest.RunResult, journal: list[dict[str, Any]], junit: str) -> None:
        self.result = result
        self.journal = journal
        self.junit = junit
        self.output = result.stdout.str() + result.stderr.str()

    @property
    def minted(self) -> list[dict[str, Any]]:
        return [e for e in self.journal if e.get("event") == "minted"]

    def calls(self, method: str, path: str) -> list[dict[str, Any]]:
        return [e for e in self.journal if e.get("method") == method and e.get("path") == path]

    def assert_no_secrets(self) -> None:
        secrets_ = [MASTER_KEY] + [e["key"] for e in self.minted] + [e["token"] for e in self.minted]
        for secret in secrets_:
            assert secret not in self.output
            assert secret not in self.junit


def _run_suite(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    *,
    faults: tuple[str, ...] = (),
    interrupt: str | None = None,
    expect_db: str | None = None,
    args: tuple[str, ...] = (),
    subprocess_: bool = False,
) -> SuiteRun:
    journal = pytester.path / "journal.jsonl"
    junit = pytester.path / "junit.xml"
    pytester.makepyfile(keys_replay_router=ROUTER.read_text(encoding="utf-8"))
    pytester.makepyfile(test_keys=SUITE.read_text(encoding="utf-8"))
    pytester.makeconftest(
        CONFTEST.format(
            faults=faults,
            interrupt=interrupt,
            base_url=BASE_URL,
            master=MASTER_KEY,
            fixtures=str(OUT_DIR),
            journal=str(journal),
        )
    )
    pytester.makeini(INI)
    monkeypatch.setenv("LITELLM_BASE_URL", BASE_URL)
    monkeypatch.setenv("LITELLM_MASTER_KEY", MASTER_KEY)
    monkeypatch.setenv("LITELLM_CHAT_MODELS", MODEL)
    monkeypatch.setenv("LITELLM_EMBEDDING_MODELS", EMBED)
    if expect_db is not None:
        monkeypatch.setenv("LITELLM_EXPECT_DB", expect_db)
    run = pytester.runpytest_subprocess if subprocess_ else pytester.runpytest
    result = run("-ra", f"--junitxml={junit}", *args)
    entries = (
        [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()] if journal.exists() else []
    )
    return SuiteRun(result, entries, junit.read_text(encoding="utf-8") if junit.exists() else "")


def test_suite_healthy_lifecycle_passes_and_deletes_its_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_suite(pytester, monkeypatch)
    run.result.assert_outcomes(passed=6)
    [minted] = run.minted
    assert minted["alias"].startswith("litellm-smoke-")
    # deleted once, by the delete check; the finaliser then finds nothing left to delete
    assert [c["json"] for c in run.calls("POST", "/key/delete")] == [{"keys": [minted["token"]]}]
    assert f'name="key_alias" value="{minted["alias"]}"' in run.junit
    run.assert_no_secrets()


def test_suite_failing_halfway_still_deletes_its_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # -x stops at the first failure, so the delete check never runs: the finaliser must delete the key.
    run = _run_suite(pytester, monkeypatch, faults=("allow_forbidden_model",), args=("-x",))
    run.result.assert_outcomes(passed=2, failed=1)
    run.result.stdout.fnmatch_lines(["*SECURITY: key litellm-smoke-* was allowed to call heartcode-embed*"])
    [minted] = run.minted
    assert [c["json"] for c in run.calls("POST", "/key/delete")] == [{"keys": [minted["token"]]}]
    run.assert_no_secrets()


def test_suite_interrupted_run_still_deletes_its_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_suite(pytester, monkeypatch, interrupt="test_key_info_reports_limits", subprocess_=True)
    assert run.result.ret == pytest.ExitCode.INTERRUPTED
    [minted] = run.minted
    assert [c["json"] for c in run.calls("POST", "/key/delete")] == [{"keys": [minted["token"]]}]
    run.assert_no_secrets()


@pytest.mark.parametrize(
    ("fault", "test", "line"),
    [
        pytest.param(
            "no_rate_limit",
            "test_key_rate_limited",
            "*rate limit of litellm-smoke-* not enforced: 4 requests*",
            id="no-429",
        ),
        pytest.param(
            "deleted_key_accepted",
            "test_key_deleted_rejected",
            "*SECURITY: deleted key litellm-smoke-* is still accepted*",
            id="deleted-key-works",
        ),
    ],
)
def test_suite_reports_the_broken_limit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fault: str, test: str, line: str
) -> None:
    run = _run_suite(pytester, monkeypatch, faults=(fault,))
    run.result.assert_outcomes(passed=5, failed=1)
    run.result.stdout.fnmatch_lines([line, f"FAILED test_keys.py::{test} - *"])
    if fault == "no_rate_limit":  # the key was deleted by its own check, so no second delete
        assert len(run.calls("POST", "/key/delete")) == 1
    run.assert_no_secrets()


def test_suite_without_a_database_skips_with_one_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_suite(pytester, monkeypatch, faults=("no_db",))
    run.result.assert_outcomes(skipped=6)
    # the first key check says why; the others depend on it and point there (each reason said once)
    skipped = [line for line in run.result.outlines if line.startswith("SKIPPED [") and "test_keys.py:" in line]
    reasons = {line.split(": ", 1)[1] for line in skipped}
    reason = (
        "no database: virtual keys need LiteLLM with PostgreSQL; set LITELLM_EXPECT_DB=true to fail instead of skip "
        "[readiness: HTTP 200, db=none]"
    )
    # the first key check says why; the others depend on it and point there
    assert reasons == {reason, f"{reason} -- see test_key_generate"}
    assert run.calls("POST", "/key/generate") == []


def test_suite_expecting_a_database_fails_once_when_keys_cannot_be_minted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_suite(pytester, monkeypatch, faults=("no_db",), expect_db="true")
    run.result.assert_outcomes(failed=1, skipped=5)
    run.result.stdout.fnmatch_lines(
        [
            "key generate: expected HTTP 200, got 500",
            "*look at:  the proxy has no database (DATABASE_URL unset, or Prisma did not connect)*",
            "SKIPPED *key generate: expected HTTP 200, got 500 -- see test_key_generate",
            "FAILED test_keys.py::test_key_generate - key generate*",
        ]
    )
    run.assert_no_secrets()


def test_suite_names_keys_it_could_not_delete_and_how_to_remove_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_suite(pytester, monkeypatch, faults=("delete_500",))
    run.result.assert_outcomes(passed=5, failed=1, errors=1)
    run.result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_key_deleted_rejected*",
            "cleanup: 1 key(s) minted by this run could not be deleted",
            "*got:      litellm-smoke-* (hash …*): POST /key/delete -> 500*",
            "*look at:  they expire on their own after 10m; remove them now with `litellm-smoke sweep --older-than 0`",
        ]
    )
    assert len(run.calls("POST", "/key/delete")) == 2  # the check's attempt, then the finaliser's
    run.assert_no_secrets()

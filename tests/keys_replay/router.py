"""A stateful stand-in for a database-backed LiteLLM's key API, served through respx.

Every answer body comes from ``fixtures/synthesised/keys/*.json`` (built from LiteLLM 1.108.7's
own types by ``build.py``). This module only keeps the state a real proxy keeps in Postgres and
its caches (which keys exist, which were deleted, how many requests each key made in the
current minute) and puts the run's values (fresh key, its hash, alias, limits) into the sample
bodies. Each fault in :data:`FAULTS` turns one behaviour of a healthy proxy off.

The offline replay transport (``litellm_smoke.offline.replay``) is not reused here: it answers each
request signature with one recorded exchange, statelessly, while the lifecycle needs state
(the same ``GET /v1/models`` with the same key must answer 200 before the delete and 401 after).

Self-contained on purpose (stdlib, httpx, respx): the black-box tests copy this file next to a
pytester conftest.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import respx

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "synthesised" / "keys"
BASE_URL = "http://litellm.test"
MASTER_KEY = "sk-replay-master-" + "m" * 16

FAULTS = {
    "no_db": "readiness reports no database; /key/generate and /key/list answer 500",
    "generate_500": "/key/generate answers 500 although readiness reports a database",
    "token_equals_key": "/key/generate returns the key itself as its token",
    "allow_forbidden_model": "the key may call any model (allow-list not enforced)",
    "access_denied_400": "a model outside the allow-list gets 400 invalid model (allow-list not consulted)",
    "info_drops_rpm": "/key/info reports rpm_limit null",
    "no_rate_limit": "rpm_limit is never enforced",
    "deleted_key_accepted": "a deleted key keeps authenticating",
    "delete_500": "/key/delete answers 500",
    "exact_alias_filter": "/key/list matches key_alias exactly (LiteLLM before substring_matching)",
}


def hash_key(key: str) -> str:
    """LiteLLM's hash_token: sha256 hex of the key."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class StoredKey:
    key: str | None  # None for keys seeded by hash only
    token: str
    alias: str | None
    models: list[str]
    max_budget: float | None
    rpm_limit: int | None
    metadata: dict[str, Any]
    created_at: datetime
    deleted: bool = False
    window: list[float] = field(default_factory=list)


class FakeKeyProxy:
    """The key endpoints of a DB-backed LiteLLM, plus health, chat, embeddings and /v1/models.

    :param faults: names from :data:`FAULTS`.
    :param journal: JSONL file each request is appended to as it happens (so it survives Ctrl-C).
    """

    def __init__(
        self,
        base_url: str = BASE_URL,
        master_key: str = MASTER_KEY,
        *,
        faults: Iterable[str] = (),
        fixtures_dir: Path = DEFAULT_FIXTURES,
        journal: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(FAULTS)}")
        self.base_url = base_url
        self.master_key = master_key
        self.faults = frozenset(faults)
        self.fixtures = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in fixtures_dir.glob("*.json")}
        self.journal = journal
        self.clock = clock
        self.keys: dict[str, StoredKey] = {}
        self.requests: list[dict[str, Any]] = []

    # -- state -------------------------------------------------------------------------------

    def seed(
        self,
        alias: str | None,
        *,
        metadata: Mapping[str, Any] | None = None,
        created_at: datetime | None = None,
        models: Iterable[str] = ("heartcode-chat-sfw",),
    ) -> StoredKey:
        """A key that already exists (e.g. a leftover of a crashed run)."""
        key = "sk-seeded-" + secrets.token_hex(8)
        stored = StoredKey(
            key=key,
            token=hash_key(key),
            alias=alias,
            models=list(models),
            max_budget=None,
            rpm_limit=None,
            metadata=dict(metadata or {}),
            created_at=created_at or datetime.now(timezone.utc),
        )
        self.keys[stored.token] = stored
        return stored

    @property
    def minted(self) -> list[StoredKey]:
        return [k for k in self.keys.values() if k.key and k.key.startswith("sk-replay-minted-")]

    def calls_to(self, method: str, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    # -- respx ---------------------------------------------------------------------------------

    def router(self) -> respx.MockRouter:
        """A respx router (``assert_all_mocked``: any other request fails the test)."""
        router = respx.MockRouter(base_url=self.base_url, assert_all_mocked=True, assert_all_called=False)
        routes: list[tuple[str, str, Callable[[httpx.Request, StoredKey | None, str], httpx.Response]]] = [
            ("GET", "/health/liveliness", self._liveliness),
            ("GET", "/health/readiness", self._readiness),
            ("POST", "/key/generate", self._generate),
            ("GET", "/key/info", self._info),
            ("POST", "/key/delete", self._delete),
            ("GET", "/key/list", self._list),
            ("GET", "/v1/models", self._models),
            ("GET", "/model/info", self._model_info),
            ("POST", "/v1/chat/completions", self._chat),
            ("POST", "/v1/embeddings", self._embeddings),
        ]
        for method, path, handler in routes:
            router.route(method=method, path=path).mock(side_effect=self._wrap(handler))
        return router

    def transport(self) -> httpx.MockTransport:
        """For a client built in the test itself: no global patching."""
        return httpx.MockTransport(self.router().async_handler)

    def _wrap(
        self, handler: Callable[[httpx.Request, StoredKey | None, str], httpx.Response]
    ) -> Callable[[httpx.Request], httpx.Response]:
        def side_effect(request: httpx.Request) -> httpx.Response:
            stored, auth = self._auth(request)
            try:
                payload: Any = json.loads(request.content) if request.content else None
            except ValueError:
                payload = "<not json>"
            entry = {
                "method": request.method,
                "path": request.url.path,
                "query": dict(request.url.params),
                "auth": auth,
                "json": payload,
            }
            self.requests.append(entry)
            self._record(entry)
            return handler(request, stored, auth)

        return side_effect

    def _record(self, entry: Mapping[str, Any]) -> None:
        if self.journal is not None:
            with self.journal.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")

    # -- helpers -------------------------------------------------------------------------------

    def _auth(self, request: httpx.Request) -> tuple[StoredKey | None, str]:
        value = request.headers.get("x-litellm-api-key") or request.headers.get("authorization")
        if not value:
            return None, "none"
        value = value.removeprefix("Bearer ").removeprefix("bearer ").strip()
        if value == self.master_key:
            return None, "master"
        stored = self.keys.get(hash_key(value))
        if stored is None:
            return None, "unknown"
        if stored.deleted and "deleted_key_accepted" not in self.faults:
            return None, f"deleted:{stored.alias}"
        return stored, f"key:{stored.alias}"

    def _answer(
        self,
        name: str,
        *,
        replace: Mapping[str, str] | None = None,
        status: int | None = None,
        update: Callable[[Any], Any] | None = None,
    ) -> httpx.Response:
        fixture = self.fixtures[name]
        text = json.dumps(fixture["body"])
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        body = json.loads(text)
        if update is not None:
            body = update(body)
        return httpx.Response(status or fixture["status"], json=body, headers=fixture.get("headers") or {})

    def _samples(self) -> Mapping[str, str]:
        samples: Mapping[str, str] = self.fixtures["generate_key"]["samples"]
        return samples

    def _key_replacements(self, stored: StoredKey) -> dict[str, str]:
        samples = self._samples()
        pairs = {samples["token"]: stored.token, samples["alias"]: stored.alias or ""}
        if stored.key:
            pairs[samples["key"]] = stored.key
        return pairs

    def _fields(self, stored: StoredKey) -> dict[str, Any]:
        return {
            "key_alias": stored.alias,
            "models": stored.models,
            "max_budget": stored.max_budget,
            "rpm_limit": None if "info_drops_rpm" in self.faults else stored.rpm_limit,
            "metadata": stored.metadata,
            "created_at": stored.created_at.isoformat().replace("+00:00", "Z"),
        }

    def _unauthenticated(self, auth: str) -> httpx.Response:
        if auth == "none":
            return self._answer("no_api_key")
        return self._answer("token_not_found", replace={self._samples()["token"]: "0" * 64})

    # -- handlers ------------------------------------------------------------------------------

    def _liveliness(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        return httpx.Response(200, json="I'm alive!")

    def _readiness(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if "no_db" in self.faults:
            return httpx.Response(200, json={"status": "healthy", "db": "Not connected"})
        return self._answer("readiness_db")

    def _generate(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth != "master":
            return self._unauthenticated(auth)
        if self.faults & {"no_db", "generate_500"}:
            return self._answer("generate_no_db")
        spec = json.loads(request.content)
        key = "sk-replay-minted-" + secrets.token_urlsafe(16)
        new = StoredKey(
            key=key,
            token=hash_key(key),
            alias=spec.get("key_alias"),
            models=list(spec.get("models") or []),
            max_budget=spec.get("max_budget"),
            rpm_limit=spec.get("rpm_limit"),
            metadata=dict(spec.get("metadata") or {}),
            created_at=datetime.now(timezone.utc),
        )
        self.keys[new.token] = new
        # Test-only record of the secret, so the tests can prove it never reached any output.
        self._record({"event": "minted", "key": key, "token": new.token, "alias": new.alias})

        def update(body: dict[str, Any]) -> dict[str, Any]:
            body.update(self._fields(new))
            body["rpm_limit"] = new.rpm_limit
            if "token_equals_key" in self.faults:
                body["token"] = key
            return body

        return self._answer("generate_key", replace=self._key_replacements(new), update=update)

    def _lookup(self, reference: str) -> StoredKey | None:
        token = hash_key(reference) if reference.startswith("sk-") else reference
        return self.keys.get(token)

    def _info(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth != "master":
            return self._unauthenticated(auth)
        reference = request.url.params.get("key", "")
        target = self._lookup(reference)
        if target is None:
            return httpx.Response(
                404,
                json={
                    "error": {
                        "message": "Key not found in database",
                        "type": "not_found_error",
                        "param": "key",
                        "code": "404",
                    }
                },
            )

        def update(body: dict[str, Any]) -> dict[str, Any]:
            body["key"] = reference
            body["info"].update(self._fields(target))
            body["info"]["status"] = "deleted" if target.deleted else "active"
            return body

        return self._answer("key_info", replace=self._key_replacements(target), update=update)

    def _delete(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth != "master":
            return self._unauthenticated(auth)
        if "delete_500" in self.faults:
            return httpx.Response(
                500,
                json={
                    "error": {
                        "message": "Not connected to DB!",
                        "type": "internal_server_error",
                        "param": None,
                        "code": "500",
                    }
                },
            )
        references = json.loads(request.content).get("keys") or []
        targets = [self._lookup(r) for r in references]
        if any(t is None or t.deleted for t in targets):
            return httpx.Response(
                400,
                json={
                    "error": {
                        "message": "Not all keys passed in were deleted.",
                        "type": "bad_request_error",
                        "param": None,
                        "code": "400",
                    }
                },
            )
        for target in targets:
            assert target is not None
            target.deleted = True
        return self._answer("key_delete", update=lambda body: {"deleted_keys": references})

    def _list(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth != "master":
            return self._unauthenticated(auth)
        if "no_db" in self.faults:
            return httpx.Response(
                500,
                json={
                    "error": {
                        "message": "Authentication Error, Database not connected",
                        "type": "internal_server_error",
                        "param": None,
                        "code": "500",
                    }
                },
            )
        params = request.url.params
        alias = params.get("key_alias")
        substring = params.get("substring_matching") == "true" and "exact_alias_filter" not in self.faults
        live = [k for k in self.keys.values() if not k.deleted]
        if alias:
            if substring:
                live = [k for k in live if k.alias and alias.lower() in k.alias.lower()]
            else:
                live = [k for k in live if k.alias == alias]
        live.sort(key=lambda k: k.created_at, reverse=True)
        page, size = int(params.get("page", "1")), int(params.get("size", "10"))
        chunk = live[(page - 1) * size : page * size]
        template = self.fixtures["key_list"]["body"]["keys"][0]
        objects = []
        for k in chunk:
            text = json.dumps(template)
            for old, new in self._key_replacements(k).items():
                text = text.replace(old, new)
            obj = json.loads(text)
            obj.update(self._fields(k))
            obj["token"] = k.token
            objects.append(obj)
        full = params.get("return_full_object") == "true"
        return self._answer(
            "key_list",
            update=lambda body: {
                **body,
                "keys": objects if full else [k.token for k in chunk],
                "total_count": len(live),
                "current_page": page,
                "total_pages": -(-len(live) // size),
            },
        )

    def _models(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth == "master":
            names = ["heartcode-chat-sfw", "heartcode-embed"]
        elif stored is not None:
            names = stored.models
        else:
            return self._unauthenticated(auth)
        return httpx.Response(
            200, json={"object": "list", "data": [{"id": n, "object": "model", "owned_by": "openai"} for n in names]}
        )

    def _model_info(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        if auth != "master":
            return self._unauthenticated(auth)
        modes = {"heartcode-chat-sfw": "chat", "heartcode-embed": "embedding"}
        data = [{"model_name": n, "litellm_params": {}, "model_info": {"mode": m}} for n, m in modes.items()]
        return httpx.Response(200, json={"data": data})

    def _model_call(self, request: httpx.Request, stored: StoredKey | None, auth: str, answer: str) -> httpx.Response:
        model = str(json.loads(request.content).get("model"))
        if auth == "master":
            return self._answer(answer, replace={self._samples()["model"]: model})
        if stored is None:
            return self._unauthenticated(auth)
        if stored.models and model not in stored.models and "allow_forbidden_model" not in self.faults:
            samples = self._samples()
            if "access_denied_400" in self.faults:
                return self._answer("invalid_model", replace={samples["other_model"]: model})
            return self._answer("model_access_denied", replace={samples["other_model"]: model})
        now = self.clock()
        stored.window = [t for t in stored.window if now - t < 60]
        if stored.rpm_limit is not None and len(stored.window) >= stored.rpm_limit:
            if "no_rate_limit" not in self.faults:
                return self._answer("rate_limited", replace={self._samples()["token"]: stored.token})
        stored.window.append(now)
        return self._answer(answer, replace={self._samples()["model"]: model, self._samples()["other_model"]: model})

    def _chat(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        return self._model_call(request, stored, auth, "chat_completion")

    def _embeddings(self, request: httpx.Request, stored: StoredKey | None, auth: str) -> httpx.Response:
        return self._model_call(request, stored, auth, "embedding")

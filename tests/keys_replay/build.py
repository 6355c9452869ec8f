"""Regenerate ``fixtures/synthesised/keys/*.json`` from LiteLLM's own response types.

Test-only: it imports litellm (the ``embedded`` extra), which the tests themselves never do; they
load the committed JSON. Each file is one HTTP answer of a database-backed LiteLLM 1.108.7 that
cannot be started on the development machine (Prisma downloads its engines at start-up), built
the way LiteLLM builds it: the same pydantic types and exception classes, the same post-processing
(e.g. ``/key/generate`` re-points ``token`` at the hash, ``/key/info`` pops the hash).

The bodies use fixed sample values (``SAMPLES``); the replay router substitutes the values of each
run (a fresh key, its hash, the run's alias). Usage::

    python tests/keys_replay/build.py           # rewrite the JSON files
    python tests/keys_replay/build.py --check   # exit 1 if they differ from a fresh build
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "synthesised" / "keys"

_KEY = "sk-synthesisedKey0000000000"
SAMPLES = {
    "key": _KEY,
    "token": hashlib.sha256(_KEY.encode()).hexdigest(),
    "alias": "litellm-smoke-20260101T000000Z-5a1e5a",
    "run_id": "20260101T000000Z-5a1e5a",
    "model": "heartcode-chat-sfw",
    "other_model": "heartcode-embed",
}
_CREATED = datetime(2026, 1, 1, tzinfo=timezone.utc)
_EXPIRES = _CREATED + timedelta(minutes=10)
_SPEC = {"duration": "10m", "max_budget": 0.01, "rpm_limit": 3}


def _litellm() -> str:
    # Without this, importing litellm spends ~10 s trying to download the model cost map.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return version("litellm")


def _key_row() -> dict[str, Any]:
    """The key_data dict generate_key_helper_fn inserts (key_management_endpoints.py:4994)."""
    from litellm.proxy.auth.auth_utils import abbreviate_api_key

    return {
        "token": SAMPLES["key"],
        "key_alias": SAMPLES["alias"],
        "expires": _EXPIRES,
        "models": [SAMPLES["model"]],
        "aliases": {},
        "config": {},
        "spend": 0.0,
        "max_budget": _SPEC["max_budget"],
        "user_id": None,
        "team_id": None,
        "max_parallel_requests": None,
        "metadata": {"litellm_smoke": True, "run_id": SAMPLES["run_id"]},
        "tpm_limit": None,
        "rpm_limit": _SPEC["rpm_limit"],
        "budget_duration": None,
        "budget_reset_at": None,
        "allowed_cache_controls": [],
        "permissions": {},
        "model_max_budget": {},
        "organization_id": None,
        "blocked": None,
        "created_by": "default_user_id",
        "updated_by": "default_user_id",
        "allowed_routes": [],
        "key_type": "default",
        "key_name": abbreviate_api_key(api_key=SAMPLES["key"]),
    }


def _dump(model: Any) -> Any:
    return json.loads(model.model_dump_json())


def generate_key() -> dict[str, Any]:
    from litellm.proxy._types import GenerateKeyResponse

    row = _key_row()
    row.update(token_id=SAMPLES["token"], litellm_budget_table=None, created_at=_CREATED, updated_at=_CREATED)
    row["soft_budget"] = None
    response = GenerateKeyResponse.model_validate(row)
    response.token = response.token_id  # what generate_key_fn does (key_management_endpoints.py:1678)
    return {"source": "litellm.proxy._types.GenerateKeyResponse", "status": 200, "body": _dump(response)}


def key_info() -> dict[str, Any]:
    from litellm.proxy._types import LiteLLM_VerificationToken

    row = _key_row()
    row.update(token=SAMPLES["token"], created_at=_CREATED, updated_at=_CREATED, last_active=None)
    info = _dump(LiteLLM_VerificationToken.model_validate(row))
    info.pop("token")  # info_key_fn: "REMOVE HASHED TOKEN INFO BEFORE RETURNING"
    info["status"] = "active"
    return {
        "source": "litellm.proxy._types.LiteLLM_VerificationToken",
        "status": 200,
        "body": {"key": SAMPLES["token"], "info": info},
    }


def key_list() -> dict[str, Any]:
    from litellm.proxy._types import KeyListResponseObject, UserAPIKeyAuth

    row = _key_row()
    row.update(token=SAMPLES["token"], created_at=_CREATED, updated_at=_CREATED)
    listing = KeyListResponseObject(keys=[UserAPIKeyAuth(**row)], total_count=1, current_page=1, total_pages=1)
    body = {**listing, "keys": [_dump(k) for k in listing["keys"]]}
    return {"source": "litellm.proxy._types.KeyListResponseObject of UserAPIKeyAuth", "status": 200, "body": body}


def key_delete() -> dict[str, Any]:
    # delete_key_fn returns this dict literal (key_management_endpoints.py:4447); no type exists.
    return {
        "source": "litellm.proxy.management_endpoints.key_management_endpoints.delete_key_fn (dict literal)",
        "status": 200,
        "body": {"deleted_keys": [SAMPLES["token"]]},
    }


def _proxy_error(exc: Any) -> dict[str, Any]:
    return {"error": exc.to_dict()}


def model_access_denied() -> dict[str, Any]:
    from litellm.proxy._types import ModelAccessDeniedProxyException, ProxyErrorTypes
    from litellm.proxy.auth.model_access_denied import model_access_denied_client_message

    exc = ModelAccessDeniedProxyException(
        message=model_access_denied_client_message(model=SAMPLES["other_model"]),
        internal_message="key not allowed to access model",
        type=ProxyErrorTypes.get_model_access_error_type_for_object(object_type="key"),
        param="model",
        code=403,
    )
    return {
        "source": "litellm.proxy._types.ModelAccessDeniedProxyException",
        "status": int(exc.code),
        "body": _proxy_error(exc),
    }


def token_not_found() -> dict[str, Any]:
    from litellm.proxy.auth.resolvers.exceptions import KeyNotFoundError

    exc = KeyNotFoundError(SAMPLES["token"])
    return {
        "source": "litellm.proxy.auth.resolvers.exceptions.KeyNotFoundError",
        "status": int(exc.code),
        "body": _proxy_error(exc),
    }


def no_api_key() -> dict[str, Any]:
    from litellm.proxy._types import ProxyErrorTypes, ProxyException

    # user_api_key_auth.py:2501: the message LiteLLM raises for a request without any key.
    exc = ProxyException(
        message="Authentication Error, No api key passed in.",
        type=ProxyErrorTypes.auth_error,
        param="None",
        code=401,
    )
    return {"source": "litellm.proxy._types.ProxyException", "status": 401, "body": _proxy_error(exc)}


def rate_limited() -> dict[str, Any]:
    from litellm.proxy.common_request_processing import proxy_exception_from_http_exception
    from litellm.proxy.common_utils.proxy_rate_limit_error import ProxyRateLimitError

    # The detail parallel_request_limiter_v3._handle_rate_limit_error builds for a key descriptor.
    detail = (
        f"Rate limit exceeded for api_key: {SAMPLES['token']}. Limit type: requests. "
        f"Current limit: {_SPEC['rpm_limit']}, Remaining: 0. Limit resets at: 2026-01-01 00:01:00 UTC"
    )
    headers = {"retry-after": "60", "rate_limit_type": "requests", "reset_at": "2026-01-01 00:01:00 UTC"}
    error = ProxyRateLimitError(detail=detail, headers=headers, rate_limit_type="requests", descriptor_key="api_key")
    exc = proxy_exception_from_http_exception(error, dict(headers))
    return {
        "source": "litellm.proxy.common_utils.proxy_rate_limit_error.ProxyRateLimitError via "
        "proxy_exception_from_http_exception",
        "status": int(exc.code),
        "headers": {"retry-after": exc.headers.get("retry-after", "60")},
        "body": _proxy_error(exc),
    }


def generate_no_db() -> dict[str, Any]:
    import logging

    from fastapi import HTTPException
    from litellm.proxy.utils import handle_exception_on_proxy
    from litellm.types.proxy.common_proxy_errors import CommonProxyErrors

    # generate_key_fn without prisma_client (key_management_endpoints.py:2254); matches a real
    # DB-less 1.108.7 proxy field for field (compared with the embedded default).
    error = HTTPException(status_code=500, detail={"error": CommonProxyErrors.db_not_connected_error.value})
    logging.getLogger("LiteLLM Proxy").disabled = True  # it logs the exception it converts
    exc = handle_exception_on_proxy(error)
    return {
        "source": "litellm.proxy.utils.handle_exception_on_proxy",
        "status": int(exc.code),
        "body": _proxy_error(exc),
    }


def chat_completion() -> dict[str, Any]:
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    response = ModelResponse(
        id="chatcmpl-synthesised",
        created=int(_CREATED.timestamp()),
        model=SAMPLES["model"],
        object="chat.completion",
        choices=[Choices(finish_reason="length", index=0, message=Message(content="pong", role="assistant"))],
        usage=Usage(prompt_tokens=9, completion_tokens=1, total_tokens=10),
    )
    return {
        "source": "litellm.types.utils.ModelResponse",
        "status": 200,
        "headers": {"x-litellm-version": _litellm()},
        "body": response.model_dump(),  # type: ignore[no-untyped-call,unused-ignore]
    }


def invalid_model() -> dict[str, Any]:
    from litellm.proxy._types import ProxyException

    # route_llm_request: the router does not know the model (reference §3, observed on 1.108.7).
    exc = ProxyException(
        message=f"/chat/completions: Invalid model name passed in model={SAMPLES['other_model']}. "
        "Call `/v1/models` to view available models for your key.",
        type="invalid_request_error",
        param=None,
        code=400,
    )
    return {"source": "litellm.proxy._types.ProxyException", "status": 400, "body": _proxy_error(exc)}


def embedding() -> dict[str, Any]:
    from litellm.types.utils import EmbeddingResponse, Usage

    response = EmbeddingResponse(
        model=SAMPLES["other_model"],
        data=[{"object": "embedding", "index": 0, "embedding": [0.5, 0.5, 0.5, 0.5]}],
        object="list",
        usage=Usage(prompt_tokens=1, completion_tokens=0, total_tokens=1),
    )
    return {"source": "litellm.types.utils.EmbeddingResponse", "status": 200, "body": response.model_dump()}


def readiness_db() -> dict[str, Any]:
    # _health_endpoints.py:1941-1979 returns a dict literal; "connected" when Prisma answers.
    return {
        "source": "litellm.proxy.health_endpoints._health_endpoints.health_readiness (dict literal)",
        "status": 200,
        "body": {"status": "healthy", "db": "connected"},
    }


BUILDERS = {
    "generate_key": generate_key,
    "generate_no_db": generate_no_db,
    "key_info": key_info,
    "key_list": key_list,
    "key_delete": key_delete,
    "model_access_denied": model_access_denied,
    "token_not_found": token_not_found,
    "no_api_key": no_api_key,
    "rate_limited": rate_limited,
    "chat_completion": chat_completion,
    "embedding": embedding,
    "invalid_model": invalid_model,
    "readiness_db": readiness_db,
}


def build() -> dict[str, dict[str, Any]]:
    """Every fixture, as it would be written (name -> JSON document)."""
    litellm_version = _litellm()
    documents: dict[str, dict[str, Any]] = {}
    for name, builder in BUILDERS.items():
        built = builder()
        documents[name] = {
            "synthesised": True,
            "source": f"{built.pop('source')} (litellm {litellm_version})",
            "built_by": "tests/keys_replay/build.py",
            "samples": SAMPLES,
            **built,
        }
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    documents = build()
    stale = []
    for name, document in documents.items():
        path = OUT_DIR / f"{name}.json"
        text = render(document)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale synthesised fixtures: {', '.join(stale)}; run python {Path(__file__).name}", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'wrote'} {len(documents)} files in {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

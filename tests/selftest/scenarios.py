"""The fault corpus: one scenario per fault, each a small mutation of the healthy recordings.

A scenario names the fault, the mutation, the checks that must fail (JUnit names, the one
the fault is about first), the message line the first of them must fail with (an fnmatch
pattern naming the cause), optionally a pattern every failing check's message must contain,
extra pytest arguments and environment, and whether the remaining checks pass
(``others="pass"``) or are skipped because the preflight failed (``others="skip"``).
docs/offline.md lists this table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .harness import (
    AGENT_MODEL,
    CHAT_MODEL,
    COMPLETION_MODEL,
    EMBED_MODEL,
    MODERATION_MODEL,
    RERANK_MODEL,
    Doc,
    Recordings,
)

REACH = "test_reachability"
READY = "test_readiness"
MASTER = "test_auth_master_key_accepted"
UNAUTH_MODELS = "test_auth_unauthenticated_rejected[models]"
UNAUTH_CHAT = "test_auth_unauthenticated_rejected[chat]"
WRONG = "test_auth_wrong_key_rejected"
BEARER = "test_auth_missing_bearer_prefix_rejected"
LISTED = "test_models_listed"
CHAT = f"test_chat_completion[{CHAT_MODEL}]"
STREAM = f"test_chat_streaming[{CHAT_MODEL}]"
SDK = f"test_chat_openai_sdk[{CHAT_MODEL}]"
EMB = f"test_embeddings_batch[{EMBED_MODEL}]"
EMB_SDK = f"test_embeddings_openai_sdk_single[{EMBED_MODEL}]"
UNKNOWN = "test_unknown_model_rejected"
HEALTH_CHAT = f"test_model_health[{CHAT_MODEL}]"
HEALTH_EMB = f"test_model_health[{EMBED_MODEL}]"
# The key lifecycle checks (suite/test_keys.py) skip without a database, but fail when one is
# expected (LITELLM_EXPECT_DB=true); their own fault corpus is tests/test_keys.py.
KEY_GENERATE = "test_key_generate"
# suite/test_security.py
VERSION = "test_litellm_version_not_known_bad"
MATRIX_INFERENCE = "test_auth_route_matrix[inference]"
MATRIX_MANAGEMENT = "test_auth_route_matrix[management]"
OWN_KEY_KNOWN = "test_auth_own_key_not_publicly_known"
KNOWN_KEYS = "test_auth_well_known_keys_rejected"

TOOL = f"test_chat_tool_call[{AGENT_MODEL}]"
TOOL_STREAM = f"test_chat_tool_call_streaming[{AGENT_MODEL}]"
SCHEMA = f"test_chat_json_schema[{AGENT_MODEL}]"
COMPLETION = f"test_completion[{COMPLETION_MODEL}]"
RERANK = f"test_rerank[{RERANK_MODEL}]"
MODERATION = f"test_moderation[{MODERATION_MODEL}]"
# Checks of the models the run discovers beyond the two above (absent when lists are given).
DISCOVERED_CHECKS = (
    f"test_chat_completion[{AGENT_MODEL}]",
    f"test_chat_streaming[{AGENT_MODEL}]",
    f"test_chat_openai_sdk[{AGENT_MODEL}]",
    f"test_model_health[{AGENT_MODEL}]",
    TOOL,
    TOOL_STREAM,
    SCHEMA,
    COMPLETION,
    RERANK,
    MODERATION,
)

RESPONSES = f"test_responses_api[{CHAT_MODEL}]"
RESPONSES_STREAM = f"test_responses_api_streaming[{CHAT_MODEL}]"
MESSAGES = f"test_messages_api[{CHAT_MODEL}]"
MESSAGES_STREAM = f"test_messages_api_streaming[{CHAT_MODEL}]"
# The opt-in API surfaces: collected only with --api responses,messages.
API_CHECKS = tuple(
    f"test_{api}_api{stream}[{model}]"
    for api in ("responses", "messages")
    for stream in ("", "_streaming")
    for model in (CHAT_MODEL, AGENT_MODEL)
)
APIS = ("--api", "responses,messages")

SMOKE_CHECKS = (
    REACH,
    READY,
    MASTER,
    UNAUTH_MODELS,
    UNAUTH_CHAT,
    WRONG,
    BEARER,
    LISTED,
    CHAT,
    STREAM,
    SDK,
    EMB,
    EMB_SDK,
    UNKNOWN,
    HEALTH_CHAT,
    HEALTH_EMB,
    VERSION,
    MATRIX_INFERENCE,
    MATRIX_MANAGEMENT,
    OWN_KEY_KNOWN,
    KNOWN_KEYS,
)


@dataclass(frozen=True)
class Scenario:
    id: str
    fault: str
    mutate: Callable[[Recordings], None]
    failing: tuple[str, ...]
    message: str
    args: tuple[str, ...] = ()
    common: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    others: str = "pass"
    skipped: tuple[str, ...] = ()  # dependents of the failing check: skipped, pointing at it


# -- building blocks -------------------------------------------------------------------------

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _answer(
    doc: Doc, status: int, *, json_body: Any = None, text: str | None = None, content_type: str = "application/json"
) -> None:
    response: dict[str, Any] = {"status": status, "headers": {"content-type": content_type}}
    if text is not None:
        response["text"] = text
    else:
        response["json"] = json_body
    doc["response"] = response


def _same_answer(target: Doc, source: Doc) -> None:
    target["response"] = json.loads(json.dumps(source["response"]))


def _error(message: str, type_: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": str(code)}}


def _every(kind: str, value: Any) -> Callable[[Recordings], None]:
    def mutate(r: Recordings) -> None:
        for doc in r:
            doc[kind] = value

    return mutate


def _chat_message(r: Recordings) -> dict[str, Any]:
    message: dict[str, Any] = r.chat()["response"]["json"]["choices"][0]["message"]
    return message


def _vectors(r: Recordings) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = r.embeddings()["response"]["json"]["data"]
    return data


# -- mutations -------------------------------------------------------------------------------


def html_502_on_chat(r: Recordings) -> None:
    _answer(r.chat(), 502, text=NGINX_502, content_type="text/html")


def unauthenticated_accepted(r: Recordings) -> None:
    _same_answer(r.models("none"), r.models())
    _same_answer(r.unauth_chat(), r.chat())


def only_models_open(r: Recordings) -> None:
    _same_answer(r.models("none"), r.models())


def wrong_master_key(r: Recordings) -> None:
    # The proxy's master key differs from the run's: every request with "the master key" gets
    # what the recorded wrong key got (LiteLLM without a DB: 400 "No connected db.").
    rejected = r.models("wrong-key")
    for doc in r:
        if doc["match"]["auth"] == "master":
            _same_answer(doc, rejected)


def model_missing(r: Recordings) -> None:
    body = r.models()["response"]["json"]
    body["data"] = [m for m in body["data"] if m["id"] != EMBED_MODEL]


def readiness_503(r: Recordings) -> None:
    _answer(r.readiness(), 503, json_body={"status": "healthy", "db": "disconnected"})


def readiness_old_disconnected(r: Recordings) -> None:
    # ≈v1.2x–1.83: 200, db hard-coded "connected", the real state in "status".
    _answer(
        r.readiness(),
        200,
        json_body={
            "status": "disconnected",
            "db": "connected",
            "cache": None,
            "litellm_version": "1.60.0",
            "last_updated": "2026-01-01T00:00:00",
        },
    )


def readiness_db_connected(r: Recordings) -> None:
    _answer(r.readiness(), 200, json_body={"status": "healthy", "db": "connected"})


def chat_empty_content(r: Recordings) -> None:
    _chat_message(r)["content"] = ""


def chat_without_usage(r: Recordings) -> None:
    del r.chat()["response"]["json"]["usage"]


def chat_text_completion_shape(r: Recordings) -> None:
    body = r.chat()["response"]["json"]
    text = body["choices"][0]["message"]["content"]
    body["object"] = "text_completion"
    body["choices"] = [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}]


def unknown_model_500(r: Recordings) -> None:
    _answer(
        r.unknown_model(),
        500,
        json_body=_error(
            "litellm.InternalServerError: 'NoneType' object has no attribute 'get'", "internal_server_error", 500
        ),
    )


def unknown_model_accepted(r: Recordings) -> None:
    _same_answer(r.unknown_model(), r.chat())


def stream_without_done(r: Recordings) -> None:
    events = r.stream()["response"]["sse"]
    assert events[-1] == "[DONE]"
    events.pop()


def stream_json_not_sse(r: Recordings) -> None:
    _same_answer(r.stream(), r.chat())


def stream_malformed_event(r: Recordings) -> None:
    events = r.stream()["response"]["sse"]
    events[1] = json.dumps(events[1])[:40]  # a chunk cut off mid-JSON


def stream_stall(r: Recordings) -> None:
    r.stream()["stall_after_events"] = 2


def embeddings_nan(r: Recordings) -> None:
    _vectors(r)[1]["embedding"][3] = math.nan


def embeddings_inconsistent_dims(r: Recordings) -> None:
    vector = _vectors(r)[2]["embedding"]
    del vector[len(vector) // 2 :]


def embeddings_missing_vector(r: Recordings) -> None:
    _vectors(r).pop(1)


def embeddings_out_of_order(r: Recordings) -> None:
    _vectors(r).reverse()


def embeddings_sdk_base64(r: Recordings) -> None:
    r.embeddings("str")["response"]["json"]["data"][0]["embedding"] = "AAAAAAAA8D8AAAAAAAAAQA=="


def echo_master_key_no_bearer(r: Recordings) -> None:
    # What LiteLLM <=1.74.12 did (fixed in 1.74.14): the malformed-key error quoted the key it was sent.
    r.models("no-bearer-prefix")["response"]["json"] = _error(
        "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix. Passed in: {{MASTER_KEY}}",
        "auth_error",
        401,
    )


def echo_master_key_unknown_model(r: Recordings) -> None:
    r.unknown_model()["response"]["json"]["error"]["message"] += " api_key={{MASTER_KEY}}"


def echo_master_key_header(r: Recordings) -> None:
    r.models()["response"]["headers"]["x-litellm-debug-key"] = "{{MASTER_KEY}}"


def echo_wrong_key(r: Recordings) -> None:
    r.models("wrong-key")["response"]["json"] = _error(
        "Authentication Error, Invalid proxy server token passed. Received API Key = {{WRONG_KEY}}", "auth_error", 401
    )


def wrong_key_accepted(r: Recordings) -> None:
    _same_answer(r.models("wrong-key"), r.models())


def no_bearer_accepted(r: Recordings) -> None:
    _same_answer(r.models("no-bearer-prefix"), r.models())


def unauth_500_without_prisma(r: Recordings) -> None:
    _answer(
        r.models("none"), 500, json_body=_error("Authentication Error, No module named 'prisma'", "auth_error", 500)
    )


def chat_slow(r: Recordings) -> None:
    r.chat()["delay_s"] = 30


def chat_model_unhealthy(r: Recordings) -> None:
    doc = r.health(CHAT_MODEL)
    _answer(
        doc,
        503,
        json_body={
            "healthy_endpoints": [],
            "unhealthy_endpoints": [
                {
                    "api_base": "https://api.upstream.example/v1",
                    "model": "openai/fake-chat",
                    "error": "litellm.AuthenticationError: OpenAIException - Incorrect API key provided"
                    "\nstack trace: ...",
                }
            ],
            "healthy_count": 0,
            "unhealthy_count": 1,
        },
    )


def embed_model_unhealthy_old_shape(r: Recordings) -> None:
    # Before PR #27003 an unhealthy /health?model= still answered 200, with healthy_count 0. The
    # classic cause: an embedding deployment without model_info.mode is probed with a chat body.
    _answer(
        r.health(EMBED_MODEL),
        200,
        json_body={
            "healthy_endpoints": [],
            "unhealthy_endpoints": [
                {
                    "api_base": "https://api.upstream.example/v1",
                    "model": "openai/text-embedding-3-small",
                    "error": "litellm.BadRequestError: OpenAIException - This is not a chat model",
                }
            ],
            "healthy_count": 0,
            "unhealthy_count": 1,
        },
    )


def _reports_version(version: str) -> Callable[[Recordings], None]:
    def mutate(r: Recordings) -> None:
        r.find("GET", "/health/readiness/details")["response"]["json"]["litellm_version"] = version
        for doc in r:
            if "x-litellm-version" in doc["response"].get("headers", {}):
                doc["response"]["headers"]["x-litellm-version"] = version

    return mutate


def _opens(method: str, path: str, answer: Callable[[Recordings], Doc]) -> Callable[[Recordings], None]:
    def mutate(r: Recordings) -> None:
        _same_answer(r.find(method, path, auth="none"), answer(r))

    return mutate


def published_key_accepted(r: Recordings) -> None:
    # A virtual key or auth hook that accepts a key printed in public docs (sk-1234, the seed's).
    _same_answer(r.models("other"), r.models())


COOLDOWN_429 = (
    "No deployments available for selected model, Try again in 5 seconds. All deployments for selected model "
    f"are in cooldown. Passed model={CHAT_MODEL}. pre-call-checks=False, cooldown_list=['0123abcd']"
)


def cooldown_after_chat_failure(r: Recordings) -> None:
    # The upstream fails the plain call; LiteLLM cools the deployment down, so the next call of the
    # same model (the stream) gets the router's 429 instead of reaching the upstream.
    _answer(
        r.chat(),
        500,
        json_body=_error("litellm.InternalServerError: OpenAIException - upstream exploded", "None", 500),
    )
    _answer(r.stream(), 429, json_body=_error(COOLDOWN_429, "all_deployments_in_cooldown", 429))


def sdk_chat_empty(r: Recordings) -> None:
    # Something in front of LiteLLM treats the OpenAI SDK (its x-stainless-* headers) differently.
    r.sdk_chat()["response"]["json"]["choices"][0]["message"]["content"] = ""


def tools_stripped(r: Recordings) -> None:
    # A gateway in front of LiteLLM drops 'tools' and 'tool_choice': the model answers in text.
    _same_answer(r.tool_call(), r.agent_chat())
    _same_answer(r.tool_call(stream=True), r.agent_chat(stream=True))


def tool_arguments_broken(r: Recordings) -> None:
    call = r.tool_call()["response"]["json"]["choices"][0]["message"]["tool_calls"][0]
    call["function"]["arguments"] = "{city: Paris"


def json_schema_ignored(r: Recordings) -> None:
    _same_answer(r.json_schema(), r.agent_chat())


def completion_chat_shape(r: Recordings) -> None:
    choice = r.completion()["response"]["json"]["choices"][0]
    choice["message"] = {"role": "assistant", "content": choice.pop("text")}


def rerank_reversed(r: Recordings) -> None:
    results = r.rerank()["response"]["json"]["results"]
    for result in results:
        result["relevance_score"] = 1 - result["relevance_score"]
    results.reverse()


def moderation_without_flag(r: Recordings) -> None:
    del r.moderation()["response"]["json"]["results"][0]["flagged"]


def responses_without_usage(r: Recordings) -> None:
    del r.responses()["response"]["json"]["usage"]


def responses_stream_incomplete(r: Recordings) -> None:
    events = r.responses(stream=True)["response"]["sse"]
    r.responses(stream=True)["response"]["sse"] = [
        e for e in events if not (isinstance(e, dict) and e.get("type") == "response.completed")
    ]


def messages_openai_shape(r: Recordings) -> None:
    # A gateway that answers /v1/messages in the chat completions shape.
    _same_answer(r.messages(), r.chat())


def messages_stream_without_stop(r: Recordings) -> None:
    events = r.messages(stream=True)["response"]["sse"]
    r.messages(stream=True)["response"]["sse"] = [
        e for e in events if not (isinstance(e, dict) and e.get("type") == "message_stop")
    ]


def liveliness_html(r: Recordings) -> None:
    _answer(r.liveliness(), 502, text=NGINX_502, content_type="text/html")


def no_change(r: Recordings) -> None:
    return None


# -- faults that mutation testing showed the corpus was missing (issue 16) ---------------------------

NGINX_WELCOME = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n"
    "<h1>Welcome to nginx!</h1>\n</body>\n</html>\n"
)
INGRESS_401 = {"detail": "Not authenticated"}


def _stream_events(r: Recordings) -> list[Any]:
    events: list[Any] = r.stream()["response"]["sse"]
    return events


def embeddings_all_empty(r: Recordings) -> None:
    for item in _vectors(r):
        item["embedding"] = []


def stream_without_content(r: Recordings) -> None:
    # the role delta and the finish_reason arrive, the text never does
    events = _stream_events(r)
    events[:] = [e for e in events if e == "[DONE]" or not e["choices"][0]["delta"].get("content")]


def stream_without_finish_reason(r: Recordings) -> None:
    events = _stream_events(r)
    events[:] = [e for e in events if e == "[DONE]" or not e["choices"][0].get("finish_reason")]


def stream_events_after_done(r: Recordings) -> None:
    events = _stream_events(r)
    events.append(json.loads(json.dumps(events[1])))


def stream_not_chunks(r: Recordings) -> None:
    for event in _stream_events(r):
        if event != "[DONE]":
            event["object"] = "chat.completion"


def chat_total_tokens_zero(r: Recordings) -> None:
    r.chat()["response"]["json"]["usage"]["total_tokens"] = 0


def chat_without_finish_reason(r: Recordings) -> None:
    r.chat()["response"]["json"]["choices"][0]["finish_reason"] = None


def chat_user_role(r: Recordings) -> None:
    _chat_message(r)["role"] = "user"


def readiness_db_stalled(r: Recordings) -> None:
    _answer(r.readiness(), 200, json_body={"status": "healthy", "db": "stalled"})


def readiness_401(r: Recordings) -> None:
    _answer(r.readiness(), 401, json_body=_error("Authentication Error, No api key passed in.", "auth_error", 401))


def readiness_unknown_db(r: Recordings) -> None:
    _answer(r.readiness(), 200, json_body={"status": "healthy", "db": "degraded"})


def ingress_401_everywhere(r: Recordings) -> None:
    # an auth proxy in front of LiteLLM rejects every bad key itself: LiteLLM's auth is never exercised
    for doc in (r.models("none"), r.unauth_chat(), r.models("wrong-key"), r.models("no-bearer-prefix")):
        _answer(doc, 401, json_body=INGRESS_401)


def ingress_401_plain_text(r: Recordings) -> None:
    _answer(r.models("none"), 401, text="Unauthorized\n", content_type="text/plain")


def wrong_key_empty_message(r: Recordings) -> None:
    _answer(r.models("wrong-key"), 401, json_body={"error": {"message": "", "type": "auth_error", "code": "401"}})


def no_key_403_and_404(r: Recordings) -> None:
    _answer(r.models("none"), 403, json_body=_error("Forbidden", "auth_error", 403))
    _answer(r.unauth_chat(), 404, json_body=_error("Not Found", "not_found", 404))


def wrong_key_500(r: Recordings) -> None:
    _answer(r.models("wrong-key"), 500, json_body=_error("Internal Server Error", "internal_server_error", 500))


def unknown_model_without_envelope(r: Recordings) -> None:
    _answer(r.unknown_model(), 400, json_body={"detail": "Invalid model name passed in"})


def model_renamed(r: Recordings) -> None:
    for model in r.models()["response"]["json"]["data"]:
        if model["id"] == CHAT_MODEL:
            model["id"] = f"{CHAT_MODEL}-v2"


def liveliness_nginx_welcome(r: Recordings) -> None:
    _answer(r.liveliness(), 200, text=NGINX_WELCOME, content_type="text/html")


def liveliness_other_service(r: Recordings) -> None:
    _answer(r.liveliness(), 200, json_body={"status": "ok", "service": "billing-api"})


FAST = ("--smoke-timeout", "0.3")
# The model lists given: a target that cannot be asked (unreachable, wrong master key) cannot tell
# which models it serves, and the per-model checks must still be named (and skipped).
LISTS = ("--chat-model", CHAT_MODEL, "--embedding-model", EMBED_MODEL)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "unreachable-refused",
        "proxy unreachable: connection refused",
        _every("transport_error", "connect_refused"),
        (REACH,),
        "target unreachable: connection refused*",
        others="skip",
        args=LISTS,
    ),
    Scenario(
        "unreachable-dns",
        "proxy unreachable: DNS name does not resolve",
        _every("transport_error", "dns"),
        (REACH,),
        "target unreachable: DNS lookup failed*",
        others="skip",
        args=LISTS,
    ),
    Scenario(
        "unreachable-connect-timeout",
        "proxy unreachable: connect black-holed by a firewall",
        _every("transport_error", "connect_timeout"),
        (REACH,),
        "target unreachable: timed out connecting*",
        args=(*FAST, *LISTS),
        others="skip",
    ),
    Scenario(
        "hung-target",
        "hung target: accepts connections, never answers",
        _every("delay_s", 3600),
        (REACH,),
        "target unreachable: timed out waiting for the response*",
        args=(*FAST, *LISTS),
        others="skip",
    ),
    Scenario(
        "liveliness-html",
        "a load balancer's HTML error page answers at the proxy URL",
        liveliness_html,
        (REACH,),
        "wrong service at *HTML page*",
        others="skip",
        args=LISTS,
    ),
    Scenario(
        "html-502-on-chat",
        "HTML 502 from a load balancer on chat",
        html_502_on_chat,
        (CHAT,),
        f"chat {CHAT_MODEL}: expected HTTP 200, got 502 (an HTML page (text/html): a load balancer*",
        common="*HTML page*not LiteLLM*502 Bad Gateway*nginx*",
        skipped=(SDK,),
    ),
    Scenario(
        "unauthenticated-accepted",
        "unauthenticated requests accepted",
        unauthenticated_accepted,
        (UNAUTH_MODELS, UNAUTH_CHAT),
        "SECURITY: unauthenticated request accepted*",
    ),
    Scenario(
        "only-models-open",
        "only /v1/models open without a key",
        only_models_open,
        (UNAUTH_MODELS,),
        "SECURITY: unauthenticated request accepted: GET /v1/models*",
    ),
    Scenario(
        "unauthenticated-500",
        "no key answered 500 (DB-less proxy without prisma)",
        unauth_500_without_prisma,
        (UNAUTH_MODELS,),
        "unauthenticated request: expected HTTP 401, got 500",
        common="*install prisma*",
    ),
    Scenario(
        "wrong-master-key",
        "the run's master key is not the proxy's",
        wrong_master_key,
        (MASTER,),
        "master key rejected: GET /v1/models answered 400*",
        common="*No connected db*",
        skipped=(LISTED, UNKNOWN, CHAT, STREAM, SDK, EMB, EMB_SDK, HEALTH_CHAT, HEALTH_EMB),
        args=LISTS,
    ),
    Scenario(
        "wrong-key-accepted", "a random key accepted", wrong_key_accepted, (WRONG,), "SECURITY: wrong key accepted*"
    ),
    Scenario(
        "no-bearer-accepted",
        "the key without 'Bearer ' accepted",
        no_bearer_accepted,
        (BEARER,),
        "SECURITY: key without 'Bearer ' accepted*",
    ),
    Scenario(
        "model-missing",
        "expected model missing from /v1/models",
        model_missing,
        (LISTED,),
        f"model list: missing {EMBED_MODEL}*",
        skipped=(EMB, EMB_SDK, HEALTH_EMB),
    ),
    Scenario(
        "readiness-503",
        "readiness 503: database unreachable (LITELLM_EXPECT_DB=true)",
        readiness_503,
        (READY,),
        "readiness: the proxy reports itself not ready (503)*",
        env={"LITELLM_EXPECT_DB": "true"},
        skipped=(KEY_GENERATE,),
    ),
    Scenario(
        "readiness-db-disconnected",
        "readiness 200 but db disconnected (old payload)",
        readiness_old_disconnected,
        (READY,),
        "readiness: the database is disconnected*",
        env={"LITELLM_EXPECT_DB": "true"},
        skipped=(KEY_GENERATE,),
    ),
    Scenario(
        "db-expected-none",
        "no database while one is expected (LITELLM_EXPECT_DB=true)",
        no_change,
        (READY,),
        "readiness: a database is expected but readiness reports db=none*",
        env={"LITELLM_EXPECT_DB": "true"},
        skipped=(KEY_GENERATE,),
    ),
    Scenario(
        "db-unexpected",
        "a database connected while none is expected (--expect-db false)",
        readiness_db_connected,
        (READY,),
        "readiness: no database is expected but readiness reports db=connected*",
        args=("--expect-db", "false"),
    ),
    Scenario(
        "chat-empty-content",
        "chat answer with empty content",
        chat_empty_content,
        (CHAT,),
        f"chat {CHAT_MODEL}: the assistant message is empty*",
        common="*the assistant message is empty*",
        skipped=(SDK,),
    ),
    Scenario(
        "chat-no-usage",
        "chat answer without usage",
        chat_without_usage,
        (CHAT,),
        f"chat {CHAT_MODEL}: no usage token counts*",
        common="*no usage token counts*",
        skipped=(SDK,),
    ),
    Scenario(
        "chat-text-completion",
        "chat answered in the old text_completion shape",
        chat_text_completion_shape,
        (CHAT,),
        "*the legacy text_completion shape*",
        common="*text_completion*",
        skipped=(SDK,),
    ),
    Scenario(
        "chat-slow",
        "chat slower than the timeout",
        chat_slow,
        (CHAT,),
        "*POST /v1/chat/completions failed: timed out waiting for the response*",
        args=FAST,
        common="*timed out*",
        skipped=(SDK,),
    ),
    Scenario(
        "cooldown-after-chat-failure",
        "a failed chat puts the model in cooldown: the next call of it gets 429",
        cooldown_after_chat_failure,
        (CHAT,),
        f"chat {CHAT_MODEL}: expected HTTP 200, got 500*",
        skipped=(STREAM, SDK),
    ),
    Scenario(
        "sdk-chat-empty",
        "the OpenAI SDK gets an empty answer where raw HTTP gets text",
        sdk_chat_empty,
        (SDK,),
        f"chat {CHAT_MODEL}: the assistant message is empty*",
    ),
    Scenario(
        "tools-stripped",
        "tools stripped from requests: a model that declares function calling answers in text",
        tools_stripped,
        (TOOL, TOOL_STREAM),
        f"tool call {AGENT_MODEL}: no tool_calls in the answer*",
        common="*drops 'tools'*",
    ),
    Scenario(
        "tool-arguments-broken",
        "tool call arguments that are not JSON",
        tool_arguments_broken,
        (TOOL,),
        f"tool call {AGENT_MODEL}: the tool call's arguments are not a JSON object*",
    ),
    Scenario(
        "json-schema-ignored",
        "response_format json_schema ignored: plain text comes back",
        json_schema_ignored,
        (SCHEMA,),
        f"json_schema {AGENT_MODEL}: the content does not match the requested schema*",
    ),
    Scenario(
        "completion-chat-shape",
        "/v1/completions answers in the chat shape",
        completion_chat_shape,
        (COMPLETION,),
        f"completion {COMPLETION_MODEL}: choices[[]0[]].text is not a string*",
    ),
    Scenario(
        "rerank-reversed",
        "rerank ranks the irrelevant document first",
        rerank_reversed,
        (RERANK,),
        f"rerank {RERANK_MODEL}: the relevant document is not ranked first*",
    ),
    Scenario(
        "moderation-no-flag",
        "moderation result without 'flagged'",
        moderation_without_flag,
        (MODERATION,),
        f"moderation {MODERATION_MODEL}: no result with a boolean 'flagged'*",
    ),
    Scenario(
        "responses-no-usage",
        "/v1/responses without usage (--api responses)",
        responses_without_usage,
        (RESPONSES,),
        f"responses {CHAT_MODEL}: no usage token counts*",
        args=APIS,
    ),
    Scenario(
        "responses-stream-incomplete",
        "streamed /v1/responses without response.completed",
        responses_stream_incomplete,
        (RESPONSES_STREAM,),
        f"responses {CHAT_MODEL}: stream: ended without response.completed*",
        args=APIS,
    ),
    Scenario(
        "messages-openai-shape",
        "/v1/messages answered in the chat completions shape",
        messages_openai_shape,
        (MESSAGES,),
        f"messages {CHAT_MODEL}: the answer does not have this API's shape*",
        args=APIS,
    ),
    Scenario(
        "messages-stream-no-stop",
        "streamed /v1/messages without message_stop",
        messages_stream_without_stop,
        (MESSAGES_STREAM,),
        f"messages {CHAT_MODEL}: stream: ended without message_stop*",
        args=APIS,
    ),
    Scenario(
        "unknown-model-500",
        "unknown model answered with 500",
        unknown_model_500,
        (UNKNOWN,),
        "unknown model: server error 500 instead of a client error*",
    ),
    Scenario(
        "unknown-model-accepted",
        "unknown model answered 200 (catch-all route)",
        unknown_model_accepted,
        (UNKNOWN,),
        "unknown model accepted:*",
    ),
    Scenario(
        "stream-without-done",
        "stream without data: [DONE]",
        stream_without_done,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: ended without data: [[]DONE]*",
    ),
    Scenario(
        "stream-json-not-sse",
        "JSON where SSE was asked",
        stream_json_not_sse,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: asked for SSE, got application/json*",
    ),
    Scenario(
        "stream-malformed-event",
        "malformed SSE event",
        stream_malformed_event,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: event 2 is not JSON*",
    ),
    Scenario(
        "stream-stall",
        "stream stalls after two events",
        stream_stall,
        (STREAM,),
        f"chat {CHAT_MODEL}: the stream stalled*",
        args=FAST,
    ),
    Scenario(
        "embeddings-nan",
        "embeddings with NaN",
        embeddings_nan,
        (EMB,),
        f"embeddings {EMBED_MODEL}: vector 1 has 1 non-finite*",
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "embeddings-dimensions",
        "embeddings with inconsistent dimensions",
        embeddings_inconsistent_dims,
        (EMB,),
        f"embeddings {EMBED_MODEL}: vectors of different lengths*",
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "embeddings-missing-vector",
        "embeddings missing a vector for one input",
        embeddings_missing_vector,
        (EMB,),
        f"embeddings {EMBED_MODEL}: 2 vectors for 3 inputs*",
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "embeddings-out-of-order",
        "embeddings out of index order",
        embeddings_out_of_order,
        (EMB,),
        f"embeddings {EMBED_MODEL}: vectors out of index order*",
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "embeddings-sdk-base64",
        "single embedding as base64 though float was asked",
        embeddings_sdk_base64,
        (EMB_SDK,),
        f"embeddings {EMBED_MODEL}: vector 0 is str*",
    ),
    Scenario(
        "echo-master-key-no-bearer",
        "error body echoes the master key (malformed-key error)",
        echo_master_key_no_bearer,
        (BEARER,),
        "SECURITY: key without 'Bearer ' prefix: the response echoes*",
    ),
    Scenario(
        "echo-master-key-unknown-model",
        "error body echoes the master key (unknown model)",
        echo_master_key_unknown_model,
        (UNKNOWN,),
        "SECURITY: unknown model: the response echoes*",
    ),
    Scenario(
        "echo-master-key-header",
        "a response header echoes the master key",
        echo_master_key_header,
        (MASTER,),
        "SECURITY: master key: the response echoes a credential back in header*",
    ),
    Scenario(
        "echo-wrong-key",
        "error body echoes the wrong key it was sent",
        echo_wrong_key,
        (WRONG,),
        "SECURITY: wrong key: the response echoes*",
    ),
    Scenario(
        "model-unhealthy",
        "/health?model= reports no healthy deployment",
        chat_model_unhealthy,
        (HEALTH_CHAT,),
        f"model health for {CHAT_MODEL}: no healthy deployment*",
    ),
    Scenario(
        "embed-model-unhealthy",
        "/health?model= answers 200 with healthy_count 0 (older LiteLLM)",
        embed_model_unhealthy_old_shape,
        (HEALTH_EMB,),
        f"model health for {EMBED_MODEL}: no healthy deployment*",
        common="*This is not a chat model*",
    ),
    Scenario(
        "malicious-version",
        "the proxy reports LiteLLM 1.82.8 (malicious release, PYSEC-2026-2 / MAL-2026-2144)",
        _reports_version("1.82.8"),
        (VERSION,),
        "SECURITY: LiteLLM 1.82.8 is a malicious release (PYSEC-2026-2 (MAL-2026-2144))*",
        common="*replace it now with 1.82.6, or 1.83.0 or later*",
    ),
    Scenario(
        "malicious-version-1.107.0",
        "the proxy reports LiteLLM 1.107.0 (the compromised release of 2026-10-21)",
        _reports_version("1.107.0"),
        (VERSION,),
        "SECURITY: LiteLLM 1.107.0 is a malicious release*",
        env={"LITELLM_SMOKE_ALLOW_VULNERABLE": "true"},  # never downgrades a malicious release
    ),
    Scenario(
        "vulnerable-version",
        "the proxy reports LiteLLM 1.74.14 (known CVEs, fixed in 1.84.0)",
        _reports_version("1.74.14"),
        (VERSION,),
        "SECURITY: LiteLLM 1.74.14 has * known vulnerabilities: *CVE-2026-49468*",
        common="*upgrade to 1.84.0 or later*LITELLM_SMOKE_ALLOW_VULNERABLE*",
    ),
    Scenario(
        "open-admin-route",
        "GET /key/list answers 200 without a key",
        _opens("GET", "/key/list", lambda r: r.models()),
        (MATRIX_MANAGEMENT,),
        "SECURITY: route auth matrix: 1 route(s) answered 2xx without a key: GET /key/list (keys)*",
    ),
    Scenario(
        "open-alias-route",
        "the alias POST /chat/completions answers 200 without a key",
        _opens("POST", "/chat/completions", lambda r: r.chat()),
        (MATRIX_INFERENCE,),
        "SECURITY: route auth matrix: 1 route(s) answered 2xx without a key: POST /chat/completions (chat)*",
    ),
    Scenario(
        "published-key-accepted",
        "GET /v1/models answers 200 to keys published in docs (sk-1234, the seed's key)",
        published_key_accepted,
        (KNOWN_KEYS,),
        "SECURITY: * publicly known key(s) accepted*",
    ),
    Scenario(
        "own-key-well-known",
        "the run's master key is LiteLLM's documentation key sk-1234",
        no_change,
        (OWN_KEY_KNOWN,),
        "SECURITY: the proxy's master key is a publicly known key*",
        args=("--litellm-master-key", "sk-1234"),
        common="*rotate it now*",
    ),
    Scenario(
        "embeddings-dimension-changed",
        "the embedding model behind the name changed dimension (LITELLM_EMBEDDING_DIM=1536)",
        no_change,
        (EMB,),
        f"embeddings {EMBED_MODEL}: dimension 8, expected 1536*",
        common="*LITELLM_EMBEDDING_DIM*",
        env={"LITELLM_EMBEDDING_DIM": "1536"},
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "embeddings-all-empty",
        "every embedding vector empty",
        embeddings_all_empty,
        (EMB,),
        f"embeddings {EMBED_MODEL}: an empty vector*",
        skipped=(EMB_SDK,),
    ),
    Scenario(
        "stream-no-content",
        "stream with a role delta and a finish_reason but no text",
        stream_without_content,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: the reassembled assistant text is empty*",
    ),
    Scenario(
        "stream-no-finish-reason",
        "stream without a finish_reason",
        stream_without_finish_reason,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: no finish_reason arrived*",
    ),
    Scenario(
        "stream-events-after-done",
        "an event after data: [DONE]",
        stream_events_after_done,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: data: [[]DONE] at event 5 of 6*",
    ),
    Scenario(
        "stream-not-chunks",
        "stream events that are not chat.completion.chunk",
        stream_not_chunks,
        (STREAM,),
        f"chat {CHAT_MODEL}: stream: event 1 is not a chat.completion.chunk*",
    ),
    Scenario(
        "chat-total-tokens-zero",
        "chat usage with total_tokens 0",
        chat_total_tokens_zero,
        (CHAT,),
        f"chat {CHAT_MODEL}: no usage token counts*",
        common="*total > 0*",
        skipped=(SDK,),
    ),
    Scenario(
        "chat-no-finish-reason",
        "chat answer without finish_reason",
        chat_without_finish_reason,
        (CHAT,),
        f"chat {CHAT_MODEL}: no finish_reason*",
        skipped=(SDK,),
    ),
    Scenario(
        "chat-user-role",
        "chat answer whose message is not the assistant's",
        chat_user_role,
        (CHAT,),
        f"chat {CHAT_MODEL}: choices[[]0].message is not an assistant message*",
        skipped=(SDK,),
    ),
    Scenario(
        "readiness-db-stalled",
        "readiness 200 with db stalled, no expectation set",
        readiness_db_stalled,
        (READY,),
        "readiness: the database is stalled*",
    ),
    Scenario(
        "readiness-401",
        "readiness behind auth: 401 with JSON",
        readiness_401,
        (READY,),
        "readiness: expected HTTP 200, got 401*",
    ),
    Scenario(
        "readiness-unknown-db",
        "readiness reports an unknown db value while none is expected (--expect-db false)",
        readiness_unknown_db,
        (READY,),
        "readiness: no database is expected but readiness reports db=unrecognised ('degraded')*",
        args=("--expect-db", "false"),
    ),
    Scenario(
        "ingress-401",
        "an auth proxy in front of LiteLLM answers every bad key with its own 401",
        ingress_401_everywhere,
        (UNAUTH_MODELS, UNAUTH_CHAT, WRONG, BEARER),
        "unauthenticated request: 401 without LiteLLM's error envelope (no top-level 'error' object)*",
        common="*401 without LiteLLM's error envelope*",
    ),
    Scenario(
        "ingress-401-plain-text",
        "no key answered with a plain-text 401",
        ingress_401_plain_text,
        (UNAUTH_MODELS,),
        "unauthenticated request: the response is not JSON (text/plain)*",
    ),
    Scenario(
        "wrong-key-empty-message",
        "wrong key answered 401 with an empty error message",
        wrong_key_empty_message,
        (WRONG,),
        "wrong key: 401 without LiteLLM's error envelope ('error.message' is missing or empty)*",
    ),
    Scenario(
        "no-key-403-404",
        "no key answered 403 (models) and 404 (chat) instead of 401",
        no_key_403_and_404,
        (UNAUTH_MODELS, UNAUTH_CHAT),
        "unauthenticated request: expected HTTP 401, got 403*",
    ),
    Scenario(
        "wrong-key-500",
        "wrong key answered 500",
        wrong_key_500,
        (WRONG,),
        "wrong key: expected HTTP 400 or 401, got 500*",
    ),
    Scenario(
        "unknown-model-no-envelope",
        "unknown model refused without LiteLLM's error envelope",
        unknown_model_without_envelope,
        (UNKNOWN,),
        "unknown model: error without LiteLLM's envelope (no top-level 'error' object)*",
    ),
    Scenario(
        "model-renamed",
        f"only {CHAT_MODEL}-v2 served where {CHAT_MODEL} is expected",
        model_renamed,
        (LISTED,),
        f"model list: missing {CHAT_MODEL}",
        skipped=(CHAT, STREAM, SDK, HEALTH_CHAT),
    ),
    Scenario(
        "liveliness-nginx-200",
        "a web server's 200 welcome page at the proxy URL",
        liveliness_nginx_welcome,
        (REACH,),
        "wrong service at *HTML page*",
        others="skip",
        args=LISTS,
    ),
    Scenario(
        "liveliness-other-service",
        "another service's 200 JSON at the proxy URL",
        liveliness_other_service,
        (REACH,),
        "wrong service at *the target does not answer like LiteLLM: application/json*",
        others="skip",
        args=LISTS,
    ),
)


def _short(name: str) -> str:
    name = name.removeprefix("test_")
    for model in (AGENT_MODEL, COMPLETION_MODEL, RERANK_MODEL, MODERATION_MODEL):
        name = name.replace(f"[{model}]", "[agent]" if model == AGENT_MODEL else "")
    if name.startswith("model_health"):
        return name.replace(f"[{CHAT_MODEL}]", "[chat]").replace(f"[{EMBED_MODEL}]", "[embed]")
    return name.replace(f"[{CHAT_MODEL}]", "").replace(f"[{EMBED_MODEL}]", "")


def markdown() -> str:
    """The tables of docs/offline.md (``python -m tests.selftest.scenarios`` prints them)."""
    rows = [
        f"### The {len(SCENARIOS)} fault scenarios",
        "",
        "| # | scenario | fault (mutation of the healthy recordings) | checks that must fail "
        "| the first one's message | skipped, pointing at it | other checks | run with |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, s in enumerate(SCENARIOS, 1):
        extra = " ".join([*s.args, *(f"{k}={v}" for k, v in s.env.items())])
        failing = ", ".join(f"`{_short(n)}`" for n in s.failing)
        message = s.message.replace("|", "\\|").replace("[[]", "[")
        others = "pass" if s.others == "pass" else "skipped"
        run_with = f"`{extra}`" if extra else ""
        skipped = ", ".join(f"`{_short(n)}`" for n in s.skipped)
        rows.append(
            f"| {number} | `{s.id}` | {s.fault} | {failing} | `{message}` | {skipped} | {others} | {run_with} |"
        )
    coverage = ["| check | scenarios that make it fail |", "|---|---|"]
    for name in (*SMOKE_CHECKS, *DISCOVERED_CHECKS, *API_CHECKS[::2]):
        ids = ", ".join(f"`{s.id}`" for s in SCENARIOS if name in s.failing)
        coverage.append(f"| `{_short(name)}` | {ids} |")
    return (
        "\n".join(rows)
        + "\n\n### Each check, and the scenarios that prove it can fail\n\n"
        + "\n".join(coverage)
        + "\n"
    )


if __name__ == "__main__":
    print(markdown(), end="")

"""A scripted proxy for unit tests of the checks: one canned answer per route, every request kept."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from litellm_smoke._secrets import Secret
from litellm_smoke.client.http import ProxyClient

BASE = "http://proxy.test"
MASTER = "sk-unit-master-0123456789abcdef"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def error(message: str = "Authentication Error, No api key passed in.", type_: str = "auth_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": "401"}}


def sse(*events: Any, content_type: str = "text/event-stream") -> httpx.Response:
    body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, headers={"content-type": content_type}, text=body)


def chunk(content: str | None = None, finish: str | None = None, *, role: str | None = None) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    choice: dict[str, Any] = {"index": 0, "delta": delta}
    if finish is not None:
        choice["finish_reason"] = finish
    return {"id": "c1", "object": "chat.completion.chunk", "model": "m", "choices": [choice]}


class ScriptedProxy:
    """``answers[(METHOD, path)]`` is the response (or a function of the request) for that route."""

    def __init__(self, answers: Mapping[tuple[str, str], Answer]) -> None:
        self.answers = dict(answers)
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(599, text=f"unscripted {request.method} {request.url.path}")
        return answer(request) if callable(answer) else answer

    def client(self, timeout: float = 2.0) -> ProxyClient:
        return ProxyClient(BASE, Secret(MASTER), timeout, transport=httpx.MockTransport(self.handle))

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path and r.content]


def proxy(method: str, path: str, answer: Answer) -> ProxyClient:
    return ScriptedProxy({(method, path): answer}).client()

"""What one proxied request costs LiteLLM itself, in CPU, by kind: the floor under the scaling rows (9d).

    .venv/bin/python benchmarks/proxy_request_cost.py [--models 30] [--rounds 2]

Boots a real LiteLLM with ``--models`` chat and as many embedding models in front of the fake upstream
(no latency), then sends one request per model of each kind the suite sends for a model (chat, stream,
``/health?model=``, embeddings batch and single) and, for comparison, ``GET /v1/models`` (no model call),
all of a kind at once, and prints LiteLLM's own CPU time (user + system, from /proc) per request.
A 30-model smoke run sends ~110 more model requests than a 1-model run: their sum is the least CPU
LiteLLM's single event loop spends on them, whatever the suite does. Only 127.0.0.1; the proxy is
stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import scaling

from litellm_smoke.checks.chat import chat_body
from litellm_smoke.client.http import DEFAULT_HEADERS
from litellm_smoke.launchers.embedded import EmbeddedProxy

Send = Callable[[httpx.AsyncClient, str, str], Awaitable[httpx.Response]]
KINDS: dict[str, Send] = {
    "chat": lambda c, m, e: c.post("/v1/chat/completions", json=chat_body(m)),
    "chat, streamed": lambda c, m, e: c.post("/v1/chat/completions", json=chat_body(m, stream=True)),
    "GET /health?model=": lambda c, m, e: c.get("/health", params={"model": m}),
    "embeddings, 3 inputs": lambda c, m, e: c.post("/v1/embeddings", json={"model": e, "input": ["a", "b", "c"]}),
    "embeddings, 1 input": lambda c, m, e: c.post("/v1/embeddings", json={"model": e, "input": "a"}),
    "GET /v1/models (no model call)": lambda c, m, e: c.get("/v1/models"),
}


async def measure(
    proxy: EmbeddedProxy, base_url: str, key: str, chat: list[str], embed: list[str], rounds: int
) -> None:
    headers = {**DEFAULT_HEADERS, "authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120, trust_env=False) as client:
        for send in KINDS.values():  # LiteLLM's first-request work, and the connections
            await asyncio.gather(*(send(client, m, e) for m, e in zip(chat[:4], embed[:4], strict=True)))
        for round_ in range(1, rounds + 1):
            for kind, send in KINDS.items():
                before = scaling.proxy_cpu_seconds(proxy.pid)
                answers = await asyncio.gather(*(send(client, m, e) for m, e in zip(chat, embed, strict=True)))
                after = scaling.proxy_cpu_seconds(proxy.pid)
                codes = sorted({r.status_code for r in answers})
                if before is None or after is None:
                    raise SystemExit("proxy_request_cost: /proc cannot say the proxy's CPU time here")
                each = 1000 * (after - before) / len(chat)
                print(f"round {round_}  {kind:32s} HTTP {codes}  {each:5.1f} ms CPU each")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    chat = [f"cost-chat-{i:02d}" for i in range(args.models)]
    embed = [f"cost-embed-{i:02d}" for i in range(args.models)]
    config = scaling.write_config(Path(tempfile.mkdtemp()) / "cost.yaml", [(n, "fake-chat") for n in chat], embed)
    proxy = EmbeddedProxy(config=config, startup_timeout=240.0)
    with proxy as endpoint:
        assert proxy.upstream is not None
        proxy.upstream.latency_seconds = 0.0
        asyncio.run(measure(proxy, endpoint.base_url, endpoint.master_key.reveal(), chat, embed, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

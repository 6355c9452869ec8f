"""How fast LiteLLM itself answers concurrent model calls: the ceiling for a concurrent smoke run.

    .venv/bin/python benchmarks/proxy_concurrency.py [--models 10] [--calls 38] [--latency 0.8]

Boots a real LiteLLM with ``--models`` chat models in front of the fake upstream (each call takes
``--latency`` seconds), then sends ``--calls`` chat completions with 1, 8, ``--calls`` and 64 in
flight and prints the wall time of each burst. Only 127.0.0.1; the proxy is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import scaling

from litellm_smoke.launchers.embedded import EmbeddedProxy


async def burst(base_url: str, key: str, models: list[str], calls: int, limit: int) -> tuple[float, set[int]]:
    semaphore = asyncio.Semaphore(limit)
    headers = {"authorization": f"Bearer {key}", "x-litellm-num-retries": "0"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120, trust_env=False) as client:

        async def one(i: int) -> int:
            async with semaphore:
                body = {
                    "model": models[i % len(models)],
                    "messages": [{"role": "user", "content": "hi"}],
                    "max_tokens": 8,
                }
                return (await client.post("/v1/chat/completions", json=body)).status_code

        started = time.perf_counter()
        codes = await asyncio.gather(*(one(i) for i in range(calls)))
        return time.perf_counter() - started, set(codes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--calls", type=int, default=38)
    parser.add_argument("--latency", type=float, default=0.8)
    args = parser.parse_args()
    chat = [f"scale-chat-{i:02d}" for i in range(args.models)]
    config = scaling.write_config(Path(tempfile.mkdtemp()) / "burst.yaml", [(n, "fake-chat") for n in chat], [])
    proxy = EmbeddedProxy(config=config, startup_timeout=240.0)
    with proxy as endpoint:
        assert proxy.upstream is not None
        key = endpoint.master_key.reveal()
        proxy.upstream.latency_seconds = args.latency
        asyncio.run(burst(endpoint.base_url, key, chat, 8, 8))  # LiteLLM's first-request work
        for limit in (1, 8, args.calls, 64):
            wall, codes = asyncio.run(burst(endpoint.base_url, key, chat, args.calls, limit))
            print(f"{args.calls} chat calls, {limit:3d} in flight: {wall:6.2f} s (HTTP {sorted(codes)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What ResponsesProvider and AzureOpenAIProvider add per call over the raw openai SDK.

Against the local fake server (bench/_fake_openai_server.py, its own process, fixed reply
after ``--delay``), each pair sends the same tiny request N times through the raw SDK client
and N times through the provider's ``complete``, interleaved (raw, provider, raw, ...) after
a warm-up, so drift on the shared machine hits both alike:

- ``responses``: ``AsyncOpenAI().responses.create`` vs `ResponsesProvider.complete`;
- ``azure``: ``AsyncAzureOpenAI().chat.completions.create`` (deployment path, api-version)
  vs `AzureOpenAIProvider.complete`.

Each side builds the request and reads the reply text (the provider into a `Message` with
usage). It also times each provider's in-process work alone (request body and reply
parsing, no network).

Usage:
    python bench/provider_overhead_hosted.py [-n 200] [--delay 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from fastagent.llm.params import RequestParams
from fastagent.messages import Message
from fastagent.providers._openai_convert import parse_completion
from fastagent.providers._responses_convert import parse_response
from fastagent.providers.azure import AzureOpenAIProvider
from fastagent.providers.base import CompletionRequest
from fastagent.providers.responses import ResponsesProvider

HERE = Path(__file__).resolve().parent
MODEL = "bench-model"
PROMPT = "Say OK."
KEY = "sk-bench-0000000000000000"
API_VERSION = "2024-10-21"
WARMUP = 10
CPU_REPEATS = 2000

Call = Callable[[], Awaitable[str]]


def load_server_module() -> ModuleType:
    name = "fastagent_bench_fake_openai_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "_fake_openai_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def timed(call: Call) -> float:
    started = time.perf_counter()
    text = await call()
    elapsed = time.perf_counter() - started
    assert text == "OK", text
    return elapsed


def request() -> CompletionRequest:
    return CompletionRequest([Message.user(PROMPT)], params=RequestParams(max_tokens=4))


async def pair_responses(base_url: str) -> tuple[Call, Call, Callable[[], Awaitable[None]]]:
    import openai

    raw = openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0, timeout=60)
    provider = ResponsesProvider(MODEL, api_key=KEY, base_url=base_url, timeout=60)
    req = request()

    async def via_raw() -> str:
        response = await raw.responses.create(
            model=MODEL, input=[{"role": "user", "content": PROMPT}], max_output_tokens=4
        )
        return response.output_text

    async def via_provider() -> str:
        return (await provider.complete(req)).text

    async def close() -> None:
        await raw.close()
        await provider.aclose()

    return via_raw, via_provider, close


async def pair_azure(base_url: str) -> tuple[Call, Call, Callable[[], Awaitable[None]]]:
    import openai

    endpoint = base_url.removesuffix("/v1")
    raw = openai.AsyncAzureOpenAI(
        azure_endpoint=endpoint, api_version=API_VERSION, api_key=KEY, max_retries=0, timeout=60
    )
    provider = AzureOpenAIProvider(
        MODEL, api_key=KEY, endpoint=endpoint, api_version=API_VERSION, timeout=60
    )
    req = request()

    async def via_raw() -> str:
        response = await raw.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": PROMPT}], max_completion_tokens=4
        )
        return response.choices[0].message.content or ""

    async def via_provider() -> str:
        return (await provider.complete(req)).text

    async def close() -> None:
        await raw.close()
        await provider.aclose()

    return via_raw, via_provider, close


async def measure(base_url: str, n: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    for name, make in (("responses", pair_responses), ("azure", pair_azure)):
        via_raw, via_provider, close = await make(base_url)
        times: dict[str, list[float]] = {"raw": [], "provider": []}
        try:
            for _ in range(WARMUP):
                await via_raw()
                await via_provider()
            for _ in range(n):
                times["raw"].append(await timed(via_raw))
                times["provider"].append(await timed(via_provider))
        finally:
            await close()
        results[name] = times
    return results


def in_process_cost() -> dict[str, float]:
    """Seconds per call spent building the body and parsing a reply (no network)."""
    import json

    server = load_server_module()
    req = request()
    responses = ResponsesProvider(MODEL, api_key=KEY)
    azure = AzureOpenAIProvider(MODEL, api_key=KEY, endpoint="http://127.0.0.1:1")
    response_reply = json.loads(server.responses_body(MODEL))
    completion_reply = json.loads(server.completion_body(MODEL))
    costs: dict[str, float] = {}
    started = time.perf_counter()
    for _ in range(CPU_REPEATS):
        body = responses.request_body(req, stream=False)
        parse_response(response_reply, model=body["model"])
    costs["responses"] = (time.perf_counter() - started) / CPU_REPEATS
    started = time.perf_counter()
    for _ in range(CPU_REPEATS):
        body = azure.request_body(req, stream=False)
        parse_completion(completion_reply, model=body["model"])
    costs["azure"] = (time.perf_counter() - started) / CPU_REPEATS
    return costs


def report(results: dict[str, dict[str, list[float]]], cpu: dict[str, float], n: int) -> None:
    print(f"{n} sequential calls per client, interleaved, after {WARMUP} warm-up calls each")
    header = f"{'provider':<10} {'raw median ms':>14} {'ours median ms':>15} {'extra ms':>9}"
    print(f"{header} {'extra %':>8} {'paired ms':>10} {'in-process ms':>14}")
    for name, times in results.items():
        raw, ours = statistics.median(times["raw"]), statistics.median(times["provider"])
        paired = statistics.median(
            o - r for r, o in zip(times["raw"], times["provider"], strict=True)
        )
        extra = ours - raw
        print(
            f"{name:<10} {raw * 1e3:>14.2f} {ours * 1e3:>15.2f} {extra * 1e3:>+9.2f} "
            f"{extra / raw * 100:>+7.1f}% {paired * 1e3:>+10.2f} {cpu[name] * 1e3:>14.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="calls per client (default 200)")
    parser.add_argument("--delay", type=float, default=0.02, help="server seconds per reply (0.02)")
    args = parser.parse_args(argv)
    server_module = load_server_module()
    with server_module.FakeOpenAIServer(delay=args.delay) as server:
        results: dict[str, Any] = asyncio.run(measure(server.base_url, args.n))
    report(results, in_process_cost(), args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())

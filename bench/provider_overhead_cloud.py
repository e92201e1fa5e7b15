"""What GoogleProvider and BedrockProvider add per model call, against their raw SDKs.

A local HTTP server on 127.0.0.1 answers both APIs with a recorded reply (the payloads of
tests/providers/payloads), so the network is real (sockets, HTTP parsing) but the "model" is
instant and the comparison is pure client-side overhead. Each pair of clients sends the same
one-message request N times, interleaved (raw, provider, raw, ...) after a warm-up:

- Gemini: raw ``google.genai`` ``client.aio.models.generate_content`` reading ``.text`` vs
  `GoogleProvider.complete` (request conversion, reply into a `Message` with usage).
- Gemini again in process: both on an httpx MockTransport (no sockets), which shows the
  client-side work alone without the loopback's noise.
- Bedrock: raw ``boto3`` ``client.converse`` run with ``asyncio.to_thread`` (the plain way to
  call boto3 from async code) reading the text vs `BedrockProvider.complete` (its own thread
  pool, conversion, `Message`).

Usage:
    python bench/provider_overhead_cloud.py [-n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fastagent.llm.params import RequestParams
from fastagent.messages import Message
from fastagent.providers.base import CompletionRequest

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "tests" / "providers" / "payloads"
GEMINI_REPLY = (PAYLOADS / "google" / "text.json").read_bytes()
BEDROCK_REPLY = (PAYLOADS / "bedrock" / "converse_text.json").read_bytes()
PROMPT = "Say OK."
WARMUP = 10


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to some keep-alive calls

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = BEDROCK_REPLY if self.path.startswith("/model/") else GEMINI_REPLY
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one send
        self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []

    def log_message(self, format: str, *args: Any) -> None:
        return


async def timed(call: Callable[[], Awaitable[str]]) -> float:
    started = time.perf_counter()
    text = await call()
    elapsed = time.perf_counter() - started
    assert text, "empty reply"
    return elapsed


async def pairs(
    raw: Callable[[], Awaitable[str]], ours: Callable[[], Awaitable[str]], n: int
) -> tuple[list[float], list[float]]:
    for _ in range(WARMUP):
        await raw()
        await ours()
    raw_times: list[float] = []
    our_times: list[float] = []
    for _ in range(n):
        raw_times.append(await timed(raw))
        our_times.append(await timed(ours))
    return raw_times, our_times


async def gemini(url: str | None, n: int) -> tuple[list[float], list[float]]:
    """Over loopback to `url`; without one, in process (httpx MockTransport, no sockets)."""
    import httpx
    from google import genai

    from fastagent.providers.google import GoogleProvider

    http = None
    options: Any = {"base_url": url, "timeout": 60_000}
    if url is None:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(
                lambda _: httpx.Response(
                    200, content=GEMINI_REPLY, headers={"content-type": "application/json"}
                )
            )
        )
        options = {"httpx_async_client": http}
    client = genai.Client(api_key="bench-key", http_options=options)
    provider = GoogleProvider(
        "gemini-2.5-flash", api_key="bench-key", base_url=url, timeout=60, http_client=http
    )
    request = CompletionRequest([Message.user(PROMPT)], params=RequestParams(max_tokens=4))

    async def via_raw() -> str:
        config: Any = {"max_output_tokens": 4}
        reply = await client.aio.models.generate_content(
            model="gemini-2.5-flash", contents=PROMPT, config=config
        )
        return reply.text or ""

    async def via_provider() -> str:
        return (await provider.complete(request)).text

    try:
        return await pairs(via_raw, via_provider, n)
    finally:
        await client.aio.aclose()
        client.close()
        await provider.aclose()
        if http is not None:
            await http.aclose()


async def bedrock(url: str, n: int) -> tuple[list[float], list[float]]:
    import boto3

    from fastagent.providers.bedrock import BedrockProvider

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIABENCH")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url)
    provider = BedrockProvider("amazon.nova-pro-v1:0", region="us-east-1", base_url=url)
    request = CompletionRequest([Message.user(PROMPT)], params=RequestParams(max_tokens=4))

    async def via_raw() -> str:
        reply = await asyncio.to_thread(
            client.converse,
            modelId="amazon.nova-pro-v1:0",
            messages=[{"role": "user", "content": [{"text": PROMPT}]}],
            inferenceConfig={"maxTokens": 4},
        )
        return str(reply["output"]["message"]["content"][0]["text"])

    async def via_provider() -> str:
        return (await provider.complete(request)).text

    try:
        return await pairs(via_raw, via_provider, n)
    finally:
        await provider.aclose()


def report(name: str, raw: list[float], ours: list[float], label: str) -> None:
    print(f"\n{name}: {len(raw)} sequential calls each, interleaved")
    print(f"{'client':<34} {'median ms':>10} {'mean ms':>10} {'stdev ms':>10}")
    for client, values in ((f"raw {label}", raw), (f"{name}.complete", ours)):
        print(
            f"{client:<34} {statistics.median(values) * 1e3:>10.3f} "
            f"{statistics.mean(values) * 1e3:>10.3f} {statistics.stdev(values) * 1e3:>10.3f}"
        )
    for stat_name, stat in (("median", statistics.median), ("mean", statistics.mean)):
        extra = stat(ours) - stat(raw)
        share = extra / stat(raw) * 100
        print(f"extra per call ({stat_name}): {extra * 1e3:+.3f} ms ({share:+.1f} %)")
    paired = statistics.median([o - r for r, o in zip(raw, ours, strict=True)])
    print(f"extra per call (median of paired differences): {paired * 1e3:+.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="calls per client (default 200)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        raw, ours = asyncio.run(gemini(url, args.n))
        report("GoogleProvider", raw, ours, "google-genai (aio)")
        raw, ours = asyncio.run(gemini(None, args.n))
        report("GoogleProvider", raw, ours, "google-genai, in process")
        raw, ours = asyncio.run(bedrock(url, args.n))
        report("BedrockProvider", raw, ours, "boto3 converse (to_thread)")
    finally:
        server.shutdown()
        server.server_close()
    print(json.dumps({"python": sys.version.split()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

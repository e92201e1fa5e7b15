"""Fan-out throughput: N concurrent agent calls through fastagent vs the raw ``openai`` SDK.

A local OpenAI-compatible server (bench/_fake_openai_server.py, in its own process so its CPU
is not counted here) answers every chat completion with ``OK`` after ``--delay`` seconds, so
all N calls are in flight at once. Each variant then makes N calls with the same request body
(system instruction + user prompt) and checks every reply:

- ``raw SDK``: one ``openai.AsyncOpenAI`` client (``max_retries=0``), ``asyncio.gather``.
- ``fastagent, shared client``: a `FastAgent` app with N agents under one ``@fast.parallel``
  workflow; each agent's provider comes from the app's `ModelFactory` (retry wrapper, rate
  limiter, generic provider) with one SDK client injected for all of them, as in the raw run.
- ``fastagent, default app``: the same app declared with plain ``@fast.agent``: every agent
  builds (lazily, on its first call) its own SDK client and connection pool.

Every variant runs in a fresh child process (so peak RSS is its own), interleaved, ``--repeats``
times; the table shows medians. Timed: the fan-out call alone (app setup is its own column).
Memory: peak RSS over the fan-out minus RSS before it, divided by N; and, in each variant's
first run, the peak of traced Python allocations over a second, untimed fan-out of
``--trace-n`` calls (fresh clients and agents, under tracemalloc) divided by ``--trace-n``:
both are bytes per in-flight call.

Usage:
    python bench/fanout.py [--n 1000] [--delay 0.02] [--repeats 3] [--trace-n 500]
                           [--variants raw,shared,app] [--base-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
MODEL = "bench-model"
INSTRUCTION = "You answer in one word."
PROMPT = "Say OK."
REPLY = "OK"
VARIANTS = {
    "raw": "raw SDK (1 client, gather)",
    "shared": "fastagent parallel, shared client",
    "app": "fastagent parallel, default app",
}
DEFAULT_VARIANTS = "raw,shared"  # "app" builds N SDK clients: ~25 s more at N=1000
CHILD_TIMEOUT = 300.0
# The SDK's connection pool costs O(in-flight) per request, and tracemalloc triples that:
# a traced fan-out of 1000 takes ~13 s, one of 500 ~4 s. Per-call memory is linear in N.
TRACE_N_LIMIT = 500


def load_server_module() -> ModuleType:
    """bench/_fake_openai_server.py as a module (bench/ is not a package)."""
    name = "fastagent_bench_fake_openai_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "_fake_openai_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- the calls ---------------------------------------------------------------------------------


def raw_client(base_url: str, **kwargs: Any) -> Any:
    """The one SDK client of the raw run (also the client shared by the fastagent agents)."""
    import openai

    return openai.AsyncOpenAI(api_key="not-needed", base_url=base_url, max_retries=0, **kwargs)


async def raw_call(client: Any) -> str:
    """One chat completion through the SDK, with the body the agents send."""
    response = await client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": INSTRUCTION},
            {"role": "user", "content": PROMPT},
        ],
    )
    return str(response.choices[0].message.content)


def settings_for(base_url: str) -> Any:
    """App settings pointing the generic provider at `base_url`, without retries."""
    from fastagent.config import Settings

    return Settings.model_validate({"generic": {"base_url": base_url, "max_retries": 0}})


class SharedClientAgentDeclaration:
    """``@fast.agent`` without tools, whose provider gets one injected SDK client.

    The provider is built by the app's `ModelFactory` like every agent's (retry wrapper,
    shared rate limiter); only ``client=`` is added.
    """

    default = False
    agents: tuple[str, ...] = ()
    tools: tuple[Any, ...] = ()
    servers: tuple[str, ...] = ()

    def __init__(self, name: str, client: Any) -> None:
        self.name = name
        self.client = client

    async def build(self, build: Any) -> Any:
        from fastagent.agents.agent import Agent
        from fastagent.llm.augmented import AugmentedLLM
        from fastagent.llm.params import RequestParams

        factory = build.runtime.models
        provider = factory.build(factory.resolve(f"generic.{MODEL}"), client=self.client)
        llm = AugmentedLLM(
            provider,
            name=self.name,
            instruction=INSTRUCTION,
            params=RequestParams(use_history=False),
            events=build.runtime.events,
        )
        return Agent(self.name, llm, model=f"generic.{MODEL}")


def fanout_app(n: int, base_url: str, client: Any | None) -> Any:
    """A `FastAgent` app: N agents under the parallel workflow ``fanout``.

    With `client`, every agent's provider uses it; without, each builds its own.
    """
    from fastagent import FastAgent

    fast = FastAgent("fanout-bench", settings=settings_for(base_url), parse_cli_args=False)
    fast.quiet = True
    names = [f"worker{i}" for i in range(n)]
    for name in names:
        if client is not None:
            fast.add_declaration(SharedClientAgentDeclaration(name, client))
        else:
            fast.agent(name, INSTRUCTION, model=f"generic.{MODEL}", use_history=False)
    fast.parallel("fanout", fan_out=names, default=True)
    return fast


# --- one variant, in a child process -----------------------------------------------------------


def current_rss() -> int:
    """Resident set size of this process in bytes (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss()
    return pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """The highest resident set size of this process so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


FanOut = Callable[[], Awaitable[list[str]]]


async def prepared(variant: str, n: int, base_url: str, stack: Any) -> FanOut:
    """Set up `variant` (clients, app) in `stack`; return the fan-out to time."""
    import openai  # noqa: F401  # a one-time cost, not the fan-out's (agents import it lazily)

    if variant == "raw":
        client = raw_client(base_url)
        stack.push_async_callback(client.close)

        async def raw() -> list[str]:
            return list(await asyncio.gather(*(raw_call(client) for _ in range(n))))

        return raw
    client = None
    if variant == "shared":
        client = raw_client(base_url)
        stack.push_async_callback(client.close)
    app = await stack.enter_async_context(fanout_app(n, base_url, client).run())
    workflow = app["fanout"]
    await stack.enter_async_context(_closing_providers(app))

    async def ours() -> list[str]:
        result = await workflow.run(PROMPT)
        return [branch.text for branch in result.branches]

    return ours


def _closing_providers(app: Any) -> Any:
    """Close every agent's provider when the app ends (the app does not do it itself)."""
    import contextlib

    @contextlib.asynccontextmanager
    async def closing() -> Any:
        try:
            yield
        finally:
            for agent in app.agents.values():
                llm = getattr(agent, "llm", None)
                if llm is not None:
                    await llm.provider.aclose()

    return closing()


def check(replies: list[str], n: int) -> None:
    """Every one of the N calls got the server's reply."""
    bad = [r for r in replies if r != REPLY]
    if len(replies) != n or bad:
        raise SystemExit(f"expected {n} replies {REPLY!r}, got {len(replies)} ({bad[:3]} ...)")


async def run_variant(variant: str, n: int, base_url: str, *, trace_n: int) -> dict[str, Any]:
    """Time one fan-out of `variant`; then, if `trace_n`, trace a fresh `trace_n`-call one."""
    import contextlib

    result: dict[str, Any] = {"variant": variant, "n": n}
    async with contextlib.AsyncExitStack() as stack:
        started = time.perf_counter()
        fan_out = await prepared(variant, n, base_url, stack)
        result["setup_s"] = time.perf_counter() - started
        gc.collect()
        rss_before, peak_before = current_rss(), peak_rss()
        started = time.perf_counter()
        replies = await fan_out()
        result["wall_s"] = time.perf_counter() - started
        peak_after = peak_rss()
        check(replies, n)
        result["rss_delta"] = max(0, peak_after - rss_before)
        result["rss_peak_hidden"] = peak_after == peak_before and peak_before > rss_before
    if trace_n:
        async with contextlib.AsyncExitStack() as stack:
            fan_out = await prepared(variant, trace_n, base_url, stack)
            gc.collect()
            tracemalloc.start()
            try:
                replies = await fan_out()
                result["traced_peak"] = tracemalloc.get_traced_memory()[1]
                result["trace_n"] = trace_n
            finally:
                tracemalloc.stop()
            check(replies, trace_n)
    return result


# --- the parent: server, children, table -------------------------------------------------------


def run_child(variant: str, n: int, base_url: str, *, trace_n: int) -> dict[str, Any]:
    """Run one variant in a fresh interpreter and return its measurements."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", variant]
    command += ["--n", str(n), "--base-url", base_url, "--trace-n", str(trace_n)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"variant {variant} failed ({done.returncode}):\n{done.stderr}")
    if done.stderr.strip():
        sys.stderr.write(f"[{variant}] {done.stderr}")
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def measure_all(
    variants: list[str], n: int, base_url: str, repeats: int, trace_n: int
) -> dict[str, list[dict[str, Any]]]:
    """Every variant `repeats` times, interleaved; tracemalloc in each variant's first run."""
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for repeat in range(repeats):
        for variant in variants:
            traced = trace_n if repeat == 0 else 0
            runs[variant].append(run_child(variant, n, base_url, trace_n=traced))
    return runs


def table(runs: dict[str, list[dict[str, Any]]], n: int) -> list[str]:
    """The markdown table of medians (ratio: calls/s against the raw SDK's)."""
    lines = [
        "| variant | wall s | calls/s | ours/raw | peak RSS Δ MiB | RSS Δ / call KiB "
        "| tracemalloc peak / call KiB | setup s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    raw_wall = statistics.median(r["wall_s"] for r in runs["raw"]) if "raw" in runs else None
    for variant, results in runs.items():
        wall = statistics.median(r["wall_s"] for r in results)
        ratio = f"{raw_wall / wall:.2f}" if raw_wall is not None else "-"
        rss = statistics.median(r["rss_delta"] for r in results)
        hidden = "*" if any(r["rss_peak_hidden"] for r in results) else ""
        traced = [r["traced_peak"] / r["trace_n"] for r in results if "traced_peak" in r]
        traced_text = f"{traced[0] / 1024:.1f}" if traced else "-"
        setup = statistics.median(r["setup_s"] for r in results)
        lines.append(
            f"| {VARIANTS[variant]} | {wall:.3f} | {n / wall:,.0f} | {ratio} | "
            f"{rss / 2**20:.1f}{hidden} | {rss / n / 1024:.1f} | {traced_text} | {setup:.2f} |"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="concurrent calls (1000)")
    parser.add_argument("--delay", type=float, default=0.02, help="server seconds per reply")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant (median)")
    parser.add_argument("--base-url", help="use this running server instead of starting one")
    parser.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help=f"comma list of {', '.join(VARIANTS)} (default {DEFAULT_VARIANTS})",
    )
    parser.add_argument("--child", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--trace-n",
        type=int,
        help="calls in the tracemalloc fan-out (default: --n up to 500; 0: none)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.variants.split(",")) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be at least 1")
    if args.trace_n is None:
        args.trace_n = min(args.n, TRACE_N_LIMIT)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        result = asyncio.run(run_variant(args.child, args.n, args.base_url, trace_n=args.trace_n))
        print(json.dumps(result))
        return 0
    variants = args.variants.split(",")
    started = time.perf_counter()
    if args.base_url:
        runs = measure_all(variants, args.n, args.base_url, args.repeats, args.trace_n)
    else:
        with load_server_module().FakeOpenAIServer(args.delay) as server:
            runs = measure_all(variants, args.n, server.base_url, args.repeats, args.trace_n)
    command = ["python", "bench/fanout.py", "--n", str(args.n), "--delay", f"{args.delay:g}"]
    command += ["--repeats", str(args.repeats), "--trace-n", str(args.trace_n)]
    if args.base_url:
        command += ["--base-url", args.base_url]
    traced = (
        f"one untimed fan-out of {args.trace_n} calls per variant (its peak / {args.trace_n})"
        if args.trace_n
        else "off"
    )
    print(
        f"Fan-out of {args.n} concurrent calls, server delay {args.delay * 1000:g} ms: median "
        f"of {args.repeats} runs each, a fresh process per run. tracemalloc: {traced}."
    )
    print()
    print("\n".join(table(runs, args.n)))
    print()
    print("`*`: the process peak before the fan-out was higher, so the delta may be low.")
    print(f"Command: `{shlex.join(command)}` (took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

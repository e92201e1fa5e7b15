"""Framework overhead of the tool loop, and cold import times.

Runs N turns of ``***CALL_TOOL noop`` through `AugmentedLLM` with the passthrough provider and a
trivial `FunctionTool`. Each turn is two loop iterations (a model call that asks for the tool,
the tool round, then a model call that ends the turn). Nothing is subtracted: the numbers
include passthrough itself, message construction, the ToolSet and the event checks.

The tracing case records every span (`fastagent.telemetry.spans.SpanRecorder`, what
``otel.enabled`` subscribes) through an OpenTelemetry SDK provider with a batch span
processor whose exporter discards the batches, so the number is the in-process cost of
tracing, not the network's.

Each case runs `--rounds` times, interleaved with the others. The table shows the median
and the fastest round of wall time, and the median of the process's CPU time (all threads,
the batch processor's export thread included): on a shared machine, CPU time is not inflated
by waiting for a core, so it is the steadier figure. The load average is printed with it.

With ``--breakdown`` it instead splits the tracing overhead: the SDK calls one iteration makes,
timed alone (best of 5), and the loop traced with no span processor, with the batch
processor, and each with the garbage collector off.

Usage: python bench/tool_loop.py [--turns N] [--rounds R] [--breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import time
import timeit
from typing import Any

from fastagent.events import EventBus
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet

ITERATIONS_PER_TURN = 2


def noop() -> str:
    """Do nothing."""
    return "ok"


async def run_turns(
    turns: int, *, use_history: bool, events: EventBus | None
) -> tuple[float, float]:
    """Wall and CPU seconds per turn over `turns` turns (after a warm-up)."""
    llm = AugmentedLLM(
        PassthroughProvider(),
        tools=ToolSet([FunctionTool(noop)], events=events),
        params=RequestParams(use_history=use_history),
        events=events,
    )
    for _ in range(50):
        await llm.generate("***CALL_TOOL noop")
    llm.memory.clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(turns):
        reply = await llm.generate("***CALL_TOOL noop")
        if use_history and i % 50 == 49:
            llm.memory.clear()  # keep the context short so the number is per-iteration cost
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert reply.text == "ok", reply.text
    return elapsed / turns, cpu / turns


def cold_import(statement: str, runs: int = 7) -> float:
    """Median wall seconds of a fresh interpreter running `statement`, minus an empty one."""

    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    baseline = statistics.median(timed("pass") for _ in range(runs))
    return statistics.median(timed(statement) for _ in range(runs)) - baseline


def tracing_bus(*, processor: bool = True) -> tuple[EventBus, object]:
    """A bus with the span recorder on an SDK provider (batch processor, discarding exporter).

    Without `processor` the provider has no span processor: spans are made and dropped.
    """
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    from fastagent.telemetry.spans import SpanRecorder

    class Discard(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    if processor:
        # A queue that holds every span of the run: a full queue drops spans, which is cheaper.
        provider.add_span_processor(BatchSpanProcessor(Discard(), max_queue_size=1 << 20))
    recorder = SpanRecorder(provider.get_tracer("bench"), record_content=False, mcp_requests=True)
    bus = EventBus()
    recorder.subscribe(bus)
    return bus, provider


def bare_span_seconds(provider: object, spans: int = 5000) -> float:
    """Seconds one bare SDK span (start + end, no attributes) takes on this provider."""
    tracer = provider.get_tracer("bench-bare")  # type: ignore[attr-defined]
    started = time.perf_counter()
    for _ in range(spans):
        tracer.start_span("bare").end()
    return (time.perf_counter() - started) / spans


def sdk_call_costs() -> list[tuple[str, float]]:
    """Microseconds of the SDK calls one iteration makes, each timed alone (best of 5)."""
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("bench-calls")
    root = tracer.start_span("root")
    parent = trace.set_span_in_context(root)
    chat_start = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "model",
        "gen_ai.provider.name": "provider",
    }
    chat_end: dict[str, Any] = {
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 4,
        "gen_ai.response.model": "model",
        "gen_ai.response.finish_reasons": ("stop",),
    }
    tool = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "noop",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.type": "function",
    }
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "agent"}

    def chat_span() -> None:
        span = tracer.start_span("chat model", context=parent, attributes=chat_start)
        span.set_attributes(chat_end)
        span.end()

    def switch_context() -> None:
        otel_context.attach(trace.set_span_in_context(root, parent))
        trace.get_current_span()
        otel_context.attach(parent)

    calls = {
        "bare span (start + end)": lambda: tracer.start_span("bare").end(),
        "span with a parent context": lambda: tracer.start_span("x", context=parent).end(),
        "chat span (3 start + 4 end attributes)": chat_span,
        "execute_tool span (4 attributes)": lambda: tracer.start_span(
            "execute_tool noop", context=parent, attributes=tool
        ).end(),
        "invoke_agent span (2 attributes)": lambda: tracer.start_span(
            "invoke_agent agent", context=parent, attributes=agent
        ).end(),
        "context switch in and out": switch_context,
    }
    number = 20000
    return [
        (label, min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6)
        for label, call in calls.items()
    ]


def breakdown(turns: int, rounds: int) -> None:
    """Print where the tracing overhead goes (see the module docs)."""
    subscriber = EventBus()
    subscriber.subscribe(lambda event: None)
    cases = {
        "history + event subscriber": subscriber,
        "tracing, no span processor": tracing_bus(processor=False)[0],
        "tracing, batch processor": tracing_bus()[0],
    }
    load_before = os.getloadavg()
    cpu: dict[tuple[str, bool], list[float]] = {}
    for _ in range(rounds):
        for label, bus in cases.items():
            for collect in (True, False):
                if not collect:
                    gc.disable()
                try:
                    _, seconds = asyncio.run(run_turns(turns, use_history=True, events=bus))
                finally:
                    gc.enable()
                cpu.setdefault((label, collect), []).append(seconds / ITERATIONS_PER_TURN)
    print(f"tool loop, {turns} turns x {rounds}, CPU µs per iteration (medians)")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print(f"{'case':<36} {'gc on':>8} {'gc off':>8}")
    median = {key: statistics.median(values) * 1e6 for key, values in cpu.items()}
    for label in cases:
        print(f"{label:<36} {median[label, True]:>8.1f} {median[label, False]:>8.1f}")
    base, bare, full = (median[label, True] for label in cases)
    base_off, bare_off, full_off = (median[label, False] for label in cases)
    print(f"whole tracing overhead: {full - base:.1f} µs (no span processor: {bare - base:.1f})")
    print(f"  spans made in the loop (no processor, gc off): {bare_off - base_off:.1f} µs")
    print(f"  the batch processor (gc off): {full_off - bare_off:.1f} µs")
    print(f"  extra garbage collection: {(full - base) - (full_off - base_off):.1f} µs")
    print()
    print("the same SDK calls alone, best of 5 x 20,000, µs")
    for label, micros in sdk_call_costs():
        print(f"  {label:<40} {micros:>6.2f}")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--breakdown", action="store_true", help="split the tracing overhead")
    args = parser.parse_args()
    if args.breakdown:
        breakdown(args.turns, args.rounds)
        return

    bus = EventBus()
    bus.subscribe(lambda event: None)
    cases = [
        ("no history, no events", False, None),
        ("history (cleared every 50 turns)", True, None),
        ("history + event subscriber", True, bus),
    ]
    traced, provider = tracing_bus()
    cases.append(("history + tracing (batch processor)", True, traced))
    print(f"tool loop, passthrough + trivial FunctionTool, {args.turns} turns x {args.rounds}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'µs per iteration':<36} {'median':>8} {'fastest':>8} {'CPU med':>8}")
    walls: list[list[float]] = [[] for _ in cases]
    cpus: list[list[float]] = [[] for _ in cases]
    bare: list[float] = []
    for _ in range(args.rounds):
        for index, (_label, use_history, events) in enumerate(cases):
            wall, cpu = asyncio.run(run_turns(args.turns, use_history=use_history, events=events))
            walls[index].append(wall / ITERATIONS_PER_TURN)
            cpus[index].append(cpu / ITERATIONS_PER_TURN)
        bare.append(bare_span_seconds(provider))
    for (label, _, _), wall_rounds, cpu_rounds in zip(cases, walls, cpus, strict=True):
        print(
            f"{label:<36} {statistics.median(wall_rounds) * 1e6:>8.1f}"
            f" {min(wall_rounds) * 1e6:>8.1f} {statistics.median(cpu_rounds) * 1e6:>8.1f}"
        )
    overhead = [t - s for t, s in zip(walls[-1], walls[-2], strict=True)]
    cpu_overhead = [t - s for t, s in zip(cpus[-1], cpus[-2], strict=True)]
    print(
        "tracing overhead per iteration (vs. event subscriber, same round):"
        f" median {statistics.median(overhead) * 1e6:.1f} µs wall,"
        f" {statistics.median(cpu_overhead) * 1e6:.1f} µs CPU"
    )
    print(
        "one bare SDK span (start + end), same provider:"
        f" median {statistics.median(bare) * 1e6:.1f} µs, fastest {min(bare) * 1e6:.1f} µs"
    )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    provider.shutdown()  # type: ignore[attr-defined]

    print()
    print(f"{'cold import (minus bare interpreter)':<52} {'ms':>8}")
    for statement in (
        "import fastagent",
        "from fastagent.llm.augmented import AugmentedLLM",
        "from fastagent.providers.model_strings import create_provider; "
        "create_provider('passthrough')",
    ):
        print(f"{statement[:52]:<52} {cold_import(statement) * 1e3:>8.1f}")


if __name__ == "__main__":
    main()

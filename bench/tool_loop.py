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

Usage: python bench/tool_loop.py [--turns N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

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


def tracing_bus() -> tuple[EventBus, object]:
    """A bus with the span recorder on an SDK provider (batch processor, discarding exporter)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

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

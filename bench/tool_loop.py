"""Framework overhead of the tool loop, and cold import times.

Runs N turns of ``***CALL_TOOL noop`` through `AugmentedLLM` with the passthrough provider and a
trivial `FunctionTool`. Each turn is two loop iterations (a model call that asks for the tool,
the tool round, then a model call that ends the turn). Nothing is subtracted: the numbers
include passthrough itself, message construction, the ToolSet and the event checks.

Usage: python bench/tool_loop.py [--turns N]
"""

from __future__ import annotations

import argparse
import asyncio
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


async def run_turns(turns: int, *, use_history: bool, events: EventBus | None) -> float:
    """Seconds per turn over `turns` turns (after a warm-up)."""
    llm = AugmentedLLM(
        PassthroughProvider(),
        tools=ToolSet([FunctionTool(noop)], events=events),
        params=RequestParams(use_history=use_history),
        events=events,
    )
    for _ in range(50):
        await llm.generate("***CALL_TOOL noop")
    llm.memory.clear()
    started = time.perf_counter()
    for i in range(turns):
        reply = await llm.generate("***CALL_TOOL noop")
        if use_history and i % 50 == 49:
            llm.memory.clear()  # keep the context short so the number is per-iteration cost
    elapsed = time.perf_counter() - started
    assert reply.text == "ok", reply.text
    return elapsed / turns


def cold_import(statement: str, runs: int = 7) -> float:
    """Median wall seconds of a fresh interpreter running `statement`, minus an empty one."""

    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    baseline = statistics.median(timed("pass") for _ in range(runs))
    return statistics.median(timed(statement) for _ in range(runs)) - baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()

    bus = EventBus()
    bus.subscribe(lambda event: None)
    cases = [
        ("no history, no events", False, None),
        ("history (cleared every 50 turns)", True, None),
        ("history + event subscriber", True, bus),
    ]
    print(f"tool loop, passthrough + trivial FunctionTool, {args.turns} turns")
    print(f"{'case':<36} {'µs/turn':>10} {'µs/iteration':>14}")
    for label, use_history, events in cases:
        per_turn = asyncio.run(run_turns(args.turns, use_history=use_history, events=events))
        per_iteration = per_turn / ITERATIONS_PER_TURN
        print(f"{label:<36} {per_turn * 1e6:>10.1f} {per_iteration * 1e6:>14.1f}")

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

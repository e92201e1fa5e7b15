"""Overhead of durable turns (DBOS on SQLite) against the same turns without durability.

Two measurements, each as N turns of one agent, sequential:

1. Framework overhead per step: the passthrough model and a trivial tool
   (``***CALL_TOOL noop``: model call, tool call, model call = 3 steps per turn). The durable
   turn's extra time (workflow start and end included) divided by 3 is the cost per step.
2. Against a model that answers in 20 ms (bench/_fake_openai_server.py): one model call per
   turn; the durable turn's extra time as a share of the plain turn.

Usage: python bench/durable_overhead.py [--turns N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _fake_openai_server import FakeOpenAIServer
from fastagent.agents import FastAgent
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings
from fastagent.config.settings import GenericSettings

STEPS_PER_TOOL_TURN = 3


def noop() -> str:
    """Do nothing."""
    return "ok"


async def per_turn(settings: Settings, message: str, turns: int, *, durable: bool) -> float:
    """Seconds per turn over `turns` turns (after 20 warm-up turns)."""
    fast = FastAgent("bench", settings=settings)
    fast.agent("a", "Bench.", tools=[noop], use_history=False)(lambda: None)
    async with fast.run() as app:
        for i in range(20):
            await app.send(message, key=f"warm-{i}" if durable else None)
        started = time.perf_counter()
        for i in range(turns):
            await app.send(message, key=f"turn-{i}" if durable else None)
        return (time.perf_counter() - started) / turns


async def measure(turns: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        plain = Settings(default_model="passthrough")
        durable = plain.model_copy(
            update={"durable": DurableSettings(database=f"{folder}/a.sqlite")}
        )
        base = await per_turn(plain, "***CALL_TOOL noop", turns, durable=False)
        slow = await per_turn(durable, "***CALL_TOOL noop", turns, durable=True)
        print(f"passthrough + tool, {turns} turns (3 steps each)")
        print(f"  plain   {base * 1e3:8.3f} ms/turn")
        print(f"  durable {slow * 1e3:8.3f} ms/turn")
        print(f"  overhead per step {(slow - base) / STEPS_PER_TOOL_TURN * 1e3:.3f} ms")

        with FakeOpenAIServer(delay=0.02) as server:
            generic = GenericSettings(base_url=server.base_url, api_key="bench")
            plain = Settings(default_model="generic.bench-model", generic=generic)
            durable = plain.model_copy(
                update={"durable": DurableSettings(database=f"{folder}/b.sqlite")}
            )
            base = await per_turn(plain, "hi", turns, durable=False)
            slow = await per_turn(durable, "hi", turns, durable=True)
        print(f"model answering in 20 ms, {turns} turns (1 step each)")
        print(f"  plain   {base * 1e3:8.3f} ms/turn")
        print(f"  durable {slow * 1e3:8.3f} ms/turn")
        print(f"  overhead {(slow - base) / base * 100:.1f} % of a turn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    asyncio.run(measure(parser.parse_args().turns))


if __name__ == "__main__":
    main()

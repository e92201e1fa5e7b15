"""Overhead of durable turns (DBOS on SQLite) against the same turns without durability.

Two measurements, each as N turns of one agent, sequential:

1. Framework overhead per step: the passthrough model and a trivial tool
   (``***CALL_TOOL noop``: model call, tool call, model call = 3 steps per turn). The durable
   turn's extra time (workflow start and end included) divided by 3 is the cost per step.
2. Against a model that answers in 20 ms (bench/_fake_openai_server.py): one model call per
   turn; the durable turn's extra time as a share of the plain turn.

3. The floor under (1), DBOS itself: in the same durable run (same SQLite file, WAL, the
   same JSON serializer), a raw DBOS workflow of 3 steps whose function returns a small dict,
   and one of no steps. (3 steps - no steps) / 3 is DBOS's own cost per step; the workflow
   of no steps is its cost per workflow. What a durable turn costs above both is ours.

Every case runs `--rounds` times, interleaved; medians are printed (wall and process CPU
time, all threads: DBOS writes from its thread pool), with the load average.

Usage: python bench/durable_overhead.py [--turns N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def _raw_workflows() -> tuple[Any, Any]:
    """Raw DBOS workflows (registered before launch, like fastagent's own)."""
    from dbos import DBOS

    async def small() -> dict[str, Any]:
        return {"role": "assistant", "content": [{"type": "text", "text": "ok"}]}

    @DBOS.workflow(name="bench.raw_steps")
    async def raw_steps(steps: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _ in range(steps):
            result = await DBOS.run_step_async({"name": "s", "retries_allowed": False}, small)
        return result

    from dbos import SetWorkflowID

    async def run(key: str, steps: int) -> None:
        with SetWorkflowID(key):
            handle = await DBOS.start_workflow_async(raw_steps, steps)
        await handle.get_result()

    return run, raw_steps


async def timed(turns: int, call: Any) -> tuple[float, float]:
    """Wall and CPU seconds per call of `call(i)` over `turns` calls."""
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(turns):
        await call(i)
    return (time.perf_counter() - started) / turns, (time.process_time() - cpu) / turns


async def measure_steps(turns: int, rounds: int, folder: str) -> None:
    raw, _ = _raw_workflows()
    plain_app = FastAgent("bench", settings=Settings(default_model="passthrough"))
    plain_app.agent("a", "Bench.", tools=[noop], use_history=False)(lambda: None)
    durable_settings = Settings(
        default_model="passthrough", durable=DurableSettings(database=f"{folder}/a.sqlite")
    )
    durable_app = FastAgent("bench", settings=durable_settings)
    durable_app.agent("a", "Bench.", tools=[noop], use_history=False)(lambda: None)
    message = "***CALL_TOOL noop"
    results: dict[str, list[tuple[float, float]]] = {
        "plain turn": [],
        "durable turn": [],
        "raw DBOS, 3 steps": [],
        "raw DBOS, no step": [],
    }
    async with plain_app.run() as plain, durable_app.run() as durable:
        for i in range(20):
            await plain.send(message)
            await durable.send(message, key=f"warm-{i}")
            await raw(f"warm-raw-{i}", 3)
            await raw(f"warm-raw0-{i}", 0)
        for r in range(rounds):

            async def keyed(i: int, r: int = r) -> None:
                await durable.send(message, key=f"turn-{r}-{i}")

            async def unkeyed(i: int) -> None:
                await plain.send(message)

            async def three(i: int, r: int = r) -> None:
                await raw(f"raw3-{r}-{i}", 3)

            async def none(i: int, r: int = r) -> None:
                await raw(f"raw0-{r}-{i}", 0)

            results["plain turn"].append(await timed(turns, unkeyed))
            results["durable turn"].append(await timed(turns, keyed))
            results["raw DBOS, 3 steps"].append(await timed(turns, three))
            results["raw DBOS, no step"].append(await timed(turns, none))

    def median(name: str, which: int) -> float:
        return statistics.median(x[which] for x in results[name])

    print(f"passthrough + tool (3 steps per turn), {turns} turns x {rounds} rounds, medians")
    print(f"{'case':<22} {'wall ms':>9} {'CPU ms':>9}")
    for name in results:
        print(f"{name:<22} {median(name, 0) * 1e3:>9.3f} {median(name, 1) * 1e3:>9.3f}")
    for which, label in ((0, "wall"), (1, "CPU")):
        ours = median("durable turn", which) - median("plain turn", which)
        floor_step = (median("raw DBOS, 3 steps", which) - median("raw DBOS, no step", which)) / 3
        floor_workflow = median("raw DBOS, no step", which)
        above = ours - median("raw DBOS, 3 steps", which)
        print(
            f"{label}: overhead per step {ours / STEPS_PER_TOOL_TURN * 1e3:.3f} ms"
            f" | DBOS floor: {floor_step * 1e3:.3f} ms per step"
            f" + {floor_workflow * 1e3:.3f} ms per workflow"
            f" | fastagent above the floor: {above / STEPS_PER_TOOL_TURN * 1e3:.3f} ms per step"
        )


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


async def measure(turns: int, rounds: int, slow_model: bool) -> None:
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as folder:
        await measure_steps(turns, rounds, folder)
        if slow_model:
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
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-slow-model", action="store_true", help="skip measurement 2")
    args = parser.parse_args()
    asyncio.run(measure(args.turns, args.rounds, not args.no_slow_model))


if __name__ == "__main__":
    main()

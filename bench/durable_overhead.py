"""Overhead of durable turns (DBOS on SQLite) against the same turns without durability.

Two measurements, each as N turns of one agent, sequential:

1. Framework overhead per step: the passthrough model and a trivial tool
   (``***CALL_TOOL noop``: model call, tool call, model call = 3 steps per turn). The durable
   turn's extra time (workflow start and end included) divided by 3 is the cost per step.
2. Against a model that answers in 20 ms (bench/_fake_openai_server.py): one model call per
   turn; the durable turn's extra time as a share of the plain turn. Its floor is measured at
   the same pace: the same request through the ``openai`` SDK, bare and as the one step of a
   raw DBOS workflow. DBOS's writes cost 2-3x more after the loop waited 20 ms for the model
   than back to back (cold caches and thread wake-ups), so the floor of (3) understates it.

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


def _raw_sdk_workflow(base_url: str) -> tuple[Any, Any, Any]:
    """The model request through the ``openai`` SDK: bare, and as a raw DBOS workflow's step.

    Registered before DBOS launches, like fastagent's own workflow. Returns the bare call,
    the workflow runner and the SDK client (to close).
    """
    import openai
    from dbos import DBOS, SetWorkflowID

    client = openai.AsyncOpenAI(api_key="bench", base_url=base_url, max_retries=0)

    async def ask() -> dict[str, Any]:
        reply = await client.chat.completions.create(
            model="bench-model", messages=[{"role": "user", "content": "hi"}]
        )
        text = reply.choices[0].message.content
        return {"role": "assistant", "content": [{"type": "text", "text": text}]}

    @DBOS.workflow(name="bench.raw_sdk")
    async def raw_sdk() -> dict[str, Any]:
        result: dict[str, Any] = await DBOS.run_step_async(
            {"name": "model", "retries_allowed": False}, ask
        )
        return result

    async def run(key: str) -> None:
        with SetWorkflowID(key):
            handle = await DBOS.start_workflow_async(raw_sdk)
        await handle.get_result()

    return ask, run, client


async def measure_model(turns: int, rounds: int, folder: str, base_url: str) -> None:
    """Measurement 2: a model answering in 20 ms, plain and durable, with DBOS's floor."""
    ask, raw, client = _raw_sdk_workflow(base_url)
    generic = GenericSettings(base_url=base_url, api_key="bench")
    plain_settings = Settings(default_model="generic.bench-model", generic=generic)
    durable_settings = plain_settings.model_copy(
        update={"durable": DurableSettings(database=f"{folder}/b.sqlite")}
    )
    apps = []
    for settings in (plain_settings, durable_settings):
        fast = FastAgent("bench", settings=settings)
        fast.agent("a", "Bench.", tools=[noop], use_history=False)(lambda: None)
        apps.append(fast)
    results: dict[str, list[float]] = {
        "plain turn": [],
        "durable turn": [],
        "bare SDK call": [],
        "SDK call as DBOS step": [],
    }
    async with apps[0].run() as plain, apps[1].run() as durable:
        for i in range(20):
            await plain.send("hi")
            await durable.send("hi", key=f"warm-{i}")
            await ask()
            await raw(f"warm-raw-{i}")
        for r in range(rounds):

            async def keyed(i: int, r: int = r) -> None:
                await durable.send("hi", key=f"turn-{r}-{i}")

            async def unkeyed(i: int) -> None:
                await plain.send("hi")

            async def bare(i: int) -> None:
                await ask()

            async def stepped(i: int, r: int = r) -> None:
                await raw(f"sdk-{r}-{i}")

            results["plain turn"].append((await timed(turns, unkeyed))[0])
            results["durable turn"].append((await timed(turns, keyed))[0])
            results["bare SDK call"].append((await timed(turns, bare))[0])
            results["SDK call as DBOS step"].append((await timed(turns, stepped))[0])
    await client.close()
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"model answering in 20 ms, 1 step per turn, {turns} turns x {rounds} rounds, medians")
    for name, value in median.items():
        print(f"  {name:<22} {value * 1e3:8.3f} ms")
    extra = median["durable turn"] - median["plain turn"]
    floor = median["SDK call as DBOS step"] - median["bare SDK call"]
    print(f"  durable overhead {extra * 1e3:.3f} ms = {extra / median['plain turn'] * 100:.1f} %")
    print(
        f"  DBOS floor at this pace {floor * 1e3:.3f} ms/turn"
        f" | fastagent above it {(extra - floor) * 1e3:.3f} ms/turn"
    )


async def measure(turns: int, rounds: int, slow_model: bool) -> None:
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as folder:
        await measure_steps(turns, rounds, folder)
        if slow_model:
            with FakeOpenAIServer(delay=0.02) as server:
                await measure_model(turns, rounds, folder, server.base_url)
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

"""An app with ``distributed`` parallel workflows and their options, for the durable tests.

Imported by the tests (`make_app`), run as ``fastagent worker branches_app.py`` in a
prepared folder, or as ``python branches_app.py WORKFLOW KEY MESSAGE`` (one turn, `main`).
The scripted test server calls the first tool an agent offers, so each agent's tool decides
what its branch does; marker files go to the working directory:

- ``bad``: its tool ``trip`` waits until ``started-slow`` exists (so ``slow`` is running),
  then returns ``boom``; the server (``fail_on="boom"``) refuses the next model call: the
  branch fails with the provider's `BadRequestError`.
- ``late``: its tool ``trip_late`` appends its idempotency key to ``started-late``, waits
  until ``fail-now`` exists, then returns ``boom`` (the branch fails as ``bad`` does).
- ``slow``: its tool ``stall`` appends its idempotency key to ``started-slow`` and waits
  until it is cancelled, then writes ``cancelled-slow``.
- ``hang``: its tool ``hang_up`` writes ``started-hang`` and never returns (until cancelled:
  ``cancelled-hang``).
- ``a`` ... ``d``: their tool ``work`` logs ``start X`` / ``end X`` to ``log`` and waits
  until ``go`` exists.
- ``quick``: no tool; answers at once.

Workflows (all ``distributed``): ``fail_fast`` (bad, slow), ``fail_late`` (late, slow),
``collect`` (bad, quick; ``on_error="collect"``), ``timeout`` (hang, quick;
``branch_timeout=1``), ``timeout_collect`` (hang, quick; collect, ``branch_timeout=1``),
``limited`` (a, b, c, d; ``max_concurrency=2``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastagent.agents import FastAgent
from fastagent.config import Settings
from fastagent.steps import idempotency_key

BRANCH_TIMEOUT = 1.0


def _here() -> Path:
    return Path.cwd()


async def _until_cancelled(name: str) -> str:
    with (_here() / f"started-{name}").open("a") as runs:
        runs.write(f"{idempotency_key()}\n")
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        (_here() / f"cancelled-{name}").touch()
        raise
    return "never"


def make_app(settings: Settings | None = None) -> FastAgent:
    """The app: its agents, tools and workflows (see the module docs)."""
    fast = FastAgent("branches-test", settings=settings)

    @fast.tool
    async def trip(ticket: str) -> str:
        """Check a ticket (fails the branch once slow is running)."""
        while not (_here() / "started-slow").exists():
            await asyncio.sleep(0.02)
        return "boom"

    @fast.tool
    async def trip_late(ticket: str) -> str:
        """Check a ticket (fails the branch once the test says so)."""
        with (_here() / "started-late").open("a") as runs:
            runs.write(f"{idempotency_key()}\n")
        while not (_here() / "fail-now").exists():
            await asyncio.sleep(0.02)
        return "boom"

    @fast.tool
    async def stall(ticket: str) -> str:
        """Check a ticket slowly (until cancelled)."""
        return await _until_cancelled("slow")

    @fast.tool
    async def hang_up(ticket: str) -> str:
        """Check a ticket (never answers)."""
        return await _until_cancelled("hang")

    @fast.tool
    async def work(ticket: str) -> str:
        """Work on a ticket (until the test says go)."""
        branch = str(idempotency_key()).split("/")[-1].split(":")[0]
        log = _here() / "log"
        with log.open("a") as lines:
            lines.write(f"start {branch}\n")
        while not (_here() / "go").exists():
            await asyncio.sleep(0.02)
        with log.open("a") as lines:
            lines.write(f"end {branch}\n")
        return f"done {branch}"

    def agent(name: str, *tools: object) -> None:
        model = f"generic.{name}-model"
        fast.agent(name, f"You are {name}.", model=model, tools=list(tools))(lambda: None)

    agent("bad", trip)
    agent("late", trip_late)
    agent("slow", stall)
    agent("hang", hang_up)
    agent("quick")
    for name in "abcd":
        agent(name, work)

    def parallel(name: str, fan_out: list[str], **options: object) -> None:
        fast.parallel(name, fan_out=fan_out, distributed=True, **options)(lambda: None)  # type: ignore[arg-type]

    parallel("fail_fast", ["bad", "slow"])
    parallel("fail_late", ["late", "slow"])
    parallel("collect", ["bad", "quick"], on_error="collect")
    parallel("timeout", ["hang", "quick"], branch_timeout=BRANCH_TIMEOUT)
    parallel(
        "timeout_collect", ["hang", "quick"], branch_timeout=BRANCH_TIMEOUT, on_error="collect"
    )
    parallel("limited", ["a", "b", "c", "d"], max_concurrency=2)
    return fast


fast = make_app()


async def main() -> None:
    """``python branches_app.py WORKFLOW KEY MESSAGE``: one durable turn of WORKFLOW.

    Prints ``ANSWER <reply>``, or ``ERROR <ErrorType>: <message> | hint: <hint>``.
    """
    from fastagent.exceptions import FastAgentError

    async with fast.run() as app:
        try:
            answer = await app.send(sys.argv[3], agent=sys.argv[1], key=sys.argv[2])
        except FastAgentError as exc:
            print(f"ERROR {type(exc).__name__}: {exc.message} | hint: {exc.hint}", flush=True)
        else:
            print("ANSWER", answer.replace("\n", " | "), flush=True)


if __name__ == "__main__":
    asyncio.run(main())

"""``fastagent worker SCRIPT``: a process that runs the app's durable work until stopped.

It builds the script's agents with durability on, resumes the pending work of its own
executor id (``durable.executor_id``), runs the work of the database's queues (batch rows,
queued turns; ``--concurrency N`` at once per queue in this process) and resumed or
recovered workflows, until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from fastagent.cli.commands import SCRIPT_IMPORTED

if TYPE_CHECKING:
    from fastagent.config.durable_settings import DurableSettings

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``worker`` subcommand."""
    parser = subparsers.add_parser(
        "worker",
        help="run the durable work of a script's agents until stopped",
        description=(
            "Build SCRIPT's agents with durability on, resume this executor's pending work, "
            "and run the work of the database's queues (batch rows, queued turns) and resumed "
            "or recovered workflows until Ctrl-C or SIGTERM. Start one per machine (or more): "
            "they share the queues."
        ),
    )
    parser.add_argument(
        "script",
        metavar="SCRIPT",
        help=f"the FastAgent script (agent.py), {SCRIPT_IMPORTED}",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="at most N workflows of each queue at once in this process "
        "(default: the queue's worker_concurrency)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the worker until a signal stops it."""
    import asyncio

    return asyncio.run(_work(args))


async def _work(args: argparse.Namespace) -> int:
    import asyncio
    import signal
    import sys
    from pathlib import Path

    from fastagent.config import load_config
    from fastagent.config.durable_settings import DurableSettings
    from fastagent.durable.errors import redacted_url, require_dbos
    from fastagent.runtime import RunOptions, Runtime
    from fastagent.scenarios.imports import load_app

    require_dbos("fastagent worker", hint="pip install 'fastagent[durable]'")
    fast = load_app(
        args.script,
        base_dir=Path.cwd(),
        where="worker",
        missing_hint=f"give the path of a FastAgent script (relative to {Path.cwd()})",
    )
    settings = load_config(args.config).settings
    configured = settings.durable is not None
    durable = (settings.durable or DurableSettings()).model_copy(update={"enabled": True})
    settings = settings.model_copy(update={"durable": durable})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.concurrency is not None and args.concurrency < 1:
        from fastagent.exceptions import UserError

        raise UserError("worker: --concurrency must be at least 1", hint="e.g. --concurrency 4")
    async with Runtime.open(RunOptions(quiet=True), settings=settings) as runtime:
        engine = runtime.durable
        assert engine is not None  # durability was just turned on
        if args.concurrency is not None:
            engine.set_worker_concurrency(args.concurrency)
        await fast.build(runtime)
        await engine.register_queues()
        executor = durable.executor_id or "local"
        sys.stderr.write(_banner(executor, durable, redacted_url(engine.database_url), configured))
        sys.stderr.flush()
        await stop.wait()
    sys.stderr.write("worker: stopped; work in flight resumes when a worker starts again\n")
    return 0


def _banner(executor: str, durable: DurableSettings, database: str, configured: bool) -> str:
    """The worker's first line (what tests wait for), then where it takes work from."""
    lines = [
        f"worker: executor {executor}, version {durable.application_version}",
        f"worker: database {database}"
        + ("" if configured else " (no durable: section in the config: the default)"),
        "worker: waiting for work (batch rows, queued turns, resumed workflows); Ctrl-C to stop",
    ]
    return "\n".join(lines) + "\n"

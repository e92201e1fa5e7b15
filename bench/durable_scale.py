"""Durable work on Postgres: a batch over 1 and 2 worker processes, and the cost per step.

1. Scale-out: ``fastagent batch --no-work`` puts N rows on the ``batch`` queue of a fresh
   Postgres database, and 1 or 2 ``fastagent worker --concurrency C`` processes (started and
   warmed up first) run them against bench/_fake_openai_server.py answering after ``--delay``
   seconds. Each worker runs at most C rows at once, so one worker is bound by the model's
   latency (at most C / delay rows per second), not by the database; a second worker doubles
   the rows in flight. Throughput is rows over the time from the first row's start to the
   last row's end, read from the database (``dbos.workflow_status``), so process start-up
   and enqueuing are not counted; the batch command's wall time is shown too.
2. Cost per step: bench/durable_overhead.py's first case (passthrough model + trivial tool,
   3 steps per turn, sequential turns) with the durable database on SQLite (WAL) and on
   Postgres.

Needs PostgreSQL's initdb/pg_ctl (PATH or /usr/lib/postgresql/*/bin): a throwaway server is
started in a temporary folder and removed at the end.

Usage: python bench/durable_scale.py [--rows 400] [--concurrency 8] [--delay 0.2] [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _fake_openai_server import FakeOpenAIServer
from durable.postgres_server import create_database, postgres_url
from durable_overhead import STEPS_PER_TOOL_TURN, per_turn
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings

APP = """from fastagent.agents import FastAgent

fast = FastAgent("bench-scale")
fast.agent("echo", "Answer the row.")(lambda: None)
"""


BATCH = ("batch", "app.py", "rows.jsonl", "-o", "out.jsonl", "--no-work")


def _spawn(folder: Path, executor: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": executor},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def scale_run(
    server_url: str, base_url: str, workers: int, args: argparse.Namespace
) -> dict[str, float]:
    """One batch over `workers` worker processes on a fresh database; its timings."""
    import psycopg

    database = create_database(server_url, f"bench_{workers}w_{int(time.time())}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        folder.joinpath("app.py").write_text(APP)
        folder.joinpath("fastagent.yaml").write_text(
            "default_model: generic.bench-model\n"
            f"generic:\n  base_url: {base_url}\n  api_key: bench\n"
            f"durable:\n  database: {database}\n  queues:\n    batch: {{}}\n"
        )
        rows = [json.dumps({"id": i, "prompt": f"row {i}"}) for i in range(args.rows)]
        folder.joinpath("rows.jsonl").write_text("\n".join(rows) + "\n")
        started = [
            _spawn(folder, f"w{n}", "worker", "app.py", "--concurrency", str(args.concurrency))
            for n in range(workers)
        ]
        try:
            for worker in started:
                assert worker.stderr is not None
                worker.stderr.readline()  # "worker: executor ..." once it is launched
            began = time.perf_counter()
            batch = subprocess.run(
                [sys.executable, "-m", "fastagent", *BATCH],
                cwd=folder,
                env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": "batch"},
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - began
            if batch.returncode != 0:
                raise SystemExit(f"batch failed: {batch.stderr[-2000:]}")
        finally:
            for worker in started:
                worker.terminate()
            for worker in started:
                worker.communicate(timeout=60)
    with psycopg.connect(database) as connection:
        first, last, count = connection.execute(
            "SELECT min(started_at_epoch_ms), max(updated_at), count(*) "
            "FROM dbos.workflow_status WHERE workflow_uuid LIKE 'batch-%'"
        ).fetchone()
    seconds = (last - first) / 1000
    return {"rows": count, "seconds": seconds, "rows_per_s": count / seconds, "wall": wall}


async def step_costs(server_url: str, turns: int) -> dict[str, float]:
    """Milliseconds per durable step on SQLite and on Postgres (passthrough + tool)."""
    plain = Settings(default_model="passthrough")
    results: dict[str, float] = {}
    base = await per_turn(plain, "***CALL_TOOL noop", turns, durable=False)
    with tempfile.TemporaryDirectory() as folder:
        for label, database in (
            ("SQLite (WAL)", f"{folder}/steps.sqlite"),
            ("Postgres", create_database(server_url, f"bench_steps_{int(time.time())}")),
        ):
            durable = plain.model_copy(update={"durable": DurableSettings(database=database)})
            spent = await per_turn(durable, "***CALL_TOOL noop", turns, durable=True)
            results[label] = (spent - base) / STEPS_PER_TOOL_TURN * 1e3
    results["plain turn"] = base * 1e3
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    with postgres_url() as server_url:
        with FakeOpenAIServer(delay=args.delay) as server:
            runs = {n: scale_run(server_url, server.base_url, n, args) for n in (1, 2)}
        print(
            f"batch of {args.rows} rows, model answering in {args.delay * 1e3:.0f} ms, "
            f"--concurrency {args.concurrency} per worker, Postgres"
        )
        print("| workers | rows/s | processing (s) | batch wall time (s) | speed-up |")
        print("|---|--:|--:|--:|--:|")
        for n, run in runs.items():
            speed = run["rows_per_s"] / runs[1]["rows_per_s"]
            print(
                f"| {n} | {run['rows_per_s']:.1f} | {run['seconds']:.2f} | "
                f"{run['wall']:.2f} | {speed:.2f}x |"
            )
        costs = asyncio.run(step_costs(server_url, args.turns))
        print(f"\nper durable step, passthrough + tool, {args.turns} sequential turns")
        print(f"  plain turn {costs.pop('plain turn'):.3f} ms")
        for label, cost in costs.items():
            print(f"  {label}: {cost:.3f} ms/step")


if __name__ == "__main__":
    main()

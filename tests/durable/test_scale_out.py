"""Many workers on one Postgres queue: split, kill -9 and recover, rate and provider limits.

Every test gets a fresh database on a throwaway PostgreSQL (skipped with one line when it
is not installed), two ``fastagent worker`` processes and a ``fastagent batch --no-work``
that only enqueues the rows and collects them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from durable.postgres_server import create_database, postgres_url
from durable.scripted_openai import ScriptedOpenAI

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("scale_app.py")
_BOUND = 180.0
AGAIN = (
    "batch",
    str(APP),
    "rows.jsonl",
    "-o",
    "again.jsonl",
    "--agent",
    "gen",
    "--no-work",
)  # generous: several Python processes start on a loaded machine


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with postgres_url() as url:
        yield url


@pytest.fixture
def database(server_url: str) -> str:
    return create_database(server_url, f"fa_{uuid.uuid4().hex[:16]}")


def _folder(folder: Path, server: ScriptedOpenAI, database: str, queue: str, rows: int) -> Path:
    folder.joinpath("fastagent.yaml").write_text(
        "default_model: generic.test-model\n"
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        f"providers:\n  second:\n    base_url: {server.base_url}\n    api_key: test-key\n"
        f"durable:\n  application_version: v1\n  database: {database}\n"
        f"  queues:\n    batch: {queue}\n"
    )
    lines = [json.dumps({"id": f"r{i}", "prompt": f"row {i}"}) for i in range(rows)]
    folder.joinpath("rows.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def _spawn(folder: Path, executor: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": executor},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _worker(folder: Path, executor: str, *extra: str) -> subprocess.Popen[str]:
    worker = _spawn(folder, executor, "worker", str(APP), *extra)
    assert worker.stderr is not None
    line = worker.stderr.readline()
    assert line.startswith(f"worker: executor {executor}"), line + worker.stderr.read()[-2000:]
    return worker


def _batch(folder: Path, agent: str, output: str, *extra: str) -> subprocess.Popen[str]:
    command = ["batch", str(APP), "rows.jsonl", "-o", output, "--agent", agent, "--no-work"]
    return _spawn(folder, f"batch-{agent}", *command, *extra)


def _stop(*processes: subprocess.Popen[str]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.communicate(timeout=_BOUND)


def _output(folder: Path, name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in folder.joinpath(name).read_text().splitlines()]


def _admin(folder: Path, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": "admin"},
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def _count(folder: Path, status: str) -> int:
    """How many workflows `fastagent durable list` shows with `status` (0 before any)."""
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", "durable", "list", "--limit", "1000"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    return run.stdout.count(f"\t{status}\t") if run.returncode == 0 else 0


def _wait(condition: object, what: str, *processes: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + _BOUND
    while not condition():  # type: ignore[operator]
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args[3:5]} exited early: {process.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline, f"{what} did not happen within {_BOUND}s"
        time.sleep(0.05)


def _holds(folder: Path) -> list[tuple[str, str]]:
    path = folder / "holds"
    if not path.exists():
        return []
    return [tuple(line.split(" ", 1)) for line in path.read_text().splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize("how", ["recover", "restart"])
def test_two_workers_split_a_batch_and_a_killed_ones_rows_are_recovered(
    tmp_path: Path, database: str, how: str
) -> None:
    """Kill w1 holding 3 rows; `durable recover --executor w1`, or a new w1, finishes them."""
    rows = 12
    restarted: list[subprocess.Popen[str]] = []
    with ScriptedOpenAI(tool="hold", arguments={"ticket": "t"}) as server:
        folder = _folder(tmp_path, server, database, "{worker_concurrency: 3}", rows)
        w1 = _worker(folder, "w1")
        w2 = _worker(folder, "w2")
        batch = _batch(folder, "gen", "out.jsonl")
        try:
            # Each worker holds 3 rows (its worker_concurrency) in the tool: a fixed point.
            def both_full() -> bool:
                by = [e for e, _ in _holds(folder)]
                return by.count("w1") == 3 and by.count("w2") == 3

            _wait(both_full, "both workers holding 3 rows", w1, w2, batch)
            held_by_w1 = {key for e, key in _holds(folder) if e == "w1"}
            os.killpg(w1.pid, signal.SIGKILL)
            w1.communicate(timeout=_BOUND)
            (folder / "go").touch()
            # w2 finishes its rows and the queued ones; w1's stay PENDING until recovered.
            _wait(
                lambda: _count(folder, "SUCCESS") == rows - 3,
                "w2 finishing every row but w1's",
                w2,
                batch,
            )
            pending = _admin(folder, "durable", "list", "--status", "PENDING").splitlines()
            assert sorted(line.split("\t")[2] for line in pending) == ["w1"] * 3
            # Running the batch again says where the stranded rows are and what to do.
            with (folder / "again.err").open("w") as sink:
                again_batch = subprocess.Popen(
                    [sys.executable, "-m", "fastagent", *AGAIN],
                    cwd=folder,
                    stdout=subprocess.DEVNULL,
                    stderr=sink,
                    text=True,
                    start_new_session=True,
                )
            notice = (
                "batch: 3 row(s) in flight on executor w1; if that process is gone, run: "
                "fastagent durable recover --executor w1"
            )
            try:
                _wait(
                    lambda: notice in (folder / "again.err").read_text(),
                    "the notice about w1",
                    again_batch,
                )
            finally:
                _stop(again_batch)
            if how == "recover":
                handed = _admin(folder, "durable", "recover", "--executor", "w1")
                assert handed.strip() == "handed 3 pending workflow(s) of w1 to the workers"
            else:  # a process with the dead one's executor id resumes its work at launch
                restarted.append(_worker(folder, "w1"))
            _, err = batch.communicate(timeout=_BOUND)
            assert batch.returncode == 0, err[-3000:]
        finally:
            _stop(w1, w2, batch, *restarted)
        out = _output(folder, "out.jsonl")
        assert [row["id"] for row in out] == [f"r{i}" for i in range(rows)]
        assert all(row["text"] == "answer: closed t" for row in out), out
        holds = _holds(folder)
        first_runs = {key: e for e, key in reversed(holds)}
        assert set(first_runs.values()) == {"w1", "w2"}  # the batch took no row from the queue
        # w1's three rows ran their tool again (same keys) once each, no other row twice:
        # recovered, on a live process (the work goes to DBOS's own queue, which every
        # process of the app runs, the waiting batch included); restarted, the new w1 puts
        # them back on their queue, where any worker may take them.
        keys = [key for _, key in holds]
        assert sorted(k for k in set(keys) if keys.count(k) == 2) == sorted(held_by_w1)
        assert len(holds) == rows + 3
        reruns = [e for e, key in holds if key in held_by_w1][3:]  # after w1's first runs
        assert len(reruns) == 3
        if how == "recover":
            assert "w1" not in reruns
        # Every model call recorded before the kill was not made again: 2 per row.
        assert server.requests == 2 * rows


def test_a_rate_limit_holds_over_two_workers(tmp_path: Path, database: str) -> None:
    rows, limit, period = 9, 3, 5.0
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, database, "{}", rows)
        batch = _batch(folder, "gen", "out.jsonl", "--rate", f"{limit}/{period:g}s")
        workers: list[subprocess.Popen[str]] = []
        try:
            # The batch stores its rate on the queue; the workers then start and share it.
            _wait(
                lambda: _count(folder, "ENQUEUED") == rows,
                "the rows enqueued",
                batch,
            )
            workers = [_worker(folder, "w1"), _worker(folder, "w2")]
            _, err = batch.communicate(timeout=_BOUND)
            assert batch.returncode == 0, err[-3000:]
        finally:
            _stop(batch, *workers)
        assert [row["text"] for row in _output(folder, "out.jsonl")] == [
            f"echo: row {i}" for i in range(rows)
        ]
        import psycopg

        # Exactly: at most `limit` rows started (database clock) in any window of `period`.
        with psycopg.connect(database) as connection:
            starts = sorted(
                row[0]
                for row in connection.execute(
                    "SELECT started_at_epoch_ms FROM dbos.workflow_status"
                )
            )
        assert len(starts) == rows
        assert min(starts[i + limit] - starts[i] for i in range(rows - limit)) >= period * 1000
        # At the server: paced the same way, less a generous allowance for the time between
        # a row's start and its request (a worker's first request imports and builds its SDK
        # client, which takes seconds on a loaded machine).
        times = sorted(server.arrivals)
        assert len(times) == rows
        gaps = [times[i + limit] - times[i] for i in range(rows - limit)]
        assert min(gaps) >= period - 3.0, gaps


def test_a_per_provider_concurrency_limit_holds_over_two_workers(
    tmp_path: Path, database: str
) -> None:
    rows = 10
    queue = "{concurrency: 2, partition_by_provider: true}"
    with ScriptedOpenAI(delay=0.3) as server:
        folder = _folder(tmp_path, server, database, queue, rows)
        # Both batches enqueue before any worker runs, so both providers' rows wait together.
        first = _batch(folder, "gen", "gen.jsonl")
        second = _batch(folder, "other", "other.jsonl")
        workers: list[subprocess.Popen[str]] = []
        try:
            _wait(
                lambda: _count(folder, "ENQUEUED") == 2 * rows,
                "both batches enqueued",
                first,
                second,
            )
            workers = [_worker(folder, "w1", "--concurrency", "4")]
            workers.append(_worker(folder, "w2", "--concurrency", "4"))
            for batch in (first, second):
                _, err = batch.communicate(timeout=_BOUND)
                assert batch.returncode == 0, err[-3000:]
        finally:
            _stop(first, second, *workers)
        assert len(_output(folder, "gen.jsonl")) == len(_output(folder, "other.jsonl")) == rows
        # Two at a time per provider, over both workers, and the providers ran side by side.
        assert server.most_at_once_by_model == {"test-model": 2, "other-model": 2}
        assert server.most_at_once > 2

"""``fastagent durable list|steps|show|recover`` and ``fastagent worker``: a dead executor."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI
from durable.test_crash_recovery import WORKER, _wait_for, _write_config
from durable.workers import running_worker

pytest.importorskip("dbos", reason="the durable extra is not installed")

_BOUND = 120.0


def _fastagent(folder: Path, *args: str, executor: str = "admin") -> str:
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": executor},
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_a_dead_executors_turn_is_recovered_by_another_worker(tmp_path: Path) -> None:
    recover_onto_another_worker(tmp_path)


def recover_onto_another_worker(tmp_path: Path, database: str | None = None) -> None:
    """Kill executor w1 mid tool call; inspect; recover its turn onto worker w2."""
    with ScriptedOpenAI(tool="wait_for_go", arguments={"ticket": "5"}) as server:
        _write_config(tmp_path, server, database)
        env = {**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": "w1"}
        first = subprocess.Popen(
            [sys.executable, str(WORKER), "ticket-5", "close ticket 5"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _wait_for(tmp_path / "tool_runs", first)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)

        listed = _fastagent(tmp_path, "durable", "list", "--status", "PENDING")
        assert listed.splitlines() == ["ticket-5\tPENDING\tw1\tv1"]
        assert _fastagent(tmp_path, "durable", "steps", "ticket-5").splitlines() == [
            "1\tmodel test-model\tdone"
        ]

        (tmp_path / "go").touch()
        with running_worker(
            WORKER, cwd=tmp_path, env=os.environ, executor="w2", bound=_BOUND
        ) as worker:
            # w2 does not take w1's work by itself ...
            assert "ticket-5\tPENDING" in _fastagent(tmp_path, "durable", "list")
            handed = _fastagent(tmp_path, "durable", "recover", "--executor", "w1")
            assert handed.strip() == "handed 1 pending workflow(s) of w1 to the workers"
            deadline = time.monotonic() + _BOUND
            while True:
                shown = json.loads(_fastagent(tmp_path, "durable", "show", "ticket-5"))
                if shown["status"] == "SUCCESS":
                    break
                assert time.monotonic() < deadline, f"not recovered in time: {shown}"
                time.sleep(0.2)
        assert worker.returncode == 0
        assert shown["output"]["final"]["content"] == [{"type": "text", "text": "answer: closed 5"}]
        assert server.requests == 2  # the recorded first call was not made again
        assert len((tmp_path / "tool_runs").read_text().splitlines()) == 2


def _failing(folder: Path, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    return run.stderr


def test_no_database_and_unknown_workflow_are_one_clear_line(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        _write_config(tmp_path, server)
        assert "no durable database at" in _failing(tmp_path, "durable", "show", "nope")
        tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
        app = str(WORKER.with_name("batch_app.py"))
        _fastagent(tmp_path, "batch", app, "rows.jsonl", "-o", "out.jsonl")
        assert "no durable workflow 'nope'" in _failing(tmp_path, "durable", "steps", "nope")
        assert _fastagent(tmp_path, "durable", "list").count("\tSUCCESS\t") == 1


def test_ended_workflows_are_not_cancelled_or_resumed_and_status_is_checked(
    tmp_path: Path,
) -> None:
    with ScriptedOpenAI() as server:
        _write_config(tmp_path, server)
        tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
        app = str(WORKER.with_name("batch_app.py"))
        _fastagent(tmp_path, "batch", app, "rows.jsonl", "-o", "out.jsonl")
        listed = _fastagent(tmp_path, "durable", "list", "--status", "success")  # any case
        [row] = listed.splitlines()
        workflow = row.split("\t")[0]
        assert row.startswith("batch-") and "\tSUCCESS\t" in row
        for action in ("cancel", "resume"):  # DBOS leaves an ended workflow as it is
            err = _failing(tmp_path, "durable", action, workflow)
            assert f"cannot {action} durable workflow '{workflow}'" in err
            assert "already ended (SUCCESS)" in err
            assert f"hint: its answer is recorded: fastagent durable show {workflow}" in err
        assert "\tSUCCESS\t" in _fastagent(tmp_path, "durable", "list")
        err = _failing(tmp_path, "durable", "list", "--status", "DONE")
        assert "invalid choice: 'DONE'" in err and "PENDING" in err
        empty = subprocess.run(
            [sys.executable, "-m", "fastagent", "durable", "list", "--status", "PENDING"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=_BOUND,
        )
        assert empty.returncode == 0 and empty.stdout == ""
        assert "durable list: no workflows with status PENDING in " in empty.stderr


def test_bad_worker_and_queue_options_are_one_clear_line(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        _write_config(tmp_path, server)
        err = _failing(tmp_path, "worker", str(WORKER), "--concurrency", "0")
        assert "worker: --concurrency must be at least 1" in err
        tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
        app = str(WORKER.with_name("batch_app.py"))
        err = _failing(tmp_path, "batch", app, "rows.jsonl", "-o", "o.jsonl", "--queue", "_dbos_x")
        assert "durable queue '_dbos_x'" in err and "reserved" in err
        assert server.requests == 0


def test_a_worker_says_which_database_it_serves_and_that_it_stopped(tmp_path: Path) -> None:
    # No durable: section: the worker still runs, on the embedded default, and says so (a
    # worker started in another folder than the batch waits on another database).
    app = str(WORKER.with_name("batch_app.py"))
    worker = subprocess.Popen(
        [sys.executable, "-m", "fastagent", "worker", app],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert worker.stderr is not None
        lines = [worker.stderr.readline() for _ in range(3)]
    finally:
        worker.send_signal(signal.SIGTERM)
        _, rest = worker.communicate(timeout=_BOUND)
    assert lines[0].startswith("worker: executor local, version 1")
    database = tmp_path / ".fastagent" / "durable.sqlite"
    assert lines[1] == (
        f"worker: database sqlite:///{database} (no durable: section in the config: the default)\n"
    )
    assert "Ctrl-C to stop" in lines[2]
    assert worker.returncode == 0
    assert "worker: stopped; work in flight resumes when a worker starts again" in rest


def test_an_unreachable_postgres_is_one_line_without_dbos_tracebacks(tmp_path: Path) -> None:
    # Nothing listens on port 1: refused at once. The password never appears.
    url = "postgresql://fa:s3cret-pw@127.0.0.1:1/fastagent"
    tmp_path.joinpath("fastagent.yaml").write_text(f"durable:\n  database: {url}\n")
    tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
    app = str(WORKER.with_name("batch_app.py"))
    for args in (["durable", "list"], ["batch", app, "rows.jsonl", "-o", "out.jsonl"]):
        err = _failing(tmp_path, *args)
        lines = err.splitlines()
        assert len(lines) == 2, err
        assert lines[0].startswith(
            "error: durable database postgresql://***@127.0.0.1:1/fastagent could not be opened: "
        )
        assert lines[1] == (
            "hint: check durable.database (a SQLite path or a postgresql:// URL) and that the "
            "database server is running and reachable"
        )
        assert "s3cret-pw" not in err

"""``distributed`` parallel options when other worker processes run the branches (Postgres).

This process runs the turns but takes no queued work (``listen`` off), so every branch runs
in a ``fastagent worker`` process: a branch's typed error (message, hint, fields) comes back
through DBOS's serialisation as the same error the parallel agent raises in one process;
fail-fast cancels a branch blocked in a tool in the worker; a branch hanging forever times
out in bounded time; ``max_concurrency`` holds over two workers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from durable.branches_app import BRANCH_TIMEOUT, make_app
from durable.postgres_server import create_database, postgres_url
from durable.scripted_openai import ScriptedOpenAI
from durable.test_distributed_options import (
    _active,
    _appears,
    _clear,
    _most_at_once,
    _same_error,
    _starts,
    _workflows,
)
from fastagent.agents.agent_app import AgentApp
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings
from fastagent.config.settings import GenericSettings
from fastagent.exceptions import BadRequestError, WorkflowTimeoutError
from fastagent.runtime import RunOptions, Runtime

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("branches_app.py")
_BOUND = 60.0


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with postgres_url() as url:
        yield url


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # the branches' marker files, here and in the workers
    yield tmp_path


def _configure(folder: Path, server: ScriptedOpenAI, database: str) -> Settings:
    folder.joinpath("fastagent.yaml").write_text(
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        f"durable:\n  application_version: v1\n  database: {database}\n"
    )
    return Settings(
        generic=GenericSettings(base_url=server.base_url, api_key="test-key"),
        durable=DurableSettings(database=database, application_version="v1", executor_id="turns"),
    )


def _worker(folder: Path, executor: str) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "fastagent", "worker", str(APP)],
        cwd=folder,
        env={**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": executor},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert worker.stderr is not None
    line = worker.stderr.readline()
    assert line.startswith(f"worker: executor {executor}"), line + worker.stderr.read()[-2000:]
    return worker


def _stop(*workers: subprocess.Popen[str]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.communicate(timeout=_BOUND)


@asynccontextmanager
async def _turns(settings: Settings) -> AsyncIterator[AgentApp]:
    """The app in this process, launched without taking queued work."""
    async with Runtime.open(RunOptions(quiet=True), settings=settings) as runtime:
        assert runtime.durable is not None
        runtime.durable.listen = False
        yield await make_app(settings).build(runtime)


async def _executors(prefix: str) -> set[str]:
    from dbos import DBOS

    found = await DBOS.list_workflows_async(
        workflow_id_prefix=prefix, load_input=False, load_output=False
    )
    return {str(status.executor_id) for status in found}


async def test_errors_cancel_and_timeout_of_branches_run_by_another_worker(
    folder: Path, server_url: str
) -> None:
    database = create_database(server_url, "fa_branch_errors")
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        settings = _configure(folder, server, database)
        async with make_app(settings.model_copy(update={"durable": None})).run() as local_app:
            with pytest.raises(BadRequestError) as local_failure:
                await local_app.send("check 8", agent="fail_fast")
            (folder / "started-slow").touch()
            local_collect = await local_app.send("check 8", agent="collect")
            with pytest.raises(WorkflowTimeoutError) as local_timeout:
                await local_app.send("check 8", agent="timeout")
        _clear(folder, "started-slow", "cancelled-slow", "started-hang", "cancelled-hang")

        worker = _worker(folder, "w1")
        try:
            async with _turns(settings) as app:
                async with asyncio.timeout(_BOUND):
                    with pytest.raises(BadRequestError) as failure:
                        await app.send("check 8", agent="fail_fast", key="ff-1")
                _same_error(failure.value, local_failure.value)
                assert await _executors("ff-1/") == {"w1"}  # the branches ran in the worker
                await _appears(folder / "cancelled-slow")  # cancelled in the worker
                assert await _workflows("ff-1/") == {"ff-1/bad": "ERROR", "ff-1/slow": "CANCELLED"}
                assert await _active("ff-1") == []

                async with asyncio.timeout(_BOUND):
                    collected = await app.send("check 8", agent="collect", key="co-1")
                assert collected == local_collect
                assert "error: BadRequestError: " in collected

                loop = asyncio.get_running_loop()
                started = loop.time()
                async with asyncio.timeout(_BOUND):
                    with pytest.raises(WorkflowTimeoutError) as timeout:
                        await app.send("check 8", agent="timeout", key="to-1")
                assert loop.time() - started < 20 * BRANCH_TIMEOUT
                _same_error(timeout.value, local_timeout.value)
                await _appears(folder / "cancelled-hang")  # the worker's hanging call ended
                assert await _active("to-1") == []
                assert await _executors("to-1/") == {"w1"}
        finally:
            _stop(worker)


async def test_max_concurrency_holds_over_two_workers(folder: Path, server_url: str) -> None:
    database = create_database(server_url, "fa_branch_limit")
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}) as server:
        settings = _configure(folder, server, database)
        workers = [_worker(folder, "w1"), _worker(folder, "w2")]
        try:
            async with _turns(settings) as app:
                turn = asyncio.create_task(app.send("check 8", agent="limited", key="mc-1"))
                try:
                    async with asyncio.timeout(_BOUND):
                        while _starts(folder) < 2:
                            assert not turn.done(), turn
                            await asyncio.sleep(0.02)
                    assert sorted(await _workflows("mc-1/")) == ["mc-1/a", "mc-1/b"]
                    (folder / "go").touch()
                    async with asyncio.timeout(_BOUND):
                        reply = await turn
                finally:
                    turn.cancel()
                assert await _executors("mc-1/") <= {"w1", "w2"}
        finally:
            _stop(*workers)
        assert "answer: done d" in reply
        assert _starts(folder) == 4
        assert _most_at_once(folder) == 2


async def test_a_branch_cancelled_by_fail_fast_is_not_resurrected_by_recovery(
    folder: Path, server_url: str
) -> None:
    """The worker running both branches dies; restarted, it resumes them; one fails and the
    other is cancelled; neither a restart of that executor nor ``recover`` runs it again."""
    from fastagent.durable.admin import recover

    database = create_database(server_url, "fa_branch_recovery")
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        settings = _configure(folder, server, database)
        worker = _worker(folder, "w1")
        try:
            async with _turns(settings) as app:
                turn = asyncio.create_task(app.send("check 8", agent="fail_late", key="rc-1"))
                try:
                    await _appears(folder / "started-late")
                    await _appears(folder / "started-slow")
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.communicate(timeout=_BOUND)
                    assert await _workflows("rc-1/") == {
                        "rc-1/late": "PENDING",
                        "rc-1/slow": "PENDING",
                    }
                    (folder / "fail-now").touch()
                    worker = _worker(folder, "w1")  # the same executor: resumes both
                    async with asyncio.timeout(_BOUND):
                        with pytest.raises(BadRequestError):
                            await turn
                finally:
                    turn.cancel()
                await _appears(folder / "cancelled-slow")
                assert await _workflows("rc-1/") == {"rc-1/late": "ERROR", "rc-1/slow": "CANCELLED"}

                _stop(worker)
                assert recover(database, "w1") == []  # nothing of w1's is pending
                worker = _worker(folder, "w1")  # restarted again: recovers nothing
                async with asyncio.timeout(_BOUND):  # a turn through it: it has launched
                    reply = await app.send("check 8", agent="collect", key="rc-2")
                assert "echo: check 8" in reply
                assert await _workflows("rc-1/") == {"rc-1/late": "ERROR", "rc-1/slow": "CANCELLED"}
                assert await _active("rc-") == []
        finally:
            _stop(worker)
        # The cancelled branch's tool ran before the kill and once resumed, never again.
        assert (folder / "started-slow").read_text().splitlines() == ["rc-1/slow:2"] * 2

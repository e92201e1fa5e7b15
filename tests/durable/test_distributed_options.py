"""``distributed`` parallel workflows keep ``on_error``, ``branch_timeout`` and
``max_concurrency``: the same results and errors as the parallel agent in one process.

Every test runs the app of `branches_app` on DBOS with an embedded SQLite file, one process
running both the turn and its branches (this one; in the last test a subprocess, killed and
restarted). Each compares the distributed turn (sent with a key) with the same workflow run
in this process (sent without one) and checks the branches' workflows in the database:
nothing is left enqueued or running. The branches block on files and on cancellation, never
on sleeps; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from durable.branches_app import BRANCH_TIMEOUT, make_app
from durable.scripted_openai import ScriptedOpenAI
from fastagent.agents.workflows.parallel import ParallelAgent
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings
from fastagent.config.settings import GenericSettings
from fastagent.exceptions import BadRequestError, FastAgentError, WorkflowTimeoutError

pytest.importorskip("dbos", reason="the durable extra is not installed")

_BOUND = 60.0  # seconds any one wait of these tests may take (they take about 1-3 s)
_ACTIVE = ["ENQUEUED", "PENDING", "DELAYED"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # the branches' marker files
    yield tmp_path


def _settings(server: ScriptedOpenAI, folder: Path) -> Settings:
    return Settings(
        generic=GenericSettings(base_url=server.base_url, api_key="test-key"),
        durable=DurableSettings(database=str(folder / "durable.sqlite")),
    )


async def _workflows(prefix: str) -> dict[str, str]:
    from dbos import DBOS

    found = await DBOS.list_workflows_async(
        workflow_id_prefix=prefix, load_input=False, load_output=False
    )
    return {status.workflow_id: str(status.status) for status in found}


async def _active(prefix: str) -> list[str]:
    from dbos import DBOS

    found = await DBOS.list_workflows_async(
        workflow_id_prefix=prefix, status=_ACTIVE, load_input=False, load_output=False
    )
    return [status.workflow_id for status in found]


async def _appears(path: Path) -> None:
    async with asyncio.timeout(_BOUND):
        while not path.exists():
            await asyncio.sleep(0.02)


def _clear(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).unlink(missing_ok=True)


def _same_error(distributed: BaseException, local: BaseException) -> None:
    assert type(distributed) is type(local)
    assert isinstance(distributed, FastAgentError) and isinstance(local, FastAgentError)
    assert (distributed.message, distributed.hint) == (local.message, local.hint)
    assert str(distributed) == str(local) and "\nhint: " in str(distributed)


async def test_fail_fast_raises_the_branch_error_and_cancels_the_running_branch(
    folder: Path,
) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        async with make_app(_settings(server, folder)).run() as app:
            with pytest.raises(BadRequestError) as local:
                await app.send("check 8", agent="fail_fast")
            assert (folder / "cancelled-slow").exists()  # the task group cancelled it
            _clear(folder, "started-slow", "cancelled-slow")

            async with asyncio.timeout(_BOUND):
                with pytest.raises(BadRequestError) as distributed:
                    await app.send("check 8", agent="fail_fast", key="ff-1")
            _same_error(distributed.value, local.value)
            assert "refused: boom" in distributed.value.message
            # The running branch was cancelled: its tool call in flight too (DBOS polls
            # cancellations each second), and nothing of the turn is left to run.
            await _appears(folder / "cancelled-slow")
            assert await _workflows("ff-1") == {
                "ff-1": "ERROR",
                "ff-1/bad": "ERROR",
                "ff-1/slow": "CANCELLED",
            }
            assert await _active("ff-1") == []

            # Sent again, the recorded turn raises the same error without running anything.
            requests = server.requests
            with pytest.raises(BadRequestError) as again:
                await app.send("check 8", agent="fail_fast", key="ff-1")
            # The same error, its hint saying why the key keeps failing.
            assert again.value.message == local.value.message
            assert again.value.hint == (
                f"{local.value.hint} (the turn 'ff-1' is recorded as failed: sending this key "
                "again repeats this error; send with a new key to try again)"
            )
            assert server.requests == requests


async def test_collect_keeps_the_failed_branch_as_the_same_error_entry(folder: Path) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        (folder / "started-slow").touch()  # bad's tool does not wait
        async with make_app(_settings(server, folder)).run() as app:
            fan = app["collect"]
            assert isinstance(fan, ParallelAgent)
            local = await fan.run("check 8")
            reply = await app.send("check 8", agent="collect", key="co-1")
            assert reply == local.reply.text
            assert '<response agent="quick">\necho: check 8\n</response>' in reply
            assert (
                "error: BadRequestError: "
                f"{FastAgentError.message_of(local.branches[0].error or Exception())}" in reply
            )
            assert await _workflows("co-1/") == {"co-1/bad": "ERROR", "co-1/quick": "SUCCESS"}


async def test_a_branch_hanging_forever_times_out_like_in_one_process(folder: Path) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}) as server:
        async with make_app(_settings(server, folder)).run() as app:
            with pytest.raises(WorkflowTimeoutError) as local:
                await app.send("check 8", agent="timeout")
            _clear(folder, "started-hang", "cancelled-hang")

            loop = asyncio.get_running_loop()
            started = loop.time()
            async with asyncio.timeout(_BOUND):
                with pytest.raises(WorkflowTimeoutError) as distributed:
                    await app.send("check 8", agent="timeout", key="to-1")
            assert loop.time() - started < 20 * BRANCH_TIMEOUT  # generous, yet no hang
            _same_error(distributed.value, local.value)
            error = distributed.value
            assert (error.workflow, error.member, error.timeout) == ("timeout", "hang", 1.0)
            assert error.message == "parallel 'timeout': branch 'hang' gave no answer within 1 s"
            # DBOS cancelled the hanging branch at its deadline, its tool call in flight too.
            await _appears(folder / "cancelled-hang")
            assert await _workflows("to-1/") == {"to-1/hang": "CANCELLED", "to-1/quick": "SUCCESS"}
            assert await _active("to-1") == []


async def test_a_timed_out_branch_is_an_error_entry_in_collect_mode(folder: Path) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}) as server:
        async with make_app(_settings(server, folder)).run() as app:
            local = await app.send("check 8", agent="timeout_collect")
            async with asyncio.timeout(_BOUND):
                reply = await app.send("check 8", agent="timeout_collect", key="tc-1")
            assert reply == local
            assert (
                "error: WorkflowTimeoutError: parallel 'timeout_collect': branch 'hang' gave "
                "no answer within 1 s" in reply
            )
            assert await _workflows("tc-1/") == {"tc-1/hang": "CANCELLED", "tc-1/quick": "SUCCESS"}


async def test_max_concurrency_holds_for_distributed_branches(folder: Path) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}) as server:
        async with make_app(_settings(server, folder)).run() as app:
            turn = asyncio.create_task(app.send("check 8", agent="limited", key="mc-1"))
            try:
                async with asyncio.timeout(_BOUND):
                    while _starts(folder) < 2:
                        assert not turn.done(), turn
                        await asyncio.sleep(0.02)
                # Two branches hold their tool: the other two are not even on the queue.
                assert sorted(await _workflows("mc-1/")) == ["mc-1/a", "mc-1/b"]
                (folder / "go").touch()
                async with asyncio.timeout(_BOUND):
                    reply = await turn
            finally:
                turn.cancel()
        assert [f'<response agent="{n}">' in reply for n in "abcd"] == [True] * 4
        assert "answer: done d" in reply
        assert _starts(folder) == 4
        assert _most_at_once(folder) == 2


def _starts(folder: Path) -> int:
    log = folder / "log"
    return log.read_text().count("start ") if log.exists() else 0


def _most_at_once(folder: Path) -> int:
    running = most = 0
    for line in (folder / "log").read_text().splitlines():
        running += 1 if line.startswith("start ") else -1
        most = max(most, running)
    return most


async def test_a_queued_turn_fails_with_the_same_typed_error(folder: Path) -> None:
    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        (folder / "started-slow").touch()  # bad's tool does not wait
        async with make_app(_settings(server, folder)).run() as app:
            with pytest.raises(BadRequestError) as local:
                await app.send("check 8", agent="bad")
            async with asyncio.timeout(_BOUND):
                with pytest.raises(BadRequestError) as queued:
                    await app.send("check 8", agent="bad", key="q-1", queue="tickets")
            _same_error(queued.value, local.value)
            with pytest.raises(BadRequestError) as again:  # read back from the database
                await app.send("check 8", agent="bad", key="q-1", queue="tickets")
            _same_error(again.value, local.value)


def test_the_turns_process_dies_then_fail_fast_cancels_and_nothing_comes_back(
    tmp_path: Path,
) -> None:
    """Killed while both branches run (SQLite, one process for turn and branches);
    restarted, the turn resumes, one branch fails and the other is cancelled; run again,
    the recorded turn gives the same error and nothing runs."""
    app = Path(__file__).with_name("branches_app.py")

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(app), "fail_late", "rp-1", "check 8"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def statuses() -> dict[str, str]:
        with sqlite3.connect(tmp_path / ".fastagent" / "durable.sqlite") as db:
            rows = db.execute(
                "select workflow_uuid, status from workflow_status where workflow_uuid like 'rp-1%'"
            )
            return dict(rows.fetchall())

    with ScriptedOpenAI(tool="*", arguments={"ticket": "8"}, fail_on="boom") as server:
        tmp_path.joinpath("fastagent.yaml").write_text(
            f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
            "durable:\n  application_version: v1\n"
        )
        first = start()
        try:
            deadline = time.monotonic() + _BOUND
            while not (
                (tmp_path / "started-late").exists() and (tmp_path / "started-slow").exists()
            ):
                if first.poll() is not None:
                    pytest.fail(f"exited early: {first.communicate()[1][-2000:]}")
                assert time.monotonic() < deadline, "the branches did not start in time"
                time.sleep(0.02)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)
        assert statuses() == {"rp-1": "PENDING", "rp-1/late": "PENDING", "rp-1/slow": "PENDING"}

        (tmp_path / "fail-now").touch()
        second = start()
        out, err = second.communicate(timeout=_BOUND)
        assert second.returncode == 0, err[-3000:]
        assert out.startswith("ERROR BadRequestError: generic returned HTTP 400: refused: boom")
        assert "| hint: " in out
        assert statuses() == {"rp-1": "ERROR", "rp-1/late": "ERROR", "rp-1/slow": "CANCELLED"}
        requests = server.requests

        third = start()
        again, err = third.communicate(timeout=_BOUND)
        assert third.returncode == 0, err[-3000:]
        assert again == out
        assert server.requests == requests  # nothing ran again
        assert statuses() == {"rp-1": "ERROR", "rp-1/late": "ERROR", "rp-1/slow": "CANCELLED"}
    # The slow branch's tool ran before the kill and once resumed, never a third time.
    assert (tmp_path / "started-slow").read_text().splitlines() == ["rp-1/slow:2"] * 2

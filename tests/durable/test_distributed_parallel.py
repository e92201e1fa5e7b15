"""A ``distributed`` parallel workflow: branches are child workflows on a durable queue.

The process running the turn is killed (-9) once one branch has finished and the other is
blocked in its tool; restarted with the same executor id, it resumes: the finished branch's
model is not called again (requests counted per model at the test server).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from durable.postgres_server import create_database, postgres_url
from durable.scripted_openai import ScriptedOpenAI

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("parallel_app.py")
_BOUND = 120.0


def _config(folder: Path, server: ScriptedOpenAI, database: str | None) -> None:
    folder.joinpath("fastagent.yaml").write_text(
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        "durable:\n  application_version: v1\n" + (f"  database: {database}\n" if database else "")
    )


def _start(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(APP), "review-1", "close ticket 8"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _status(folder: Path, key: str) -> str | None:
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", "durable", "show", key],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    return json.loads(run.stdout)["status"] if run.returncode == 0 else None


def _models(server: ScriptedOpenAI) -> list[str]:
    return [str(body["model"]) for body in server.bodies]


def kill_after_one_branch(folder: Path, database: str | None = None) -> None:
    """Kill the turn's process with one branch done, restart it, check nothing is redone."""
    with ScriptedOpenAI(tool="hold", arguments={"ticket": "8"}, only_when_offered=True) as server:
        _config(folder, server, database)
        first = _start(folder)
        try:
            deadline = time.monotonic() + _BOUND
            while not (
                (folder / "holds").exists() and _status(folder, "review-1/quick") == "SUCCESS"
            ):
                if first.poll() is not None:
                    pytest.fail(f"exited early: {first.communicate()[1][-2000:]}")
                assert time.monotonic() < deadline, "the quick branch did not finish in time"
                time.sleep(0.1)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)
        assert sorted(_models(server)) == ["quick-model", "slow-model"]
        assert _status(folder, "review-1") == "PENDING"
        assert _status(folder, "review-1/slow") == "PENDING"

        (folder / "go").touch()
        second = _start(folder)
        out, err = second.communicate(timeout=_BOUND)
        assert second.returncode == 0, err[-3000:]
        assert out.strip() == (
            'ANSWER <response agent="quick"> | echo: close ticket 8 | </response> | '
            '<response agent="slow"> | answer: closed 8 | </response>'
        )
        models = _models(server)
        assert models.count("quick-model") == 1  # the finished branch was not run again
        assert models.count("slow-model") == 2  # its recorded tool call was not made again
        # The branch in flight ran its tool again, with the same idempotency key.
        assert (folder / "holds").read_text().splitlines() == ["review-1/slow:2"] * 2
        assert _status(folder, "review-1/quick") == "SUCCESS"


def test_a_finished_branch_is_not_redone_after_the_worker_dies(tmp_path: Path) -> None:
    kill_after_one_branch(tmp_path)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with postgres_url() as url:
        yield url


def test_a_finished_branch_is_not_redone_on_postgres(tmp_path: Path, server_url: str) -> None:
    kill_after_one_branch(tmp_path, create_database(server_url, "fa_parallel"))

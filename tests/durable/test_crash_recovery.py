"""kill -9 in the middle of a tool call, restart: recorded model calls are not made again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI

pytest.importorskip("dbos", reason="the durable extra is not installed")

WORKER = Path(__file__).with_name("worker_app.py")
_BOUND = 90.0  # generous: worker processes start slowly on a loaded machine


def _write_config(folder: Path, server: ScriptedOpenAI, database: str | None = None) -> None:
    folder.joinpath("fastagent.yaml").write_text(
        "default_model: generic.test-model\n"
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        "durable:\n  application_version: v1\n" + (f"  database: {database}\n" if database else "")
    )


def _start(folder: Path, key: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), key, "close ticket 42"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + _BOUND
    while not path.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"worker exited early ({process.returncode}): {out}\n{err[-2000:]}")
        assert time.monotonic() < deadline, f"{path.name} did not appear within {_BOUND}s"
        time.sleep(0.05)


def _lines(output: str, tag: str) -> str:
    tagged = [line.partition(" ")[2] for line in output.splitlines() if line.split(" ")[0] == tag]
    assert tagged, f"no {tag} line in {output!r}"
    return tagged[-1]


def test_kill_mid_tool_call_then_restart_resumes_without_repeating_model_calls(
    tmp_path: Path,
) -> None:
    kill_and_resume(tmp_path)


def kill_and_resume(tmp_path: Path, database: str | None = None) -> None:
    """Kill a worker in its tool call, restart it, check what was (not) done again."""
    with ScriptedOpenAI(tool="wait_for_go", arguments={"ticket": "42"}) as server:
        _write_config(tmp_path, server, database)
        first = _start(tmp_path, "ticket-42")
        try:
            _wait_for(tmp_path / "tool_runs", first)  # the tool is in flight now
            assert server.requests == 1
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)
        assert first.returncode == -signal.SIGKILL

        (tmp_path / "go").touch()
        second = _start(tmp_path, "ticket-42")
        out, err = second.communicate(timeout=_BOUND)
        assert second.returncode == 0, err[-3000:]

        assert _lines(out, "ANSWER") == "answer: closed 42"
        # The first model call (the tool call) was recorded: only the final one is new.
        assert server.requests == 2
        assert _lines(out, "REQUESTS") == "1"
        assert _lines(out, "AGENT_REQUESTS") == "1"  # the replayed call is not priced again
        assert "model:1" in _lines(out, "REPLAYED").split(",")
        # The progress lines say the first model call was read back, not made again.
        assert "[worker] model test-model replayed from its record (ticket-42 step 1)" in err
        # Re-attaching to the recovered workflow is by design: DBOS's warning is not shown.
        assert "Workflow already exists" not in err and "WARNING" not in err, err
        # The tool in flight ran again, with the same idempotency key both times.
        runs = (tmp_path / "tool_runs").read_text().splitlines()
        assert runs == ["ticket-42:2", "ticket-42:2"]
        # The restarted request carried the tool's result back to the model.
        assert server.bodies[-1]["messages"][-1]["role"] == "tool"


def test_resending_a_finished_key_returns_the_recorded_answer(tmp_path: Path) -> None:
    with ScriptedOpenAI(tool="wait_for_go", arguments={"ticket": "7"}) as server:
        _write_config(tmp_path, server)
        (tmp_path / "go").touch()
        outputs = []
        for _ in range(2):
            run = _start(tmp_path, "ticket-7")
            out, err = run.communicate(timeout=_BOUND)
            assert run.returncode == 0, err[-3000:]
            outputs.append(out)
        assert [_lines(o, "ANSWER") for o in outputs] == ["answer: closed 7"] * 2
        assert server.requests == 2  # both from the first run
        assert (tmp_path / "tool_runs").read_text().splitlines() == ["ticket-7:2"]

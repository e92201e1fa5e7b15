"""SIGTERM / SIGHUP during a tool call: the run cancels, stops its servers, exits 128+N.

Real processes only: ``fastagent go``, ``fastagent run SCRIPT`` and ``python SCRIPT`` run in
a subprocess with a real stdio MCP server whose tool blocks on a FIFO. The signal goes to the
fastagent process alone; afterwards no process of the run may be alive, checked by PID and
start time (so a recycled PID is not mistaken for a survivor).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SERVER = Path(__file__).parent / "servers" / "blocking_server.py"

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from fastagent import FastAgent

    fast = FastAgent("signals")

    @fast.agent("main", "Call the tool.", servers=["blocker"])
    async def main() -> None:
        async with fast.run() as app:
            print("reply:", await app.send("***CALL_TOOL blocker__block {}"))
        print("after the run")  # never reached: the signal ends the program

    asyncio.run(main())
    """
)

LAUNCHERS = {
    "go": [
        "-m",
        "fastagent",
        "go",
        "--servers",
        "blocker",
        "--message",
        "***CALL_TOOL blocker__block {}",
    ],
    "run": ["-m", "fastagent", "run", "agent.py"],
    "script": ["agent.py"],
}


def start_time(pid: int) -> int | None:
    """The start time of `pid` in clock ticks since boot (None when it does not exist)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(f"the run ended before the tool call ({process.returncode}): {err}")
        if time.monotonic() > deadline:
            process.kill()
            _out, err = process.communicate()
            pytest.fail(f"the tool call did not start within {timeout}s: {err}")
        time.sleep(0.05)
    return path.read_text()


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"]
)
def test_signal_during_a_tool_call_stops_everything(
    tmp_path: Path, launcher: str, signum: int, code: int
) -> None:
    project = tmp_path / "project"
    state = tmp_path / "state"
    (project / ".git").mkdir(parents=True)
    state.mkdir()
    (project / "fastagent.yaml").write_text(
        "default_model: passthrough\n"
        "mcp:\n  servers:\n    blocker:\n"
        f"      command: {sys.executable}\n"
        f"      args: [{str(SERVER)!r}, {str(state)!r}]\n"
    )
    (project / "agent.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAGENT_")}
    env["HOME"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, *LAUNCHERS[launcher]],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server_pid, helper_pid = map(int, wait_for(state / "started", process, 60).split())
        run = {pid: start_time(pid) for pid in (process.pid, server_pid, helper_pid)}
        assert None not in run.values()
        sent = time.monotonic()
        os.kill(process.pid, signum)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert time.monotonic() - sent < 30
    assert process.returncode == code, err
    assert "after the run" not in out and "reply:" not in out
    assert "Traceback" not in err
    deadline = time.monotonic() + 5
    while (alive := [p for p, t in run.items() if start_time(p) == t]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not alive, f"processes of the run survived the signal: {alive}"

"""``fastagent serve`` starts each MCP server once, with the client callbacks, for every session.

Callbacks are seen from the server: the capabilities the client declared (sampling, roots,
elicitation), the roots it lists, and its log messages coming out on serve's stderr.

Regression test for a served app that started its servers twice (an orphaned registry
without callbacks, then one more process per client session).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

from mcp import Client
from process_helpers import descendants, describe, is_alive

from .conftest import PID_SERVER
from .test_cli_serve import reply, start_serve, wait_ready

CALL_CLIENT = "***CALL_TOOL pid__client {}"


def pid_servers(parent: int) -> set[int]:
    """The live pid_server.py processes under `parent`."""
    found = set()
    for pid in descendants(parent):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if PID_SERVER.name.encode() in cmdline:
            found.add(pid)
    return found


def write_project(project: Path) -> str:
    root = (project / "work").as_uri()
    (project / "work").mkdir()
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    pid:\n"
        f"      command: {json.dumps(sys.executable)}\n"
        f"      args: [{json.dumps(str(PID_SERVER))}]\n"
        f"      roots: [{{uri: {json.dumps(root)}, name: work}}]\n"
        "agents:\n  helper:\n    instruction: You help.\n    model: passthrough\n"
        "    servers: [pid]\n"
    )
    return root


async def test_every_http_session_uses_the_one_server_process_with_callbacks(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    root = write_project(project)
    proc = start_serve(project, "--transport", "http", "--port", "0")
    processes.append(proc)
    url = wait_ready(proc).split(" on ")[1]
    started = pid_servers(proc.pid)
    assert len(started) == 1, describe(started)

    async def session() -> dict[str, object]:
        async with Client(url) as client:
            seen: dict[str, object] = json.loads(await reply(client, "helper", CALL_CLIENT))
            assert await reply(client, "helper", "***CALL_TOOL pid__ping {}") == "pong"
            return seen

    seen = [await session(), await session(), *await asyncio.gather(session(), session())]
    assert pid_servers(proc.pid) == started, describe(pid_servers(proc.pid))
    assert {s["pid"] for s in seen} == started
    for answer in seen:
        assert {"sampling", "roots", "elicitation"} <= set(answer["capabilities"])  # type: ignore[arg-type]
        assert answer["roots"] == [root]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert [pid for pid in started if is_alive(pid)] == []
    assert proc.stderr is not None
    (pid,) = started
    forwarded = f"pid server {pid} was asked for its client"  # the server's log, via our client
    assert proc.stderr.read().count(forwarded) == len(seen)

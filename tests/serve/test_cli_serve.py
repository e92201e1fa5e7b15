"""``fastagent serve`` in a subprocess, driven by the official MCP SDK client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp.client.stdio import StdioServerParameters, stdio_client

from mcp import Client
from process_helpers import descendants, is_alive

from .conftest import EXAMPLE, PID_SERVER, fastagent, serve_env

HISTORY = "fastagent://history/"


@contextlib.asynccontextmanager
async def stdio_session(cwd: Path, *args: str) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "fastagent", "serve", *args],
        cwd=str(cwd),
        env=serve_env(cwd),
    )
    with (cwd / "serve-stderr.log").open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client


async def history(client: Client, agent: str) -> list[str]:
    result = await client.read_resource(HISTORY + agent)
    document = json.loads(result.contents[0].text)  # type: ignore[union-attr]
    return [m["content"][0]["text"] for m in document["messages"] if m["role"] == "user"]


async def reply(client: Client, agent: str, message: str) -> str:
    result = await client.call_tool(agent, {"message": message})
    assert result.is_error is False, result
    return str(result.content[0].text)  # type: ignore[union-attr]


async def test_stdio_serves_each_agent_as_a_tool_with_history_per_session(project: Path) -> None:
    async with stdio_session(project, str(EXAMPLE)) as client:
        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == ["echo", "counter"]
        assert tools[0].description == "Repeats your message back."
        assert await reply(client, "echo", "first") == "first"
        assert await reply(client, "echo", "second") == "second"
        counted = '***CALL_TOOL word_count {"text": "one two three"}'
        assert await reply(client, "counter", counted) == "3"
        assert await history(client, "echo") == ["first", "second"]
    async with stdio_session(project, str(EXAMPLE)) as client:
        assert await reply(client, "echo", "new session") == "new session"
        assert await history(client, "echo") == ["new session"]
        assert await history(client, "counter") == []


async def test_agent_filter_serves_only_the_named_agents(project: Path) -> None:
    async with stdio_session(project, str(EXAMPLE), "--agent", "counter") as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["counter"]


async def test_without_script_serves_the_config_agents(project: Path) -> None:
    (project / "fastagent.yaml").write_text(
        "agents:\n  helper:\n    instruction: You help.\n    model: passthrough\n"
    )
    async with stdio_session(project) as client:
        tools = (await client.list_tools()).tools
        assert [(t.name, t.description) for t in tools] == [("helper", "You help.")]
        assert await reply(client, "helper", "hi") == "hi"


def write_mcp_config(project: Path) -> None:
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    pid:\n"
        f"      command: {json.dumps(sys.executable)}\n"
        f"      args: [{json.dumps(str(PID_SERVER))}]\n"
    )


def start_serve(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fastagent", "serve", *args],
        cwd=project,
        env=serve_env(project),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("serving "), line + proc.stderr.read()
    return line.strip()


@pytest.mark.parametrize("stop", ["eof", "sigterm", "sigint"])
def test_stops_cleanly_and_closes_the_mcp_servers(
    project: Path, processes: list[subprocess.Popen[str]], stop: str
) -> None:
    write_mcp_config(project)
    proc = start_serve(project, str(EXAMPLE))
    processes.append(proc)
    assert wait_ready(proc) == "serving echo, counter over stdio"
    children = descendants(proc.pid)
    assert children, "the configured MCP server should be running"
    assert proc.stdin is not None
    if stop == "eof":
        proc.stdin.close()
    else:
        proc.send_signal(signal.SIGTERM if stop == "sigterm" else signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert [pid for pid in children if is_alive(pid)] == []


async def test_http_sessions_have_their_own_history(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    proc = start_serve(project, str(EXAMPLE), "--transport", "http", "--port", "0")
    processes.append(proc)
    ready = wait_ready(proc)
    prefix = "serving echo, counter on http://127.0.0.1:"
    assert ready.startswith(prefix) and ready.endswith("/mcp"), ready
    url = ready.split(" on ")[1]

    async def conversation(tag: str) -> list[str]:
        async with Client(url) as client:
            assert [t.name for t in (await client.list_tools()).tools] == ["echo", "counter"]
            for turn in range(3):
                assert await reply(client, "echo", f"{tag}{turn}") == f"{tag}{turn}"
            return await history(client, "echo")

    first, second = await asyncio.gather(conversation("a"), conversation("b"))
    assert first == ["a0", "a1", "a2"]
    assert second == ["b0", "b1", "b2"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_http_port_in_use_is_an_error(project: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = fastagent(
            "serve", str(EXAMPLE), "--transport", "http", "--port", str(port), cwd=project
        )
    assert result.returncode == 1
    assert result.stderr.startswith("error: "), result.stderr


def test_unknown_agent_is_an_error(project: Path) -> None:
    result = fastagent("serve", str(EXAMPLE), "--agent", "nope", cwd=project)
    assert result.returncode == 1
    assert "error: unknown agent(s) 'nope' (agents: echo, counter)" in result.stderr
    assert "hint: pass --agent with one of the names listed" in result.stderr
    assert "Traceback" not in result.stderr
    typo = fastagent("serve", str(EXAMPLE), "--agent", "ech", cwd=project)
    assert typo.returncode == 1
    assert "hint: did you mean 'echo'? pass --agent with one of the names" in typo.stderr


def test_script_without_an_app_is_an_error(project: Path) -> None:
    (project / "plain.py").write_text("x = 1\n")
    result = fastagent("serve", "plain.py", cwd=project)
    assert result.returncode == 1
    assert "error: fastagent serve: plain.py defines no FastAgent app" in result.stderr
    assert "hint: create one at module level" in result.stderr


UNGUARDED_SCRIPT = """\
import asyncio
from pathlib import Path
from fastagent import FastAgent

fast = FastAgent("hello", parse_cli_args=False)

@fast.agent(instruction="You are a friendly assistant.")
async def main() -> None:
    Path("main-ran").write_text("the script's main code ran at import")

asyncio.run(main())
"""


def test_script_running_its_main_code_at_import_is_refused_before_it_runs(
    project: Path,
) -> None:
    # README's first sample ends with a bare asyncio.run(main()): serving it must not send
    # its message (a paid model call) before serving, and must say what to change.
    (project / "hello.py").write_text(UNGUARDED_SCRIPT)
    result = fastagent("serve", "hello.py", cwd=project)
    assert result.returncode == 1
    assert not (project / "main-ran").exists()
    assert (
        "error: fastagent serve: hello.py runs its main code when imported "
        "(asyncio.run(...) at module level)"
    ) in result.stderr
    assert 'hint: put the script\'s run code under `if __name__ == "__main__":`' in result.stderr
    assert "Traceback" not in result.stderr and "never awaited" not in result.stderr


def test_missing_script_is_an_error(project: Path) -> None:
    result = fastagent("serve", "missing.py", cwd=project)
    assert result.returncode == 1
    assert "missing.py does not exist" in result.stderr


def test_config_without_agents_is_an_error(project: Path) -> None:
    result = fastagent("serve", cwd=project)
    assert result.returncode == 1
    assert "error: the app has no agents to serve" in result.stderr


NOISY_SCRIPT = """\
from fastagent import FastAgent

print("hello from import")
fast = FastAgent("noisy")


@fast.tool
def noisy() -> str:
    \"\"\"Print, then answer.\"\"\"
    print("hello from a tool")
    return "quiet answer"


fast.agent("talker", "Talk.", tools=[noisy], model="passthrough")
"""


def test_user_prints_go_to_stderr_while_serving_over_stdio(
    project: Path, processes: list[subprocess.Popen[str]]
) -> None:
    (project / "noisy.py").write_text(NOISY_SCRIPT, encoding="utf-8")
    proc = start_serve(project, "noisy.py")
    processes.append(proc)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    # The import-time print reaches stderr before the ready line.
    assert proc.stderr.readline() == "hello from import\n"
    assert proc.stderr.readline().startswith("serving talker over stdio")
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "talker", "arguments": {"message": "***CALL_TOOL noisy {}"}},
        },
    ]
    for request in requests:
        proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.flush()
    answers = []
    while not answers or answers[-1].get("id") != 2:
        line = proc.stdout.readline()
        assert line, "the server closed stdout early"
        answers.append(json.loads(line))  # every stdout line is JSON-RPC
    assert answers[0]["id"] == 1 and "result" in answers[0]
    assert answers[-1]["result"]["content"][0]["text"] == "quiet answer"
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    rest = proc.stdout.read()
    assert all(json.loads(line) for line in rest.splitlines() if line.strip())
    assert "hello from a tool" in proc.stderr.read()

"""Apps and ``fastagent go`` with real MCP servers, in real processes; no server outlives them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from file_modules import load_module

helpers = load_module(
    "fastagent_tests_conftest_mcp",
    Path(__file__).resolve().parents[1] / "agents" / "conftest_mcp.py",
)
no_orphans = helpers.no_orphans
everything_http = helpers.everything_http
pytestmark = pytest.mark.usefixtures("no_orphans")

EXAMPLES = helpers.ROOT / "examples"
ECHO = '***CALL_TOOL everything__echo {"message": "hi"}'

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from fastagent import FastAgent

    fast = FastAgent("held")
    fast.agent("a", servers=["everything"])
    fast.agent("b", servers=["everything"])

    async def main() -> None:
        async with fast.run() as app:
            print(await app.a.send(sys.argv[1]), flush=True)
            print("ready", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if line.strip() == "raise":
                raise RuntimeError("body failed")

    asyncio.run(main())
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / ".git").mkdir()  # stops the config search here
    config = {"logger": {"type": "none"}, "mcp": {"servers": {}}}
    config["mcp"]["servers"] = {
        "everything": helpers.EVERYTHING_SERVER,
        "time": helpers.TIME_SERVER_SETTINGS,
    }
    (directory / "fastagent.yaml").write_text(json.dumps(config))
    (directory / "agent.py").write_text(SCRIPT)
    return directory


@pytest.fixture
def held_app(project: Path) -> Iterator[tuple[subprocess.Popen[str], set[int]]]:
    """agent.py started and holding its servers: the process and its server processes."""
    process = subprocess.Popen(
        [sys.executable, "agent.py", ECHO],
        cwd=project,
        env=helpers.clean_env(project),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "Echo: hi\n"
        assert process.stdout.readline() == "ready\n"
        servers = helpers.descendants(process.pid)
        yield process, servers
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def test_one_server_process_for_two_agents(
    held_app: tuple[subprocess.Popen[str], set[int]],
) -> None:
    process, servers = held_app
    node = [pid for pid in servers if "mcp-server-everything" in _cmdline(pid)]
    assert len(node) == 1, {pid: _cmdline(pid) for pid in servers}
    _, err = process.communicate("done\n", timeout=30)
    assert process.returncode == 0, err
    assert not [pid for pid in servers if helpers.is_alive(pid)]


def test_exception_in_the_body_stops_the_servers(
    held_app: tuple[subprocess.Popen[str], set[int]],
) -> None:
    process, servers = held_app
    assert servers
    _, err = process.communicate("raise\n", timeout=30)
    assert process.returncode == 1
    assert "RuntimeError: body failed" in err
    assert not [pid for pid in servers if helpers.is_alive(pid)]


def test_ctrl_c_stops_the_servers(held_app: tuple[subprocess.Popen[str], set[int]]) -> None:
    process, servers = held_app
    assert servers
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    # As the CLI: "interrupted", no traceback; Python then ends by SIGINT (130 in a shell).
    assert process.returncode == -signal.SIGINT
    assert err.endswith("interrupted\n") and "Traceback" not in err
    assert not [pid for pid in servers if helpers.is_alive(pid)]


def test_mcp_chain_example_runs_offline(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "mcp_chain.py", "--message", ECHO],
        cwd=EXAMPLES,
        env=helpers.clean_env(tmp_path),  # HOME: npx keeps its cache out of the repository
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "Echo: hi\n"), result.stderr


def test_go_url_talks_to_an_http_server(everything_http: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    name = everything_http.split("//", 1)[1].split("/", 1)[0].replace(".", "_").replace(":", "_")
    call = f'***CALL_TOOL {name}__echo {{"message": "over http"}}'
    result = _go(tmp_path, "--url", everything_http, "-m", call)
    assert (result.returncode, result.stdout) == (0, "Echo: over http\n"), result.stderr


def test_go_servers_uses_a_configured_server(project: Path) -> None:
    call = '***CALL_TOOL time__get_current_time {"timezone": "UTC"}'
    result = _go(project, "--servers", "time", "-m", call)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["timezone"] == "UTC"


def test_go_rejects_server_flags_for_a_config_agent(project: Path) -> None:
    config = json.loads((project / "fastagent.yaml").read_text())
    config["agents"] = {"helper": {"instruction": "Help."}}
    (project / "fastagent.yaml").write_text(json.dumps(config))
    result = _go(project, "--agent", "helper", "--url", "http://127.0.0.1:9/mcp", "-m", "x")
    assert result.returncode != 0
    assert "--url" in result.stderr and "agents.helper" in result.stderr


def _go(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastagent", "go", "--quiet", *args],
        cwd=cwd,
        env=helpers.clean_env(cwd),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""

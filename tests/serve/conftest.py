"""Helpers for the serve tests: the real CLI in a subprocess, its process tree, a project,
and the server `fastagent serve` builds, in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mcp.server import Server

    from fastagent import FastAgent
    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.base import BaseAgent
    from fastagent.serve.human_input import PendingTurns

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "serve_agents.py"
PID_SERVER = Path(__file__).parent / "servers" / "pid_server.py"


def serve_env(home: Path) -> dict[str, str]:
    """The host environment without API keys or FASTAGENT_* settings."""
    hidden = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GENERIC_API_KEY")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in hidden and not k.upper().startswith("FASTAGENT_")
    }
    env.update(HOME=str(home), NO_COLOR="1", COLUMNS="200")
    return env


def fastagent(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m fastagent ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=cwd,
        env=serve_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Popen objects to kill (and reap) if a test leaves them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def stdio_server(
    fast: FastAgent, app: AgentApp, *, pending: PendingTurns | None = None
) -> Server[Any]:
    """The MCP server ``fastagent serve`` builds for running `app` over stdio (one session).

    Each session gets fresh agents built by `fast`; connect to it with ``Client(server)``.
    """
    from fastagent.serve.server import build_server, served_agents, stdio_session_key
    from fastagent.serve.sessions import SessionStore

    async def fresh() -> Mapping[str, BaseAgent]:
        return (await fast._build(app.context)).agents

    return build_server(
        fast.name,
        served_agents(app.agents),
        SessionStore(fresh),
        session_key=stdio_session_key,
        pending=pending,
    )

"""Every hint is true for where the value came from: each test follows the hint it gets.

A user runs the CLI, reads the ``hint:`` line, does what it says, and the command works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from process_helpers import free_port

from ..agents.conftest_mcp import serve_everything_http
from .conftest import CliRunner

ROOT = Path(__file__).resolve().parents[2]
UNITS_SERVER = ROOT / "examples" / "units_server.py"


def _hint(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("hint: ")]
    assert len(lines) == 1, stderr
    return lines[0].removeprefix("hint: ")


class _ChatCompletions(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint answering every chat request with 'pong'."""

    seen_keys: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        request = json.loads(self.rfile.read(length))
        type(self).seen_keys.append(self.headers.get("authorization", ""))
        body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": request["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "pong"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def openai_compatible() -> Iterator[str]:
    """A local OpenAI-compatible server; yields its base URL (``http://127.0.0.1:P/v1``)."""
    _ChatCompletions.seen_keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_missing_preset_key_hint_names_the_providers_key(
    run_cli: CliRunner, project: Path, openai_compatible: str
) -> None:
    failed = run_cli("go", "--model", "openrouter.some-model", "-m", "ping")
    assert failed.returncode == 1
    hint = _hint(failed.stderr)
    assert hint == (
        "set OPENROUTER_API_KEY, or providers.openrouter.api_key in fastagent.secrets.yaml"
    )
    # Follow it (and point the preset at the local server instead of openrouter.ai).
    (project / "fastagent.secrets.yaml").write_text(
        "providers:\n  openrouter:\n    api_key: sk-or-test-123\n", encoding="utf-8"
    )
    (project / "fastagent.yaml").write_text(
        f"providers:\n  openrouter:\n    base_url: {openai_compatible}\n", encoding="utf-8"
    )
    followed = run_cli("go", "--model", "openrouter.some-model", "-q", "-m", "ping")
    assert (followed.returncode, followed.stdout) == (0, "pong\n"), followed.stderr
    assert _ChatCompletions.seen_keys == ["Bearer sk-or-test-123"]


def test_unreachable_preset_hint_names_the_providers_base_url(
    run_cli: CliRunner, project: Path, openai_compatible: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"
    (project / "fastagent.yaml").write_text(
        f"providers:\n  ollama:\n    base_url: {closed}\n    max_retries: 0\n", encoding="utf-8"
    )
    failed = run_cli("go", "--model", "ollama.llama3.2", "-m", "ping")
    assert failed.returncode == 1, failed.stderr
    assert _hint(failed.stderr) == "check the network and providers.ollama.base_url"
    (project / "fastagent.yaml").write_text(
        f"providers:\n  ollama:\n    base_url: {openai_compatible}\n", encoding="utf-8"
    )
    followed = run_cli("go", "--model", "ollama.llama3.2", "-q", "-m", "ping")
    assert (followed.returncode, followed.stdout) == (0, "pong\n"), followed.stderr


class _NoChoices(BaseHTTPRequestHandler):
    """A proxy that answers 200 with a JSON body that is not a chat completion."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        body = b'{"id": "x", "object": "chat.completion", "choices": []}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_not_a_completion_hint_names_the_presets_base_url(
    run_cli: CliRunner, project: Path, openai_compatible: str
) -> None:
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _NoChoices)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        (project / "fastagent.yaml").write_text(
            f"providers:\n  ollama:\n    base_url: http://127.0.0.1:{proxy.server_address[1]}/v1"
            "\n    max_retries: 0\n",
            encoding="utf-8",
        )
        failed = run_cli("go", "--model", "ollama.llama3.2", "-m", "ping")
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(10)
    assert failed.returncode == 1, failed.stderr
    assert "answered without a completion" in failed.stderr
    hint = _hint(failed.stderr)
    assert "providers.ollama.base_url points at the model API" in hint, hint
    # Follow it: point providers.ollama.base_url at the model API.
    (project / "fastagent.yaml").write_text(
        f"providers:\n  ollama:\n    base_url: {openai_compatible}\n", encoding="utf-8"
    )
    followed = run_cli("go", "--model", "ollama.llama3.2", "-q", "-m", "ping")
    assert (followed.returncode, followed.stdout) == (0, "pong\n"), followed.stderr


def test_uvx_server_hint_names_the_flag(run_cli: CliRunner, tmp_path: Path) -> None:
    no_uvx = tmp_path / "bin-without-uvx"
    no_uvx.mkdir()
    path = f"{no_uvx}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    call = '***CALL_TOOL units-server__km_to_miles {"km": 10}'
    args = ("go", "--model", "passthrough", "--uvx", "units-server", "-q", "-m", call)
    failed = run_cli(*args, PATH=path)
    assert failed.returncode == 1
    assert _hint(failed.stderr) == (
        "install uv, which provides uvx (pip install uv); the server comes from --uvx units-server"
    )
    assert "mcp.servers" not in failed.stderr
    # "Install uv": a uvx on PATH that runs the package (here: the example server).
    uvx = no_uvx / "uvx"
    uvx.write_text(f"#!/bin/sh\nshift\nexec '{sys.executable}' '{UNITS_SERVER}' \"$@\"\n")
    uvx.chmod(0o755)
    followed = run_cli(*args, PATH=path)
    assert (followed.returncode, followed.stdout) == (0, "6.21\n"), followed.stderr


def test_url_server_hint_names_the_flag(run_cli: CliRunner) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    call = f'***CALL_TOOL 127_0_0_1_{port}__echo {{"message": "hi"}}'
    args = ("go", "--model", "passthrough", "--url", url, "-q", "-m", call)
    failed = run_cli(*args)
    assert failed.returncode == 1
    assert _hint(failed.stderr) == f"check --url {url} and that the server is running"
    with serve_everything_http(port):
        followed = run_cli(*args)
    assert followed.returncode == 0, followed.stderr
    assert "Echo: hi" in followed.stdout


def test_unknown_servers_name_gets_did_you_mean(run_cli: CliRunner, project: Path) -> None:
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n      command: {sys.executable}\n"
        f"      args: ['{UNITS_SERVER}']\n",
        encoding="utf-8",
    )
    call = '***CALL_TOOL units__km_to_miles {"km": 10}'
    failed = run_cli("go", "--model", "passthrough", "--servers", "unit", "-m", call)
    assert failed.returncode == 1
    assert failed.stderr.startswith(
        "error: --servers: unknown MCP server 'unit' (configured: units)"
    )
    hint = _hint(failed.stderr)
    assert hint.startswith("did you mean 'units'? --servers names servers declared under ")
    assert str(project / "fastagent.yaml") in hint
    followed = run_cli("go", "--model", "passthrough", "--servers", "units", "-q", "-m", call)
    assert (followed.returncode, followed.stdout) == (0, "6.21\n"), followed.stderr


def test_serve_missing_script_hint(run_cli: CliRunner, project: Path) -> None:
    failed = run_cli("serve", "nothere.py")
    assert failed.returncode == 1
    hint = _hint(failed.stderr)
    assert "scenario" not in hint
    assert hint == (
        f"give the path of a FastAgent script (relative to {project}), or run fastagent serve "
        "without one to serve the agents of fastagent.yaml"
    )
    # Follow it: a script at that path is served (stdio; end of input stops the server).
    (project / "nothere.py").write_text(
        "from fastagent import FastAgent\nfast = FastAgent('x')\n"
        "fast.agent('echo', 'Echo.', model='passthrough')\n",
        encoding="utf-8",
    )
    followed = run_cli("serve", "nothere.py")
    assert followed.returncode == 0, followed.stderr


def test_unknown_server_of_a_script_agent_hint_says_declare_it(
    project: Path, tmp_path: Path
) -> None:
    from .conftest import clean_env

    (project / "agent.py").write_text(
        "import asyncio\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('s')\n"
        "@fast.agent(instruction='x', servers=['units'])\n"
        "async def main() -> None:\n"
        "    async with fast.run() as app:\n"
        "        print(await app.send('***CALL_TOOL units__km_to_miles {\"km\": 5}'))\n"
        "asyncio.run(main())\n",
        encoding="utf-8",
    )

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "agent.py", "-q"],
            cwd=project,
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    failed = run()
    assert failed.returncode == 1
    assert "agent 'default' uses unknown MCP server 'units'" in failed.stderr
    assert _hint(failed.stderr) == (
        "declare each unknown MCP server under mcp.servers in fastagent.yaml, or fix the "
        "agent's servers"
    )
    # Follow it: declare the server.
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n      command: {sys.executable}\n"
        f"      args: ['{UNITS_SERVER}']\n",
        encoding="utf-8",
    )
    followed = run()
    assert (followed.returncode, followed.stdout) == (0, "3.11\n"), followed.stderr


def test_unknown_model_names_where_it_was_set(run_cli: CliRunner, project: Path) -> None:
    """From FASTAGENT_DEFAULT_MODEL, or agents.NAME.model of fastagent.yaml: say so."""
    from_env = run_cli("go", "-m", "hi", "-q", FASTAGENT_DEFAULT_MODEL="sonet")
    assert from_env.returncode == 1
    assert from_env.stderr.splitlines()[0] == (
        "error: environment variable FASTAGENT_DEFAULT_MODEL: unknown model 'sonet'"
    )
    assert _hint(from_env.stderr).startswith("did you mean sonnet")
    fixed_env = run_cli("go", "-m", "hi", "-q", FASTAGENT_DEFAULT_MODEL="passthrough")
    assert (fixed_env.returncode, fixed_env.stdout) == (0, "hi\n"), fixed_env.stderr

    config = project / "fastagent.yaml"
    config.write_text("agents:\n  w:\n    instruction: x\n    model: sonet\n", encoding="utf-8")
    from_file = run_cli("go", "-m", "hi", "-q")
    assert from_file.returncode == 1
    assert from_file.stderr.splitlines()[0] == (
        f"error: {config}: line 4: agents.w.model: unknown model 'sonet'"
    )
    config.write_text("agents:\n  w:\n    instruction: x\n    model: passthrough\n")
    fixed_file = run_cli("go", "-m", "hi", "-q")
    assert (fixed_file.returncode, fixed_file.stdout) == (0, "hi\n"), fixed_file.stderr

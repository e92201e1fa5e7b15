"""No secret in any output: real CLI runs against a real local HTTP server.

The provider echoes the rejected API key in its 401 body (as real providers do), the
provider's base_url and an MCP url carry a password and a secret query parameter. Neither
``-v`` tracebacks (with their whole cause chain), one-line errors, the JSONL log, nor
``fastagent config show`` may contain any of them.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from process_helpers import free_port, run_offline
from providers.hostile_http import ScriptedServer, serve

# Shaped like no known credential, so only the registry of run-time secrets can hide it.
API_KEY = "gsk_live_Zx9Qw7Er5Ty3Ui1Op0"
URL_PASSWORD = "hunter2pw-7731"
QUERY_SECRET = "qsecret-5512-zz"
MCP_PASSWORD = "mcppass-9917"
# httpx sends a URL's userinfo as HTTP Basic credentials; the server echoes them back.
BASIC = base64.b64encode(f"alice:{URL_PASSWORD}".encode()).decode()
SECRETS = (API_KEY, URL_PASSWORD, QUERY_SECRET, MCP_PASSWORD, BASIC)


def rejecting(handler: object) -> None:
    """A 401 whose body quotes the key it got, like OpenAI's "Incorrect API key provided"."""
    got = handler.headers.get("authorization", "")  # type: ignore[attr-defined]
    data = json.dumps(
        {
            "error": {
                "message": f"Incorrect API key provided: {got.removeprefix('Bearer ')}",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        }
    ).encode()
    handler.send_response(401)  # type: ignore[attr-defined]
    handler.send_header("content-type", "application/json")  # type: ignore[attr-defined]
    handler.send_header("content-length", str(len(data)))  # type: ignore[attr-defined]
    handler.end_headers()  # type: ignore[attr-defined]
    handler.wfile.write(data)  # type: ignore[attr-defined]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    for running in serve():
        running.script(rejecting)
        yield running


@pytest.fixture(params=["plain", "userinfo"])
def project(tmp_path: Path, server: ScriptedServer, request: pytest.FixtureRequest) -> Path:
    """A project whose openai.base_url is the server, with or without a password in it."""
    directory = tmp_path / "project"
    (directory / ".git").mkdir(parents=True)
    base = server.url
    if request.param == "userinfo":  # sent as HTTP Basic credentials, echoed back base64'd
        base = base.replace("http://", f"http://alice:{URL_PASSWORD}@")
    (directory / "fastagent.yaml").write_text(
        "default_model: openai.gpt-4.1\n"
        f"openai:\n  base_url: {base}/v1\n  max_retries: 0\n"
        f"logger:\n  type: file\n  level: debug\n  path: {directory / 'log.jsonl'}\n"
        "mcp:\n  servers:\n    remote:\n"
        f"      url: http://bob:{MCP_PASSWORD}@127.0.0.1:{free_port()}/mcp?token={QUERY_SECRET}&x=1\n"
    )
    return directory


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in `project`, offline but for the test's OpenAI key."""
    return run_offline(args, project, home=project.parent, OPENAI_API_KEY=API_KEY, NO_COLOR="1")


def fastagent(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(project, "-m", "fastagent", *args)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked in:\n{text}"


def test_401_with_verbose_traceback_leaks_nothing(project: Path, server: ScriptedServer) -> None:
    done = fastagent(project, "go", "-v", "--message", "hi")
    assert done.returncode == 1
    assert server.requests, "the provider was never called"
    # The traceback was printed, with the SDK error (which quotes the key) in its chain.
    assert "Traceback (most recent call last)" in done.stderr
    assert "AuthenticationError" in done.stderr
    assert "Incorrect API key provided: " in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [errors[0]] and "HTTP 401" in errors[0]
    log = (project / "log.jsonl").read_text()
    assert log.strip(), "the JSONL log is empty"
    assert_no_secret(done.stdout, done.stderr, log)


def test_mcp_url_with_password_and_token_leaks_nothing(project: Path) -> None:
    done = fastagent(project, "go", "-v", "--servers", "remote", "--message", "hi")
    assert done.returncode == 1
    assert "remote" in done.stderr
    log = (project / "log.jsonl").read_text()
    assert_no_secret(done.stdout, done.stderr, log)


def test_config_show_masks_url_userinfo_and_query_secrets(project: Path) -> None:
    done = fastagent(project, "config", "show")
    assert done.returncode == 0, done.stderr
    assert "http://***@127.0.0.1" in done.stdout
    assert "token=***&x=1" in done.stdout
    assert_no_secret(done.stdout, done.stderr)
    as_json = fastagent(project, "config", "show", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert_no_secret(as_json.stdout, as_json.stderr)


def test_go_url_flag_with_secrets_leaks_nothing(project: Path) -> None:
    url = f"http://carol:{MCP_PASSWORD}@127.0.0.1:{free_port()}/mcp?sig={QUERY_SECRET}"
    done = fastagent(project, "go", "--url", url, "--message", "hi")
    assert done.returncode == 1
    assert done.stderr.count("error: ") == 1
    assert_no_secret(done.stdout, done.stderr)


SCRIPT = """\
import asyncio
from fastagent import FastAgent

fast = FastAgent("script")

@fast.agent("writer", "Write.")
async def main() -> None:
    async with fast.run() as app:
        print(await app.send("hi"))

if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.mark.parametrize(
    "flags", [["-v"], ["-v", "-m", "hi"], []], ids=["body", "message", "plain"]
)
def test_script_401_leaks_nothing_with_or_without_traceback(
    project: Path, server: ScriptedServer, flags: list[str]
) -> None:
    (project / "agent.py").write_text(SCRIPT)
    done = run(project, "agent.py", *flags)
    assert (done.returncode, done.stdout) == (1, "")
    assert server.requests, "the provider was never called"
    assert ("Traceback (most recent call last)" in done.stderr) is ("-v" in flags)
    if "-v" in flags:  # the SDK error quoting the key is in the chain, masked
        assert "Incorrect API key provided: " in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "HTTP 401" in errors[0]
    assert done.stderr.splitlines()[-1].startswith("hint: ")
    assert_no_secret(done.stdout, done.stderr, (project / "log.jsonl").read_text())

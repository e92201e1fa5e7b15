"""bench/_fake_openai_server.py stops quietly: open keep-alive connections end without errors."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "bench" / "_fake_openai_server.py"


def test_stopping_with_open_keep_alive_connections_prints_nothing() -> None:
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--delay", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        port = int(server.stdout.readline().split()[1])
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(3)]
        for connection in connections:
            connection.request("POST", "/v1/chat/completions", body=b"{}")
            reply = connection.getresponse()
            assert reply.status == 200
            reply.read()  # the connection stays open (keep-alive) while the server stops
        _, stderr = server.communicate(timeout=30)  # closes its stdin: the parent's "stop"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    assert stderr == ""  # no "Exception in callback ... CancelledError" traceback
    for connection in connections:
        connection.close()

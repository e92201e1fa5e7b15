"""The e2e server helper itself: start failures are reported, and nothing is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.e2e

SPAWN_GRANDCHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(child.pid, flush=True)
time.sleep(120)
"""


def llama_server_pids() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"serve_gguf.py" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def test_a_server_that_dies_while_starting_raises_with_its_log_tail(
    llama_helper: ModuleType, tmp_path: Path
) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"this is not a gguf file")
    log = tmp_path / "server.log"
    before = llama_helper.descendants(os.getpid()) & llama_server_pids()

    with pytest.raises(llama_helper.LlamaServerError, match="exited with") as caught:
        llama_helper.start_llama_server(log, model=bogus)

    message = str(caught.value)
    assert "log tail:" in message
    assert log.read_text().strip().splitlines()[-1] in message
    assert llama_helper.descendants(os.getpid()) & llama_server_pids() == before


def test_the_served_model_file_is_a_gguf(llama_helper: ModuleType) -> None:
    path = llama_helper.find_gguf()

    assert path.name == llama_helper.GGUF_NAME
    assert path.stat().st_size > 50_000_000
    with path.open("rb") as file:
        assert file.read(4) == b"GGUF"


def test_a_missing_model_override_is_an_error(
    llama_helper: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(llama_helper.GGUF_ENV_VAR, str(tmp_path / "missing.gguf"))

    with pytest.raises(llama_helper.LlamaServerError, match="is not a file"):
        llama_helper.find_gguf()


def test_stop_terminates_the_server_process(llama_helper: ModuleType, tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    server = llama_helper.LlamaServer(process, "http://127.0.0.1:1/v1", tmp_path / "log")

    server.stop()

    assert process.returncode == -signal.SIGTERM
    assert not llama_helper.is_alive(process.pid)


def test_stop_reports_a_process_the_server_left_behind(
    llama_helper: ModuleType, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SPAWN_GRANDCHILD], stdout=subprocess.PIPE, text=True
    )
    with process.stdout:  # type: ignore[union-attr]
        grandchild = int(process.stdout.readline())  # type: ignore[union-attr]
    server = llama_helper.LlamaServer(process, "http://127.0.0.1:1/v1", tmp_path / "log")
    try:
        with pytest.raises(llama_helper.LlamaServerError, match=str(grandchild)):
            server.stop()
        assert not llama_helper.is_alive(process.pid)
        assert llama_helper.is_alive(grandchild)
    finally:
        os.kill(grandchild, signal.SIGKILL)

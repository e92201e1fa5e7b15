"""``fastagent batch`` as a new user runs it: a row that fails is one line, never a traceback.

The docs/batch.md example against a model server that is down: each failed row is reported
by fastagent once (in the output file and the summary), not by DBOS's logger as a 100-line
traceback per row; following the hint (fix ``generic.base_url``, ``--retry-failed``) works.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI
from process_helpers import free_port

from .conftest import clean_env

pytest.importorskip("dbos", reason="the durable extra is not installed")

EXAMPLE = Path(__file__).parents[2] / "examples" / "durable"


def _batch(
    folder: Path, home: Path, base_url: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        home,
        FASTAGENT_DEFAULT_MODEL="generic.test-model",
        FASTAGENT_GENERIC__BASE_URL=base_url,
        FASTAGENT_GENERIC__API_KEY="test-key",
        FASTAGENT_GENERIC__MAX_RETRIES="0",
    )
    command = [sys.executable, "-m", "fastagent", "batch", "ticket_agent.py", "tickets.jsonl"]
    return subprocess.run(
        [*command, "-o", "answers.jsonl", *extra],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_rows_failing_on_a_down_server_print_no_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "durable"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".fastagent", "*.jsonl.*"))
    down = f"http://127.0.0.1:{free_port()}/v1"

    failed = _batch(folder, tmp_path, down)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr, failed.stderr[:3000]
    assert "Exception encountered" not in failed.stderr, failed.stderr[:3000]
    assert "batch: 3 of 3 rows failed: T-1, T-2, T-3" in failed.stderr
    rows = [json.loads(x) for x in (folder / "answers.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ["T-1", "T-2", "T-3"]
    assert all("generic.base_url" in row["error"] for row in rows), rows

    # Follow the hint: point generic.base_url at a model server, re-run the failed rows.
    with ScriptedOpenAI(tool="close_ticket", arguments={"ticket": "7"}) as server:
        retried = _batch(folder, tmp_path, server.base_url, "--retry-failed")
    assert retried.returncode == 0, retried.stderr[-3000:]
    rows = [json.loads(x) for x in (folder / "answers.jsonl").read_text().splitlines()]
    assert all(row["text"].startswith("answer: ticket 7 closed") for row in rows), rows

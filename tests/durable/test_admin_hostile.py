"""``fastagent worker`` / ``durable`` / ``batch`` against a bad database, and unknown ids.

A database URL that cannot be opened is one line that names the URL without its password
(and masks any piece of it the driver echoes), in bounded time, with no traceback from
DBOS's own logger; an unknown workflow id is one line naming it, and changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI
from process_helpers import free_port

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("batch_app.py")
_BOUND = 120.0
_SECRET = "hunter2Secret"


def _fail(folder: Path, *args: str) -> str:
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )
    assert time.monotonic() - started < _BOUND
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr[-3000:]
    lines = [line for line in run.stderr.splitlines() if not line.startswith("WARNING")]
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], run.stderr[-3000:]
    return run.stderr + run.stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://fa:{secret}@127.0.0.1:{port}/jobs",  # nothing listens there
        "postgresql://fa:{secret}@127.0.0.1:notaport/jobs",
        "postgresql://127.0.0.1:{port}/jobs?password={secret}",
        "postgresql://fa:{secret}@x@127.0.0.1:{port}/jobs",  # an '@' left unencoded
    ],
)
def test_a_bad_database_url_never_shows_its_password(tmp_path: Path, url: str) -> None:
    database = url.format(secret=_SECRET, port=free_port())
    tmp_path.joinpath("fastagent.yaml").write_text(
        f"default_model: passthrough\ndurable:\n  database: '{database}'\n"
    )
    tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
    for command in (
        ("worker", str(APP)),
        ("durable", "list"),
        ("durable", "show", "ticket-1"),
        ("durable", "recover", "--executor", "w1"),
        ("batch", str(APP), "rows.jsonl", "-o", "out.jsonl"),
    ):
        err = _fail(tmp_path, *command)
        assert "could not be opened" in err, (command, err)
        assert _SECRET not in err and _SECRET.lower() not in err.lower(), (command, err)
        assert "127.0.0.1" in err  # the part that is not secret is named
        assert "hint: check durable.database" in err
    assert not tmp_path.joinpath("out.jsonl").exists()
    assert not tmp_path.joinpath("out.jsonl.partial").exists()


def test_unknown_workflow_ids_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        tmp_path.joinpath("fastagent.yaml").write_text(
            "default_model: generic.test-model\n"
            f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        )
        tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
        done = subprocess.run(
            [sys.executable, "-m", "fastagent", "batch", str(APP), "rows.jsonl", "-o", "o.jsonl"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=_BOUND,
        )
        assert done.returncode == 0, done.stderr[-3000:]

        def listing() -> str:
            return subprocess.run(
                [sys.executable, "-m", "fastagent", "durable", "list"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=_BOUND,
                check=True,
            ).stdout

        before = listing()
        assert before.count("\tSUCCESS\t") == 1
        for action in ("show", "steps", "cancel", "resume"):
            err = _fail(tmp_path, "durable", action, "no-such-workflow")
            assert "error: no durable workflow 'no-such-workflow'" in err, (action, err)
            assert "hint: list them with: fastagent durable list" in err
        assert listing() == before
        assert server.requests == 1
        # A status in any case; a typo is refused instead of listing nothing.
        for args, code, text in (
            (("--status", "success"), 0, "\tSUCCESS\t"),
            (("--status", "pendng"), 2, "invalid choice: 'PENDNG'"),
            (("--limit", "0"), 2, "argument --limit: 0 is below 1"),
        ):
            run = subprocess.run(
                [sys.executable, "-m", "fastagent", "durable", "list", *args],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=_BOUND,
            )
            assert run.returncode == code and text in run.stdout + run.stderr, run.stderr
            assert "Traceback" not in run.stderr
        shown = subprocess.run(
            [sys.executable, "-m", "fastagent", "durable", "show", before.split("\t")[0]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=_BOUND,
            check=True,
        ).stdout
        assert json.loads(shown)["status"] == "SUCCESS"


def test_cancel_then_resume_a_batch_row(tmp_path: Path) -> None:
    """A cancelled row is a failed row (its status named); resumed, the batch finishes it."""

    def fastagent(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fastagent", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=_BOUND,
        )

    with ScriptedOpenAI() as server:
        tmp_path.joinpath("fastagent.yaml").write_text(
            "default_model: generic.test-model\n"
            f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        )
        rows = "".join(json.dumps({"id": f"r{i}", "prompt": f"row {i}"}) + "\n" for i in range(3))
        tmp_path.joinpath("rows.jsonl").write_text(rows)
        batch = [str(APP), "rows.jsonl", "-o", "out.jsonl"]
        # Enqueue only (no worker runs them), then stop the batch.
        waiting = subprocess.Popen(
            [sys.executable, "-m", "fastagent", "batch", *batch, "--no-work"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + _BOUND
            while fastagent("durable", "list").stdout.count("\tENQUEUED\t") < 3:
                assert waiting.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            os.killpg(waiting.pid, signal.SIGTERM)
            waiting.communicate(timeout=_BOUND)
        assert waiting.returncode == 143
        listing = fastagent("durable", "list").stdout.splitlines()
        row1 = next(line.split("\t")[0] for line in listing if line.split("\t")[0].endswith("-r1"))

        assert fastagent("durable", "cancel", row1).stdout.strip() == f"cancelled {row1}"
        assert f"{row1}\tCANCELLED" in fastagent("durable", "list").stdout
        failed = fastagent("batch", *batch)
        assert failed.returncode == 1, failed.stderr[-3000:]
        assert "1 of 3 rows failed: r1" in failed.stderr
        out = [json.loads(line) for line in tmp_path.joinpath("out.jsonl").read_text().splitlines()]
        assert "CANCELLED" in out[1]["error"] and "text" in out[0] and "text" in out[2]

        resumed = fastagent("durable", "resume", row1)
        assert resumed.returncode == 0 and resumed.stdout.startswith(f"resumed {row1}")
        done = fastagent("batch", *batch)
        assert done.returncode == 0, done.stderr[-3000:]
        out = [json.loads(line) for line in tmp_path.joinpath("out.jsonl").read_text().splitlines()]
        assert [line["text"] for line in out] == ["echo: row 0", "echo: row 1", "echo: row 2"]
        assert server.requests == 3


@pytest.mark.parametrize(
    ("database", "reason"),
    [
        ("a_file/durable.sqlite", "a part of"),
        ("a_folder", "that is a folder, not a file"),
        ("/proc/no-such-dir/durable.sqlite", "No such file or directory"),
    ],
)
def test_a_sqlite_path_that_cannot_be_a_database_is_one_line(
    tmp_path: Path, database: str, reason: str
) -> None:
    tmp_path.joinpath("fastagent.yaml").write_text(
        f"default_model: passthrough\ndurable:\n  database: '{database}'\n"
    )
    tmp_path.joinpath("a_file").write_text("keep me\n")
    tmp_path.joinpath("a_folder").mkdir()
    tmp_path.joinpath("rows.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
    for command in (("worker", str(APP)), ("batch", str(APP), "rows.jsonl", "-o", "out.jsonl")):
        err = _fail(tmp_path, *command)
        assert "error: durable database " in err and " could not be opened: " in err, err
        assert reason in err and "hint: set durable.database" in err, err
    assert tmp_path.joinpath("a_file").read_text() == "keep me\n"
    assert list(tmp_path.joinpath("a_folder").iterdir()) == []
    assert not tmp_path.joinpath("out.jsonl").exists()

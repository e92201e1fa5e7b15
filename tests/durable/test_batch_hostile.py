"""``fastagent batch`` against hostile reality: signals mid-run, bad files, bad OUT paths.

Every case runs the real command in a subprocess against the scripted model server and
checks: bounded time, one clear line naming the file/row/option, nothing lost (the input
file untouched, the finished rows kept), no traceback, no process left behind.
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

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("batch_app.py")
_BOUND = 240.0  # generous: a loaded machine; still catches a hang


def _folder(tmp_path: Path, server: ScriptedOpenAI, rows: int = 3) -> Path:
    # No retries: a model call cut off by the stop would fail at once, and a row recorded
    # as failed because the process was stopping would show (see DurableEngine.stop).
    tmp_path.joinpath("fastagent.yaml").write_text(
        "default_model: generic.test-model\n"
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n  max_retries: 0\n"
    )
    lines = [json.dumps({"id": f"r{i}", "prompt": f"row {i}"}) for i in range(rows)]
    tmp_path.joinpath("rows.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def _spawn(folder: Path, data: str, output: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fastagent", "batch", str(APP), data, "-o", output, *extra],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _run(folder: Path, data: str, output: str = "out.jsonl", *extra: str) -> tuple[int, str]:
    process = _spawn(folder, data, output, *extra)
    started = time.monotonic()
    _, err = process.communicate(timeout=_BOUND)
    assert time.monotonic() - started < _BOUND
    return process.returncode, err


def _refused(folder: Path, data: str, output: str = "out.jsonl", *extra: str) -> str:
    """Run a batch that must stop before any row: its error line (plus hint)."""
    code, err = _run(folder, data, output, *extra)
    assert code == 1, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if not line.startswith("WARNING")]
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], err
    return err


# --- signals in the middle of a durable batch ------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_run_keeps_the_partial_and_a_rerun_resumes_every_row_once(
    tmp_path: Path, signum: int
) -> None:
    rows, concurrency = 40, 4
    with ScriptedOpenAI(delay=0.2) as server:  # rows are always in flight at the signal
        folder = _folder(tmp_path, server, rows)
        first = _spawn(folder, "rows.jsonl", "out.jsonl", "--concurrency", str(concurrency))
        partial = folder / "out.jsonl.partial"
        deadline = time.monotonic() + _BOUND
        try:
            while not partial.exists() or len(partial.read_text().splitlines()) < 8:
                assert first.poll() is None, first.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "8 rows were not done in time"
                time.sleep(0.05)
            os.kill(first.pid, signum)
            started = time.monotonic()
            _, err = first.communicate(timeout=_BOUND)
            assert time.monotonic() - started < 60, "the batch did not stop in time"
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.communicate(timeout=_BOUND)
        assert first.returncode == 128 + signum, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        # What was done is kept, consistent (whole lines, each row once, all answered)...
        kept = [json.loads(line) for line in partial.read_text().splitlines()]
        ids = [line["id"] for line in kept]
        assert 8 <= len(kept) < rows and len(set(ids)) == len(ids)
        assert all(line["text"] == f"echo: row {line['id'][1:]}" for line in kept)
        assert f"batch: stopped with {len(kept)} of {rows} rows finished (in " in err
        assert "the same command resumes" in err
        assert not folder.joinpath("out.jsonl").exists()
        stopped_at = server.requests

        # ... and the same command finishes the rest: every row exactly once, in order.
        code, err = _run(folder, "rows.jsonl", "out.jsonl", "--concurrency", str(concurrency))
        failed = [line for line in _lines(folder / "out.jsonl") if "error" in line]
        assert code == 0 and not failed, (err[-3000:], failed)
        out = [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]
        assert [line["id"] for line in out] == [f"r{i}" for i in range(rows)]
        assert [line["text"] for line in out] == [f"echo: row {i}" for i in range(rows)]
        # Rows that finished while the batch stopped are done too, though not in the partial.
        done = int(err.split(" rows already done")[0].rsplit("batch: ", 1)[1].split(" of ")[0])
        assert len(kept) <= done < rows
        by_id = {line["id"]: line for line in out}
        assert all(by_id[line["id"]] == line for line in kept)  # the kept rows, unchanged
        # Finished rows were read back; only rows in flight at the signal were sent twice.
        assert rows <= server.requests <= rows + concurrency
        assert server.requests - stopped_at <= rows - len(kept) + concurrency
        assert not folder.joinpath("out.jsonl.partial").exists()


def test_sigterm_mid_run_without_durability_keeps_the_partial(tmp_path: Path) -> None:
    rows = 40
    with ScriptedOpenAI(delay=0.05) as server:
        folder = _folder(tmp_path, server, rows)
        first = _spawn(folder, "rows.jsonl", "out.jsonl", "--no-durable", "--concurrency", "2")
        partial = folder / "out.jsonl.partial"
        deadline = time.monotonic() + _BOUND
        try:
            while not partial.exists() or len(partial.read_text().splitlines()) < 5:
                assert first.poll() is None, first.communicate()[1][-2000:]
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(first.pid, signal.SIGTERM)
            _, err = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.communicate(timeout=_BOUND)
        assert first.returncode == 143, err[-3000:]
        kept = [json.loads(line) for line in partial.read_text().splitlines()]
        assert len(kept) >= 5 and all("text" in line for line in kept)
        assert "--no-durable recorded nothing: the same command runs every row again" in err
        assert not folder.joinpath(".fastagent").exists()


# --- bad data files: one line naming the file and line, before any row runs -----------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rows.jsonl", b"", "batch: rows.jsonl holds no rows"),
        ("rows.jsonl", b"\n  \n", "batch: rows.jsonl holds no rows"),
        ("rows.csv", b"id,prompt\n", "batch: rows.csv holds no rows"),
        (
            "rows.jsonl",
            b'{"id": 1, "prompt": "a"}\n{"id": 2, "pro',
            "batch: rows.jsonl:2: not valid JSON",
        ),
        (
            "rows.csv",
            b'id,prompt\n1,a\n2,"cut off inside a quote\n',
            "batch: rows.csv:3: not valid CSV (unexpected end of data)",
        ),
        ("rows.csv", b"id,prompt\n1,a\n2\n", "batch: rows.csv:3: 1 field(s), the header has 2"),
        ("rows.csv", b"id,prompt\n1,a,b\n", "batch: rows.csv:2: 3 field(s), the header has 2"),
        ("rows.jsonl", b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe\n", "rows.jsonl:1: not UTF-8 text"),
        (
            "rows.jsonl",
            '{"id": 1, "prompt": "ok"}\n{"id": 2, "prompt": "café"}\n'.encode("latin-1"),
            "batch: rows.jsonl:2: not UTF-8 text (byte 0xe9)",
        ),
        (
            "rows.jsonl",
            b'{"id": 7, "prompt": "a"}\n{"id": 8, "prompt": "b"}\n{"id": "7", "prompt": "c"}\n',
            "batch: rows.jsonl:3: row id '7' appears twice (first on line 1)",
        ),
        ("rows.csv", b"id,text\n1,a\n", "batch: rows.csv:2: the row has no 'prompt' field"),
    ],
)
def test_a_bad_data_file_is_one_line_and_runs_nothing(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server)
        folder.joinpath(name).write_bytes(content)
        err = _refused(folder, name)
        assert message in err
        assert server.requests == 0
        assert folder.joinpath(name).read_bytes() == content
        assert not folder.joinpath("out.jsonl.partial").exists()
        assert not folder.joinpath(".fastagent").exists()  # no database opened


def test_duplicate_ids_never_drop_a_row_and_another_id_field_runs_them_all(
    tmp_path: Path,
) -> None:
    """Two rows with id 7 would share one workflow id; refused, then run under other ids."""
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server)
        rows = [{"id": 7, "n": "a", "prompt": "x"}, {"id": 7, "n": "b", "prompt": "y"}]
        folder.joinpath("dup.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        assert "row id '7' appears twice" in _refused(folder, "dup.jsonl")
        code, err = _run(folder, "dup.jsonl", "out.jsonl", "--id-field", "n")
        assert code == 0, err
        out = [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]
        assert [(line["id"], line["text"]) for line in out] == [("a", "echo: x"), ("b", "echo: y")]
        assert server.requests == 2


# --- OUT that cannot be written: refused before anything runs --------------------------


@pytest.mark.parametrize(
    ("output", "message", "hint"),
    [
        (
            "missing/folder/out.jsonl",
            "batch: -o missing/folder/out.jsonl: the folder missing/folder does not exist",
            "mkdir -p missing/folder",
        ),
        ("a_file/out.jsonl", "batch: -o a_file/out.jsonl: a_file is not a folder", "fix"),
        ("a_folder", "batch: -o a_folder is a folder", "a_folder/out.jsonl"),
        ("/proc/out.jsonl", "cannot create /proc/out.jsonl.partial", "writ"),
        ("rows.jsonl", "batch: -o rows.jsonl would overwrite the data file", "another file"),
        ("./rows.jsonl", "would overwrite the data file rows.jsonl", "another file"),
    ],
)
def test_an_unwritable_output_is_refused_before_any_row_runs(
    tmp_path: Path, output: str, message: str, hint: str
) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server)
        folder.joinpath("a_file").write_text("keep me\n")
        folder.joinpath("a_folder").mkdir()
        data = folder.joinpath("rows.jsonl").read_bytes()
        err = _refused(folder, "rows.jsonl", output)
        assert message in err
        assert hint in err.splitlines()[-1]
        assert server.requests == 0
        assert not folder.joinpath("missing").exists()  # the folder is not created
        assert folder.joinpath("rows.jsonl").read_bytes() == data
        assert folder.joinpath("a_file").read_text() == "keep me\n"
        assert list(folder.joinpath("a_folder").iterdir()) == []
        assert not folder.joinpath(".fastagent").exists()


# --- bad options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("fast", "batch: --rate 'fast' is not N/period"),
        ("0/min", "batch: --rate '0/min' is not N/period"),
        ("5/0s", "batch: --rate '5/0s' has a zero period"),
        ("5/fortnight", "batch: --rate '5/fortnight' is not N/period"),
        ("99999999999999999999999/s", "is out of range"),
        ("1/9999h", "is out of range"),
    ],
)
def test_a_malformed_rate_is_one_line(tmp_path: Path, rate: str, message: str) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server)
        err = _refused(folder, "rows.jsonl", "out.jsonl", "--rate", rate)
        assert message in err and "e.g. --rate 60/min" in err
        assert server.requests == 0
        assert not folder.joinpath(".fastagent").exists()


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            "no_such_module_r13:Ticket",
            "batch: --schema: cannot import 'no_such_module_r13'",
        ),
        ("batch_schemas:Nope", "batch: --schema: 'batch_schemas' has no attribute 'Nope'"),
        (
            "batch_schemas:BaseModel",
            "batch: --schema 'batch_schemas:BaseModel' is pydantic's BaseModel",
        ),
        (
            "batch_schemas:annotations",
            "batch: --schema 'batch_schemas:annotations' is a _Feature, not",
        ),
        ("batch_schemas", "batch: --schema 'batch_schemas' is not MODULE:Model"),
    ],
)
def test_a_bad_schema_names_it_and_runs_nothing(tmp_path: Path, schema: str, message: str) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server)
        err = _refused(folder, "rows.jsonl", "out.jsonl", "--schema", schema)
        assert message in err
        assert "scenario" not in err  # hints true for a batch: the script's folder, the cwd
        assert server.requests == 0
        assert not folder.joinpath(".fastagent").exists()


def test_retry_failed_never_takes_the_answer_of_a_row_whose_id_looks_like_a_retry(
    tmp_path: Path,
) -> None:
    """Row "a" fails; row "a.retry2" exists: a retry of "a" must not read back its turn."""
    with ScriptedOpenAI(fail_on="refuse me") as server:
        folder = _folder(tmp_path, server)
        rows = [{"id": "a", "prompt": "refuse me"}, {"id": "a.retry2", "prompt": "fine"}]
        folder.joinpath("rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        code, err = _run(folder, "rows.jsonl")
        assert code == 1 and "1 of 2 rows failed: a" in err
        server.fail_on = None
        code, err = _run(folder, "rows.jsonl", "out.jsonl", "--retry-failed")
        assert code == 0, err[-3000:]
        out = [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]
        assert [(line["id"], line["text"]) for line in out] == [
            ("a", "echo: refuse me"),
            ("a.retry2", "echo: fine"),
        ]
        assert server.requests == 3


def test_a_worker_stopped_by_sigterm_mid_row_leaves_its_rows_pending_not_failed(
    tmp_path: Path,
) -> None:
    """SIGTERM cancels the worker's rows before their model client closes: none fails.

    Closing the client first made a row in flight record the connection failure as its
    outcome; cancelled, it stays pending, and the worker restarted with its executor id
    finishes it.
    """
    rows = 12
    with ScriptedOpenAI(delay=0.3) as server:
        folder = _folder(tmp_path, server, rows)
        env = {**os.environ, "FASTAGENT_DURABLE__EXECUTOR_ID": "w1"}

        def worker() -> subprocess.Popen[str]:
            process = subprocess.Popen(
                [sys.executable, "-m", "fastagent", "worker", str(APP), "--concurrency", "4"],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            assert process.stderr is not None
            assert process.stderr.readline().startswith("worker: executor w1")
            return process

        first = worker()
        batch = _spawn(folder, "rows.jsonl", "out.jsonl", "--no-work")
        second: subprocess.Popen[str] | None = None
        try:
            deadline = time.monotonic() + _BOUND
            while server.requests < 6:  # some rows done, four in flight
                assert batch.poll() is None and first.poll() is None
                assert time.monotonic() < deadline, "the worker took no rows in time"
                time.sleep(0.05)
            first.send_signal(signal.SIGTERM)
            _, err = first.communicate(timeout=60)
            assert first.returncode == 0, err[-3000:]
            assert "Traceback" not in err, err[-3000:]
            second = worker()
            code, err = _finish_batch(batch)
        finally:
            for process in (first, second, batch):
                if process is not None and process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.communicate(timeout=_BOUND)
        assert code == 0, err[-3000:]
        out = [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]
        assert [line["text"] for line in out] == [f"echo: row {i}" for i in range(rows)]
        assert rows <= server.requests <= rows + 4


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _finish_batch(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=_BOUND)
    return process.returncode, err


def test_a_failed_rows_error_keeps_its_type_and_hint_on_one_line(tmp_path: Path) -> None:
    """The error read back from the database is written as the original error would be."""
    with ScriptedOpenAI(fail_on="row 1") as server:
        folder = _folder(tmp_path, server)
        for _ in range(2):  # the run that failed, and a re-run reading the recorded error
            code, err = _run(folder, "rows.jsonl")
            assert code == 1 and "1 of 3 rows failed: r1" in err
            assert _lines(folder / "out.jsonl")[1] == {
                "id": "r1",
                "error": "BadRequestError: generic returned HTTP 400: refused: row 1 "
                "(hint: the provider rejected the request as sent)",
            }
        assert server.requests == 3

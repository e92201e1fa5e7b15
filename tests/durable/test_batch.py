"""``fastagent batch``: durable rows, output in input order, resume, failures, kill -9."""

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
from durable.workers import running_worker

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("batch_app.py")
TOOL_APP = Path(__file__).with_name("batch_tool_app.py")
_BOUND = 240.0  # generous: a loaded machine


def _folder(tmp_path: Path, server: ScriptedOpenAI, rows: int) -> Path:
    tmp_path.joinpath("fastagent.yaml").write_text(
        "default_model: generic.test-model\n"
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
    )
    lines = [json.dumps({"id": f"r{i}", "prompt": f"row {i}"}) for i in range(rows)]
    tmp_path.joinpath("rows.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def _batch(folder: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fastagent",
            "batch",
            str(APP),
            "rows.jsonl",
            "-o",
            "out.jsonl",
            *list(extra),
        ],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=_BOUND)
    return process.returncode, err


def _output(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]


def test_rows_in_input_order_and_a_rerun_makes_no_calls(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 12)
        code, err = _finish(_batch(folder, "--concurrency", "4"))
        assert code == 0, err
        out = _output(folder)
        assert [row["id"] for row in out] == [f"r{i}" for i in range(12)]
        assert [row["text"] for row in out] == [f"echo: row {i}" for i in range(12)]
        assert out[0]["usage"] == {
            "input_tokens": 10,
            "output_tokens": 2,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "requests": 1,
        }
        assert not folder.joinpath("out.jsonl.partial").exists()
        assert server.requests == 12
        # Rows never share memory: each request holds the system prompt and its row only.
        assert all(len(body["messages"]) == 2 for body in server.bodies)

        code, err = _finish(_batch(folder))
        assert code == 0, err
        assert "12 of 12 rows already done" in err
        assert server.requests == 12
        assert _output(folder) == out


def test_csv_with_template_and_id_field(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        folder.joinpath("rows.csv").write_text("ticket,text\nT-2,late parcel\nT-1,refund\n")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fastagent",
                "batch",
                str(APP),
                "rows.csv",
                "-o",
                "o.jsonl",
                "--template",
                "Summarize: {text}",
                "--id-field",
                "ticket",
            ],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        code, err = _finish(process)
        assert code == 0, err
        out = [json.loads(line) for line in folder.joinpath("o.jsonl").read_text().splitlines()]
        assert [(r["id"], r["text"]) for r in out] == [
            ("T-2", "echo: Summarize: late parcel"),
            ("T-1", "echo: Summarize: refund"),
        ]


def test_failed_rows_exit_1_listed_then_retry_failed_runs_them(tmp_path: Path) -> None:
    with ScriptedOpenAI(fail_on="row 3") as server:
        folder = _folder(tmp_path, server, 5)
        code, err = _finish(_batch(folder))
        assert code == 1
        assert "1 of 5 rows failed: r3" in err
        out = _output(folder)
        assert [("error" in row) for row in out] == [False, False, False, True, False]
        assert "refused: row 3" in str(out[3]["error"])
        assert str(out[3]["error"]).startswith("BadRequestError: ")  # its type, not DBOS's

        code, err = _finish(_batch(folder))  # without --retry-failed: the same failure
        assert code == 1 and "r3" in err
        server.fail_on = None
        before = server.requests
        code, err = _finish(_batch(folder, "--retry-failed"))
        assert code == 0, err
        assert _output(folder)[3]["text"] == "echo: row 3"
        assert server.requests == before + 1  # only the failed row ran again


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        folder.joinpath("rows.jsonl").write_text('{"id": 1, "prompt": "a"}\n[1, 2]\n')
        code, err = _finish(_batch(folder))
        assert code != 0
        assert "rows.jsonl:2: a JSON list, not an object" in err
        assert "Traceback" not in err
        assert server.requests == 0


def test_a_200_row_batch_killed_midway_resumes_every_row_exactly_once(tmp_path: Path) -> None:
    rows, concurrency = 200, 8
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, rows)
        first = _batch(folder, "--concurrency", str(concurrency))
        partial = folder / "out.jsonl.partial"
        deadline = time.monotonic() + _BOUND
        try:
            while not partial.exists() or len(partial.read_text().splitlines()) < 50:
                assert first.poll() is None, first.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "50 rows were not done in time"
                time.sleep(0.05)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)
        killed_at = server.requests
        assert 50 <= killed_at < rows
        assert not folder.joinpath("out.jsonl").exists()

        code, err = _finish(_batch(folder, "--concurrency", str(concurrency)))
        assert code == 0, err
        out = _output(folder)
        assert [row["id"] for row in out] == [f"r{i}" for i in range(rows)]
        assert [row["text"] for row in out] == [f"echo: row {i}" for i in range(rows)]
        # Each row's call at most once, plus the calls in flight at the kill.
        assert rows <= server.requests <= rows + concurrency


def _rows(folder: Path, *prompts: str) -> None:
    lines = [json.dumps({"id": f"r{i}", "prompt": p}) for i, p in enumerate(prompts)]
    folder.joinpath("rows.jsonl").write_text("\n".join(lines) + "\n")


def test_schema_gives_each_row_a_value_and_an_invalid_reply_fails_its_row(
    tmp_path: Path,
) -> None:
    good = json.dumps({"priority": 2, "summary": "late parcel"})
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        _rows(folder, good, json.dumps({"summary": "no priority"}), good)
        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Ticket"))
        assert code == 1
        assert "1 of 3 rows failed: r1" in err
        out = _output(folder)
        assert [row["id"] for row in out] == ["r0", "r1", "r2"]
        assert out[0]["value"] == {"priority": 2, "summary": "late parcel"}
        assert out[0]["text"] == f"echo: {good}"
        assert out[0]["usage"]["requests"] == 1  # type: ignore[index]
        assert "value" not in out[1]
        assert str(out[1]["error"]) == (
            "ModelOutputError: the model's reply does not match Ticket: priority: Field required"
            " (hint: check the model supports JSON output, or simplify the schema / prompt)"
        )
        assert out[1]["usage"]["output_tokens"] == 2  # type: ignore[index]  # tokens were spent
        # The one structured-output path: the JSON Schema went to the model (the generic
        # provider has no native schema support, so it is in the system prompt).
        system = server.bodies[0]["messages"][0]["content"]
        assert '"title":"Ticket"' in system and "Reply with one JSON object only" in system
        assert server.requests == 3

        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Ticket"))
        assert code == 1 and "3 of 3 rows already done" in err
        assert server.requests == 3 and _output(folder) == out
        # The invalid reply counts as failed for --retry-failed: only that row runs again.
        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Ticket", "--retry-failed"))
        assert code == 1 and "1 of 3 rows failed: r1" in err
        assert server.requests == 4


def test_a_worker_applies_the_schema_of_rows_that_batch_only_enqueued(tmp_path: Path) -> None:
    """--schema's JSON Schema travels in each queued row's input: the worker asks for it."""
    good = json.dumps({"priority": 1, "summary": "refund"})
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        _rows(folder, good, good, good)
        with running_worker(APP, cwd=folder, env=os.environ, executor="worker-a", bound=_BOUND):
            batch = _batch(folder, "--schema", "batch_schemas:Ticket", "--no-work")
            code, err = _finish(batch)
            listed = subprocess.run(
                [sys.executable, "-m", "fastagent", "durable", "list"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=_BOUND,
            ).stdout.splitlines()
        assert code == 0, err
        assert [row["value"] for row in _output(folder)] == [json.loads(good)] * 3
        assert sorted(row.split("\t")[1:3] for row in listed) == [["SUCCESS", "worker-a"]] * 3
        assert server.requests == 3
        for body in server.bodies:
            assert '"title":"Ticket"' in body["messages"][0]["content"]


def test_no_durable_writes_the_lines_and_sends_the_requests_of_a_durable_run(
    tmp_path: Path,
) -> None:
    """In-process rows skip the recorded input's dump and reload: nothing else changes."""
    good = json.dumps({"priority": 2, "summary": "late parcel"})
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        _rows(folder, good, json.dumps({"summary": "no priority"}), good)
        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Ticket", "--no-durable"))
        assert code == 1 and "1 of 3 rows failed: r1" in err
        plain, plain_bodies = _output(folder), list(server.bodies)
        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Ticket"))
        assert code == 1 and "1 of 3 rows failed: r1" in err
        assert server.requests == 6
        assert _output(folder) == plain
        assert "value" in plain[0] and "error" in plain[1]
        # Rows run concurrently: compare the requests in any order.
        durable = sorted(json.dumps(body, sort_keys=True) for body in server.bodies[3:])
        assert durable == sorted(json.dumps(body, sort_keys=True) for body in plain_bodies)


def test_a_bad_schema_fails_before_any_row_runs(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 3)
        code, err = _finish(_batch(folder, "--schema", "batch_schemas:Nope"))
        assert code != 0
        assert "batch: --schema: 'batch_schemas' has no attribute 'Nope'" in err
        assert "hint:" in err and "Traceback" not in err
        assert server.requests == 0
        assert not folder.joinpath("out.jsonl.partial").exists()
        assert not folder.joinpath(".fastagent").exists()


def test_no_durable_runs_every_row_without_a_database(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 6)
        for run in (1, 2):
            code, err = _finish(_batch(folder, "--no-durable", "--concurrency", "3"))
            assert code == 0, err
            out = _output(folder)
            assert [row["text"] for row in out] == [f"echo: row {i}" for i in range(6)]
            assert server.requests == 6 * run  # no resume: a re-run makes every call again
        assert not folder.joinpath(".fastagent").exists()
        assert all(len(body["messages"]) == 2 for body in server.bodies)
        code, err = _finish(_batch(folder, "--no-durable", "--retry-failed"))
        assert code != 0 and "--retry-failed needs durability" in err
        # No queue without durability: nothing for a worker to take, no queue to name.
        code, err = _finish(_batch(folder, "--no-durable", "--no-work"))
        assert code != 0 and "--no-work needs durability" in err
        code, err = _finish(_batch(folder, "--no-durable", "--queue", "bulk"))
        assert code != 0 and "--queue needs durability" in err
        assert "Traceback" not in err
        assert server.requests == 12
        assert not folder.joinpath(".fastagent").exists()


def test_a_huge_row_goes_through_and_back(tmp_path: Path) -> None:
    huge = "y" * 2_000_000
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 0)
        _rows(folder, "small", huge)
        code, err = _finish(_batch(folder))
        assert code == 0, err
        out = _output(folder)
        assert out[1]["text"] == f"echo: {huge}"
        assert server.requests == 2


def test_a_tool_that_raises_is_an_error_result_for_the_model_not_a_lost_row(
    tmp_path: Path,
) -> None:
    with ScriptedOpenAI(tool="explode", arguments={"text": "it"}) as server:
        folder = _folder(tmp_path, server, 4)
        command = [sys.executable, "-m", "fastagent", "batch", str(TOOL_APP), "rows.jsonl"]
        run = subprocess.run(
            [*command, "-o", "out.jsonl"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_BOUND,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        out = _output(folder)
        assert [row["id"] for row in out] == [f"r{i}" for i in range(4)]
        assert all("kaboom on it" in str(row["text"]) for row in out)
        assert all(row["usage"]["requests"] == 2 for row in out)  # type: ignore[index]
        assert server.requests == 8


def test_the_progress_lines_off_a_terminal_end_with_a_summary(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 5)
        code, err = _finish(_batch(folder))
        assert code == 0, err
        last = err.strip().splitlines()[-1]
        assert last.startswith("batch: 5/5 rows in ")
        assert " · 5 done · 0 failed · 0 in flight · 60 tokens · cost n/a · " in last
        assert "\x1b" not in err and "\r" not in err


def test_a_priced_model_gives_each_row_its_cost(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        folder = _folder(tmp_path, server, 3)
        folder.joinpath("fastagent.yaml").write_text(
            "default_model: openai.gpt-4.1-mini\n"
            f"openai:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        )
        code, err = _finish(_batch(folder))
        assert code == 0, err
        out = _output(folder)
        # 10 input tokens at $0.40 and 2 output tokens at $1.60 per million (the catalogue).
        assert [row["cost"] for row in out] == [pytest.approx(7.2e-6)] * 3
        assert server.bodies[0]["model"] == "gpt-4.1-mini"
        assert " · $0.0000 · " in err.strip().splitlines()[-1]


def test_ctrl_c_says_how_to_resume_without_dbos_noise_and_the_rerun_finishes(
    tmp_path: Path,
) -> None:
    with ScriptedOpenAI(delay=0.5) as server:
        folder = _folder(tmp_path, server, 40)
        process = _batch(folder, "--concurrency", "4")
        partial = folder / "out.jsonl.partial"
        deadline = time.monotonic() + _BOUND
        while not (partial.exists() and partial.read_text().count("\n") >= 2):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        code, err = _finish(process)
        assert code == 130, err
        assert "batch: stopped with " in err and "rows finished (in " in err, err
        assert "the same command resumes (finished rows are read back, not sent again)" in err
        assert err.count("batch: stopped with ") == 1, err
        assert "Asyncio task cancelled" not in err and "Traceback" not in err, err
        code, err = _finish(_batch(folder, "--concurrency", "4"))
        assert code == 0, err
        assert [row["id"] for row in _output(folder)] == [f"r{i}" for i in range(40)]

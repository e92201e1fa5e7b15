"""The durable examples of docs/durable.md and docs/batch.md, run as documented."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI
from durable.workers import running_worker

pytest.importorskip("dbos", reason="the durable extra is not installed")

EXAMPLE = Path(__file__).parents[2] / "examples" / "durable"
_BOUND = 180.0


def _env(server: ScriptedOpenAI) -> dict[str, str]:
    return {
        **os.environ,
        "FASTAGENT_DEFAULT_MODEL": "generic.test-model",
        "FASTAGENT_GENERIC__BASE_URL": server.base_url,
        "FASTAGENT_GENERIC__API_KEY": "test-key",
    }


def _python(folder: Path, server: ScriptedOpenAI, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in the example folder against the scripted model server."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=_env(server),
        capture_output=True,
        text=True,
        timeout=_BOUND,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "durable"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".fastagent", "*.jsonl.*"))
    return target


def test_ticket_agent_example_answers_and_a_rerun_makes_no_call(folder: Path) -> None:
    with ScriptedOpenAI(tool="close_ticket", arguments={"ticket": "42"}) as server:
        for _ in range(2):
            run = _python(folder, server, "ticket_agent.py", "ticket-42", "Close ticket 42.")
            assert run.returncode == 0, run.stderr[-3000:]
            assert run.stdout.strip() == ("answer: ticket 42 closed (idempotency key ticket-42:2)")
        assert server.requests == 2
    assert folder.joinpath(".fastagent", "durable.sqlite").is_file()


def test_batch_example_writes_one_line_per_ticket(folder: Path) -> None:
    with ScriptedOpenAI(tool="close_ticket", arguments={"ticket": "7"}) as server:
        batch = ["-m", "fastagent", "batch", "ticket_agent.py", "tickets.jsonl"]
        run = _python(folder, server, *batch, "-o", "answers.jsonl")
        assert run.returncode == 0, run.stderr[-3000:]
        lines = [json.loads(x) for x in folder.joinpath("answers.jsonl").read_text().splitlines()]
        assert [line["id"] for line in lines] == ["T-1", "T-2", "T-3"]
        assert all(line["text"].startswith("answer: ticket 7 closed") for line in lines)
        assert server.requests == 6


def test_triage_example_writes_a_structured_value_per_ticket(folder: Path) -> None:
    answer = {"priority": 2, "summary": "a parcel question"}
    with ScriptedOpenAI(reply=json.dumps(answer)) as server:
        batch = ["-m", "fastagent", "batch", "triage_agent.py", "tickets.jsonl"]
        run = _python(
            folder, server, *batch, "-o", "triage.jsonl", "--schema", "triage_schema:Triage"
        )
        assert run.returncode == 0, run.stderr[-3000:]
        lines = [json.loads(x) for x in folder.joinpath("triage.jsonl").read_text().splitlines()]
        assert [(line["id"], line["value"]) for line in lines] == [
            ("T-1", answer),
            ("T-2", answer),
            ("T-3", answer),
        ]
        # The schema reached the model: in the system prompt (no native schema support).
        assert '"title":"Triage"' in server.bodies[0]["messages"][0]["content"]
        assert server.requests == 3

        single = _python(folder, server, "triage_agent.py", "The parcel never arrived.")
        assert single.returncode == 0, single.stderr[-3000:]
        assert single.stdout.strip() == "priority=2 summary='a parcel question'"


def test_batch_example_with_a_worker_running_the_rows(folder: Path) -> None:
    """docs/batch.md: `fastagent worker` runs the rows that `batch --no-work` enqueues."""
    with ScriptedOpenAI(tool="close_ticket", arguments={"ticket": "7"}) as server:
        with running_worker(
            "ticket_agent.py", cwd=folder, env=_env(server), executor="worker-a", bound=_BOUND
        ) as worker:
            batch = ["-m", "fastagent", "batch", "ticket_agent.py", "tickets.jsonl"]
            run = _python(folder, server, *batch, "-o", "answers.jsonl", "--no-work")
            assert run.returncode == 0, run.stderr[-3000:]
            listing = _python(folder, server, "-m", "fastagent", "durable", "list")
            listed = listing.stdout.splitlines()
        assert worker.returncode == 0
        lines = [json.loads(x) for x in folder.joinpath("answers.jsonl").read_text().splitlines()]
        assert [line["id"] for line in lines] == ["T-1", "T-2", "T-3"]
        assert sorted(row.split("\t")[1:3] for row in listed) == [["SUCCESS", "worker-a"]] * 3
        assert server.requests == 6


def test_the_documented_offline_run_of_the_ticket_example_works_as_written(
    folder: Path,
) -> None:
    # docs/durable.md's offline command, as a reader copies it (no model server, no key).
    doc = (Path(__file__).parents[2] / "docs" / "durable.md").read_text(encoding="utf-8")
    [command] = [
        line for line in doc.splitlines() if line.startswith("FASTAGENT_DEFAULT_MODEL=passthrough")
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAGENT_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    runs = [
        subprocess.run(
            ["bash", "-c", command],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=_BOUND,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.stdout.strip() == "ticket 7 closed (idempotency key ticket-7:2)"
    assert "model passthrough" in runs[0].stderr
    assert "model passthrough" not in runs[1].stderr  # read back from its record

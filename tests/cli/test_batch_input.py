"""What ``fastagent batch`` reads before any row runs: ``--schema`` and hostile data files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fastagent.cli.batch_run import BatchOptions, read_rows
from fastagent.cli.batch_schema import load_schema
from fastagent.exceptions import ModelOutputError, UserError

SCHEMAS = """\
from pydantic import BaseModel

class Ticket(BaseModel):
    priority: int
    summary: str

def helper() -> None:
    pass

CONSTANT = 3
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    scripts.joinpath("batch_schemas_mod.py").write_text(SCHEMAS)
    scripts.joinpath("broken_schemas_mod.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.chdir(tmp_path)
    yield scripts
    for name in ("batch_schemas_mod", "broken_schemas_mod"):
        sys.modules.pop(name, None)


def test_a_model_next_to_the_script_is_found_and_validates(folder: Path) -> None:
    schema = load_schema("batch_schemas_mod:Ticket", script_dir=folder)
    assert schema.json_schema["title"] == "Ticket"
    assert schema.value('```json\n{"priority": 2, "summary": "late"}\n```') == {
        "priority": 2,
        "summary": "late",
    }
    with pytest.raises(ModelOutputError, match="does not match Ticket: priority"):
        schema.value('{"summary": "late"}')


@pytest.mark.parametrize(
    ("reference", "message", "hint"),
    [
        ("Ticket", "--schema 'Ticket' is not MODULE:Model", "e.g. --schema schemas:Ticket"),
        ("batch_schemas_mod:", "is not MODULE:Model", "e.g. --schema"),
        ("batch_schemas_mod.py:Ticket", "names a file, not a module", "batch_schemas_mod:Ticket"),
        ("no_such_mod_xyz:Ticket", "cannot import 'no_such_mod_xyz'", "the script's folder"),
        ("broken_schemas_mod:Ticket", "importing 'broken_schemas_mod' failed: RuntimeError", ""),
        ("batch_schemas_mod:Tiket", "has no attribute 'Tiket' (did you mean 'Ticket'?)", ""),
        ("batch_schemas_mod:helper", "is a function, not a pydantic model", "BaseModel"),
        ("batch_schemas_mod:CONSTANT", "is a int, not a pydantic model", "BaseModel"),
        ("batch_schemas_mod:BaseModel", "is pydantic's BaseModel itself", "subclass"),
    ],
)
def test_a_bad_schema_is_one_line_with_a_hint(
    folder: Path, reference: str, message: str, hint: str
) -> None:
    with pytest.raises(UserError) as caught:
        load_schema(reference, script_dir=folder)
    assert caught.value.message.startswith("batch: --schema")
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.hint is not None and hint in caught.value.hint


def _options(data: Path, **extra: object) -> BatchOptions:
    return BatchOptions(script="app.py", data=str(data), output="out.jsonl", **extra)  # type: ignore[arg-type]


def test_a_truncated_last_line_is_named_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text('{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": "b"}\n{"id": 3, "pro')
    with pytest.raises(UserError) as caught:
        read_rows(_options(data))
    assert "rows.jsonl:3: not valid JSON" in caught.value.message
    assert caught.value.hint is not None and "cut off" in caught.value.hint


def test_a_bad_line_in_the_middle_is_not_called_cut_off(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text('{"id": 1, "prompt": "a"}\n{"id": 2,\n{"id": 3, "prompt": "c"}\n')
    with pytest.raises(UserError) as caught:
        read_rows(_options(data))
    assert "rows.jsonl:2: not valid JSON" in caught.value.message
    assert caught.value.hint == "each line must be one JSON object"


def test_duplicate_ids_are_named_with_the_second_line(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text(
        '{"id": "a", "prompt": "1"}\n{"id": "b", "prompt": "2"}\n{"id": "a", "prompt": "3"}\n'
    )
    with pytest.raises(
        UserError, match=r"rows.jsonl:3: row id 'a' appears twice \(first on line 1\)"
    ):
        read_rows(_options(data))


def test_a_csv_with_a_byte_order_mark_and_a_multiline_field(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_bytes(b'\xef\xbb\xbfticket,text\r\nT-1,"two\r\nlines"\r\nT-2,plain\r\n')
    rows = read_rows(_options(data, id_field="ticket", field="text"))
    assert [(r.id, r.text) for r in rows] == [("T-1", "two\r\nlines"), ("T-2", "plain")]


def test_a_misspelt_id_field_is_named_instead_of_numbering_the_rows(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("ticket,text\nT-1,refund\nT-2,late parcel\n")
    with pytest.raises(UserError) as caught:
        read_rows(_options(data, id_field="tiket", require_id=True, field="text"))
    assert caught.value.message == f"batch: {data}:2: the row has no 'tiket' field (--id-field)"
    assert caught.value.hint is not None and "the row has: ticket, text" in caught.value.hint
    # Without --id-field, a row lacking 'id' is numbered, as documented.
    assert [r.id for r in read_rows(_options(data, field="text"))] == ["1", "2"]


def test_a_csv_row_missing_the_field_names_its_real_line(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text('id,prompt\n1,"a\nb"\n2\n', newline="")
    # A line with fewer fields than the header (cut short) is refused as such.
    with pytest.raises(UserError, match=r"rows.csv:4: 1 field\(s\), the header has 2"):
        read_rows(_options(data, field="prompt"))
    data.write_text('id,text\n1,"a\nb"\n2,c\n', newline="")
    with pytest.raises(UserError, match=r"rows.csv:2: the row has no 'prompt'"):
        read_rows(_options(data, field="prompt"))


def test_a_jsonl_with_a_byte_order_mark_and_a_huge_row(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    huge = "x" * 5_000_000
    body = json.dumps({"id": 1, "prompt": huge}) + "\n" + json.dumps({"prompt": "small"}) + "\n"
    data.write_bytes(b"\xef\xbb\xbf" + body.encode())
    rows = read_rows(_options(data))
    assert [r.id for r in rows] == ["1", "2"]
    assert rows[0].text == huge


def test_the_command_line_requires_a_given_id_field_before_any_row_runs(
    run_cli: Any, project: Path
) -> None:
    project.joinpath("rows.csv").write_text("ticket,text\nT-1,refund\n")
    project.joinpath("app.py").write_text(
        "from fastagent import FastAgent\nfast = FastAgent('a')\nfast.agent('a', 'x')\n"
    )
    result = run_cli("batch", "app.py", "rows.csv", "-o", "out.jsonl", "--id-field", "tiket")
    assert result.returncode == 1
    assert "rows.csv:2: the row has no 'tiket' field (--id-field)" in result.stderr
    assert (
        not project.joinpath(".fastagent").exists() and not project.joinpath("out.jsonl").exists()
    )


@pytest.mark.parametrize(
    ("name", "output"),
    [
        ("rows.jsonl", "rows.jsonl"),
        ("rows.jsonl", "./rows.jsonl"),
        ("rows.jsonl.partial", "rows.jsonl"),  # the data is the output's .partial file
    ],
)
def test_an_output_that_would_overwrite_the_data_is_refused(
    run_cli: Any, project: Path, name: str, output: str
) -> None:
    data = '{"id": "1", "prompt": "a"}\n'
    project.joinpath(name).write_text(data)
    project.joinpath("app.py").write_text(
        "from fastagent import FastAgent\nfast = FastAgent('a')\nfast.agent('a', 'x')\n"
    )
    result = run_cli("batch", "app.py", name, "-o", output)
    assert result.returncode == 1
    assert f"batch: -o {output} would overwrite the data file {name}" in result.stderr
    assert "hint: write the answers to another file, e.g. -o answers.jsonl" in result.stderr
    assert project.joinpath(name).read_text() == data


def test_a_template_without_a_field_is_refused_before_any_row_runs(
    run_cli: Any, project: Path
) -> None:
    project.joinpath("rows.csv").write_text("ticket,text\nT-1,refund\nT-2,late parcel\n")
    project.joinpath("app.py").write_text(
        "from fastagent import FastAgent\nfast = FastAgent('a')\nfast.agent('a', 'x')\n"
    )
    result = run_cli("batch", "app.py", "rows.csv", "-o", "out.jsonl", "--template", "Summarize")
    assert result.returncode == 1
    assert (
        "error: batch: --template 'Summarize' names no row field: every row would send the "
        "same text"
    ) in result.stderr
    assert 'hint: put a field of the rows in braces, e.g. --template "Summarize: {text}"' in (
        result.stderr
    )
    assert not (project / "out.jsonl").exists()


def test_the_workflow_ids_are_the_same_for_the_same_batch_and_differ_for_another(
    tmp_path: Path,
) -> None:
    """Data file content, agent, field/template, id field, schema, model, version: each counts."""
    from fastagent.cli.batch_run import workflow_prefix

    data = tmp_path / "rows.jsonl"
    data.write_text('{"id": 1, "prompt": "a"}\n')
    base = _options(data)
    prefix = workflow_prefix(base, "generic.m", "1")
    assert prefix.startswith("batch-") and len(prefix) == len("batch-") + 16
    assert workflow_prefix(_options(data), "generic.m", "1") == prefix  # deterministic
    # Another output file or concurrency is the same batch.
    assert workflow_prefix(_options(data, concurrency=3), "generic.m", "1") == prefix
    others = {
        workflow_prefix(_options(data, agent="other"), "generic.m", "1"),
        workflow_prefix(_options(data, field="text"), "generic.m", "1"),
        workflow_prefix(_options(data, template="Say {prompt}"), "generic.m", "1"),
        workflow_prefix(_options(data, id_field="n"), "generic.m", "1"),
        workflow_prefix(_options(data, schema="s:T"), "generic.m", "1"),
        workflow_prefix(base, "generic.other", "1"),
        workflow_prefix(base, "generic.m", "2"),
    }
    assert len(others) == 7 and prefix not in others
    data.write_text('{"id": 1, "prompt": "b"}\n')  # the data changed: another batch
    assert workflow_prefix(base, "generic.m", "1") not in {prefix, *others}


def test_a_missing_data_file_or_a_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"batch: data file .*nope.jsonl does not exist"):
        read_rows(_options(tmp_path / "nope.jsonl"))
    with pytest.raises(UserError, match=r"batch: data file .* is a folder"):
        read_rows(_options(tmp_path))

"""The rows of ``fastagent batch``: a .jsonl or .csv file read, checked and turned into texts.

Everything here happens before any row runs: a bad file stops the batch with one line
naming the file and line (see docs/batch.md for what is refused and why).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastagent.exceptions import UserError

__all__ = ["Row", "RowOptions", "read_rows"]


class RowOptions(Protocol):
    """What reading the rows needs of the command line (`BatchOptions` has it)."""

    @property
    def data(self) -> str:
        """The data file."""
        ...

    @property
    def field(self) -> str | None:
        """The field sent (None: ``prompt``)."""
        ...

    @property
    def template(self) -> str | None:
        """The template filled with the row's fields, instead of a field."""
        ...

    @property
    def id_field(self) -> str:
        """The field holding the row's id."""
        ...

    @property
    def require_id(self) -> bool:
        """Whether every row must have the id field (``--id-field`` was given)."""
        ...


@dataclass(frozen=True, slots=True)
class Row:
    """One input row: its id (the id field, else its 1-based number) and its text."""

    id: str
    text: str


def read_rows(options: RowOptions) -> list[Row]:
    """Read DATA (.jsonl or .csv) into rows with the text each sends.

    Raises:
        UserError: The file is missing, unreadable, not UTF-8 or holds no rows; a line is
            not a JSON object (or a CSV line has more or fewer fields than the header); a
            row lacks the field (or a template key); or two rows have the same id.
    """
    path = Path(options.data)
    if path.is_dir():
        raise UserError(f"batch: data file {path} is a folder", hint="give a .jsonl or .csv")
    if not path.is_file():
        raise UserError(f"batch: data file {path} does not exist", hint="give a .jsonl or .csv")
    records = _records(path)
    if not records:
        raise UserError(
            f"batch: {path} holds no rows",
            hint="a .jsonl needs one JSON object per line; a .csv a header line, then rows",
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}  # row id -> the line it was first seen on
    for number, (line, record) in enumerate(records, start=1):
        where = f"{path}:{line}"
        raw_id = record.get(options.id_field)
        if options.require_id and options.id_field not in record:
            raise UserError(
                f"batch: {where}: the row has no {options.id_field!r} field (--id-field)",
                hint=f"the row has: {', '.join(record) or 'no fields'}; "
                "without --id-field a row's id is its 'id' field, else its row number",
            )
        row_id = str(number) if raw_id is None or raw_id == "" else str(raw_id)
        if row_id in seen:
            # Two rows with one id would be one workflow: the second would silently get
            # the first's answer. Refuse instead of dropping a row.
            raise UserError(
                f"batch: {where}: row id {row_id!r} appears twice (first on line {seen[row_id]})",
                hint=f"give every row its own {options.id_field!r} (a row without one is "
                "numbered, which can clash with another's id), or choose another --id-field",
            )
        seen[row_id] = line
        rows.append(Row(row_id, _text(record, options, where)))
    return rows


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"batch: cannot read {path}: {exc.strerror}", hint="check the path and its rights"
        ) from None
    try:
        # Bytes decoded as they are (a quoted CSV field keeps its CRLF); a BOM is dropped.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)  # after a BOM
        line = data[:at].count(b"\n") + 1
        raise UserError(
            f"batch: {path}:{line}: not UTF-8 text (byte 0x{data[at]:02x})",
            hint="save the file as UTF-8 (a binary file is neither .jsonl nor .csv)",
        ) from None
    if path.suffix.lower() == ".csv":
        return _csv_records(path, text)
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise UserError(
            f"batch: {path} is neither .jsonl nor .csv", hint="rename it, or convert it"
        )
    records: list[tuple[int, dict[str, Any]]] = []
    lines = text.splitlines()
    for line_number, content in enumerate(lines, start=1):
        if not content.strip():
            continue
        try:
            record = json.loads(content)
        except json.JSONDecodeError as exc:
            cut = line_number == len(lines) and not text.endswith("\n")
            raise UserError(
                f"batch: {path}:{line_number}: not valid JSON ({exc.msg})",
                hint="the last line looks cut off (no newline at the end): complete or remove it"
                if cut
                else "each line must be one JSON object",
            ) from None
        if not isinstance(record, dict):
            raise UserError(
                f"batch: {path}:{line_number}: a JSON {type(record).__name__}, not an object",
                hint='each line must be an object, e.g. {"id": 1, "prompt": "..."}',
            )
        records.append((line_number, record))
    return records


def _csv_records(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a CSV file, each with the line it starts on.

    Strict: a quote left open (a file cut off inside a quoted field) or a stray quote is an
    error, and so is a line with more or fewer fields than the header, which is what a
    line cut short or a comma too many looks like.
    """
    # Quoted fields may hold newlines.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, dict[str, Any]]] = []
    start = 2  # line 1 is the header
    try:
        for record in reader:
            fields = len(reader.fieldnames or ())
            extra = record.pop(None, None)
            missing = sum(1 for value in record.values() if value is None)
            if extra or missing:
                count = fields + len(extra or ()) - missing
                raise UserError(
                    f"batch: {path}:{start}: {count} field(s), the header has {fields}",
                    hint="a line cut short, or a comma inside a field that is not quoted",
                )
            records.append((start, dict(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            f"batch: {path}:{max(start, reader.line_num)}: not valid CSV ({exc})",
            hint="check the quotes of that line (a file cut off inside a quoted field?)",
        ) from None
    return records


def _text(record: dict[str, Any], options: RowOptions, where: str) -> str:
    if options.template is not None:
        try:
            return options.template.format_map(record)
        except KeyError as exc:
            raise UserError(
                f"batch: {where}: the template needs {exc.args[0]!r}, which the row lacks",
                hint=f"the row has: {', '.join(record) or 'no fields'}",
            ) from None
        except (ValueError, IndexError) as exc:
            raise UserError(
                f"batch: --template is not a valid format string: {exc}",
                hint='write fields in braces, e.g. "Summarize: {text}"',
            ) from None
    field = options.field or "prompt"
    value = record.get(field)
    if value is None:
        raise UserError(
            f"batch: {where}: the row has no {field!r} field",
            hint=f"use --field or --template (the row has: {', '.join(record) or 'nothing'})",
        )
    return value if isinstance(value, str) else json.dumps(value)

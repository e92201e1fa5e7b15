"""The work of ``fastagent batch``: rows in, one durable agent turn per row, JSONL out.

Every row is one workflow of the durable engine (the embedded SQLite database unless the
config's ``durable:`` says otherwise) whose id is derived from the data file's content, the
agent, the template or field, the model and the application version, plus the row's id. So
re-running the same command re-attaches: rows already done are read back (no model call),
rows in flight when a previous run died resume from their last recorded step, the others
start. Rows never share an agent's memory: each turn starts from the agent's prompt only.

The output has one JSON line per row, in input order: ``id``, ``text``, ``value`` (with
``--schema``, see `batch_schema`), ``usage`` and ``cost`` (None when the model has no known
price), or ``error``. While the batch runs, finished rows are appended to ``OUT.partial``;
OUT is written (atomically) at the end. ``--no-durable`` runs the same turns without the
durable engine (no database, no resume): for benchmarks and throwaway runs.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.cli.batch_schema import RowSchema
    from fastagent.durable.engine import DurableEngine
    from fastagent.providers.model_catalogue import ModelInfo
    from fastagent.runtime import Runtime

__all__ = ["BatchOptions", "Row", "read_rows", "run_batch", "workflow_prefix"]


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """The command line of one batch (see ``fastagent batch --help``)."""

    script: str
    data: str
    output: str
    agent: str | None = None
    field: str | None = None
    template: str | None = None
    id_field: str = "id"
    concurrency: int = 8
    rate: str | None = None
    retry_failed: bool = False
    config: str | None = None
    quiet: bool = False
    schema: str | None = None
    durable: bool = True


@dataclass(frozen=True, slots=True)
class Row:
    """One input row: its id (the id field, else its 1-based number) and its text."""

    id: str
    text: str


def read_rows(options: BatchOptions) -> list[Row]:
    """Read DATA (.jsonl or .csv) into rows with the text each sends.

    Raises:
        UserError: The file is missing or unreadable, a line is not a JSON object, a row
            lacks the field (or a template key), or two rows have the same id.
    """
    path = Path(options.data)
    if not path.is_file():
        raise UserError(f"batch: data file {path} does not exist", hint="give a .jsonl or .csv")
    records = _records(path)
    rows: list[Row] = []
    seen: set[str] = set()
    for number, (line, record) in enumerate(records, start=1):
        where = f"{path}:{line}"
        raw_id = record.get(options.id_field)
        row_id = str(number) if raw_id is None or raw_id == "" else str(raw_id)
        if row_id in seen:
            raise UserError(
                f"{where}: row id {row_id!r} appears twice",
                hint=f"ids (field {options.id_field!r}) must be unique; use --id-field",
            )
        seen.add(row_id)
        rows.append(Row(row_id, _text(record, options, where)))
    return rows


def workflow_prefix(options: BatchOptions, model: str, version: str) -> str:
    """The part of every row's workflow id that names this batch (``batch-<16 hex>``)."""
    digest = hashlib.sha256(Path(options.data).read_bytes())
    parts = [options.agent, options.field, options.template, options.id_field, model, version]
    if options.schema is not None:  # only then: batches without one keep their ids
        parts.append(options.schema)
    digest.update(json.dumps(parts).encode())
    return f"batch-{digest.hexdigest()[:16]}"


async def run_batch(options: BatchOptions, *, err: TextIO | None = None) -> int:
    """Run the batch; returns 0 when every row succeeded, 1 when some failed."""
    from fastagent.agents.durable_turns import AGENT_HANDLER, AgentTurns, turn_payload
    from fastagent.cli.batch_progress import BatchProgress
    from fastagent.cli.batch_schema import load_schema
    from fastagent.config import load_config
    from fastagent.config.durable_settings import DurableSettings, parse_rate
    from fastagent.durable.listing import statuses_by_prefix
    from fastagent.runtime import RunOptions, Runtime
    from fastagent.scenarios.imports import load_app

    stream = err if err is not None else sys.stderr
    if options.concurrency < 1:
        raise UserError("batch: --concurrency must be at least 1", hint="e.g. --concurrency 8")
    try:
        rate = parse_rate(options.rate) if options.rate else None
    except ValueError as exc:
        raise UserError(f"batch: --rate {exc}", hint="e.g. --rate 60/min") from None
    if options.retry_failed and not options.durable:
        raise UserError(
            "batch: --retry-failed needs durability, which --no-durable turns off",
            hint="drop --no-durable (a run without it re-runs every row anyway)",
        )
    rows = read_rows(options)
    script_dir = Path(options.script.partition(":")[0]).resolve().parent
    schema = load_schema(options.schema, script_dir=script_dir) if options.schema else None
    fast = load_app(options.script, base_dir=Path.cwd(), where="batch")
    loaded = load_config(options.config)
    durable = loaded.settings.durable or DurableSettings()
    settings = loaded.settings.model_copy(
        update={"durable": durable.model_copy(update={"enabled": options.durable})}
    )
    run_options = RunOptions(agent=options.agent, quiet=True)
    async with Runtime.open(run_options, settings=settings) as runtime:
        app = await fast.build(runtime)
        agent = app.default if options.agent is None else app[options.agent]
        engine = runtime.durable if options.durable else None
        model = str(getattr(agent, "model", ""))
        response_format = schema.json_schema if schema is not None else None
        price = _price(runtime, model)
        ids: dict[str, str] = {}
        done: list[Row] = []
        if engine is not None:
            prefix = workflow_prefix(options, model, durable.application_version)
            for row in rows:
                ids[row.id] = f"{prefix}-{row.id}"
                if options.retry_failed:
                    payload = turn_payload(agent, row.text, response_format)
                    ids[row.id] = await _next_attempt(engine, ids[row.id], schema, payload)
            known = await statuses_by_prefix(f"{prefix}-")  # one query, not one per row
            done = [row for row in rows if known.get(ids[row.id]) == "SUCCESS"]
        local = AgentTurns()  # --no-durable: the same turn, run in this task
        local.agents.update(app.agents)
        progress = BatchProgress(len(rows), stream, quiet=options.quiet)
        if done and not options.quiet:
            progress.note(f"batch: {len(done)} of {len(rows)} rows already done")
        limiter = _Pacer(rate)
        gate = asyncio.Semaphore(options.concurrency)
        partial = Path(f"{options.output}.partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        results: dict[str, dict[str, Any]] = {}
        with partial.open("w", encoding="utf-8") as sink:

            async def one(row: Row) -> None:
                async with gate:
                    await limiter.wait()
                    progress.started()
                    try:
                        payload = turn_payload(agent, row.text, response_format)
                        if engine is None:
                            result = await local(payload)
                        else:
                            result = await engine.run(ids[row.id], AGENT_HANDLER, payload)
                        line = _success(row, result, price, schema)
                    except Exception as exc:
                        line = {"id": row.id, "error": _error_text(exc)}
                results[row.id] = line
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.flush()
                progress.finished(line)

            try:
                await asyncio.gather(*(one(row) for row in rows))
            finally:
                progress.close()
        _write_atomically(Path(options.output), [results[row.id] for row in rows])
        partial.unlink(missing_ok=True)
    failed = [row.id for row in rows if "error" in results[row.id]]
    if failed:
        stream.write(
            f"batch: {len(failed)} of {len(rows)} rows failed: {', '.join(failed[:50])}"
            + (" ..." if len(failed) > 50 else "")
            + "\n  (re-run with --retry-failed to run them again)\n"
        )
        return 1
    return 0


async def _next_attempt(
    engine: DurableEngine, base: str, schema: RowSchema | None, payload: dict[str, Any]
) -> str:
    """With --retry-failed, the row's first attempt (`base`, `base.retry2`, ...) not failed.

    With ``--schema`` an attempt whose recorded reply does not validate failed too.
    """
    attempt, candidate = 1, base
    while await _attempt_failed(engine, candidate, schema, payload):
        attempt += 1
        candidate = f"{base}.retry{attempt}"
    return candidate


async def _attempt_failed(
    engine: DurableEngine, key: str, schema: RowSchema | None, payload: dict[str, Any]
) -> bool:
    status = await engine.status(key)
    if status in ("ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        return True
    if status != "SUCCESS" or schema is None:
        return False
    from fastagent.agents.durable_turns import AGENT_HANDLER
    from fastagent.exceptions import ModelOutputError
    from fastagent.messages import Message

    recorded = await engine.run(key, AGENT_HANDLER, payload)  # finished: read back, no call
    try:
        schema.value(Message.from_dict(recorded["final"]).text)
    except ModelOutputError:
        return True
    return False


def _success(
    row: Row, result: dict[str, Any], price: ModelInfo | None, schema: RowSchema | None
) -> dict[str, Any]:
    from fastagent.exceptions import ModelOutputError
    from fastagent.messages import Message, Usage

    final = Message.from_dict(result["final"])
    usage = final.usage or Usage()
    line: dict[str, Any] = {"id": row.id, "text": final.text}
    if schema is not None:
        try:
            line["value"] = schema.value(final.text)
        except ModelOutputError as exc:
            line["error"] = _error_text(exc)
    line["usage"] = usage.model_dump(mode="json")
    line["cost"] = _cost(price, usage)
    return line


def _error_text(exc: BaseException) -> str:
    from fastagent.exceptions import FastAgentError

    text = f"{type(exc).__name__}: {exc}"
    hint = exc.hint if isinstance(exc, FastAgentError) else None
    return f"{text} (hint: {hint})" if hint else text


def _price(runtime: Runtime, model: str) -> ModelInfo | None:
    """The catalogue entry pricing `model`, or None when it has no known price."""
    from fastagent.providers.model_catalogue import lookup

    try:
        spec = runtime.models.registry.parse(model)
    except Exception:
        return None
    info = lookup(spec.provider, spec.model)
    return info if info.known else None


def _cost(price: ModelInfo | None, usage: Any) -> float | None:
    from fastagent.providers.model_catalogue import cost

    return None if price is None else cost(price, usage)


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        # Bytes decoded as they are (a quoted CSV field keeps its CRLF); a BOM is dropped.
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"batch: cannot read {path}: {exc}", hint="give a UTF-8 file") from None
    if path.suffix.lower() == ".csv":
        return _csv_records(path, text)
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise UserError(
            f"batch: {path} is neither .jsonl nor .csv", hint="rename it, or convert it"
        )
    records: list[tuple[int, dict[str, Any]]] = []
    lines = text.splitlines()
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
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
    reader = csv.DictReader(io.StringIO(text, newline=""))  # quoted fields may hold newlines
    records: list[tuple[int, dict[str, Any]]] = []
    start = 2  # line 1 is the header
    try:
        for record in reader:
            records.append((start, dict(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            f"batch: {path}:{reader.line_num}: not valid CSV ({exc})",
            hint="check the quotes of that line",
        ) from None
    return records


def _text(record: dict[str, Any], options: BatchOptions, where: str) -> str:
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


def _write_atomically(path: Path, lines: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


class _Pacer:
    """Spaces row starts to at most N per period (in this process)."""

    def __init__(self, rate: tuple[int, float] | None) -> None:
        self._interval = rate[1] / rate[0] if rate is not None else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)

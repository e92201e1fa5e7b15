"""The work of ``fastagent batch``: rows in, one durable agent turn per row, JSONL out.

Every row is one workflow of the durable engine (the embedded SQLite database unless the
config's ``durable:`` says otherwise) whose id is derived from the data file's content, the
agent, the template or field, the model and the application version, plus the row's id. So
re-running the same command re-attaches: rows already done are read back (no model call),
rows in flight when a previous run died resume from their last recorded step, the others
start. Rows never share an agent's memory: each turn starts from the agent's prompt only.

The output has one JSON line per row, in input order: ``id``, ``text``, ``usage`` and
``cost`` (None when the model has no known price), or ``error``. While the batch runs,
finished rows are appended to ``OUT.partial``; OUT is written (atomically) at the end.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.durable.engine import DurableEngine
    from fastagent.runtime import Runtime

__all__ = ["BatchOptions", "Row", "read_rows", "run_batch", "workflow_prefix"]

_MIN_POLL = 0.05  # seconds between looks for finished rows, growing while none finish
_MAX_POLL = 0.5
_ENQUEUE_AT_ONCE = 16  # rows put on the queue concurrently (each is one database insert)


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
    queue: str = "batch"
    work: bool = True
    config: str | None = None
    quiet: bool = False


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
    recipe = json.dumps(
        [options.agent, options.field, options.template, options.id_field, model, version]
    )
    digest.update(recipe.encode())
    return f"batch-{digest.hexdigest()[:16]}"


async def run_batch(options: BatchOptions, *, err: TextIO | None = None) -> int:
    """Run the batch; returns 0 when every row succeeded, 1 when some failed."""
    from fastagent.agents.durable_turns import AGENT_HANDLER, turn_payload
    from fastagent.config import load_config
    from fastagent.config.durable_settings import DurableSettings, parse_rate
    from fastagent.runtime import RunOptions, Runtime
    from fastagent.scenarios.imports import load_app

    stream = err if err is not None else sys.stderr
    if options.concurrency < 1:
        raise UserError("batch: --concurrency must be at least 1", hint="e.g. --concurrency 8")
    try:
        if options.rate:
            parse_rate(options.rate)
    except ValueError as exc:
        raise UserError(f"batch: --rate {exc}", hint="e.g. --rate 60/min") from None
    rows = read_rows(options)
    fast = load_app(options.script, base_dir=Path.cwd(), where="batch")
    loaded = load_config(options.config)
    durable = loaded.settings.durable or DurableSettings()
    settings = loaded.settings.model_copy(
        update={"durable": durable.model_copy(update={"enabled": True})}
    )
    run_options = RunOptions(agent=options.agent, quiet=True)
    async with Runtime.open(run_options, settings=settings) as runtime:
        engine = runtime.durable
        assert engine is not None  # durability was just turned on
        engine.listen = options.work
        engine.set_worker_concurrency(options.concurrency, options.queue)
        app = await fast.build(runtime)
        agent = app.default if options.agent is None else app[options.agent]
        model = str(getattr(agent, "model", ""))
        prefix = workflow_prefix(options, model, durable.application_version)
        ids = {row.id: await _workflow_id(engine, f"{prefix}-{row.id}", options) for row in rows}
        known = await engine.statuses(list(ids.values()))
        done = [row for row in rows if known.get(ids[row.id]) == "SUCCESS"]
        if done and not options.quiet:
            stream.write(f"batch: {len(done)} of {len(rows)} rows already done\n")
        elsewhere = await engine.pending_elsewhere(
            [key for key, status in known.items() if status == "PENDING"]
        )
        for executor, count in sorted(elsewhere.items()):
            stream.write(
                f"batch: {count} row(s) in flight on executor {executor}; if that process is "
                f"gone, run: fastagent durable recover --executor {executor}\n"
            )
        progress = _Progress(len(rows), stream, quiet=options.quiet)
        partial = Path(f"{options.output}.partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        results: dict[str, dict[str, Any]] = {}
        queue = options.queue
        await engine.ensure_queue(queue, update=True, rate=options.rate)
        provider = _provider(runtime, model)
        gate = asyncio.Semaphore(_ENQUEUE_AT_ONCE)

        async def put(row: Row) -> None:
            async with gate:
                payload = turn_payload(agent, row.text)
                await engine.enqueue(
                    ids[row.id], AGENT_HANDLER, payload, queue=queue, provider=provider
                )

        await asyncio.gather(*(put(row) for row in rows if ids[row.id] not in known))
        for _ in rows:
            progress.started()
        with partial.open("w", encoding="utf-8") as sink:
            waiting = {ids[row.id]: row for row in rows}
            pause = _MIN_POLL
            while waiting:
                finished = await engine.poll(list(waiting))
                for key, outcome in finished.items():
                    row = waiting.pop(key)
                    if outcome.result is not None:
                        line = _success(row, outcome.result, runtime, model)
                    else:
                        error = outcome.error
                        line = {"id": row.id, "error": f"{type(error).__name__}: {error}"}
                    results[row.id] = line
                    sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                    progress.finished(line)
                sink.flush()
                if waiting:
                    pause = _MIN_POLL if finished else min(pause * 1.5, _MAX_POLL)
                    await asyncio.sleep(pause)
        _write_atomically(Path(options.output), [results[row.id] for row in rows])
        partial.unlink(missing_ok=True)
        progress.close()
    failed = [row.id for row in rows if "error" in results[row.id]]
    if failed:
        stream.write(
            f"batch: {len(failed)} of {len(rows)} rows failed: {', '.join(failed[:50])}"
            + (" ..." if len(failed) > 50 else "")
            + "\n  (re-run with --retry-failed to run them again)\n"
        )
        return 1
    return 0


async def _workflow_id(engine: DurableEngine, base: str, options: BatchOptions) -> str:
    """The row's workflow: `base`, or with --retry-failed its first attempt not failed."""
    if not options.retry_failed:
        return base
    attempt, candidate = 1, base
    while await engine.status(candidate) in ("ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        attempt += 1
        candidate = f"{base}.retry{attempt}"
    return candidate


def _provider(runtime: Runtime, model: str) -> str | None:
    try:
        return runtime.models.registry.parse(model).provider
    except Exception:
        return None


def _success(row: Row, result: dict[str, Any], runtime: Runtime, model: str) -> dict[str, Any]:
    from fastagent.messages import Message, Usage

    final = Message.from_dict(result["final"])
    usage = final.usage or Usage()
    return {
        "id": row.id,
        "text": final.text,
        "usage": usage.model_dump(mode="json"),
        "cost": _cost(runtime, model, usage),
    }


def _cost(runtime: Runtime, model: str, usage: Any) -> float | None:
    from fastagent.providers.model_catalogue import cost, lookup

    try:
        spec = runtime.models.registry.parse(model)
    except Exception:
        return None
    info = lookup(spec.provider, spec.model)
    return cost(info, usage) if info.known else None


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"batch: cannot read {path}: {exc}", hint="give a UTF-8 file") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        return [(n + 2, dict(r)) for n, r in enumerate(reader)]  # line 1 is the header
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise UserError(
            f"batch: {path} is neither .jsonl nor .csv", hint="rename it, or convert it"
        )
    records: list[tuple[int, dict[str, Any]]] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"batch: {path}:{line_number}: not valid JSON ({exc.msg})",
                hint="each line must be one JSON object",
            ) from None
        if not isinstance(record, dict):
            raise UserError(
                f"batch: {path}:{line_number}: a JSON {type(record).__name__}, not an object",
                hint='each line must be an object, e.g. {"id": 1, "prompt": "..."}',
            )
        records.append((line_number, record))
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


class _Progress:
    """done / failed / in flight, tokens and cost: one rewritten line on a TTY, else lines."""

    def __init__(self, total: int, stream: TextIO, *, quiet: bool) -> None:
        self.total, self.stream, self.quiet = total, stream, quiet
        self.tty = stream.isatty()
        self.done = self.failed = self.flight = self.tokens = 0
        self.cost = 0.0
        self._every = max(1, total // 10)

    def started(self) -> None:
        self.flight += 1

    def finished(self, line: dict[str, Any]) -> None:
        self.flight -= 1
        if "error" in line:
            self.failed += 1
        else:
            self.done += 1
            usage = line.get("usage") or {}
            self.tokens += int(usage.get("input_tokens", 0)) + int(usage.get("output_tokens", 0))
            self.cost += line.get("cost") or 0.0
        finished = self.done + self.failed
        if self.tty or finished % self._every == 0 or finished == self.total:
            self._show()

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")

    def _show(self) -> None:
        if self.quiet:
            return
        text = (
            f"batch: {self.done + self.failed}/{self.total} · {self.done} done · "
            f"{self.failed} failed · {self.flight} in flight · {self.tokens} tokens · "
            f"${self.cost:.4f}"
        )
        self.stream.write(f"\r{text}" if self.tty else f"{text}\n")
        self.stream.flush()

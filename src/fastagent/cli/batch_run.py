"""The work of ``fastagent batch``: rows in, one durable agent turn per row, JSONL out.

Every row is one workflow of the durable engine (the embedded SQLite database unless the
config's ``durable:`` says otherwise) whose id is derived from the data file's content, the
agent, the template or field, the model and the application version, plus the row's id. So
re-running the same command re-attaches: rows already done are read back (no model call),
rows in flight when a previous run died resume from their last recorded step, the others
start. The rows go on a durable queue (``batch``, or ``--queue``) that this process and
every ``fastagent worker`` of the database run; the batch collects their outcomes by
querying the database. Rows never share an agent's memory: each turn starts from the
agent's prompt only.

The output has one JSON line per row, in input order: ``id``, ``text``, ``value`` (with
``--schema``, see `batch_schema`), ``usage`` and ``cost`` (None when the model has no known
price), or ``error``. While the batch runs, finished rows are appended to ``OUT.partial``;
OUT is written (atomically) at the end. ``--no-durable`` runs the same turns in this
process without the durable engine (no database, no queue, no resume): for benchmarks and
throwaway runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fastagent.cli.batch_rows import Row, read_rows
from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.agents.durable_turns import AgentTurns, BaseAgent
    from fastagent.cli.batch_progress import BatchProgress
    from fastagent.cli.batch_schema import RowSchema
    from fastagent.durable.engine import DurableEngine
    from fastagent.messages import Message
    from fastagent.providers.model_catalogue import ModelInfo
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
    config: str | None = None
    quiet: bool = False
    schema: str | None = None
    durable: bool = True
    queue: str | None = None
    work: bool = True
    require_id: bool = False  # --id-field given: a row without that field is a mistake


def workflow_prefix(options: BatchOptions, model: str, version: str) -> str:
    """The part of every row's workflow id that names this batch (``batch-<16 hex>``)."""
    digest = hashlib.sha256(Path(options.data).read_bytes())
    parts = [options.agent, options.field, options.template, options.id_field, model, version]
    if options.schema is not None:  # only then: batches without one keep their ids
        parts.append(options.schema)
    digest.update(json.dumps(parts).encode())
    return f"batch-{digest.hexdigest()[:16]}"


async def run_batch(options: BatchOptions, *, err: TextIO | None = None) -> int:
    """Run the batch; returns 0 when every row succeeded, 1 when some failed.

    SIGTERM or SIGHUP stop it as Ctrl-C does: the rows in flight are cancelled, the
    runtime closes, ``OUT.partial`` keeps the rows finished so far, a note says how to
    resume, and `TerminatedBySignal` (exit 128+N) follows.
    """
    from fastagent._signals import TerminatedBySignal, ending_on_signals
    from fastagent.agents.durable_turns import AgentTurns
    from fastagent.cli.batch_progress import BatchProgress
    from fastagent.cli.batch_schema import load_schema
    from fastagent.config import load_config
    from fastagent.config.durable_settings import BATCH_QUEUE, DurableSettings
    from fastagent.runtime import RunOptions, Runtime
    from fastagent.scenarios.imports import load_app

    stream = err if err is not None else sys.stderr
    rate = _check(options)
    rows = read_rows(options)
    if options.durable:
        from fastagent.durable.errors import require_dbos

        require_dbos(
            "fastagent batch",
            hint="pip install 'fastagent[durable]', or run without durability: --no-durable",
        )
    output = Path(options.output)
    partial = Path(f"{options.output}.partial")
    _check_output(options, output, partial)
    script_dir = Path(options.script.partition(":")[0]).resolve().parent
    schema = load_schema(options.schema, script_dir=script_dir) if options.schema else None
    fast = load_app(
        options.script,
        base_dir=Path.cwd(),
        where="batch",
        missing_hint=f"give the path of a FastAgent script (relative to {Path.cwd()})",
    )
    loaded = load_config(options.config)
    durable = loaded.settings.durable or DurableSettings()
    settings = loaded.settings.model_copy(
        update={"durable": durable.model_copy(update={"enabled": options.durable})}
    )
    run_options = RunOptions(agent=options.agent, quiet=True)
    sink: _Sink | None = None
    try:
        async with ending_on_signals(Runtime.open(run_options, settings=settings)) as runtime:
            engine = runtime.durable if options.durable else None
            if engine is not None:
                engine.listen = options.work
                engine.set_worker_concurrency(options.concurrency, options.queue or BATCH_QUEUE)
            app = await fast.build(runtime)
            agent = app.default if options.agent is None else app[options.agent]
            model = str(getattr(agent, "model", ""))
            turn = _Turn(agent, schema, _price(runtime, model))
            if options.work:  # rows run here: the SDK's import and client now, not in row 1
                _warm(agent)
            progress = BatchProgress(len(rows), stream, quiet=options.quiet)
            with partial.open("w", encoding="utf-8") as file:
                sink = _Sink(file, progress)
                try:
                    if engine is None:
                        turns = AgentTurns()  # the turn handler a worker runs, in this task
                        turns.agents.update(app.agents)
                        await _run_here(turns, turn, rows, options.concurrency, rate, sink)
                    else:
                        prefix = workflow_prefix(options, model, durable.application_version)
                        queue = _Queue(engine, options.queue or BATCH_QUEUE, options.rate)
                        await _run_queued(queue, turn, rows, prefix, options, sink, runtime)
                finally:
                    progress.close()
            results = sink.results
            _write_output(output, partial, [results[row.id] for row in rows])
            partial.unlink(missing_ok=True)
    except (asyncio.CancelledError, KeyboardInterrupt, TerminatedBySignal):
        if sink is not None:
            stream.write(_stopped_note(options, partial, len(sink.results), len(rows)))
            stream.flush()
        raise
    failed = [row.id for row in rows if "error" in results[row.id]]
    if failed:
        stream.write(
            f"batch: {len(failed)} of {len(rows)} rows failed: {', '.join(failed[:50])}"
            + (" ..." if len(failed) > 50 else "")
            + "\n  (re-run with --retry-failed to run them again)\n"
        )
        return 1
    return 0


def _stopped_note(options: BatchOptions, partial: Path, finished: int, total: int) -> str:
    """What a stopped batch says: what is kept, and how to go on."""
    how = (
        "the same command resumes (finished rows are read back, not sent again)"
        if options.durable
        else "--no-durable recorded nothing: the same command runs every row again"
    )
    return f"batch: stopped with {finished} of {total} rows finished (in {partial}); {how}\n"


def _check_output(options: BatchOptions, output: Path, partial: Path) -> None:
    """Refuse an OUT that cannot be written, before anything runs.

    OUT's folder must exist (it is not created: a typo in it would otherwise put the
    answers somewhere unexpected), OUT must not be a folder or the data file itself, and
    the folder must take a new file (``OUT.partial`` is created and removed to find out).
    """
    where = f"batch: -o {output}"
    if output.is_dir():
        raise UserError(f"{where} is a folder", hint=f"name a file, e.g. {output / 'out.jsonl'}")
    with contextlib.suppress(OSError):
        if output.exists() and output.samefile(options.data):
            raise UserError(
                f"{where} is the data file itself: the answers would replace the rows",
                hint="write the answers to another file",
            )
    folder = output.parent
    if not folder.is_dir():
        missing = not folder.exists()
        raise UserError(
            f"{where}: the folder {folder} does not exist"
            if missing
            else f"{where}: {folder} is not a folder",
            hint=f"create it first (mkdir -p {folder}) or fix the path"
            if missing
            else "fix the path",
        )
    existed = partial.exists()
    try:
        with partial.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UserError(
            f"{where}: cannot create {partial}: {exc.strerror}",
            hint="choose a folder this user can write to",
        ) from None
    if not existed:
        partial.unlink(missing_ok=True)


def _write_output(output: Path, partial: Path, lines: list[dict[str, Any]]) -> None:
    try:
        _write_atomically(output, lines)
    except OSError as exc:
        raise UserError(
            f"batch: cannot write {output}: {exc.strerror}",
            hint=f"the finished rows are kept in {partial} (and, when durable, in the "
            "database: the same command writes OUT again without sending them)",
        ) from None


def _check(options: BatchOptions) -> tuple[int, float] | None:
    """Refuse a bad command line before anything runs; returns the parsed ``--rate``."""
    from fastagent.config.durable_settings import parse_rate

    if options.concurrency < 1:
        raise UserError("batch: --concurrency must be at least 1", hint="e.g. --concurrency 8")
    output, data = Path(options.output).resolve(), Path(options.data).resolve()
    if output in (data, data.with_name(data.name + ".partial")) or (
        data == output.with_name(output.name + ".partial")
    ):
        raise UserError(
            f"batch: -o {options.output} would overwrite the data file {options.data}",
            hint="write the answers to another file, e.g. -o answers.jsonl",
        )
    try:
        rate = parse_rate(options.rate) if options.rate else None
    except ValueError as exc:
        # parse_rate's messages start with "rate '<text>'": "--rate '<text>' ...".
        raise UserError(f"batch: --{exc}", hint="e.g. --rate 60/min") from None
    if options.template is not None and not _template_fields(options.template):
        raise UserError(
            f"batch: --template {options.template!r} names no row field: every row would "
            "send the same text",
            hint='put a field of the rows in braces, e.g. --template "Summarize: {text}"',
        )
    if options.durable:
        return rate
    needs = {
        "--retry-failed": (
            options.retry_failed,
            "drop --no-durable (a run without it re-runs every row anyway)",
        ),
        "--no-work": (not options.work, "workers only see rows on a durable queue"),
        "--queue": (options.queue is not None, "rows run in this process: drop --queue"),
    }
    for flag, (given, hint) in needs.items():
        if given:
            raise UserError(
                f"batch: {flag} needs durability, which --no-durable turns off", hint=hint
            )
    return rate


@dataclass(frozen=True, slots=True)
class _Turn:
    """What every row's turn shares: the agent, the ``--schema`` and the model's price."""

    agent: BaseAgent
    schema: RowSchema | None
    price: ModelInfo | None

    def payload(self, row: Row) -> dict[str, Any]:
        """The row's workflow input (with ``--schema`` it carries the JSON Schema).

        The schema travels in the input, so whichever worker runs the row asks for it.
        """
        from fastagent.agents.durable_turns import turn_payload

        response_format = self.schema.json_schema if self.schema is not None else None
        return turn_payload(self.agent, row.text, response_format)

    def line(self, row: Row, result: dict[str, Any]) -> dict[str, Any]:
        """The output line of a row whose turn returned `result`."""
        from fastagent.messages import Message

        return _success(row, Message.from_dict(result["final"]), self.price, self.schema)

    async def here(self, turns: AgentTurns, row: Row) -> dict[str, Any]:
        """Run the row's turn in this process; its output line.

        The same turn as the workflow's (`payload`, then `line`) without turning its
        input and reply into dicts and back: nothing is recorded.
        """
        from fastagent.agents.durable_turns import prompt_messages
        from fastagent.llm.augmented import as_messages

        response_format = self.schema.json_schema if self.schema is not None else None
        final, _ = await turns.run(
            self.agent.name, prompt_messages(self.agent), as_messages(row.text), response_format
        )
        return _success(row, final, self.price, self.schema)


@dataclass(frozen=True, slots=True)
class _Queue:
    """The durable queue the rows go on, and the ``--rate`` stored on it."""

    engine: DurableEngine
    name: str
    rate: str | None


class _Sink:
    """Where finished rows go: the results by row id, ``OUT.partial``, the progress display."""

    def __init__(self, file: TextIO, progress: BatchProgress) -> None:
        self.file, self.progress = file, progress
        self.results: dict[str, dict[str, Any]] = {}

    def add(self, row: Row, line: dict[str, Any]) -> None:
        self.results[row.id] = line
        self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.file.flush()
        self.progress.finished(line)


async def _run_here(
    turns: AgentTurns,
    turn: _Turn,
    rows: list[Row],
    concurrency: int,
    rate: tuple[int, float] | None,
    sink: _Sink,
) -> None:
    """``--no-durable``: every row's turn in this process, `concurrency` at a time."""
    pacer = _Pacer(rate)
    gate = asyncio.Semaphore(concurrency)

    async def one(row: Row) -> None:
        async with gate:
            await pacer.wait()
            sink.progress.started()
            try:
                line = await turn.here(turns, row)
            except Exception as exc:
                line = {"id": row.id, "error": _error_text(exc)}
        sink.add(row, line)

    await asyncio.gather(*(one(row) for row in rows))


async def _run_queued(
    queue: _Queue,
    turn: _Turn,
    rows: list[Row],
    prefix: str,
    options: BatchOptions,
    sink: _Sink,
    runtime: Runtime,
) -> None:
    """Put the rows not yet known on the durable queue, then collect every row's outcome.

    Which rows exist (and how) is one listing query by the batch's id prefix; the outcomes
    are collected by polling the database (one query per 500 rows still out). Progress:
    a row is in flight from its enqueue (or, on a re-run, from the start) until its outcome
    is read, whether a worker has started it or it still waits on the queue.
    """
    from fastagent.agents.durable_turns import AGENT_HANDLER
    from fastagent.durable.listing import statuses_by_prefix

    engine, progress = queue.engine, sink.progress
    known = await statuses_by_prefix(f"{prefix}-")  # one query, not one per row
    ids = {row.id: f"{prefix}-{row.id}" for row in rows}
    if options.retry_failed:
        firsts = set(ids.values())  # a row "a.retry2" owns the id a retry of "a" would take
        for row in rows:
            ids[row.id] = await _next_attempt(engine, ids[row.id], turn.schema, known, firsts)
    done = sum(1 for row in rows if known.get(ids[row.id]) == "SUCCESS")
    if done and not options.quiet:
        progress.note(f"batch: {done} of {len(rows)} rows already done")
    elsewhere = await engine.pending_elsewhere(
        [ids[row.id] for row in rows if known.get(ids[row.id]) == "PENDING"]
    )
    for executor, count in sorted(elsewhere.items()):
        progress.note(
            f"batch: {count} row(s) in flight on executor {executor}; if that process is "
            f"gone, run: fastagent durable recover --executor {executor}"
        )
    await engine.ensure_queue(queue.name, update=True, rate=queue.rate)
    provider = _provider(runtime, str(getattr(turn.agent, "model", "")))
    gate = asyncio.Semaphore(_ENQUEUE_AT_ONCE)

    async def put(row: Row) -> None:
        async with gate:
            await engine.enqueue(
                ids[row.id], AGENT_HANDLER, turn.payload(row), queue=queue.name, provider=provider
            )
        progress.started()

    for row in rows:
        if ids[row.id] in known:
            progress.started()
    await asyncio.gather(*(put(row) for row in rows if ids[row.id] not in known))
    waiting = {ids[row.id]: row for row in rows}
    pause = _MIN_POLL
    while waiting:
        finished = await engine.poll(list(waiting))
        for key, outcome in finished.items():
            row = waiting.pop(key)
            if outcome.result is not None:
                line = turn.line(row, outcome.result)
            else:
                error = outcome.error or RuntimeError(f"workflow {key} ended without a result")
                line = {"id": row.id, "error": _error_text(error)}
            sink.add(row, line)
        if waiting:
            pause = _MIN_POLL if finished else min(pause * 1.5, _MAX_POLL)
            await asyncio.sleep(pause)


async def _next_attempt(
    engine: DurableEngine,
    base: str,
    schema: RowSchema | None,
    known: dict[str, str],
    firsts: set[str],
) -> str:
    """With --retry-failed, the row's first attempt (`base`, `base.retry2`, ...) not failed.

    `known` is the batch's statuses by workflow id. With ``--schema`` an attempt whose
    recorded reply does not validate failed too. An attempt id that is another row's own
    workflow id (`firsts`: the row ids ``a`` and ``a.retry2``) is skipped: it holds that
    row's turn, not a retry of this one.
    """
    attempt, candidate = 1, base
    while (candidate != base and candidate in firsts) or await _attempt_failed(
        engine, candidate, schema, known.get(candidate)
    ):
        attempt += 1
        candidate = f"{base}.retry{attempt}"
    return candidate


async def _attempt_failed(
    engine: DurableEngine, key: str, schema: RowSchema | None, status: str | None
) -> bool:
    if status in ("ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        return True
    if status != "SUCCESS" or schema is None:
        return False
    from fastagent.exceptions import ModelOutputError
    from fastagent.messages import Message

    outcome = (await engine.poll([key])).get(key)  # finished: its recorded reply
    if outcome is None or outcome.result is None:
        return False
    try:
        schema.value(Message.from_dict(outcome.result["final"]).text)
    except ModelOutputError:
        return True
    return False


def _warm(agent: BaseAgent) -> None:
    """Import the agent's provider SDK and build its client (one, shared by every row).

    A failure is left to the rows (each reports it as its error), as without warming.
    """
    provider = getattr(getattr(agent, "llm", None), "provider", None)
    warm = getattr(provider, "warm", None)
    if warm is not None:
        with contextlib.suppress(Exception):
            warm()


def _provider(runtime: Runtime, model: str) -> str | None:
    try:
        return runtime.models.registry.parse(model).provider
    except Exception:
        return None


def _success(
    row: Row, final: Message, price: ModelInfo | None, schema: RowSchema | None
) -> dict[str, Any]:
    from fastagent.exceptions import ModelOutputError
    from fastagent.messages import Usage

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
    """A failed row's ``error``: ``Type: message (hint: ...)`` on one line.

    A row's error read back from the database is DBOS's ``PortableWorkflowError`` carrying
    the original type's name and ``str()`` (a fastagent error's message, then the hint on
    a line of its own): it is written as the original error would be.
    """
    from fastagent.exceptions import FastAgentError

    if isinstance(exc, FastAgentError):
        name, message, hint = type(exc).__name__, exc.message, exc.hint
    elif type(exc).__name__ == "PortableWorkflowError" and isinstance(
        getattr(exc, "name", None), str
    ):
        name = str(getattr(exc, "name", ""))
        message, _, hint = str(exc).partition("\nhint: ")
    else:
        name, message, hint = type(exc).__name__, str(exc), None
    text = f"{name}: {message}"
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


def _template_fields(template: str) -> list[str]:
    """The fields a ``--template`` fills in (a malformed one is reported per row, later)."""
    import string

    try:
        return [field for _, field, _, _ in string.Formatter().parse(template) if field]
    except ValueError:
        return ["?"]  # not a format string: `_text` says what is wrong with it


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

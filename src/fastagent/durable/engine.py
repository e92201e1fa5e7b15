"""`DurableEngine`: DBOS launched on our event loop, for one open runtime.

The engine is built from the ``durable:`` settings when a run with durability opens. The app
registers its turn handlers (`register`), then `launch` starts DBOS on the running event loop
(so recovered workflows run next to our MCP sessions and HTTP clients, not on a background
loop) and recovers this executor's pending work of the pinned application version. `run`
starts, or re-attaches to, the workflow with a given key, in this process or on a queue
shared by every worker of the database (`enqueue` + `poll` for many at once). `close` shuts
DBOS down.

One engine is launched per process at a time (DBOS is a process-wide singleton).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fastagent.durable.errors import (
    DurableError,
    database_unavailable,
    dbos_missing,
    redacted_url,
)
from fastagent.durable.portable_errors import mark_from_record, portable, restore, restored
from fastagent.exceptions import FastAgentError

if TYPE_CHECKING:
    from fastagent.config.durable_settings import DurableSettings

__all__ = ["DEFAULT_EXECUTOR_ID", "DurableEngine", "Outcome", "TurnHandler"]

TurnHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""Runs one durable turn: a JSON payload in, a JSON result out (history dicts)."""

DEFAULT_EXECUTOR_ID: Final = "local"
"""The executor id when neither the config nor ``DBOS__VMID`` names one."""

_log = logging.getLogger("fastagent.durable")
_LAUNCHED: list[DurableEngine] = []
_FINISHED: Final = ("SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")
_CHUNK: Final = 500  # workflow ids per status query
_CLOCK_SLACK_MS: Final = 1000


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a finished workflow ended: its result, or the error it failed with.

    Attributes:
        result: Its result (``SUCCESS``), else None.
        error: The error it raised, as the same typed error (`portable_errors`), or a
            `DurableError` saying it was cancelled or timed out.
        status: Its DBOS status (``SUCCESS``, ``ERROR``, ``CANCELLED``, ...).
        timed_out: It was cancelled by DBOS at its deadline (a workflow timeout).
        finished_at: When it finished (epoch milliseconds), when known.
    """

    result: dict[str, Any] | None
    error: BaseException | None
    status: str = "SUCCESS"
    timed_out: bool = False
    finished_at: int | None = None


class DurableEngine:
    """DBOS for one run: turn handlers, launch on our loop, keyed workflows, shutdown.

    Args:
        settings: The ``durable:`` settings.
        app_name: The DBOS application name (workflows are stored under it).
        base: The folder a relative SQLite path is taken from (the working directory).
    """

    def __init__(
        self, settings: DurableSettings, *, app_name: str = "fastagent", base: Path | None = None
    ) -> None:
        self.settings = settings
        self.app_name = app_name
        self.database_url = settings.database_url(base)
        self._handlers: dict[str, TurnHandler] = {}
        self._launched = False
        self._local_concurrency: dict[str, int] = {}
        self._registered: set[str] = set()
        self.listen = True
        """Whether this process runs work from the queues (False: it only enqueues)."""

    @property
    def launched(self) -> bool:
        """Whether DBOS is running for this engine."""
        return self._launched

    def register(self, name: str, handler: TurnHandler) -> None:
        """Make `handler` run the workflows whose handler is `name` (before or after launch)."""
        self._handlers[name] = handler
        if self._launched:
            from fastagent.durable import _dbos_steps

            _dbos_steps.HANDLERS[name] = handler

    def set_worker_concurrency(self, concurrency: int, queue: str | None = None) -> None:
        """Run at most `concurrency` workflows of `queue` (all queues: None) in this process.

        A property of this process, unlike the queue's stored ``worker_concurrency``, which
        applies to every worker that has no local limit.
        """
        if concurrency < 1:
            raise DurableError(
                f"worker concurrency {concurrency} is below 1", hint="use --concurrency 1 or more"
            )
        self._local_concurrency["*" if queue is None else queue] = concurrency
        if self._launched:
            from fastagent.durable import _dbos_queues

            _dbos_queues.LOCAL_CONCURRENCY.update(self._local_concurrency)

    def handler(self, name: str) -> TurnHandler | None:
        """The handler registered under `name`, or None."""
        return self._handlers.get(name)

    def launch(self) -> None:
        """Start DBOS on the running event loop and recover this executor's pending work.

        Raises:
            DurableError: ``dbos`` is not installed, another engine is running in this
                process, or the database cannot be opened.
        """
        if self._launched:
            return
        if _LAUNCHED:
            raise DurableError(
                "a durable runtime is already running in this process",
                hint="close the other run first (one DBOS instance per process)",
            )
        asyncio.get_running_loop()  # DBOS adopts the running loop as its main loop
        try:
            from dbos import DBOS, DBOSConfig
            from dbos._serialization import DBOSPortableJSON

            from fastagent.durable import _dbos_queues, _dbos_steps
            from fastagent.durable._dbos_logging import install_dbos_log_filter
        except ImportError as exc:
            raise dbos_missing() from exc
        config: DBOSConfig = {
            "name": self.app_name,
            "system_database_url": self.database_url,
            "application_version": self.settings.application_version,
            "executor_id": self.settings.executor_id or DEFAULT_EXECUTOR_ID,
            "serializer": DBOSPortableJSON,
            "log_level": "WARNING",
        }
        if self.database_url.startswith("sqlite:///"):
            path = Path(self.database_url.removeprefix("sqlite:///"))
            _prepare_sqlite(path)
            config["db_engine_kwargs"] = {"creator": partial(_connect_sqlite, path)}
        _dbos_steps.HANDLERS.clear()
        _dbos_steps.HANDLERS.update(self._handlers)
        _dbos_queues.install_local_concurrency()
        _dbos_queues.LOCAL_CONCURRENCY.clear()
        _dbos_queues.LOCAL_CONCURRENCY.update(self._local_concurrency)
        install_dbos_log_filter()
        try:
            DBOS(config=config)
            if not self.listen:
                DBOS.listen_queues([])  # DBOS's own queue (resume, recover) still runs
            DBOS.launch()
        except Exception as exc:
            DBOS.destroy()
            raise database_unavailable(self.database_url, exc) from None
        self._launched = True
        _LAUNCHED.append(self)
        _log.debug("DBOS launched on %s", redacted_url(self.database_url))

    async def run(
        self,
        key: str,
        handler: str,
        payload: dict[str, Any],
        *,
        queue: str | None = None,
        provider: str | None = None,
    ) -> dict[str, Any]:
        """Run the workflow `key`, or re-attach to it when it exists, and return its result.

        A workflow already finished returns its recorded result; one in flight (recovered
        after a crash) is awaited. With `queue` the workflow is put on that queue and run
        by whichever worker of the database takes it (this process too, unless it only
        enqueues); `provider` is its partition on a queue partitioned by provider.

        Raises:
            DurableError: The engine is not launched.
            Exception: Whatever the workflow raised.
        """
        self._require_launched()
        from dbos import DBOS, SetWorkflowID

        from fastagent.durable._dbos_steps import turn_workflow

        try:
            if queue is not None:
                await self.enqueue(key, handler, payload, queue=queue, provider=provider)
                queued: Any = await DBOS.retrieve_workflow_async(key)
                result: dict[str, Any] = await queued.get_result(polling_interval_sec=0.1)
                return result
            with SetWorkflowID(key):
                handle = await DBOS.start_workflow_async(turn_workflow, handler, payload)
            return await handle.get_result()
        except Exception as exc:
            error = restored(exc)  # read back from the database: the typed error again
            if error is exc:
                raise
            if queue is None:
                # Not run here just now (that raises the error itself): the key's workflow
                # had already failed, and its record was read back.
                mark_from_record(error)
            raise error from None

    async def ensure_queue(
        self, name: str, *, update: bool = False, rate: str | None = None
    ) -> None:
        """Create queue `name` in the database from ``durable.queues`` (once per process).

        Args:
            name: The queue.
            update: Overwrite the stored settings of an existing queue with the config's.
            rate: A rate (``60/min``) that replaces the config's for this queue.
        """
        self._require_launched()
        if name in self._registered and rate is None:
            return
        from fastagent.durable import _dbos_queues

        settings = self.settings.queue(name)
        if rate is not None:
            settings = settings.model_copy(update={"rate": rate})
        try:
            settle = await _dbos_queues.register_queue(name, settings, update=update)
        except ValueError as exc:
            raise DurableError(
                f"durable queue {name!r}: {exc}", hint=f"check durable.queues.{name}"
            ) from None
        self._registered.add(name)
        if settle:
            _log.debug("queue %s changed: waiting %.2f s for the workers to see it", name, settle)
            await asyncio.sleep(settle)

    async def register_queues(self) -> None:
        """Create the config's queues that the database does not have yet."""
        for name in self.settings.queues:
            await self.ensure_queue(name)

    async def enqueue(
        self,
        key: str,
        handler: str,
        payload: dict[str, Any],
        *,
        queue: str,
        provider: str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Put the workflow `key` on `queue` (nothing when a workflow `key` exists already).

        With `timeout` (seconds) DBOS cancels the workflow that long after a worker takes it
        from the queue (time spent waiting on the queue does not count); its steps in flight
        are cancelled within about a second (they are preemptible).
        """
        await self.ensure_queue(queue)
        from dbos import DBOS, SetEnqueueOptions, SetWorkflowID, SetWorkflowTimeout

        from fastagent.durable._dbos_steps import turn_workflow

        partition = (provider or "default") if self.settings.queue(queue).partitioned else None
        with ExitStack() as options:
            options.enter_context(SetWorkflowID(key))
            options.enter_context(SetEnqueueOptions(queue_partition_key=partition))
            if timeout is not None:
                options.enter_context(SetWorkflowTimeout(timeout))
            await DBOS.enqueue_workflow_async(queue, turn_workflow, handler, payload)

    async def statuses(self, keys: Sequence[str]) -> dict[str, str]:
        """The status of each workflow of `keys` that exists (one query per 500 keys)."""
        from dbos import DBOS

        found: dict[str, str] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            for status in await DBOS.list_workflows_async(
                workflow_ids=chunk, load_input=False, load_output=False
            ):
                found[status.workflow_id] = str(status.status)
        return found

    async def pending_elsewhere(self, keys: Sequence[str]) -> dict[str, int]:
        """How many workflows of `keys` are in flight on each *other* executor."""
        from dbos import DBOS

        own = self.settings.executor_id or DEFAULT_EXECUTOR_ID
        counts: dict[str, int] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            for status in await DBOS.list_workflows_async(
                workflow_ids=chunk, status="PENDING", load_input=False, load_output=False
            ):
                executor = str(status.executor_id)
                if executor != own:
                    counts[executor] = counts.get(executor, 0) + 1
        return counts

    async def poll(self, keys: Sequence[str]) -> dict[str, Outcome]:
        """The outcome of each workflow of `keys` that has finished (one query per 500)."""
        from dbos import DBOS

        done: dict[str, Outcome] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            for status in await DBOS.list_workflows_async(
                workflow_ids=chunk, status=list(_FINISHED), load_input=False
            ):
                done[status.workflow_id] = _outcome(status)
        return done

    def workflow_id(self) -> str | None:
        """The id of the durable workflow the running task is in, or None."""
        if not self._launched:
            return None
        from dbos._context import get_local_dbos_context

        context = get_local_dbos_context()
        if context is None or not context.is_workflow():
            return None
        return context.workflow_id or None

    async def wait(
        self, keys: Sequence[str], *, name: str, first: bool = False, stop_on_error: bool = False
    ) -> list[tuple[str, Outcome]]:
        """Wait, as one recorded step of the running workflow, for the workflows `keys`.

        Returns the ones that finished, in the order they finished: all of them, or with
        `first` as soon as one has, or with `stop_on_error` as soon as one has not
        succeeded. The step records each outcome as JSON (an error as its portable form):
        a workflow that recovers reads the step back and gets the same outcomes in the same
        order; if it died while waiting, the step waits again, and the workflows already
        finished are read, never run again. The step is preemptible: cancelling the
        waiting workflow ends the wait.
        """
        from dbos import DBOS

        async def wait() -> list[list[Any]]:
            pending = list(keys)
            found: list[tuple[str, Outcome]] = []
            pause = 0.05
            while pending:
                done = await self.poll(pending)
                found.extend(sorted(done.items(), key=lambda item: _finished_at(item[1])))
                pending = [key for key in pending if key not in done]
                failed = any(outcome.result is None for _, outcome in found)
                if not pending or (first and found) or (stop_on_error and failed):
                    break
                await asyncio.sleep(pause)
                pause = min(pause * 1.5, 0.5)
            return [[key, _recorded(outcome)] for key, outcome in found]

        options: Any = {"name": name, "retries_allowed": False, "preemptible": True}
        recorded: Any = await DBOS.run_step_async(options, wait)
        if isinstance(recorded, dict):  # one step for all, as fastagent recorded it before
            return [(str(key), _replayed(data)) for key, data in recorded.items()]
        return [(str(key), _replayed(data)) for key, data in recorded]

    async def cancel(self, keys: Sequence[str]) -> None:
        """Cancel the workflows `keys` (a recorded step inside a workflow).

        A cancelled workflow leaves its queue, is not recovered after a crash, and its step
        in flight is cancelled within about a second; one already finished is unchanged.
        """
        if not keys:
            return
        from dbos import DBOS

        await DBOS.cancel_workflows_async(list(keys))

    def _require_launched(self) -> None:
        if not self._launched:
            raise DurableError(
                "the durable engine is not launched",
                hint="send keyed messages inside `async with fast.run() as app:`",
            )

    async def status(self, key: str) -> str | None:
        """The status of workflow `key` (``SUCCESS``, ``PENDING``, ``ERROR``, ...), or None."""
        from dbos import DBOS

        found = await DBOS.get_workflow_status_async(key)
        return None if found is None else str(found.status)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work, then cancel the workflows running here and wait for them.

        Called when the run closes, before anything they use (model clients, MCP servers)
        is closed: a workflow cut off by a closed client would record the failure as its
        outcome, so a row in flight when a batch or worker is stopped would come back
        failed. Cancelled, it records nothing and stays pending: the next launch with
        this executor id (or ``fastagent durable recover``) resumes it from its last
        recorded step. DBOS is shut down first so that its queues start nothing more.
        """
        if not self._launched:
            return
        from fastagent.durable._dbos_steps import RUNNING

        self.close()
        await asyncio.sleep(0)  # work DBOS handed to the loop before it stopped starts now
        running = [task for task in RUNNING if not task.done()]
        for task in running:
            task.cancel("the durable engine is stopping")
        if running:
            await asyncio.wait(running, timeout=timeout)

    def close(self) -> None:
        """Shut DBOS down (work in flight stays pending, to be recovered)."""
        if not self._launched:
            return
        from dbos import DBOS

        from fastagent.durable import _dbos_steps
        from fastagent.durable._dbos_logging import silence_dbos_log

        silence_dbos_log()
        try:
            DBOS.destroy()
        finally:
            _restore_default_executor()
            _dbos_steps.HANDLERS.clear()
            self._registered.clear()
            self._launched = False
            if self in _LAUNCHED:
                _LAUNCHED.remove(self)


def _outcome(status: Any) -> Outcome:
    """The outcome of a finished workflow from its DBOS status."""
    state = str(status.status)
    if state == "SUCCESS":
        return Outcome(status.output, None, state, finished_at=status.completed_at)
    deadline, completed = status.workflow_deadline_epoch_ms, status.completed_at
    # Cancelled at its deadline by DBOS's sweep (each second). SQLite records the time of
    # the cancel in whole seconds (DBOS on Python < 3.12): up to a second early.
    timed_out = (
        state == "CANCELLED"
        and deadline is not None
        and completed is not None
        and completed + _CLOCK_SLACK_MS >= deadline
    )
    if status.error is not None and state == "ERROR":
        error: BaseException = restored(status.error)
    elif timed_out:
        error = DurableError(
            f"workflow {status.workflow_id} timed out after "
            f"{(status.workflow_timeout_ms or 0) / 1000:g} s",
            hint="see: fastagent durable steps " + status.workflow_id,
        )
    else:
        error = DurableError(
            f"workflow {status.workflow_id} ended {state}",
            hint="see: fastagent durable show " + status.workflow_id,
        )
    return Outcome(None, error, state, timed_out, finished_at=completed)


def _finished_at(outcome: Outcome) -> int:
    return outcome.finished_at or 0


def _recorded(outcome: Outcome) -> dict[str, Any]:
    """An outcome as the JSON a waiting step records."""
    if outcome.result is not None:
        return {"result": outcome.result}
    data: dict[str, Any] = {"status": outcome.status, "timed_out": outcome.timed_out}
    error = outcome.error
    if isinstance(error, FastAgentError):
        data["error"] = {"name": type(error).__name__, "message": str(error)} | portable(error)
    elif error is not None:
        data["error"] = {"name": type(error).__name__, "message": str(error)}
    return data


def _replayed(data: dict[str, Any]) -> Outcome:
    """An outcome from the JSON a waiting step recorded (`_recorded`)."""
    if "result" in data:
        return Outcome(data["result"], None)
    stored = data.get("error") or {}
    if isinstance(stored, str):  # recorded before errors kept their type: "<Type>: <message>"
        name, _, message = stored.partition(": ")
        stored = {"name": name, "message": message}
    error = restore(str(stored.get("name", "Error")), str(stored.get("message", "")), stored)
    return Outcome(None, error, str(data.get("status", "ERROR")), bool(data.get("timed_out")))


def _restore_default_executor() -> None:
    """Give the running loop a working default executor again.

    DBOS makes its own thread pool the loop's default executor (for ``asyncio.to_thread``)
    and shuts that pool down when destroyed, which would break every later ``to_thread`` on
    this loop (config loading, SDKs, the next durable run).
    """
    from concurrent.futures import ThreadPoolExecutor

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="asyncio"))


def _connect_sqlite(path: Path) -> Any:
    """A connection to the system database whose commits sync only at WAL checkpoints.

    With ``synchronous=NORMAL`` in WAL mode a commit is not fsynced: it survives the
    process being killed (what durable steps protect against), and only an OS crash or power
    loss may lose the last commits, whose steps then run again, as a step in flight at a
    crash does (at-least-once). SQLite's default (``FULL``) syncs every step's commit.
    """
    import sqlite3

    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _prepare_sqlite(path: Path) -> None:
    """Create the folder, and put the file in WAL mode (kept in the file).

    In WAL mode a commit is one append to the log, so a step costs one sync instead of the
    several of SQLite's default rollback journal; it also lets readers (``fastagent
    durable list``) look while a worker writes.

    Raises:
        DurableError: The folder cannot be created or the file cannot be opened (a path
            under a file, a folder given as the file, no rights).
    """
    import sqlite3

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()
    except (OSError, sqlite3.Error) as exc:
        if path.is_dir():
            reason = "that is a folder, not a file"
        elif isinstance(exc, FileExistsError):  # mkdir met a file on the way
            reason = f"a part of {path.parent} is a file, not a folder"
        else:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DurableError(
            f"durable database {path} could not be opened: {reason}",
            hint="set durable.database to a SQLite file path in a folder this user can write",
        ) from None

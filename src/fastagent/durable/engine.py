"""`DurableEngine`: DBOS launched on our event loop, for one open runtime.

The engine is built from the ``durable:`` settings when a run with durability opens. The app
registers its turn handlers (`register`), then `launch` starts DBOS on the running event loop
(so recovered workflows run next to our MCP sessions and HTTP clients, not on a background
loop) and recovers this executor's pending work of the pinned application version. `run`
starts, or re-attaches to, the workflow with a given key. `close` shuts DBOS down.

One engine is launched per process at a time (DBOS is a process-wide singleton).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fastagent.durable.errors import DurableError, dbos_missing, redacted_url

if TYPE_CHECKING:
    from fastagent.config.durable_settings import DurableSettings

__all__ = ["DEFAULT_EXECUTOR_ID", "DurableEngine", "TurnHandler"]

TurnHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""Runs one durable turn: a JSON payload in, a JSON result out (history dicts)."""

DEFAULT_EXECUTOR_ID: Final = "local"
"""The executor id when neither the config nor ``DBOS__VMID`` names one."""

_log = logging.getLogger("fastagent.durable")
_LAUNCHED: list[DurableEngine] = []


def _not_reported_elsewhere(record: logging.LogRecord) -> bool:
    """Drop DBOS's traceback of a workflow that raised a typed fastagent error.

    The error reaches the caller, which reports it in one line with its hint (a batch
    writes it to the row); DBOS's copy would print a long traceback per failed row.
    """
    from fastagent.exceptions import FastAgentError

    return not (record.exc_info and isinstance(record.exc_info[1], FastAgentError))


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

            from fastagent.durable import _dbos_steps
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
        logging.getLogger("dbos").addFilter(_not_reported_elsewhere)
        try:
            DBOS(config=config)
            DBOS.launch()
        except Exception as exc:
            DBOS.destroy()
            raise DurableError(
                f"durable database {redacted_url(self.database_url)} could not be opened: {exc}",
                hint="check durable.database (a SQLite path or a postgresql:// URL)",
            ) from exc
        self._launched = True
        _LAUNCHED.append(self)
        _log.debug("DBOS launched on %s", redacted_url(self.database_url))

    async def run(self, key: str, handler: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Run the workflow `key`, or re-attach to it when it exists, and return its result.

        A workflow already finished returns its recorded result; one in flight (recovered
        after a crash) is awaited.

        Raises:
            DurableError: The engine is not launched.
            Exception: Whatever the workflow raised.
        """
        if not self._launched:
            raise DurableError(
                "the durable engine is not launched",
                hint="send keyed messages inside `async with fast.run() as app:`",
            )
        from dbos import DBOS, SetWorkflowID

        from fastagent.durable._dbos_steps import turn_workflow

        with SetWorkflowID(key):
            handle = await DBOS.start_workflow_async(turn_workflow, handler, payload)
        return await handle.get_result()

    async def status(self, key: str) -> str | None:
        """The status of workflow `key` (``SUCCESS``, ``PENDING``, ``ERROR``, ...), or None."""
        from dbos import DBOS

        found = await DBOS.get_workflow_status_async(key)
        return None if found is None else str(found.status)

    def close(self) -> None:
        """Shut DBOS down (work in flight stays pending, to be recovered)."""
        if not self._launched:
            return
        from dbos import DBOS

        from fastagent.durable import _dbos_steps

        try:
            DBOS.destroy()
        finally:
            _restore_default_executor()
            _dbos_steps.HANDLERS.clear()
            self._launched = False
            if self in _LAUNCHED:
                _LAUNCHED.remove(self)


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
    """
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()

"""What DBOS's own logger may print: nothing reported elsewhere, no secret.

DBOS logs to stderr through a handler of its own (its ``dbos`` logger does not propagate),
so our log redaction never sees those lines. The filter installed here, on that logger,
drops the records of failures that reach the caller, who reports them once in one line
(a workflow that raised a typed fastagent error; the database that could not be opened at
launch), and masks secrets (URL userinfo, keys, tokens) in every other record and its
traceback. Once the engine closes (`silence_dbos_log`), nothing more is printed: the
workflows that were in flight on the stopping process fail to start or are cancelled with
its event loop, and DBOS would log each with a traceback, yet they stay pending in the
database and resume when the work is run again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Final

__all__ = ["install_dbos_log_filter", "silence_dbos_log"]

_DBOS_LOGGER: Final = "dbos"
_REPORTED_BY_US: Final = (
    "DBOS failed to launch",  # DurableEngine.launch raises it as a DurableError
    "Error connecting to the DBOS system database",  # so does the admin client
    "Could not connect to postgres database",  # the same failure, seen a step earlier
    # A workflow cancelled when the run ends (Ctrl-C, a stopped worker) resumes from its
    # last step; the face says so once.
    "Asyncio task cancelled for workflow or step",
    # Sending a key that exists re-attaches to its workflow by design (docs/durable.md),
    # after a restart too; DBOS warns that it keeps the workflow's original queue.
    "Workflow already exists in queue",
)

_SILENT = threading.Event()  # set from the engine's close until the next launch


class _DbosLogFilter(logging.Filter):
    """Drops what the caller reports itself; masks secrets in the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        from fastagent._redact import redact
        from fastagent.exceptions import FastAgentError

        if _SILENT.is_set():
            return False
        if record.exc_info and isinstance(record.exc_info[1], FastAgentError):
            return False  # the caller reports it in one line with its hint
        message = record.getMessage()
        if message.startswith(_REPORTED_BY_US):
            return False
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(record.exc_info[1]))
            record.exc_text = redact(text).rstrip()
            record.exc_info = None
        return True


def install_dbos_log_filter() -> None:
    """Put the filter on DBOS's logger (once per process); DBOS may log again."""
    _SILENT.clear()
    logger = logging.getLogger(_DBOS_LOGGER)
    if not any(isinstance(f, _DbosLogFilter) for f in logger.filters):
        logger.addFilter(_DbosLogFilter())


def silence_dbos_log() -> None:
    """Print nothing more of DBOS's log until the next launch (the engine is closing)."""
    _SILENT.set()

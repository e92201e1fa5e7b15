"""The typed errors of durable execution."""

from __future__ import annotations

import logging

from fastagent.exceptions import UserError

__all__ = [
    "DurableError",
    "database_unreachable",
    "dbos_missing",
    "dbos_reported_by_us",
    "redacted_url",
    "require_dbos",
]


class DurableError(UserError):
    """A durable workflow could not be started, found or resumed."""


def dbos_missing() -> DurableError:
    """The error for ``durable:`` configured without the ``dbos`` package installed."""
    return DurableError(
        "durable: is configured but the dbos package is not installed",
        hint="pip install 'fastagent[durable]' (or remove the durable: section)",
    )


def require_dbos(command: str, *, hint: str) -> None:
    """Stop a command that is durable by itself (no ``durable:`` needed) when dbos is missing.

    `dbos_missing` blames the config's ``durable:`` section, which such a command may not
    have; this names the command and a way on without the extra (`hint`).

    Raises:
        DurableError: ``dbos`` cannot be imported.
    """
    try:
        import dbos  # noqa: F401  # the command imports it next anyway
    except ImportError:
        raise DurableError(
            f"{command} needs the dbos package (the durable extra), which is not installed",
            hint=hint,
        ) from None


_REPORTED_BY_US = (
    "Asyncio task cancelled for workflow or step",  # resumes later; the face says so once
    "DBOS failed to launch",  # with a traceback: `database_unreachable` says it in one line
    "Error connecting to the DBOS system database",
    "Could not connect to postgres database to verify",
    # Sending a key that exists re-attaches to its workflow by design (docs/durable.md),
    # after a restart too; DBOS warns that it keeps the workflow's original queue.
    "Workflow already exists in queue",
)


def dbos_reported_by_us(record: logging.LogRecord) -> bool:
    """Whether a DBOS log record says what fastagent already says, or is expected by design."""
    return record.getMessage().startswith(_REPORTED_BY_US)


def database_unreachable(url: str, error: BaseException) -> DurableError:
    """The one-line error for a durable database that cannot be opened (no password in it)."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    postgres = url.startswith(("postgresql", "postgres:"))
    return DurableError(
        f"durable database {redacted_url(url)} could not be opened: {lines[0]}",
        hint=("is the PostgreSQL server running and reachable? " if postgres else "")
        + "check durable.database (a SQLite path or a postgresql:// URL)",
    )


def redacted_url(url: str) -> str:
    """`url` without its password (``postgresql://user:***@host/db``)."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    auth, host = rest.rsplit("@", 1)
    user = auth.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"

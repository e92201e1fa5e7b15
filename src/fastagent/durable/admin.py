"""Inspect and steer durable workflows from outside the app.

list, show, steps, cancel, resume, recover: these talk to the database only (a DBOS client)
and run nothing; resumed and recovered workflows are run by a process of the app
(``fastagent worker SCRIPT``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent.durable.errors import DurableError, database_unavailable, dbos_missing

if TYPE_CHECKING:
    from dbos import DBOSClient

__all__ = ["cancel", "list_workflows", "recover", "resume", "show", "steps"]


@contextmanager
def _client(database_url: str) -> Iterator[DBOSClient]:
    try:
        from dbos import DBOSClient
        from dbos._serialization import DBOSPortableJSON

        from fastagent.durable._dbos_logging import install_dbos_log_filter
    except ImportError as exc:
        raise dbos_missing() from exc
    install_dbos_log_filter()
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise DurableError(
                f"no durable database at {path}: nothing has run durably here yet",
                hint="run from the folder of the durable app, or set durable.database",
            )
    try:
        client = DBOSClient(system_database_url=database_url, serializer=DBOSPortableJSON)
    except Exception as exc:
        raise database_unavailable(database_url, exc) from None
    try:
        yield client
    finally:
        client.destroy()


def _row(status: Any) -> dict[str, Any]:
    return {
        "id": status.workflow_id,
        "status": str(status.status),
        "executor": status.executor_id,
        "version": status.app_version,
        "created_at": status.created_at,
        "updated_at": status.updated_at,
    }


def list_workflows(
    database_url: str, *, status: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The workflows, newest first: id, status, executor, version, times (epoch ms)."""
    with _client(database_url) as client:
        found = client.list_workflows(
            status=status, limit=limit, sort_desc=True, load_input=False, load_output=False
        )
        return [_row(s) for s in found]


def show(database_url: str, workflow_id: str) -> dict[str, Any]:
    """One workflow with its input and output (history dicts) or error.

    Raises:
        DurableError: No workflow has that id.
    """
    with _client(database_url) as client:
        found = client.list_workflows(workflow_ids=[workflow_id])
        if not found:
            raise _unknown(workflow_id)
        status = found[0]
        row = _row(status)
        row["input"] = status.input
        row["output"] = status.output
        if status.error is not None:
            row["error"] = str(status.error)
        return row


def steps(database_url: str, workflow_id: str) -> list[dict[str, Any]]:
    """The recorded steps of a workflow: number, name, output (a history dict) or error.

    Raises:
        DurableError: No workflow has that id.
    """
    with _client(database_url) as client:
        if not client.list_workflows(workflow_ids=[workflow_id], load_input=False):
            raise _unknown(workflow_id)
        return [
            {
                "step": s["function_id"],
                "name": s["function_name"],
                "output": s["output"],
                "error": None if s["error"] is None else str(s["error"]),
            }
            for s in client.list_workflow_steps(workflow_id)
        ]


def cancel(database_url: str, workflow_id: str) -> None:
    """Cancel a workflow: its call in flight stops (within about a second); not recovered.

    Raises:
        DurableError: No workflow has that id, or it has already ended.
    """
    with _client(database_url) as client:
        _not_ended(client, workflow_id, "cancel")
        client.cancel_workflow(workflow_id)


def resume(database_url: str, workflow_id: str) -> None:
    """Resume a cancelled or stranded workflow: the next worker to poll runs it on.

    Raises:
        DurableError: No workflow has that id, or it has already ended.
    """
    with _client(database_url) as client:
        _not_ended(client, workflow_id, "resume")
        client.resume_workflow(workflow_id)


_ENDED_HINTS = {
    "SUCCESS": "its answer is recorded: fastagent durable show {id}",
    "ERROR": "a failed workflow stays failed: send the message again with a new key "
    "(fastagent batch --retry-failed for batch rows)",
}


def _not_ended(client: DBOSClient, workflow_id: str, action: str) -> None:
    """Raise unless `workflow_id` exists and has not ended (DBOS leaves ended ones as they are)."""
    found = client.list_workflows(workflow_ids=[workflow_id], load_input=False, load_output=False)
    if not found:
        raise _unknown(workflow_id)
    status = str(found[0].status)
    if status in _ENDED_HINTS:
        raise DurableError(
            f"cannot {action} durable workflow {workflow_id!r}: it has already ended ({status})",
            hint=_ENDED_HINTS[status].format(id=workflow_id),
        )


def recover(database_url: str, executor_id: str) -> list[str]:
    """Hand the pending workflows of a dead executor to the live workers; returns their ids.

    Only for an executor that is really gone: a live one would run them too (steps are
    at-least-once, but a tool's side effect may then happen twice without its key).
    """
    with _client(database_url) as client:
        pending = client.list_workflows(
            status="PENDING", executor_id=executor_id, load_input=False, load_output=False
        )
        ids = [s.workflow_id for s in pending]
        if ids:
            client.resume_workflows(ids)
        return ids


def _unknown(workflow_id: str) -> DurableError:
    return DurableError(
        f"no durable workflow {workflow_id!r}",
        hint="list them with: fastagent durable list",
    )

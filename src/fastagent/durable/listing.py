"""Statuses of many workflows in one query: what a batch asks before it starts.

A batch of N rows needs to know which rows are already done. Asking each workflow's status
is N queries (about half a millisecond each on SQLite); one listing by the batch's id prefix
is one. Call it only while a `DurableEngine` is launched (it uses the running DBOS).
"""

from __future__ import annotations

__all__ = ["statuses_by_prefix"]


async def statuses_by_prefix(prefix: str) -> dict[str, str]:
    """Every workflow whose id starts with `prefix`: its status, by workflow id.

    Statuses are DBOS's (``SUCCESS``, ``PENDING``, ``ERROR``, ...); inputs and outputs are
    not loaded.
    """
    from dbos import DBOS

    found = await DBOS.list_workflows_async(
        workflow_id_prefix=prefix, load_input=False, load_output=False
    )
    return {status.workflow_id: str(status.status) for status in found}

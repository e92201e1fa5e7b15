"""The DBOS side of queues: registering ``durable.queues`` and this process's concurrency.

Imported only once durability is on (it imports ``dbos``). A DBOS queue lives in the
database, shared by every worker: its global concurrency, rate limit, per-partition limits
and *worker* concurrency are read from there by each worker at every poll. How many rows one
process runs at once (``fastagent worker --concurrency N``) is a property of that process,
not of the queue, so it is kept here and laid over the stored settings of the queues this
process reads (`LOCAL_CONCURRENCY`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from dbos import DBOS
from dbos._sys_db import SystemDatabase

from fastagent.config.durable_settings import parse_rate

if TYPE_CHECKING:
    from dbos._queue import Queue

    from fastagent.config.durable_settings import QueueSettings

__all__ = ["ALL_QUEUES", "LOCAL_CONCURRENCY", "install_local_concurrency", "register_queue"]

ALL_QUEUES: Final = "*"
"""The key of `LOCAL_CONCURRENCY` that applies to every queue of the app."""

LOCAL_CONCURRENCY: dict[str, int] = {}
"""This process's most workflows at once per queue name (or `ALL_QUEUES`)."""

_INTERNAL_PREFIX: Final = "_dbos_"


def _local(queue: Queue | None) -> Queue | None:
    if queue is None or queue.name.startswith(_INTERNAL_PREFIX):
        return queue
    limit = LOCAL_CONCURRENCY.get(queue.name, LOCAL_CONCURRENCY.get(ALL_QUEUES))
    if limit is not None:
        queue._worker_concurrency = limit
    return queue


def install_local_concurrency() -> None:
    """Make every queue this process reads carry its local worker concurrency (idempotent).

    DBOS's queue threads reload a queue's settings from the database before each poll
    (``SystemDatabase.get_queue``) and start from ``list_queues``; both are wrapped, before
    launch, so that the first poll already sees the local limit.
    """
    if getattr(SystemDatabase, "_fastagent_local_concurrency", False):
        return
    get_queue = SystemDatabase.get_queue
    list_queues = SystemDatabase.list_queues

    def get_local(self: SystemDatabase, name: str, **kwargs: Any) -> Queue | None:
        return _local(get_queue(self, name, **kwargs))

    def list_local(self: SystemDatabase, **kwargs: Any) -> list[Queue]:
        return [q for q in (_local(q) for q in list_queues(self, **kwargs)) if q is not None]

    SystemDatabase.get_queue = get_local  # type: ignore[method-assign]
    SystemDatabase.list_queues = list_local  # type: ignore[method-assign]
    SystemDatabase._fastagent_local_concurrency = True  # type: ignore[attr-defined]


async def register_queue(name: str, settings: QueueSettings, *, update: bool) -> float:
    """Create queue `name` in the database from `settings` (and overwrite it when `update`).

    With ``partition_by_provider`` the concurrency and the rate apply to each provider's
    partition; otherwise to the whole queue.

    Returns:
        0 when nothing changed; else how long to wait before enqueuing so that every worker
        polls with the new settings. A worker reads a queue's settings at the start of a
        poll and dequeues one poll interval later, so for one interval it still applies the
        old ones (four times the longer interval and at least a second, to be safe on a
        loaded machine).
    """
    before = await DBOS.retrieve_queue_async(name)
    rate = None
    if settings.rate is not None:
        limit, period = parse_rate(settings.rate)
        rate = {"limit": limit, "period": period}
    options: dict[str, Any] = {
        "worker_concurrency": settings.worker_concurrency,
        "polling_interval_sec": settings.poll_interval,
        "on_conflict": "always_update" if update else "never_update",
    }
    if settings.partition_by_provider:
        options |= {"partition_concurrency": settings.concurrency, "partition_limiter": rate}
    else:
        options |= {"global_concurrency": settings.concurrency, "limiter": rate}
    after = await DBOS.register_queue_async(name, **options)
    if before is None or _limits(before) == _limits(after):
        return 0.0
    return max(1.0, 4 * max(before._polling_interval_sec, after._polling_interval_sec))


def _limits(queue: Queue) -> tuple[Any, ...]:
    return (
        queue._concurrency,
        queue._worker_concurrency,
        queue._limiter,
        queue._partition_concurrency,
        queue._partition_limiter,
        queue._polling_interval_sec,
    )

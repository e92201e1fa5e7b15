"""The ``durable:`` section: durable agent turns and batches on DBOS (docs/durable.md).

Durability is off unless the section is present (``durable: {}`` turns it on with the
defaults). When it is off nothing of it is imported and no file is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "BATCH_QUEUE",
    "DEFAULT_APPLICATION_VERSION",
    "DEFAULT_DATABASE",
    "DurableSettings",
    "QueueSettings",
    "parse_rate",
]

DEFAULT_DATABASE: Final = ".fastagent/durable.sqlite"
"""The embedded default: a SQLite file under ``.fastagent/`` of the working directory."""

BATCH_QUEUE: Final = "batch"
"""The queue ``fastagent batch`` puts its rows on unless ``--queue`` names another."""

DEFAULT_APPLICATION_VERSION: Final = "1"
"""The pinned application version: recovery only resumes work of the same version."""

_PERIODS: Final = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*\.?\d*)\s*([a-z]+)\s*$")
_MAX_RATE_LIMIT: Final = 1_000_000_000
_MAX_RATE_PERIOD: Final = 31 * 24 * 3600.0  # a month, in seconds
_URL_SCHEMES: Final = ("postgresql://", "postgres://", "postgresql+psycopg://", "sqlite://")


def parse_rate(text: str) -> tuple[int, float]:
    """Parse a rate like ``60/min``, ``10/s`` or ``100/2h`` into (limit, period in seconds).

    Raises:
        ValueError: `text` is not ``N/period`` with a period of s, min or h, or N (at most
            a billion) or the period (at most 31 days) is out of range.
    """
    match = _RATE.match(text.lower())
    if match is None or match.group(3) not in _PERIODS or int(match.group(1)) < 1:
        raise ValueError(f"rate {text!r} is not N/period (e.g. 60/min, 10/s, 1000/h)")
    count = float(match.group(2)) if match.group(2) else 1.0
    if count <= 0:
        raise ValueError(f"rate {text!r} has a zero period")
    limit, period = int(match.group(1)), count * _PERIODS[match.group(3)]
    if limit > _MAX_RATE_LIMIT or period > _MAX_RATE_PERIOD:
        raise ValueError(
            f"rate {text!r} is out of range (at most {_MAX_RATE_LIMIT:,} per period, "
            "and a period of at most 744h)"
        )
    return limit, period


class QueueSettings(BaseModel):
    """One named queue that durable work runs on, shared by every worker of the database.

    Attributes:
        concurrency: At most this many of its workflows run at once across all workers.
        worker_concurrency: At most this many at once in one worker process.
        rate: At most N starts per period across all workers (``60/min``, ``5/s``).
        partition_by_provider: Apply `concurrency` and `rate` to each provider (``openai``,
            ...) separately instead of to the whole queue.
        poll_interval: Seconds between a worker's looks for work on the queue (a free slot
            waits at most this long for its next row).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    concurrency: int | None = Field(default=None, ge=1)
    worker_concurrency: int | None = Field(default=None, ge=1)
    rate: str | None = None
    partition_by_provider: bool = False
    poll_interval: float = Field(default=0.1, gt=0, le=60)

    @property
    def partitioned(self) -> bool:
        """Whether work is split by provider (per-provider limits are set)."""
        return self.partition_by_provider and (
            self.concurrency is not None or self.rate is not None
        )

    @model_validator(mode="after")
    def _check_limits(self) -> QueueSettings:
        if (
            not self.partition_by_provider
            and self.concurrency is not None
            and self.worker_concurrency is not None
            and self.worker_concurrency > self.concurrency
        ):
            raise ValueError(
                f"worker_concurrency {self.worker_concurrency} is above concurrency "
                f"{self.concurrency} (the limit over all workers)"
            )
        return self

    @field_validator("rate")
    @classmethod
    def _check_rate(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rate(value)
        return value


class DurableSettings(BaseModel):
    """Durable execution: every model and tool call of a keyed turn is a recorded step.

    Attributes:
        enabled: Set false to keep the section but turn durability off.
        database: A SQLite file path (default ``.fastagent/durable.sqlite``), a
            ``sqlite:///`` URL, or a ``postgresql://`` URL (``${DATABASE_URL}``) to share work
            between workers on many machines.
        application_version: Recovery resumes only the work of this version. Pinned so that
            editing code does not strand work in flight; change it when a new version can no
            longer replay the recorded steps of the old one.
        executor_id: This process's executor id. A dead executor's work is recovered by a
            process with the same id, or by ``fastagent durable recover --executor ID``.
        queues: Named queues (concurrency, per-worker concurrency, rate limits).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = True
    database: str = DEFAULT_DATABASE
    application_version: str = Field(default=DEFAULT_APPLICATION_VERSION, min_length=1)
    executor_id: str | None = Field(default=None, min_length=1)
    queues: dict[str, QueueSettings] = Field(default_factory=dict)

    @field_validator("database")
    @classmethod
    def _check_database(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("database must be a SQLite file path or a postgresql:// URL")
        if "://" in value and not value.startswith(_URL_SCHEMES):
            raise ValueError(
                f"database URL scheme of {value.split('://')[0]!r} is not supported: "
                "use a SQLite file path, sqlite:///PATH or postgresql://..."
            )
        return value

    @field_validator("queues")
    @classmethod
    def _check_queue_names(cls, value: dict[str, QueueSettings]) -> dict[str, QueueSettings]:
        for name in value:
            if not name.strip() or name.startswith("_dbos_"):
                raise ValueError(f"queue name {name!r} is empty or reserved (_dbos_...)")
        return value

    def queue(self, name: str) -> QueueSettings:
        """The settings of queue `name` (the defaults when the config does not list it)."""
        return self.queues.get(name) or QueueSettings()

    def database_url(self, base: Path | None = None) -> str:
        """The database as a URL: a file path becomes ``sqlite:///`` + its absolute path.

        Args:
            base: The folder a relative file path is taken from (the working directory by
                default).
        """
        if "://" in self.database:
            return self.database
        path = Path(self.database).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        return f"sqlite:///{path}"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file (the embedded default)."""
        return "://" not in self.database or self.database.startswith("sqlite://")

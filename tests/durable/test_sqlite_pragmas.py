"""The embedded SQLite system database: WAL journal, commits synced at checkpoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fastagent.agents import FastAgent
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings

pytest.importorskip("dbos", reason="the durable extra is not installed")


async def test_dbos_connections_use_wal_with_normal_sync(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from dbos._dbos import _get_dbos_instance

    database = tmp_path / "durable.sqlite"
    settings = Settings(
        default_model="passthrough", durable=DurableSettings(database=str(database))
    )
    fast = FastAgent("pragmas", settings=settings)
    fast.agent("a", "Echo.")(lambda: None)
    async with fast.run() as app:
        assert await app.send("hello", key="p-1") == "hello"
        engine = _get_dbos_instance()._sys_db.engine
        with engine.connect() as connection:
            pragma = lambda name: connection.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL (FULL is 2)
            assert pragma("busy_timeout") == 30000  # DBOS's own connection settings still hold
            assert pragma("foreign_keys") == 1
    # The step was committed: a fresh connection reads it after the run closed.
    rows = sqlite3.connect(database).execute(
        "select count(*) from operation_outputs where workflow_uuid = 'p-1'"
    )
    assert rows.fetchone() == (1,)

"""The durable crash test on PostgreSQL: the same code, one URL (skipped without Postgres)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from durable.postgres_server import postgres_url
from durable.test_crash_recovery import kill_and_resume
from durable.test_worker_and_admin import recover_onto_another_worker

pytest.importorskip("dbos", reason="the durable extra is not installed")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_url() as url:
        yield url


def test_kill_mid_tool_call_then_restart_on_postgres(tmp_path: Path, database: str) -> None:
    kill_and_resume(tmp_path, database)


def test_a_dead_executors_turn_recovered_onto_another_worker_on_postgres(
    tmp_path: Path, database: str
) -> None:
    recover_onto_another_worker(tmp_path, database)

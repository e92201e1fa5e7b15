"""The ``durable:`` config section, and that nothing of durability runs while it is off."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fastagent.config import load_config
from fastagent.config.durable_settings import DurableSettings, QueueSettings, parse_rate
from fastagent.exceptions import ConfigError


def test_defaults_are_an_embedded_sqlite_file_and_a_pinned_version(tmp_path: Path) -> None:
    settings = DurableSettings()
    assert settings.is_sqlite
    assert settings.database_url(tmp_path) == f"sqlite:///{tmp_path}/.fastagent/durable.sqlite"
    assert settings.application_version == "1"
    assert settings.executor_id is None


def test_postgres_url_is_used_as_is() -> None:
    url = "postgresql://user:pw@127.0.0.1:5432/fastagent"
    settings = DurableSettings(database=url, executor_id="worker-1")
    assert not settings.is_sqlite
    assert settings.database_url() == url


def test_unsupported_url_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        DurableSettings(database="mysql://localhost/db")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60/min", (60, 60.0)),
        ("5/s", (5, 1.0)),
        ("1000/h", (1000, 3600.0)),
        ("10/2min", (10, 120.0)),
    ],
)
def test_rates_parse(text: str, expected: tuple[int, float]) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["60", "0/min", "5/fortnight", "x/s", "5/0s"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_queues_load_from_yaml_and_typos_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text(
        "durable:\n"
        "  database: postgresql://u@db/fa\n"
        "  application_version: '2026-11'\n"
        "  executor_id: worker-a\n"
        "  queues:\n"
        "    batch: {concurrency: 8, worker_concurrency: 2, rate: 60/min}\n"
    )
    settings = load_config(config).settings
    assert settings.durable is not None
    assert settings.durable.queues == {
        "batch": QueueSettings(concurrency=8, worker_concurrency=2, rate="60/min")
    }
    config.write_text("durable:\n  queues:\n    batch: {concurency: 8}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "concurency" in str(caught.value)


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        ("{concurrency: 2, worker_concurrency: 4}", "worker_concurrency 4 is above concurrency 2"),
        ("{poll_interval: 0}", "poll_interval"),
    ],
)
def test_inconsistent_queue_limits_name_the_queue(tmp_path: Path, queue: str, message: str) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text(f"durable:\n  queues:\n    batch: {queue}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert message in str(caught.value) and "batch" in str(caught.value)


def test_reserved_queue_names_are_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        DurableSettings.model_validate({"queues": {"_dbos_internal_queue": {}}})


def test_partitions_need_a_per_provider_limit() -> None:
    assert QueueSettings(partition_by_provider=True, concurrency=2).partitioned
    assert QueueSettings(partition_by_provider=True, rate="5/s").partitioned
    assert not QueueSettings(partition_by_provider=True).partitioned
    assert not QueueSettings(concurrency=2).partitioned
    # Per provider, the per-worker limit may exceed the per-partition one.
    assert QueueSettings(partition_by_provider=True, concurrency=1, worker_concurrency=4)
    assert DurableSettings().queue("absent") == QueueSettings()


def test_off_by_default_imports_no_dbos_and_writes_no_file(tmp_path: Path) -> None:
    """A run without ``durable:`` neither imports dbos nor creates ``.fastagent/``."""
    script = (
        "import asyncio, json, sys\n"
        "from fastagent.agents import FastAgent\n"
        "fast = FastAgent('off')\n"
        "@fast.agent('a', 'Echo.', model='passthrough')\n"
        "async def main():\n"
        "    async with fast.run() as app:\n"
        "        from fastagent.runtime import current_runtime\n"
        "        reply = await app.send('hello')\n"
        "        off = current_runtime().durable is None\n"
        "    print(json.dumps([reply, off, 'dbos' in sys.modules,\n"
        "                      'fastagent.durable' in sys.modules]))\n"
        "asyncio.run(main())\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == ["hello", True, False, False]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


async def test_a_key_without_durability_is_a_clear_error(tmp_path: Path) -> None:
    from fastagent.agents import FastAgent
    from fastagent.config import Settings
    from fastagent.exceptions import UserError

    fast = FastAgent("off", settings=Settings())
    fast.agent("a", "Echo.", model="passthrough")(lambda: None)
    async with fast.run() as app:
        with pytest.raises(UserError) as caught:
            await app.send("hello", key="ticket-1")
        assert app["a"].history == []
    assert "needs durability, which is off" in caught.value.message
    assert caught.value.hint is not None and "durable: {}" in caught.value.hint


@pytest.mark.parametrize(
    ("section", "enabled"),
    [
        ("durable:\n", True),  # nothing under it, as when every key is commented out
        ("durable:\n  # database: .fastagent/durable.sqlite\n", True),
        ("durable: true\n", True),
        ("durable: {}\n", True),
        ("durable: false\n", False),
    ],
)
def test_a_bare_or_boolean_durable_section_means_what_it_says(
    tmp_path: Path, section: str, enabled: bool
) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text(section)
    settings = load_config(config).settings.durable
    assert settings is not None and settings.enabled is enabled
    assert settings.database == DurableSettings().database

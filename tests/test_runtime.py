from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from fastagent._redact import redact
from fastagent.config import LoggerSettings, Settings, load_config
from fastagent.events import EventBus, ModelResponse
from fastagent.exceptions import UserError
from fastagent.messages import Usage
from fastagent.runtime import Context, RunOptions, Runtime, UsageTotals, current_context

pytestmark = pytest.mark.usefixtures("restore_fastagent_logger")


def quiet_settings() -> Settings:
    return Settings(logger=LoggerSettings(type="none"))


@asynccontextmanager
async def recording(name: str, log: list[str]) -> AsyncIterator[str]:
    log.append(f"enter {name}")
    try:
        yield name
    finally:
        log.append(f"exit {name}")


async def test_current_context_inside_and_outside() -> None:
    with pytest.raises(UserError) as caught:
        current_context()
    assert caught.value.message == "no open fastagent Runtime"
    assert caught.value.hint is not None
    assert "Runtime.open()" in caught.value.hint
    async with Context.create(quiet_settings()) as ctx:
        assert current_context() is ctx
        async with Context.create(quiet_settings()) as inner:
            assert current_context() is inner
        assert current_context() is ctx
    with pytest.raises(UserError):
        current_context()


async def test_attributes() -> None:
    settings = quiet_settings()
    async with Context.create(settings) as ctx:
        assert ctx.settings is settings
        assert ctx.config is None
        assert isinstance(ctx.events, EventBus)
        assert ctx.logger.name == "fastagent"
        assert isinstance(ctx.usage, UsageTotals)
        assert ctx.options == RunOptions()
        assert not ctx.servers_opened


def test_models_and_servers_are_not_imported_until_used() -> None:
    code = (
        "import asyncio, sys\n"
        "from fastagent.config import Settings\n"
        "from fastagent.runtime import Runtime\n"
        "async def main():\n"
        "    async with Runtime.open(settings=Settings()) as runtime:\n"
        "        assert 'fastagent.providers.factory' not in sys.modules\n"
        "        assert 'fastagent.mcp.registry' not in sys.modules\n"
        "        runtime.models.create('passthrough')\n"
        "        assert 'fastagent.mcp.registry' not in sys.modules\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_open_refuses_two_sources_of_settings() -> None:
    loaded = load_config(cwd=Path("/"), env={}, user_config_dir=Path("/nonexistent"))
    with pytest.raises(UserError, match="settings and config"):
        Runtime.open(settings=Settings(), config=loaded)
    with pytest.raises(UserError, match="config and config_path"):
        Runtime.open(config=loaded, config_path="x.yaml")


async def test_a_detached_runtime_refuses_servers() -> None:
    with pytest.raises(UserError, match="not open"):
        Runtime(Settings()).servers  # noqa: B018


async def test_notices_go_to_the_handler_once_and_never_when_quiet() -> None:
    seen: list[str] = []
    async with Runtime.open(RunOptions(notify=seen.append), settings=Settings()) as runtime:
        runtime.notice("one")
        runtime.notice("one")
        runtime.notice("two")
    assert seen == ["one", "two"]
    quiet = RunOptions(notify=seen.append, quiet=True)
    async with Runtime.open(quiet, settings=Settings()) as runtime:
        runtime.notice("three")
    assert seen == ["one", "two"]


async def test_display_is_started_on_open_and_stopped_on_close() -> None:
    log: list[str] = []

    def display(runtime: Runtime) -> Callable[[], None]:
        log.append(f"start {runtime.settings.default_model}")
        return lambda: log.append("stop")

    settings = Settings(default_model="passthrough")
    async with Runtime.open(RunOptions(display=display), settings=settings):
        assert log == ["start passthrough"]
    assert log == ["start passthrough", "stop"]
    async with Runtime.open(RunOptions(display=display, quiet=True), settings=settings):
        pass
    assert log == ["start passthrough", "stop"]


async def test_cleanup_runs_in_reverse_order() -> None:
    log: list[str] = []
    flag = asyncio.Event()
    flag.set()

    async def async_cleanup() -> None:
        await flag.wait()
        log.append("async cleanup")

    async with Context.create(quiet_settings()) as ctx:
        ctx.push_cleanup(lambda: log.append("sync cleanup 1"))
        assert await ctx.enter_async(recording("first", log)) == "first"
        ctx.push_cleanup(async_cleanup)
        await ctx.enter_async(recording("second", log))
        ctx.push_cleanup(lambda: log.append("sync cleanup 2"))
        log.append("body")
    assert log == [
        "enter first",
        "enter second",
        "body",
        "sync cleanup 2",
        "exit second",
        "async cleanup",
        "exit first",
        "sync cleanup 1",
    ]


async def test_cleanup_runs_when_body_raises() -> None:
    log: list[str] = []
    seen: list[type[BaseException] | None] = []

    class Watcher:
        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
            seen.append(exc_type)

    with pytest.raises(ValueError, match="body failed"):
        async with Context.create(quiet_settings()) as ctx:
            await ctx.enter_async(Watcher())
            await ctx.enter_async(recording("cm", log))
            ctx.push_cleanup(lambda: log.append("cleanup"))
            raise ValueError("body failed")
    assert log == ["enter cm", "cleanup", "exit cm"]
    assert seen == [ValueError]


async def test_cleanup_runs_when_cancelled() -> None:
    log: list[str] = []
    inside = asyncio.Event()
    never = asyncio.Event()
    ready = asyncio.Event()
    ready.set()

    async def async_cleanup() -> None:
        await ready.wait()
        log.append("async cleanup")

    async def body() -> None:
        async with Context.create(quiet_settings()) as ctx:
            await ctx.enter_async(recording("cm", log))
            ctx.push_cleanup(async_cleanup)
            inside.set()
            await never.wait()

    task = asyncio.create_task(body())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert log == ["enter cm", "async cleanup", "exit cm"]
    with pytest.raises(UserError):
        current_context()


async def test_failing_cleanup_is_logged_and_others_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []

    def broken() -> None:
        raise RuntimeError("cleanup broke")

    async def broken_async() -> None:
        raise OSError("async cleanup broke")

    class BrokenExit:
        async def __aenter__(self) -> BrokenExit:
            return self

        async def __aexit__(self, *exc: object) -> None:
            raise KeyError("exit broke")

    caplog.set_level(logging.ERROR, logger="fastagent.runtime")
    with pytest.raises(ValueError, match="the body's error"):
        async with Context.create(quiet_settings()) as ctx:
            ctx.push_cleanup(lambda: log.append("first"))
            ctx.push_cleanup(broken)
            await ctx.enter_async(BrokenExit())
            ctx.push_cleanup(broken_async)
            ctx.push_cleanup(lambda: log.append("last"))
            raise ValueError("the body's error")
    assert log == ["last", "first"]
    failures = [r for r in caplog.records if r.name == "fastagent.runtime"]
    assert [r.getMessage() for r in failures] == [
        "cleanup step test_failing_cleanup_is_logged_and_others_run.<locals>.broken_async failed",
        "cleanup step test_failing_cleanup_is_logged_and_others_run.<locals>.BrokenExit failed",
        "cleanup step test_failing_cleanup_is_logged_and_others_run.<locals>.broken failed",
    ]
    assert [type(r.exc_info[1]) for r in failures if r.exc_info] == [
        OSError,
        KeyError,
        RuntimeError,
    ]


async def test_failing_cleanup_after_clean_body_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("cleanup broke")

    async with Context.create(quiet_settings()) as ctx:
        ctx.push_cleanup(broken)
    assert any("cleanup step" in r.getMessage() for r in caplog.records)


async def test_manager_reraising_body_error_is_not_a_cleanup_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Reraise:
        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
            if exc is not None:
                raise exc

    with pytest.raises(ValueError, match="body"):
        async with Context.create(quiet_settings()) as ctx:
            await ctx.enter_async(Reraise())
            raise ValueError("body")
    assert not [r for r in caplog.records if r.name == "fastagent.runtime"]


async def test_manager_cannot_swallow_body_error() -> None:
    class Swallow:
        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *exc: object) -> bool:
            return True

    with pytest.raises(ValueError, match="body"):
        async with Context.create(quiet_settings()) as ctx:
            await ctx.enter_async(Swallow())
            raise ValueError("body")


async def test_registering_outside_an_open_context_is_refused() -> None:
    detached = Context(quiet_settings())
    with pytest.raises(UserError, match="not open"):
        detached.push_cleanup(lambda: None)
    async with Context.create(quiet_settings()) as ctx:
        pass
    with pytest.raises(UserError, match="not open"):
        ctx.push_cleanup(lambda: None)
    manager = recording("late", [])
    with pytest.raises(UserError, match="not open"):
        await ctx.enter_async(manager)


def test_settings_and_config_path_together_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        Context.create(quiet_settings(), config_path=tmp_path / "fastagent.yaml")
    assert caught.value.hint


async def test_create_loads_config_file(tmp_path: Path) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text("default_model: passthrough\nlogger:\n  type: none\n", encoding="utf-8")
    async with Context.create(config_path=config, overrides={"logger.level": "info"}) as ctx:
        assert ctx.config is not None
        assert ctx.config.config_file == config
        assert ctx.settings.default_model == "passthrough"
        assert ctx.settings.logger.level == "info"
        assert logging.getLogger("fastagent").level == logging.INFO


async def test_logging_configured_and_removed() -> None:
    logger = logging.getLogger("fastagent")
    logger.setLevel(logging.CRITICAL)
    before = list(logger.handlers)
    async with Context.create(quiet_settings(), verbose=True):
        assert logger.level == logging.DEBUG
        assert len(logger.handlers) == len(before) + 1
    assert logger.handlers == before
    assert logger.level == logging.CRITICAL


async def test_configured_secrets_are_redacted_while_open(tmp_path: Path) -> None:
    settings = Settings(
        logger=LoggerSettings(type="none"),
        anthropic={"api_key": SecretStr("anthropic-config-key-1")},  # type: ignore[arg-type]
        openai={"default_headers": {"X-Org-Token": "org-header-token-2"}},  # type: ignore[arg-type]
    )
    async with Context.create(settings):
        assert redact("a anthropic-config-key-1 b") == "a *** b"
        assert redact("org-header-token-2") == "***"
    assert redact("anthropic-config-key-1") == "anthropic-config-key-1"


async def test_file_logger_records_events(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    settings = Settings(logger=LoggerSettings(type="file", level="info", path=str(path)))
    async with Context.create(settings) as ctx:
        ctx.events.publish(ModelResponse(agent="writer", model="passthrough", output_tokens=2))
    ctx.events.publish(ModelResponse(agent="after", model="closed"))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    events = [line for line in lines if line["logger"] == "fastagent.events"]
    assert len(events) == 1
    assert events[0]["event"] == "ModelResponse"
    assert events[0]["data"]["agent"] == "writer"


@pytest.mark.parametrize("sink", ["console", "none"])
async def test_events_are_logged_only_by_the_file_sink(
    sink: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fastagent.events")
    settings = Settings(logger=LoggerSettings(type=sink, level="debug"))  # type: ignore[arg-type]
    async with Context.create(settings) as ctx:
        ctx.events.publish(ModelResponse(agent="a", model="m"))
    assert not [r for r in caplog.records if r.name == "fastagent.events"]


async def test_concurrent_contexts_are_isolated() -> None:
    barrier = threading.Barrier(3, timeout=30)
    seen: dict[str, bool] = {}

    async def inside(name: str) -> None:
        async with Context.create(quiet_settings()) as ctx:
            await asyncio.to_thread(barrier.wait)  # all three are inside their context now
            seen[name] = current_context() is ctx
        with pytest.raises(UserError):
            current_context()

    def in_thread() -> None:
        asyncio.run(inside("thread"))

    thread = threading.Thread(target=in_thread)
    thread.start()
    try:
        await asyncio.gather(inside("task a"), inside("task b"))
    finally:
        await asyncio.to_thread(thread.join)
    assert seen == {"task a": True, "task b": True, "thread": True}


def test_usage_totals_sum_per_agent() -> None:
    bus = EventBus()
    totals = UsageTotals()
    unsubscribe = totals.subscribe(bus)
    bus.publish(ModelResponse(agent="a", model="m", input_tokens=10, output_tokens=1))
    bus.publish(ModelResponse(agent="b", model="m", input_tokens=5, output_tokens=2))
    bus.publish(ModelResponse(agent="a", model="m", input_tokens=7, output_tokens=3))
    unsubscribe()
    bus.publish(ModelResponse(agent="a", model="m", input_tokens=1000))
    assert dict(totals) == {
        "a": Usage(input_tokens=17, output_tokens=4, requests=2),
        "b": Usage(input_tokens=5, output_tokens=2, requests=1),
    }
    totals.add("c", Usage(input_tokens=1, cache_read_tokens=9))
    assert totals["c"].cache_read_tokens == 9
    assert len(totals) == 3
    assert totals.total == Usage(input_tokens=23, output_tokens=6, cache_read_tokens=9, requests=3)
    assert "missing" not in totals
    assert UsageTotals().total == Usage()


async def test_context_usage_follows_its_events() -> None:
    async with Context.create(quiet_settings()) as ctx:
        ctx.events.publish(ModelResponse(agent="a", model="m", input_tokens=3, output_tokens=4))
        ctx.events.publish(ModelResponse(agent="a", model="m", input_tokens=1, output_tokens=1))
    assert ctx.usage["a"] == Usage(input_tokens=4, output_tokens=5, requests=2)
    assert ctx.usage.total.total_tokens == 9

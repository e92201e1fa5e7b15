import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from fastagent.events import Event, EventBus, ToolCallFinished, ToolCallStarted
from fastagent.exceptions import ToolError, UserError
from fastagent.messages import TextContent, ToolCall, ToolResult
from fastagent.tools import TOOL_NAME_PATTERN, ToolDefinition, ToolSet, tool

Behaviour = Callable[[dict[str, Any]], Awaitable[ToolResult | str]]


class FakeTool:
    """A hand-written Tool (not a FunctionTool), as an MCP tool will be."""

    def __init__(
        self, name: str, behaviour: Behaviour | None = None, timeout: float | None = None
    ) -> None:
        self._definition = ToolDefinition(
            name=name, description=f"{name} tool", input_schema={"type": "object"}
        )
        self._behaviour = behaviour
        self.timeout = timeout
        self.calls: list[dict[str, Any]] = []

    @property
    def definition(self) -> ToolDefinition:
        return self._definition

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        self.calls.append(arguments)
        value: ToolResult | str = self._definition.name
        if self._behaviour is not None:
            value = await self._behaviour(arguments)
        if isinstance(value, ToolResult):
            return value
        return ToolResult(call_id=call_id, content=[TextContent(text=value)])


def _call(name: str, call_id: str = "c1", **arguments: Any) -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=arguments)


async def _never(arguments: dict[str, Any]) -> str:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_routes_by_name_and_sets_call_id_and_tool_name() -> None:
    a, b = FakeTool("a"), FakeTool("b")
    tools = ToolSet([a, b])
    result = await tools.call(_call("b", call_id="x7", q=1))
    assert (result.text, result.call_id, result.tool_name) == ("b", "x7", "b")
    assert b.calls == [{"q": 1}]
    assert a.calls == []


async def test_function_tools_work_end_to_end() -> None:
    @tool
    def multiply(a: int, b: int) -> int:
        return a * b

    result = await ToolSet([multiply]).call(_call("multiply", a=6, b=7))
    assert result.structured_content == {"result": 42}


def test_collisions_keep_the_first_and_number_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    first, second, third = FakeTool("search"), FakeTool("search"), FakeTool("search")
    tools = ToolSet()
    with caplog.at_level(logging.WARNING, logger="fastagent.tools"):
        names = [tools.add(first), tools.add(second), tools.add(third)]
    assert names == ["search", "search_2", "search_3"]
    assert tools.get("search") is first
    assert tools.get("search_3") is third
    assert [d.name for d in tools.definitions()] == names
    warnings = [r for r in caplog.records if r.name == "fastagent.tools"]
    assert len(warnings) == 2
    assert "'search_2'" in warnings[0].getMessage()


def test_collision_skips_names_already_taken() -> None:
    tools = ToolSet([FakeTool("a"), FakeTool("a_2")])
    assert tools.add(FakeTool("a")) == "a_3"


def test_names_are_sanitized_and_prefixed() -> None:
    tools = ToolSet()
    assert tools.add(FakeTool("get.weather now")) == "get_weather_now"
    assert tools.add(FakeTool("read"), prefix="files") == "files__read"
    long_name = tools.add(FakeTool("x" * 80), prefix="srv")
    assert len(long_name) == 64
    assert all(TOOL_NAME_PATTERN.match(name) for name in tools.names())
    assert tools.definitions()[0].name == "get_weather_now"
    assert tools.definitions()[0].description == "get.weather now tool"


def test_filters_apply_to_final_names_and_exclude_wins() -> None:
    tools = ToolSet(include=["fs__*", "echo"], exclude=["fs__write*"])
    for name, prefix in [("read", "fs"), ("write_file", "fs"), ("echo", None), ("x", None)]:
        tools.add(FakeTool(name), prefix=prefix)
    assert tools.names() == ["fs__read", "echo"]
    assert [d.name for d in tools.definitions()] == ["fs__read", "echo"]
    assert len(tools) == 2
    assert "fs__read" in tools
    assert "fs__write_file" not in tools
    assert "x" not in tools
    assert 3 not in tools


async def test_hidden_tool_cannot_be_called() -> None:
    hidden = FakeTool("secret")
    tools = ToolSet([FakeTool("visible"), hidden], exclude=["secret"])
    result = await tools.call(_call("secret"))
    assert result.is_error
    assert hidden.calls == []
    assert "Available tools: visible." in result.text
    assert "secret tool" not in result.text


async def test_unknown_tool_lists_the_first_twenty_names() -> None:
    tools = ToolSet([FakeTool(f"t{i}") for i in range(25)])
    result = await tools.call(_call("nope", call_id="z"))
    assert result.is_error
    assert (result.call_id, result.tool_name) == ("z", "nope")
    expected = ", ".join(f"t{i}" for i in range(20))
    assert f"unknown tool 'nope'. Available tools: {expected} (and 5 more)." in result.text
    assert "t20" not in result.text


async def test_unknown_tool_in_an_empty_set() -> None:
    result = await ToolSet().call(_call("nope"))
    assert result.text == "unknown tool 'nope': no tools are available"


@pytest.mark.parametrize("raw", ['{"text": "cut', "[1, 2]", '"just a string"'])
async def test_arguments_that_are_no_json_object_are_an_error_result_and_nothing_runs(
    raw: str,
) -> None:
    anything = FakeTool("anything")  # its schema takes any object, as many MCP tools do

    class Recorder:
        def __init__(self) -> None:
            self.seen: list[ToolCall] = []

        async def before(self, call: ToolCall, source: str | None = None) -> ToolCall:
            self.seen.append(call)
            return call

    tools = ToolSet([anything])
    guard = Recorder()
    tools.guard = guard  # type: ignore[assignment]
    call = ToolCall(id="c1", name="anything", arguments={ToolCall.INVALID_ARGUMENTS_KEY: raw})
    assert call.invalid_arguments == raw
    result = await tools.call(call)
    assert result.is_error
    assert (result.call_id, result.tool_name) == ("c1", "anything")
    assert result.text.startswith(
        "the arguments of this call to tool 'anything' are not a JSON object, so it was not run: "
    )
    assert repr(raw) in result.text
    assert anything.calls == [] and guard.seen == []  # not run, no one asked to approve it


async def test_a_real_argument_named_like_the_invalid_key_is_passed_on() -> None:
    odd = FakeTool("odd")
    arguments = {ToolCall.INVALID_ARGUMENTS_KEY: "x", "other": 1}
    call = ToolCall(id="c1", name="odd", arguments=arguments)
    assert call.invalid_arguments is None
    result = await ToolSet([odd]).call(call)
    assert not result.is_error
    assert odd.calls == [arguments]


async def test_raising_tool_becomes_an_error_result() -> None:
    @tool
    def divide(a: int, b: int) -> float:
        return a / b

    result = await ToolSet([divide]).call(_call("divide", a=1, b=0))
    assert result.is_error
    assert result.text == "tool 'divide' failed: ZeroDivisionError: division by zero"


async def test_fastagent_error_hint_is_included() -> None:
    async def fail(arguments: dict[str, Any]) -> str:
        raise ToolError("quota exceeded", hint="try again tomorrow")

    result = await ToolSet([FakeTool("q", fail)]).call(_call("q"))
    assert result.text == ("tool 'q' failed: ToolError: quota exceeded (hint: try again tomorrow)")


async def test_invalid_arguments_reach_the_model_as_error_text() -> None:
    @tool
    def square(n: int) -> int:
        return n * n

    result = await ToolSet([square]).call(_call("square", n="abc"))
    assert result.is_error
    assert "  - n: Input should be a valid integer" in result.text


async def test_toolset_timeout() -> None:
    result = await ToolSet([FakeTool("slow", _never)], timeout=0.05).call(_call("slow"))
    assert result.is_error
    assert result.text == "tool 'slow' timed out after 0.05s"


async def test_tool_timeout_is_used_before_the_toolset_timeout() -> None:
    tools = ToolSet([FakeTool("slow", _never, timeout=0.02)], timeout=3600)
    result = await tools.call(_call("slow"))
    assert result.text == "tool 'slow' timed out after 0.02s"


async def test_longer_tool_timeout_overrides_a_shorter_toolset_timeout() -> None:
    async def takes_a_while(arguments: dict[str, Any]) -> str:
        await asyncio.sleep(0.1)
        return "done"

    tools = ToolSet([FakeTool("patient", takes_a_while, timeout=30)], timeout=0.01)
    result = await tools.call(_call("patient"))
    assert (result.text, result.is_error) == ("done", False)


async def test_sync_function_tool_timeout() -> None:
    release = threading.Event()

    @tool(timeout=0.05)
    def stuck() -> str:
        release.wait(timeout=10)
        return "late"

    try:
        result = await ToolSet([stuck]).call(_call("stuck"))
    finally:
        release.set()
    assert result.text == "tool 'stuck' timed out after 0.05s"


async def test_timeout_error_raised_by_the_tool_is_a_failure_not_a_timeout() -> None:
    async def raises_timeout(arguments: dict[str, Any]) -> str:
        raise TimeoutError("upstream took too long")

    result = await ToolSet([FakeTool("t", raises_timeout)], timeout=60).call(_call("t"))
    assert result.text == "tool 't' failed: TimeoutError: upstream took too long"


async def test_events_are_published_for_success_and_error() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)

    async def fail(arguments: dict[str, Any]) -> str:
        raise RuntimeError("x")

    tools = ToolSet([FakeTool("ok"), FakeTool("bad", fail)], events=bus, agent="helper")
    await tools.call(_call("ok", call_id="1", city="Paris"))
    await tools.call(_call("bad", call_id="2"))
    await tools.call(_call("missing", call_id="3"))

    assert [type(e) for e in seen] == [ToolCallStarted, ToolCallFinished] * 3
    started, finished = seen[0], seen[1]
    assert isinstance(started, ToolCallStarted)
    assert (started.agent, started.tool, started.call_id) == ("helper", "ok", "1")
    assert started.arguments == {"city": "Paris"}
    assert isinstance(finished, ToolCallFinished)
    assert (finished.tool, finished.call_id, finished.is_error) == ("ok", "1", False)
    assert finished.duration >= 0
    errors = [e.is_error for e in seen if isinstance(e, ToolCallFinished)]
    assert errors == [False, True, True]


async def test_cancellation_propagates_and_still_reports_finished() -> None:
    bus = EventBus()
    finished: list[ToolCallFinished] = []
    bus.subscribe(finished.append, ToolCallFinished)
    entered = asyncio.Event()

    async def wait_forever(arguments: dict[str, Any]) -> str:
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    tools = ToolSet([FakeTool("hang", wait_forever)], events=bus)
    task = asyncio.create_task(tools.call(_call("hang")))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [e.is_error for e in finished] == [True]


async def test_parallel_calls_overlap() -> None:
    a_in, b_in = asyncio.Event(), asyncio.Event()

    def handshake(mine: asyncio.Event, other: asyncio.Event) -> Behaviour:
        async def run(arguments: dict[str, Any]) -> str:
            mine.set()
            await other.wait()
            return "met"

        return run

    tools = ToolSet([FakeTool("a", handshake(a_in, b_in)), FakeTool("b", handshake(b_in, a_in))])
    results = await asyncio.wait_for(
        asyncio.gather(tools.call(_call("a", "1")), tools.call(_call("b", "2"))), timeout=5
    )
    assert [(r.call_id, r.text) for r in results] == [("1", "met"), ("2", "met")]


def test_remove_and_get() -> None:
    first = FakeTool("a")
    tools = ToolSet([first])
    assert tools.remove("a") is first
    assert "a" not in tools
    assert tools.get("a") is None
    with pytest.raises(KeyError):
        tools.remove("a")


def test_invalid_timeout_is_a_user_error() -> None:
    with pytest.raises(UserError, match="timeout must be positive"):
        ToolSet(timeout=-1)

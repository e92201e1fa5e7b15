import asyncio
import functools
import threading
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from fastagent.exceptions import UserError
from fastagent.tools import FunctionTool, Tool, ToolDefinition, tool


class Point(BaseModel):
    x: int
    y: int


class Area(TypedDict):
    area: int


@tool
def add(a: int, b: int = 1) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


@tool(name="async_echo", description="Echo text back.", timeout=5)
async def echo(text: str) -> str:
    return text


def test_decorated_tool_is_a_tool_with_definition() -> None:
    assert isinstance(add, FunctionTool)
    assert isinstance(add, Tool)
    definition = add.definition
    assert isinstance(definition, ToolDefinition)
    assert definition.name == "add"
    assert definition.description == "Add two numbers."
    assert definition.input_schema["properties"]["a"] == {
        "type": "integer",
        "description": "The first number.",
    }
    assert definition.output_schema is None
    assert add.definition is definition


def test_decorator_options() -> None:
    assert echo.definition.name == "async_echo"
    assert echo.definition.description == "Echo text back."
    assert echo.timeout == 5


def test_decorated_function_stays_callable() -> None:
    assert add(2, 3) == 5
    assert add.fn(2) == 3


def test_schema_is_built_lazily() -> None:
    # LaterPoint is not defined when the tool is made: only its first use resolves it.
    def area(p: "LaterPoint") -> Any:  # type: ignore[name-defined]  # noqa: F821
        return p.x * p.y

    made = tool(area)  # must not resolve the annotation yet
    with pytest.raises(UserError):
        _ = made.definition

    later = tool(area)
    area.__globals__["LaterPoint"] = Point
    try:
        assert later.definition.input_schema["properties"]["p"] == {"$ref": "#/$defs/Point"}
    finally:
        del area.__globals__["LaterPoint"]


async def test_sync_function_runs_in_a_worker_thread() -> None:
    seen: list[int] = []

    def where() -> str:
        seen.append(threading.get_ident())
        return "ok"

    result = await FunctionTool(where).call({}, call_id="c")
    assert result.text == "ok"
    assert seen != [threading.get_ident()]


async def test_async_function_runs_on_the_loop() -> None:
    result = await echo.call({"text": "hi"}, call_id="c9")
    assert (result.text, result.call_id, result.tool_name) == ("hi", "c9", "async_echo")


async def test_arguments_are_validated_and_coerced() -> None:
    result = await add.call({"a": "2", "b": 5}, call_id="c")
    assert result.structured_content == {"result": 7}
    assert result.text == "7"


async def test_invalid_arguments_become_an_error_result() -> None:
    result = await add.call({"a": "two", "c": 1}, call_id="c")
    assert result.is_error
    assert result.call_id == "c"
    assert "invalid arguments for tool 'add'" in result.text
    assert "  - a: Input should be a valid integer" in result.text
    assert "expected integer" in result.text
    assert "  - c: unknown argument (valid arguments: a, b)" in result.text


async def test_missing_argument_names_the_expected_type() -> None:
    result = await add.call({}, call_id="c")
    assert "  - a: required argument is missing; expected integer" in result.text


async def test_function_exception_propagates_from_call() -> None:
    @tool
    def boom() -> None:
        raise ValueError("no good")

    with pytest.raises(ValueError, match="no good"):
        await boom.call({}, call_id="c")


async def test_structured_output_validated_against_return_annotation() -> None:
    @tool
    def good(w: int, h: int) -> Area:
        return {"area": w * h}

    @tool
    def bad(w: int) -> Area:
        return {"area": "big"}  # type: ignore[typeddict-item]

    assert good.definition.output_schema == {
        "type": "object",
        "properties": {"area": {"type": "integer"}},
        "required": ["area"],
    }
    result = await good.call({"w": 2, "h": 3}, call_id="c")
    assert result.structured_content == {"area": 6}
    failed = await bad.call({"w": 2}, call_id="c")
    assert failed.is_error
    assert "does not match its output schema" in failed.text


async def test_model_parameters_arrive_as_instances() -> None:
    received: list[Any] = []

    @tool
    async def take(p: Point) -> Point:
        received.append(p)
        return p

    result = await take.call({"p": {"x": 1, "y": 2}}, call_id="c")
    assert received == [Point(x=1, y=2)]
    assert result.structured_content == {"x": 1, "y": 2}


async def test_partial_method_and_callable_object() -> None:
    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def bump(self, by: int) -> int:
            self.total += by
            return self.total

        async def __call__(self, word: str) -> str:
            return word.upper()

    def scale(factor: int, value: int) -> int:
        return factor * value

    counter = Counter()
    assert (await FunctionTool(counter.bump).call({"by": 2}, call_id="c")).text == "2"
    doubled = FunctionTool(functools.partial(scale, 2))
    assert doubled.name == "scale"
    assert (await doubled.call({"value": 4}, call_id="c")).text == "8"
    shout = FunctionTool(counter, name="shout")
    assert (await shout.call({"word": "hi"}, call_id="c")).text == "HI"


async def test_sync_callable_returning_a_coroutine_is_awaited() -> None:
    async def inner() -> str:
        return "inner"

    def outer() -> Any:
        return inner()

    assert (await FunctionTool(outer).call({}, call_id="c")).text == "inner"


def test_bad_construction_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not callable"):
        FunctionTool(42)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="timeout must be positive"):
        FunctionTool(add.fn, timeout=0)


async def test_concurrent_async_calls_overlap() -> None:
    first_in = asyncio.Event()
    second_in = asyncio.Event()

    @tool
    async def meet(who: str) -> str:
        mine, other = (first_in, second_in) if who == "first" else (second_in, first_in)
        mine.set()
        await other.wait()
        return who

    results = await asyncio.wait_for(
        asyncio.gather(
            meet.call({"who": "first"}, call_id="1"), meet.call({"who": "second"}, call_id="2")
        ),
        timeout=5,
    )
    assert [r.text for r in results] == ["first", "second"]


async def test_concurrent_sync_calls_overlap_in_threads() -> None:
    barrier = threading.Barrier(2, timeout=5)

    @tool
    def meet(who: str) -> str:
        barrier.wait()  # raises BrokenBarrierError unless both calls run at the same time
        return who

    results = await asyncio.gather(
        meet.call({"who": "a"}, call_id="1"), meet.call({"who": "b"}, call_id="2")
    )
    assert [r.text for r in results] == ["a", "b"]

"""`FunctionTool`: a tool made from a plain Python function, and the `@tool` decorator.

Decorating is cheap: the signature, type hints and docstring are read, and the pydantic
validator built, on first use (`FunctionTool.definition` or `FunctionTool.call`); the modules
that do it are imported then too.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from pydantic_core import ValidationError

from fastagent.exceptions import UserError
from fastagent.messages import ToolResult
from fastagent.tools.base import ToolDefinition

if TYPE_CHECKING:
    from fastagent.tools.schema import FunctionSchema

__all__ = ["FunctionTool", "tool"]


class FunctionTool:
    """A `Tool` that calls a sync or async Python callable.

    Async functions are awaited; sync functions run in a worker thread
    (`asyncio.to_thread`) so they never block the event loop. Arguments are validated against
    the type hints before the call; invalid arguments produce an error result that names each
    bad field and its expected type. Exceptions the function raises propagate (a `ToolSet`
    turns them into error results).

    The timeout is not enforced by `call` itself: `ToolSet` reads it (in preference to its own).
    On timeout a sync function's thread cannot be stopped; it finishes in the background.

    Args:
        fn: A function, bound method, `functools.partial` or callable object.
        name: The tool name; default the function's ``__name__``.
        description: What the tool does; default the docstring's text before its sections.
        timeout: Seconds a call may take, or None for no limit of its own.
    """

    __slots__ = ("_definition", "_description", "_fn", "_is_async", "_schema", "name", "timeout")

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if not callable(fn):
            raise UserError(
                f"cannot make a tool from {fn!r}: it is not callable",
                hint="pass a function (sync or async) to FunctionTool or @tool",
            )
        if timeout is not None and timeout <= 0:
            raise UserError(
                f"tool '{name or _callable_name(fn)}': timeout must be positive, got {timeout}",
                hint="give the timeout in seconds, or None for no limit",
            )
        self._fn = fn
        self.name: str = name or _callable_name(fn)
        self._description = description
        self.timeout = timeout
        self._is_async = _is_async_callable(fn)
        self._schema: FunctionSchema | None = None
        self._definition: ToolDefinition | None = None

    @property
    def fn(self) -> Callable[..., Any]:
        """The wrapped callable."""
        return self._fn

    @property
    def definition(self) -> ToolDefinition:
        """The definition sent to the model (built on first access)."""
        if self._definition is None:
            schema = self._compiled()
            self._definition = ToolDefinition(
                name=self.name,
                description=self._description or schema.description,
                input_schema=schema.input_schema,
                output_schema=schema.output_schema,
            )
        return self._definition

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        """Validate `arguments`, run the function, and convert what it returned.

        Args:
            arguments: The arguments the model sent.
            call_id: The id of the model's tool call.

        Returns:
            The result; an error result when the arguments or the returned value are invalid.
        """
        from fastagent.tools.results import to_tool_result
        from fastagent.tools.validation import format_argument_errors

        schema = self._compiled()
        try:
            args, kwargs = schema.bind(arguments)
        except ValidationError as exc:
            message = format_argument_errors(self.name, exc, schema.input_schema)
            return ToolResult.error(call_id, message, tool_name=self.name)
        if self._is_async:
            value = await self._fn(*args, **kwargs)
        else:
            value = await asyncio.to_thread(self._fn, *args, **kwargs)
            if inspect.isawaitable(value):  # a sync callable that returned a coroutine
                value = await value
        return to_tool_result(
            value, call_id=call_id, tool_name=self.name, output_adapter=schema.output_adapter
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the wrapped function directly, as if it had not been decorated."""
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"FunctionTool({self.name!r})"

    def _compiled(self) -> FunctionSchema:
        if self._schema is None:
            from fastagent.tools.schema import build_function_schema

            self._schema = build_function_schema(self._fn, tool_name=self.name)
        return self._schema


@overload
def tool(fn: Callable[..., Any], /) -> FunctionTool: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Make a `FunctionTool` from a function; use as ``@tool`` or ``@tool(name=...)``.

    Args:
        fn: The function, when used without parentheses.
        name: The tool name; default the function's ``__name__``.
        description: What the tool does; default from the docstring.
        timeout: Seconds a call may take, or None for no limit of its own.

    Returns:
        The tool, or a decorator that makes one.
    """

    def make(target: Callable[..., Any]) -> FunctionTool:
        return FunctionTool(target, name=name, description=description, timeout=timeout)

    return make if fn is None else make(fn)


def _callable_name(fn: Callable[..., Any]) -> str:
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    return str(getattr(target, "__name__", None) or type(target).__name__)


def _is_async_callable(fn: Callable[..., Any]) -> bool:
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.iscoroutinefunction(target):
        return True
    call = getattr(target, "__call__", None)  # noqa: B004 - a callable object's method
    return inspect.iscoroutinefunction(call)

"""`ToolSet`: the tools one agent can call, by unique provider-safe names.

Names: each tool's name is sanitized (`sanitize_tool_name`: characters outside
``[a-zA-Z0-9_-]`` become ``_``, cut to 64). Tools from a source (e.g. an MCP server) are added
with a prefix and named ``prefix__tool``. On a collision the tool registered first keeps the
name and later ones become ``name_2``, ``name_3``, ... (logged as a warning on
``fastagent.tools``). The include/exclude filters apply to these final names.

Calls never raise (except on cancellation): an unknown tool, invalid arguments, an exception
in the tool or a timeout all become an error result the model can read and act on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from fastagent.events import ToolCallFinished, ToolCallStarted
from fastagent.exceptions import FastAgentError, UserError
from fastagent.messages import ToolResult
from fastagent.tools.filters import NameFilter
from fastagent.tools.naming import join_tool_name, sanitize_tool_name, unique_tool_name

if TYPE_CHECKING:
    from fastagent.events import EventBus
    from fastagent.messages import ToolCall
    from fastagent.tools.approval import ToolGuard
    from fastagent.tools.base import Tool, ToolDefinition

__all__ = ["ToolSet"]

_log = logging.getLogger("fastagent.tools")

_LISTED_TOOLS = 20
_SHOWN_ARGUMENTS = 200  # characters of unusable arguments quoted back to the model


class ToolSet:
    """An ordered, filtered collection of tools that routes tool calls by name.

    Args:
        tools: Tools to add, in order (see `add`).
        include: Glob patterns; only matching tool names are visible (None: all).
        exclude: Glob patterns; matching tool names are hidden (wins over `include`).
        timeout: Default seconds per call, for tools without a ``timeout`` of their own.
        events: Bus to publish `ToolCallStarted` / `ToolCallFinished` on.
        agent: The agent name put on the events.
    """

    def __init__(
        self,
        tools: Iterable[Tool] = (),
        *,
        include: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        timeout: float | None = None,
        events: EventBus | None = None,
        agent: str = "",
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise UserError(
                f"tool timeout must be positive, got {timeout}",
                hint="give the timeout in seconds, or None for no limit",
            )
        self._tools: dict[str, Tool] = {}
        self._filter = NameFilter(include, exclude)
        self.timeout = timeout
        self.events = events
        self.agent = agent
        self.guard: ToolGuard | None = None
        """Hooks and approval applied to every call (`fastagent.tools.approval`)."""
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool, *, prefix: str | None = None) -> str:
        """Register `tool` and return the name the model will call it by.

        Args:
            tool: The tool.
            prefix: The source the tool comes from (e.g. an MCP server name); the tool is
                then named ``prefix__name``.

        Returns:
            The final name: sanitized and, on a collision, suffixed ``_2``, ``_3``, ...
        """
        wanted = tool.definition.name
        if prefix:
            wanted = join_tool_name(prefix, wanted)
        safe = sanitize_tool_name(wanted)
        if safe != wanted:
            _log.debug("tool name %r sanitized to %r", wanted, safe)
        final = unique_tool_name(safe, self._tools)
        if final != safe:
            _log.warning(
                "tool name %r is already taken; the tool added later is named %r", safe, final
            )
        self._tools[final] = tool
        return final

    def remove(self, name: str) -> Tool:
        """Unregister the tool with final name `name` and return it.

        Raises:
            KeyError: No tool has that name.
        """
        return self._tools.pop(name)

    def get(self, name: str) -> Tool | None:
        """The visible tool with final name `name`, or None."""
        tool = self._tools.get(name)
        return tool if tool is not None and self._filter(name) else None

    def names(self) -> list[str]:
        """The final names of the visible tools, in registration order."""
        return [name for name in self._tools if self._filter(name)]

    def definitions(self) -> list[ToolDefinition]:
        """The definitions of the visible tools, under their final names, in stable order."""
        out: list[ToolDefinition] = []
        for name in self.names():
            definition = self._tools[name].definition
            if definition.name != name:
                definition = dataclasses.replace(definition, name=name)
            out.append(definition)
        return out

    async def call(self, call: ToolCall) -> ToolResult:
        """Run one tool call and return its result; never raises except on cancellation.

        Args:
            call: The model's tool call.

        Returns:
            The tool's result with ``call_id`` and ``tool_name`` set, or an error result
            explaining what went wrong (unknown tool, invalid arguments, failure, timeout).
        """
        events = self.events
        server: str | None = None
        if events is not None:
            # An MCP tool names its server (tools know no MCP: any tool may have one).
            owner = getattr(self._tools.get(call.name), "server", None)
            server = owner if isinstance(owner, str) else None
            events.publish(
                ToolCallStarted(
                    agent=self.agent,
                    tool=call.name,
                    call_id=call.id,
                    arguments=call.arguments,
                    server=server,
                )
            )
        started = time.perf_counter()
        result: ToolResult | None = None
        try:
            result = await self._guarded(call)
            return result
        finally:
            duration = time.perf_counter() - started
            is_error = result is None or result.is_error
            _log.debug("tool %s finished in %.3fs (error=%s)", call.name, duration, is_error)
            if events is not None:
                events.publish(
                    ToolCallFinished(
                        agent=self.agent,
                        tool=call.name,
                        call_id=call.id,
                        is_error=is_error,
                        duration=duration,
                        server=server,
                        result=result,
                    )
                )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        return f"ToolSet({self.names()!r})"

    async def _guarded(self, call: ToolCall) -> ToolResult:
        raw = call.invalid_arguments
        if raw is not None and self.get(call.name) is not None:
            message = _invalid_arguments_message(call.name, raw)
            return ToolResult.error(call.id, message, tool_name=call.name)
        guard = self.guard
        if guard is None:
            return await self._dispatch(call)
        tool = self._tools.get(call.name)
        checked = await guard.before(call, getattr(tool, "server", None))
        if isinstance(checked, ToolResult):
            return checked
        return await guard.after(checked, await self._dispatch(checked))

    async def _dispatch(self, call: ToolCall) -> ToolResult:
        name = call.name
        tool = self.get(name)
        if tool is None:
            return ToolResult.error(call.id, self._unknown_tool_message(name), tool_name=name)
        own_timeout: float | None = getattr(tool, "timeout", None)
        timeout = own_timeout if own_timeout is not None else self.timeout
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                result = await tool.call(call.arguments, call_id=call.id)
        except TimeoutError as exc:
            if deadline.expired():
                message = f"tool '{name}' timed out after {timeout:g}s"
                return ToolResult.error(call.id, message, tool_name=name)
            return ToolResult.error(call.id, _failure_message(name, exc), tool_name=name)
        except Exception as exc:
            _log.debug("tool %s raised", name, exc_info=exc)
            return ToolResult.error(call.id, _failure_message(name, exc), tool_name=name)
        if result.call_id != call.id or result.tool_name != name:
            result = result.model_copy(update={"call_id": call.id, "tool_name": name})
        return result

    def _unknown_tool_message(self, name: str) -> str:
        available = self.names()
        if not available:
            return f"unknown tool '{name}': no tools are available"
        listed = ", ".join(available[:_LISTED_TOOLS])
        more = len(available) - _LISTED_TOOLS
        if more > 0:
            listed += f" (and {more} more)"
        return f"unknown tool '{name}'. Available tools: {listed}. Call one of them by its name."


def _invalid_arguments_message(name: str, raw: str) -> str:
    shown = raw if len(raw) <= _SHOWN_ARGUMENTS else raw[:_SHOWN_ARGUMENTS] + "..."
    return (
        f"the arguments of this call to tool '{name}' are not a JSON object, so it was not "
        f"run: {shown!r}. Call '{name}' again with a JSON object that matches its input schema."
    )


def _failure_message(name: str, exc: BaseException) -> str:
    detail = FastAgentError.message_of(exc)
    message = f"tool '{name}' failed: {type(exc).__name__}" + (f": {detail}" if detail else "")
    if isinstance(exc, FastAgentError) and exc.hint:
        message += f" (hint: {exc.hint})"
    return message

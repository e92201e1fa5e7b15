"""Exposing MCP servers' tools to an agent's `ToolSet`, as ``server__tool``.

`add_server_tools` connects the named servers (concurrently), lists their tools (every page),
keeps those passing the server's ``include_tools`` / ``exclude_tools`` globs, and adds each to
the `ToolSet` as an `MCPTool` under ``<server>__<tool>``. When a server sends
``notifications/tools/list_changed`` the list is fetched again and the `ToolSet` updated: new
tools added, gone tools removed, changed definitions replaced.

Globs match the server's own tool name (``echo``) or the prefixed one (``everything__echo``).
A tool call never raises: a server error, a crash or a timeout becomes an error result the
model can read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from mcp.shared.exceptions import MCPError

from fastagent.exceptions import MCPServerError
from fastagent.logging import get_logger
from fastagent.mcp.convert import tool_definition_from_mcp, tool_result_from_mcp
from fastagent.messages import ToolResult
from fastagent.tools.naming import join_tool_name

if TYPE_CHECKING:
    import mcp_types

    from fastagent.config.mcp_settings import MCPServerSettings
    from fastagent.mcp.connection import ServerConnection
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.tools.base import ToolDefinition
    from fastagent.tools.toolset import ToolSet

__all__ = ["MCPAggregator", "MCPTool", "add_server_tools", "tool_is_exposed"]

_log = get_logger("mcp")


class MCPTool:
    """One tool of one MCP server, as a fastagent `Tool`.

    Args:
        connection: The server's connection.
        definition: The tool's definition under its own (unprefixed) name.
    """

    timeout: float | None = None
    """None: the server's ``tool_timeout`` applies (enforced by the SDK request, so time spent
    waiting on the user does not count)."""

    def __init__(self, connection: ServerConnection, definition: ToolDefinition) -> None:
        self.connection = connection
        self._definition = definition

    @property
    def definition(self) -> ToolDefinition:
        """The definition sent to the model (the `ToolSet` puts the prefixed name on it)."""
        return self._definition

    @definition.setter
    def definition(self, value: ToolDefinition) -> None:
        self._definition = value

    @property
    def server(self) -> str:
        """The server's configured name."""
        return self.connection.name

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        """Call the tool on its server; every failure becomes an error result.

        Args:
            arguments: The model's arguments.
            call_id: The id of the model's tool call.
        """
        name = self._definition.name
        try:
            result = await self.connection.call_tool(name, arguments)
        except MCPServerError as exc:
            hint = f" (hint: {exc.hint})" if exc.hint else ""
            return ToolResult.error(call_id, exc.message + hint)
        except MCPError as exc:
            # The server answered this one call with an error (or a malformed reply): it
            # stays up, and the model reads what went wrong.
            return ToolResult.error(
                call_id,
                f"tool '{name}' of MCP server '{self.server}' failed: {exc.message} "
                f"(JSON-RPC error {exc.code})",
            )
        except Exception as exc:
            detail = str(exc) or type(exc).__name__
            return ToolResult.error(
                call_id, f"tool '{name}' of MCP server '{self.server}' failed: {detail}"
            )
        return tool_result_from_mcp(result, call_id=call_id)

    def __repr__(self) -> str:
        return f"MCPTool({self.server}/{self._definition.name})"


def tool_is_exposed(server: str, tool: str, settings: MCPServerSettings) -> bool:
    """Whether tool `tool` of `server` passes the server's include/exclude globs.

    Exclude wins; an empty include list means every tool. Globs match either the tool's own
    name or ``server__tool``.
    """
    names = (tool, join_tool_name(server, tool))

    def matches(patterns: Sequence[str]) -> bool:
        return any(fnmatchcase(name, pattern) for pattern in patterns for name in names)

    if matches(settings.exclude_tools):
        return False
    return not settings.include_tools or matches(settings.include_tools)


class MCPAggregator:
    """The MCP tools of several servers inside one `ToolSet`, kept up to date.

    Args:
        toolset: Where the tools go.
        registry: Where the servers come from.
        agent: The agent's name (for logs).
    """

    def __init__(self, toolset: ToolSet, registry: ServerRegistry, *, agent: str = "") -> None:
        self.toolset = toolset
        self.registry = registry
        self.agent = agent
        self._tools: dict[str, dict[str, tuple[str, MCPTool]]] = {}
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self._lock = asyncio.Lock()

    @property
    def servers(self) -> list[str]:
        """The attached servers, in attach order."""
        return list(self._tools)

    def tool_names(self, server: str | None = None) -> list[str]:
        """The final ToolSet names of the attached tools (of one server, or of all)."""
        servers = [server] if server is not None else list(self._tools)
        return [final for s in servers for final, _ in self._tools.get(s, {}).values()]

    async def attach(self, server_names: Sequence[str]) -> None:
        """Connect `server_names` concurrently and add their tools, in the given order.

        Raises:
            UserError: An unknown server name.
            MCPServerError: A server failed to start or to list its tools.
        """
        wanted = [name for name in dict.fromkeys(server_names) if name not in self._tools]
        for name in wanted:
            self.registry.server_settings(name)
        listings = await asyncio.gather(*(self._list(name) for name in wanted))
        async with self._lock:
            for name, (connection, tools) in zip(wanted, listings, strict=True):
                self._tools[name] = {}
                self._apply(name, connection, tools)
                self._unsubscribe[name] = connection.on_tools_changed(self._refresher(name))

    async def refresh(self, server: str) -> None:
        """Fetch `server`'s tool list again and update the `ToolSet` (add, remove, replace)."""
        if server not in self._tools:
            return
        connection, tools = await self._list(server)
        async with self._lock:
            if server in self._tools:
                self._apply(server, connection, tools)

    def detach(self) -> None:
        """Remove every attached tool from the `ToolSet` and stop following list changes."""
        for unsubscribe in self._unsubscribe.values():
            unsubscribe()
        self._unsubscribe.clear()
        for server in list(self._tools):
            for final, _ in self._tools.pop(server).values():
                self.toolset.remove(final)

    async def _list(self, name: str) -> tuple[ServerConnection, list[mcp_types.Tool]]:
        connection = await self.registry.get(name)
        return connection, await connection.list_tools()

    def _refresher(self, server: str) -> Callable[[], Any]:
        async def refresh() -> None:
            _log.debug("tools of MCP server '%s' changed; listing again", server)
            await self.refresh(server)

        return refresh

    def _apply(
        self, server: str, connection: ServerConnection, tools: list[mcp_types.Tool]
    ) -> None:
        current = self._tools[server]
        listed = {
            tool.name: tool_definition_from_mcp(tool)
            for tool in tools
            if tool_is_exposed(server, tool.name, connection.settings)
        }
        for gone in [name for name in current if name not in listed]:
            final, _ = current.pop(gone)
            self.toolset.remove(final)
            _log.debug("removed tool %s", final)
        for name, definition in listed.items():
            existing = current.get(name)
            if existing is not None:
                existing[1].definition = definition
                continue
            tool = MCPTool(connection, definition)
            final = self.toolset.add(tool, prefix=server)
            current[name] = (final, tool)
            _log.debug("added tool %s", final)


async def add_server_tools(
    toolset: ToolSet,
    registry: ServerRegistry,
    server_names: Sequence[str],
    *,
    agent: str = "",
) -> MCPAggregator:
    """Add the tools of `server_names` to `toolset` as ``server__tool`` and keep them current.

    Returns:
        The aggregator; call its `MCPAggregator.detach` to remove the tools again.

    Raises:
        UserError: An unknown server name.
        MCPServerError: A server failed to start or to list its tools.
    """
    aggregator = MCPAggregator(toolset, registry, agent=agent)
    await aggregator.attach(server_names)
    return aggregator

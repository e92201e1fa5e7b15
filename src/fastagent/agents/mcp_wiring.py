"""MCP servers in an app: which ones its agents use, and an agent's view of its servers.

The run's one `ServerRegistry` (with its client callbacks) belongs to the
`fastagent.runtime.Runtime`; the app starts the servers its agents use with
`Runtime.start_servers`, giving `sampling_models` so that a server asking for sampling is
answered by its ``mcp.servers.<name>.sampling.model`` when set, else ``--model``, else the
model of the first agent declaring the server, else the default model.

`AgentServers` is what an `Agent` sees of its servers: their resources and prompts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.mcp.aggregator import MCPAggregator
    from fastagent.mcp.features import PromptInfo, ResourceInfo
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.messages import Message, ResourceContents

__all__ = ["AgentServers", "sampling_models", "servers_used"]


class _UsesServers(Protocol):
    """Any agent declaration: its name and its MCP servers."""

    @property
    def name(self) -> str: ...

    @property
    def servers(self) -> tuple[str, ...]: ...


def servers_used(specs: Sequence[_UsesServers]) -> list[str]:
    """The MCP servers the agents of `specs` use, in first-use order."""
    return list(dict.fromkeys(name for spec in specs for name in spec.servers))


def sampling_models(specs: Sequence[_UsesServers]) -> dict[str, str]:
    """For each server, the model of the first agent declaring it (agents without one skip)."""
    models: dict[str, str] = {}
    for spec in specs:
        model = getattr(spec, "model", None)
        if isinstance(model, str) and model:
            for name in spec.servers:
                models.setdefault(name, model)
    return models


class AgentServers:
    """The MCP servers of one agent: their resources and prompts.

    Args:
        agent: The agent's name (for messages).
        registry: The run's registry (one session per server, shared).
        names: The agent's servers, in declaration order.
        aggregator: What holds the servers' tools in the agent's tool set (to attach a
            reconnected server's tools again).
    """

    def __init__(
        self,
        agent: str,
        registry: ServerRegistry,
        names: Sequence[str],
        aggregator: MCPAggregator | None = None,
    ) -> None:
        self.agent = agent
        self.registry = registry
        self.names = list(names)
        self.aggregator = aggregator

    @property
    def available(self) -> list[str]:
        """The agent's servers, without optional ones that failed to start."""
        return [name for name in self.names if name not in self.registry.failed]

    async def list_resources(self) -> list[ResourceInfo]:
        """Every resource of every server of the agent, in the order of its servers.

        Raises:
            MCPServerError: A server failed to list them.
        """
        from fastagent.mcp.features import list_resources

        found: list[ResourceInfo] = []
        for name in self.available:
            connection = await self.registry.get(name)
            with connection.request_events("resources/list"):
                found.extend(await list_resources(connection.session, name))
        return found

    async def list_prompts(self) -> list[PromptInfo]:
        """Every prompt of every server of the agent.

        Raises:
            MCPServerError: A server failed to list them.
        """
        from fastagent.mcp.features import list_prompts

        found: list[PromptInfo] = []
        for name in self.available:
            connection = await self.registry.get(name)
            with connection.request_events("prompts/list"):
                found.extend(await list_prompts(connection.session, name))
        return found

    async def read_resource(self, uri: str, server: str | None = None) -> list[ResourceContents]:
        """Read resource `uri` from `server`, or from the first of the agent's servers having it.

        Raises:
            UserError: `server` is not one of the agent's, or no server has `uri`.
            MCPServerError: A server failed to read it.
        """
        from fastagent.mcp.features import read_resource

        candidates = [self._own(server)] if server is not None else self.available
        for name in candidates:
            connection = await self.registry.get(name)
            try:
                with connection.request_events("resources/read", uri):
                    return await read_resource(connection.session, name, uri)
            except UserError:
                if server is not None:
                    raise
        raise UserError(
            f"no MCP server of agent '{self.agent}' has resource '{uri}' "
            f"(asked: {', '.join(candidates)})",
            hint="check the URI with agent.list_resources(), or pass server=",
        )

    async def get_prompt(
        self, name: str, arguments: Mapping[str, str] | None = None, server: str | None = None
    ) -> list[Message]:
        """Prompt `name` as conversation turns, from `server` or the agent's server offering it.

        Raises:
            UserError: Unknown server or prompt, several servers offer it (pass `server`), or
                a required argument is missing.
            MCPServerError: The server failed.
        """
        from fastagent.mcp.features import get_prompt

        chosen = self._own(server) if server is not None else await self._prompt_server(name)
        connection = await self.registry.get(chosen)
        with connection.request_events("prompts/get", name):
            return await get_prompt(connection.session, chosen, name, arguments)

    async def _prompt_server(self, prompt: str) -> str:
        if len(self.names) == 1:
            return self.names[0]
        offering = [info.server for info in await self.list_prompts() if info.name == prompt]
        if len(offering) == 1:
            return offering[0]
        if not offering:
            raise UserError(
                f"no MCP server of agent '{self.agent}' offers prompt '{prompt}' "
                f"(servers: {', '.join(self.names)})",
                hint="see agent.list_prompts() for the prompts on offer",
            )
        raise UserError(
            f"prompt '{prompt}' is offered by several servers of agent '{self.agent}': "
            f"{', '.join(offering)}",
            hint=f"pass server='{offering[0]}' (or another) to choose",
        )

    def _own(self, server: str) -> str:
        if server not in self.names:
            raise UserError(
                f"agent '{self.agent}' does not use MCP server '{server}' "
                f"(its servers: {', '.join(self.names) or 'none'})",
                hint=f"add '{server}' to the agent's servers=, or pass one of its servers",
            )
        return server

    def __repr__(self) -> str:
        return f"AgentServers({self.agent!r}, {self.names!r})"

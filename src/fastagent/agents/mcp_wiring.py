"""MCP servers in an app: one registry per run, its client callbacks, and an agent's view.

`attach_app_servers` gives a running app its `ServerRegistry` (only when some agent uses a
server, so ``mcp`` is not imported otherwise) and connects the ``load_on_start`` servers
concurrently. Every agent shares the registry's one session per server. A server that asks
for sampling is answered by a model: its ``mcp.servers.<name>.sampling.model`` when set, else
``--model``, else the model of the first agent declaring the server, else the default model.
Elicitation is asked on the terminal, and declined cleanly when no terminal is attached.

`AgentServers` is what an `Agent` sees of its servers: their resources and prompts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.agents.declaration import Declaration
    from fastagent.config.mcp_settings import MCPServerSettings
    from fastagent.context import Context
    from fastagent.mcp.callbacks import ClientCallbacks
    from fastagent.mcp.features import PromptInfo, ResourceInfo
    from fastagent.mcp.registry import CallbacksFactory, ServerRegistry
    from fastagent.messages import Message, ResourceContents

__all__ = [
    "AgentServers",
    "app_callbacks_factory",
    "attach_app_servers",
    "sampling_models",
    "server_registry",
    "servers_used",
]


def servers_used(specs: Sequence[Declaration]) -> list[str]:
    """The MCP servers the agents of `specs` use, in first-use order."""
    return list(dict.fromkeys(name for spec in specs for name in spec.servers))


def sampling_models(specs: Sequence[Declaration]) -> dict[str, str]:
    """For each server, the model of the first agent declaring it (agents without one skip)."""
    models: dict[str, str] = {}
    for spec in specs:
        model = getattr(spec, "model", None)
        if isinstance(model, str) and model:
            for name in spec.servers:
                models.setdefault(name, model)
    return models


def app_callbacks_factory(
    ctx: Context,
    *,
    cli_model: str | None = None,
    agent_models: Mapping[str, str] | None = None,
) -> CallbacksFactory:
    """The client callbacks of each server: sampling by our models, terminal elicitation.

    Args:
        ctx: The running context (its model factory builds the sampling providers).
        cli_model: ``--model``; the sampling default for every server when given.
        agent_models: Per server, the model of an agent using it (see `sampling_models`).
    """
    from fastagent.agents.models import model_factory
    from fastagent.mcp.callbacks import build_client_callbacks
    from fastagent.mcp.elicitation import TerminalElicitor
    from fastagent.mcp.sampling import ProviderSampler

    factory = model_factory(ctx)
    elicitor = TerminalElicitor(events=ctx.events)
    models = dict(agent_models or {})

    def callbacks(name: str, settings: MCPServerSettings) -> ClientCallbacks:
        default = cli_model or models.get(name) or factory.default_model
        sampler = ProviderSampler(default, provider_factory=lambda model: factory.create(model))
        return build_client_callbacks(
            name, settings, sampler=sampler, elicitor=elicitor, events=ctx.events
        )

    return callbacks


def server_registry(ctx: Context, *, cli_model: str | None = None) -> ServerRegistry:
    """The run's registry, ``ctx.servers``; attached (with app callbacks) when missing."""
    from fastagent.mcp.registry import ServerRegistry, attach_server_registry

    existing = ctx.servers
    if isinstance(existing, ServerRegistry):
        return existing
    return attach_server_registry(
        ctx, callbacks_factory=app_callbacks_factory(ctx, cli_model=cli_model)
    )


async def attach_app_servers(
    ctx: Context, specs: Sequence[Declaration], *, cli_model: str | None = None
) -> ServerRegistry | None:
    """Attach the run's `ServerRegistry` when the agents use servers, and start them.

    The used servers marked ``load_on_start`` connect concurrently; the others connect when
    an agent first needs them. The registry closes with `ctx`.

    Returns:
        The registry, or None when no agent uses a server (nothing attached, nothing imported).

    Raises:
        UserError: An agent names an unknown server.
        MCPServerError: A server failed to start.
    """
    used = servers_used(specs)
    if not used:
        return None
    from fastagent.mcp.registry import attach_server_registry

    registry = attach_server_registry(
        ctx,
        callbacks_factory=app_callbacks_factory(
            ctx, cli_model=cli_model, agent_models=sampling_models(specs)
        ),
    )
    await registry.start(used)
    return registry


class AgentServers:
    """The MCP servers of one agent: their resources and prompts.

    Args:
        agent: The agent's name (for messages).
        registry: The run's registry (one session per server, shared).
        names: The agent's servers, in declaration order.
    """

    def __init__(self, agent: str, registry: ServerRegistry, names: Sequence[str]) -> None:
        self.agent = agent
        self.registry = registry
        self.names = list(names)

    async def list_resources(self) -> list[ResourceInfo]:
        """Every resource of every server of the agent, in the order of its servers.

        Raises:
            MCPServerError: A server failed to list them.
        """
        from fastagent.mcp.features import list_resources

        found: list[ResourceInfo] = []
        for name in self.names:
            connection = await self.registry.get(name)
            found.extend(await list_resources(connection.session, name))
        return found

    async def list_prompts(self) -> list[PromptInfo]:
        """Every prompt of every server of the agent.

        Raises:
            MCPServerError: A server failed to list them.
        """
        from fastagent.mcp.features import list_prompts

        found: list[PromptInfo] = []
        for name in self.names:
            connection = await self.registry.get(name)
            found.extend(await list_prompts(connection.session, name))
        return found

    async def read_resource(self, uri: str, server: str | None = None) -> list[ResourceContents]:
        """Read resource `uri` from `server`, or from the first of the agent's servers having it.

        Raises:
            UserError: `server` is not one of the agent's, or no server has `uri`.
            MCPServerError: A server failed to read it.
        """
        from fastagent.mcp.features import read_resource

        candidates = [self._own(server)] if server is not None else self.names
        for name in candidates:
            connection = await self.registry.get(name)
            try:
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

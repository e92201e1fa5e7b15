"""Agent specs: what the app knows about an agent before it is built.

A spec names its agent, the other agents, tools and MCP servers it uses (so the graph can be
checked before anything is built), and builds the `Agent` with `build`. `BasicAgentSpec` is
the spec of ``@fast.agent`` and of agents declared in ``fastagent.yaml``; workflows add their
own spec classes that satisfy the same `AgentSpec` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.tool_catalog import ToolCatalog, ToolRef
    from fastagent.config import Settings
    from fastagent.llm.params import RequestParams
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.providers.base import Provider
    from fastagent.runtime import Runtime

__all__ = ["DEFAULT_INSTRUCTION", "AgentSpec", "BasicAgentSpec", "BuildContext"]

DEFAULT_INSTRUCTION = "You are a helpful AI agent."
"""The instruction of an agent declared without one."""


@dataclass
class BuildContext:
    """What a spec needs to build its agent.

    Attributes:
        runtime: The open `Runtime` (settings, events, usage, models, servers).
        agents: The agents built so far, by name (a spec's dependencies are always built
            before it).
        tools: The app's ``@fast.tool`` tools.
        default_agent: The app's default agent: the one that gets `RunOptions.provider`.
        on_fallback: Called with the agent's name when it falls back to the built-in model.
    """

    runtime: Runtime
    agents: dict[str, BaseAgent]
    tools: ToolCatalog
    default_agent: str | None = None
    on_fallback: Callable[[str], None] = lambda _name: None

    @property
    def settings(self) -> Settings:
        """The app's settings."""
        return self.runtime.settings

    def provider(self, agent: str, model: str | None) -> tuple[Provider, str]:
        """Build the provider of agent `agent`, whose declaration asks for `model`.

        The model is chosen by precedence (``--model``, `model`, the default model, the
        built-in ``passthrough``, which also calls `on_fallback`) and built by the run's
        model factory (retries and rate limits from the settings); the default agent gets
        `RunOptions.provider` instead when one is set.

        Returns:
            The provider and the model string it was built from.

        Raises:
            UnknownModelError: The chosen model string is unknown.
            MissingAPIKeyError: The provider needs a key that is not configured.
        """
        provider, chosen, fell_back = self.runtime.provider_for(
            model, scripted=agent == self.default_agent
        )
        if fell_back:
            self.on_fallback(agent)
        return provider, chosen

    def server_registry(self) -> ServerRegistry:
        """The run's MCP server registry (one connection per server and run)."""
        return self.runtime.servers


class AgentSpec(Protocol):
    """What the app needs from any agent declaration: names for validation, and `build`.

    Attributes:
        name: The agent's unique name.
        default: Whether this is the app's default agent.
        agents: Names of the agents it uses (built before it).
        tools: Tool references (see `ToolRef`).
        servers: Names of the MCP servers it uses (keys of ``mcp.servers``).
    """

    name: str
    default: bool
    agents: tuple[str, ...]
    tools: tuple[ToolRef, ...]
    servers: tuple[str, ...]

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the agent; its dependencies are in ``build.agents`` already."""
        ...


@dataclass
class BasicAgentSpec:
    """One model with an instruction, tools, servers and helper agents.

    Attributes:
        name: The agent's unique name.
        instruction: Its system prompt.
        servers: MCP server names.
        tools: Tool references.
        agents: Other agents it may call, each offered as a tool named after the agent.
        model: Its model string, or None for the config's default.
        use_history: Keep the conversation between sends.
        request_params: Default request parameters (a `RequestParams` or a mapping).
        human_input: Reserved: a tool for asking the user arrives with the interactive UI.
        default: Whether it is the app's default agent.
        source: Where it was declared (shown in errors).
    """

    name: str
    instruction: str = DEFAULT_INSTRUCTION
    servers: tuple[str, ...] = ()
    tools: tuple[ToolRef, ...] = ()
    agents: tuple[str, ...] = ()
    model: str | None = None
    use_history: bool = True
    request_params: RequestParams | Mapping[str, Any] | None = None
    human_input: bool = False
    default: bool = False
    source: str = field(default="", compare=False)

    async def build(self, build: BuildContext) -> BaseAgent:
        """Pick the model, assemble the tools (MCP servers' included) and return the `Agent`.

        Raises:
            UnknownModelError: The selected model string is unknown.
            UserError: An unknown MCP server name.
            MCPServerError: A server failed to start or to list its tools.
        """
        from fastagent.agents.agent import Agent
        from fastagent.agents.agent_tool import AgentTool
        from fastagent.llm.augmented import AugmentedLLM
        from fastagent.llm.params import RequestParams
        from fastagent.tools.toolset import ToolSet

        runtime = build.runtime
        provider, model = build.provider(self.name, self.model)
        toolset = ToolSet(events=runtime.events, agent=self.name)
        for ref in self.tools:
            toolset.add(build.tools.resolve(ref))
        for helper in self.agents:
            toolset.add(AgentTool(build.agents[helper]))
        servers = None
        if self.servers:
            from fastagent.agents.mcp_wiring import AgentServers
            from fastagent.mcp.aggregator import add_server_tools

            registry = build.server_registry()
            await add_server_tools(toolset, registry, self.servers, agent=self.name)
            servers = AgentServers(self.name, registry, self.servers)
        base = RequestParams() if self.use_history else RequestParams(use_history=False)
        llm = AugmentedLLM(
            provider,
            name=self.name,
            instruction=self.instruction,
            tools=toolset,
            params=base.merged(self.request_params),
            events=runtime.events,
        )
        return Agent(self.name, llm, model=model, servers=servers)

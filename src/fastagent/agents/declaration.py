"""Agent declarations: what the app knows about an agent before it is built.

A declaration names its agent, the other agents, tools and MCP servers it uses (so the graph
can be checked before anything is built), and builds the agent with `build`. Each agent type
has one pydantic model that is both what its decorator builds and what validates its entry
under the config's ``agents:`` key: `AgentDeclaration` here (``@fast.agent``), and one per
workflow in `fastagent.agents.workflows.declarations` (``@fast.chain`` ...). They share the
`BaseDeclaration` fields; anything satisfying the `Declaration` protocol can be added with
`FastAgent.add_declaration`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.tool_catalog import ToolCatalog, ToolRef
    from fastagent.config import Settings
    from fastagent.llm.compaction import CompactionPolicy
    from fastagent.llm.params import RequestParams
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.providers.base import Provider
    from fastagent.runtime import Runtime
    from fastagent.tools.approval import ToolGuard

__all__ = [
    "DEFAULT_INSTRUCTION",
    "AgentDeclaration",
    "BaseDeclaration",
    "BuildContext",
    "Declaration",
]

DEFAULT_INSTRUCTION = "You are a helpful AI agent."
"""The instruction of an agent declared without one."""


@dataclass
class BuildContext:
    """What a declaration needs to build its agent.

    Attributes:
        runtime: The open `Runtime` (settings, events, usage, models, servers).
        agents: The agents built so far, by name (a declaration's dependencies are always
            built before it).
        tools: The app's ``@fast.tool`` tools.
        default_agent: The app's default agent: the one that gets `RunOptions.provider`.
        on_fallback: Called with the agent's name when it falls back to the built-in model.
        session_models: The models a resumed session recorded, by agent: they come before
            an agent's own ``model`` (``--model`` still wins).
    """

    runtime: Runtime
    agents: dict[str, BaseAgent]
    tools: ToolCatalog
    default_agent: str | None = None
    on_fallback: Callable[[str], None] = lambda _name: None
    session_models: Mapping[str, str] = field(default_factory=dict)

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
        from fastagent.exceptions import UnknownModelError

        runtime = self.runtime
        resumed = self.session_models.get(agent)
        if resumed and not runtime.models.override:
            model = resumed
        try:
            provider, chosen, fell_back = runtime.provider_for(
                model, scripted=agent == self.default_agent
            )
        except UnknownModelError as exc:
            if resumed and model == resumed:
                raise UnknownModelError(
                    f"agent '{agent}': the resumed session's model: {exc.message}",
                    hint="pass --model (or RunOptions.model) to continue it with another model",
                ) from None
            factory = runtime.models
            from_config = not (model or factory.override) and factory.default_source == "settings"
            if not from_config or runtime.config is None:
                raise
            from fastagent.config.locate import where_set

            # The config's default_model: name the file and line it was written at.
            where = where_set(runtime.config, "default_model")
            raise UnknownModelError(
                f"{where}: default_model: {exc.message}", hint=exc.hint
            ) from None
        if fell_back:
            self.on_fallback(agent)
        return provider, chosen

    def server_registry(self) -> ServerRegistry:
        """The run's MCP server registry (one connection per server and run)."""
        return self.runtime.servers


class Declaration(Protocol):
    """What the app needs from any agent declaration: names for validation, and `build`.

    A declaration may also define ``problems() -> list[str]`` (its own checks, run with the
    graph's) and ``kind`` (``"chain"``, ...: names it in graph problems instead of ``agent``).
    """

    @property
    def name(self) -> str:
        """The agent's unique name."""
        ...

    @property
    def default(self) -> bool:
        """Whether this is the app's default agent."""
        ...

    @property
    def agents(self) -> tuple[str, ...]:
        """Names of the agents it uses (built before it)."""
        ...

    @property
    def tools(self) -> tuple[ToolRef, ...]:
        """Tool references (see `ToolRef`)."""
        ...

    @property
    def servers(self) -> tuple[str, ...]:
        """Names of the MCP servers it uses (keys of ``mcp.servers``)."""
        ...

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the agent; its dependencies are in ``build.agents`` already."""
        ...


class BaseDeclaration(BaseModel):
    """The fields every built-in declaration shares; subclasses add their own and `build`.

    A YAML entry is validated by the same model, with `name` and `source` filled in by the
    loader (neither is a YAML key).

    Attributes:
        name: The agent's unique name.
        default: Whether it is the app's default agent.
        source: Where it was declared (``file:line``, or the config file and key), for errors.
        kind: The ``type:`` of its YAML entry; names it in graph problems.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: ClassVar[str] = "agent"

    name: str
    default: bool = False
    source: str = ""

    def problems(self) -> list[str]:
        """What is wrong with the declaration itself, one line each (checked with the graph)."""
        return []


if TYPE_CHECKING:
    _ToolRefs = tuple[ToolRef, ...]
    _Params = RequestParams | Mapping[str, Any] | None
else:  # validated by the graph (tools) and by `_check_params`, not by pydantic
    _ToolRefs = tuple[Any, ...]
    _Params = Any


class AgentDeclaration(BaseDeclaration):
    """One model with an instruction, tools, servers and helper agents (``@fast.agent``).

    In YAML, an entry without ``type:`` (or with ``type: agent``).

    Attributes:
        instruction: Its system prompt.
        model: Its model string, or None for the config's default.
        servers: MCP server names.
        tools: Tool references (in YAML: names of ``@fast.tool`` functions).
        agents: Other agents it may call, each offered as a tool named after the agent.
        use_history: Keep the conversation between sends.
        request_params: Default request parameters (a `RequestParams` or a mapping).
        human_input: Give the agent a ``human_input`` tool to ask the user a question
            (answered by `RunOptions.human_input`).
        approve: Which tool calls need the user's approval: ``always`` (none), ``never``,
            ``ask``, or tool glob patterns to those, first match wins (over the servers'
            ``approve``); see `fastagent.tools.approval`.
        hooks: Objects with ``before_tool_call(call)`` and/or ``after_tool_call(call,
            result)`` methods, applied to every tool call in order.
        compaction: Keeping the conversation inside the context window: ``truncate``,
            ``summarize`` or ``none``, or a mapping with ``strategy``, ``threshold``,
            ``context_window`` and ``model`` (the summarizing model); see
            `fastagent.llm.compaction`.
        type: Always ``agent``.
    """

    instruction: str = DEFAULT_INSTRUCTION
    model: str | None = None
    servers: tuple[str, ...] = ()
    tools: _ToolRefs = ()
    agents: tuple[str, ...] = ()
    use_history: bool = True
    request_params: _Params = None
    human_input: bool = False
    approve: str | dict[str, str] | None = None
    hooks: tuple[Any, ...] = ()
    compaction: str | dict[str, Any] | None = None
    type: Literal["agent"] = "agent"

    @field_validator("compaction")
    @classmethod
    def _check_compaction(cls, value: Any) -> Any:
        from fastagent.llm.compaction import policy_from

        try:
            policy_from(value)
        except TypeError as exc:
            raise ValueError(f"unknown compaction setting: {exc}") from None
        return value

    @field_validator("approve")
    @classmethod
    def _check_approve(cls, value: Any) -> Any:
        from fastagent.tools.approval import ApprovalPolicy

        ApprovalPolicy(value)  # raises ValueError naming the bad decision
        return value

    def _compaction(self, runtime: Runtime) -> CompactionPolicy | None:
        import dataclasses

        from fastagent.llm.compaction import policy_from

        policy = policy_from(self.compaction)
        model = self.compaction.get("model") if isinstance(self.compaction, dict) else None
        if policy is not None and model:
            factory = runtime.models
            summarizer = factory.build(factory.registry.parse(str(model)))
            policy = dataclasses.replace(policy, summarizer=summarizer)
        return policy

    def _guard(self, runtime: Runtime) -> ToolGuard | None:
        from fastagent.tools.approval import ApprovalPolicy, ToolGuard

        servers = runtime.settings.mcp.servers
        fallback = {
            name: ApprovalPolicy(servers[name].approve)
            for name in self.servers
            if name in servers and servers[name].approve != "always"
        }
        policy = ApprovalPolicy(self.approve, fallback=fallback)
        if policy.empty and not self.hooks:
            return None
        return ToolGuard(
            policy,
            approver=runtime.options.approver,
            hooks=self.hooks,
            events=runtime.events,
            agent=self.name,
        )

    @field_validator("request_params")
    @classmethod
    def _check_params(cls, value: Any) -> Any:
        from fastagent.exceptions import UserError
        from fastagent.llm.params import RequestParams

        if value is None or isinstance(value, RequestParams):
            return value
        if not isinstance(value, Mapping):
            raise ValueError("must be a mapping of request parameters (max_tokens, ...)")
        try:
            RequestParams().merged(value)
        except UserError as exc:
            raise ValueError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
        return dict(value) or None

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
            aggregator = await add_server_tools(toolset, registry, self.servers, agent=self.name)
            servers = AgentServers(self.name, registry, self.servers, aggregator)
        if self.human_input:
            from fastagent.tools.human_input import HumanInputTool

            toolset.add(
                HumanInputTool(runtime.options.human_input, agent=self.name, events=runtime.events)
            )
        toolset.guard = self._guard(runtime)
        base = RequestParams() if self.use_history else RequestParams(use_history=False)
        llm = AugmentedLLM(
            provider,
            name=self.name,
            instruction=self.instruction,
            tools=toolset,
            params=base.merged(self.request_params),
            events=runtime.events,
            compaction=self._compaction(runtime),
        )
        return Agent(self.name, llm, model=model, servers=servers)

"""`FastAgent`: declare agents and tools with decorators, then run them.

```python
import asyncio
from fastagent import FastAgent

fast = FastAgent("demo")

@fast.tool
def get_weather(city: str) -> str:
    \"\"\"Today's weather in a city.\"\"\"
    return f"sunny in {city}"

@fast.agent("weather", "You answer weather questions.", tools=[get_weather])
async def main() -> None:
    async with fast.run() as app:
        print(await app.send("How is Paris?"))

asyncio.run(main())
```

`run()` opens a `Runtime` (loads the config once), checks the agent graph (every problem at
once), starts the MCP servers the agents use (one session per server, shared) and builds the
agents. Servers and providers are released when the block ends, however it ends.

This class is the library: it never prints, exits or reads a terminal. ``from fastagent
import FastAgent`` gives the script app (`fastagent.cli.script.FastAgent`), which adds the
command line (``--model``, ``--agent``, ``--message``, ``--quiet``), the progress display,
terminal elicitation and the chat loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from fastagent.agents.declaration import DEFAULT_INSTRUCTION, AgentDeclaration
from fastagent.agents.declare import declare
from fastagent.agents.tool_catalog import ToolCatalog
from fastagent.agents.workflows._common import caller_source
from fastagent.agents.workflows.decorators import WorkflowDecorators
from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.declaration import Declaration
    from fastagent.agents.tool_catalog import ToolRef
    from fastagent.config import Settings
    from fastagent.llm.params import RequestParams
    from fastagent.runtime import RunOptions, Runtime
    from fastagent.tools.function_tool import FunctionTool

__all__ = ["FastAgent"]

F = TypeVar("F", bound=Callable[..., Any])


class FastAgent(WorkflowDecorators):
    """An app: agents and tools declared with decorators, run with ``async with fast.run()``.

    Args:
        name: The app's name.
        config_path: The config file; found from the working directory when None.
        settings: Ready settings instead of loading a config file.
        quiet: Open runs quiet (no notices; errors-only logging).
        overrides: Config values that win over files and environment, as `load_config`
            takes them.
        save_session: Save every run's conversations as a session (docs/sessions.md);
            chats started with ``app.interactive()`` are saved anyway (``sessions.enabled``).

    Raises:
        UserError: `settings` was given together with `config_path` or `overrides`.
    """

    def __init__(
        self,
        name: str,
        *,
        config_path: str | Path | None = None,
        settings: Settings | None = None,
        quiet: bool = False,
        overrides: Mapping[str, Any] | None = None,
        save_session: bool = False,
    ) -> None:
        if settings is not None and (config_path is not None or overrides is not None):
            other = "config_path" if config_path is not None else "overrides"
            raise UserError(
                f"FastAgent('{name}') got both settings and {other}",
                hint=f"pass ready settings, or {other} to load them with",
            )
        self.name = name
        self.config_path = config_path
        self.settings = settings
        self.overrides = dict(overrides) if overrides is not None else None
        self.quiet = quiet
        self.save_session = save_session
        self._declarations: list[Declaration] = []
        self._tools = ToolCatalog()

    @overload
    def agent(self, name: F, /) -> F: ...

    @overload
    def agent(
        self,
        name: str = "default",
        instruction: str = DEFAULT_INSTRUCTION,
        *,
        servers: Sequence[str] = (),
        tools: Sequence[ToolRef] = (),
        agents: Sequence[str] = (),
        model: str | None = None,
        use_history: bool = True,
        request_params: RequestParams | Mapping[str, Any] | None = None,
        human_input: bool = False,
        default: bool = False,
        approve: str | Mapping[str, str] | None = None,
        hooks: Sequence[Any] = (),
        compaction: str | Mapping[str, Any] | None = None,
    ) -> Callable[[F], F]: ...

    def agent(
        self,
        name: str | F = "default",
        instruction: str = DEFAULT_INSTRUCTION,
        *,
        servers: Sequence[str] = (),
        tools: Sequence[ToolRef] = (),
        agents: Sequence[str] = (),
        model: str | None = None,
        use_history: bool = True,
        request_params: RequestParams | Mapping[str, Any] | None = None,
        human_input: bool = False,
        default: bool = False,
        approve: str | Mapping[str, str] | None = None,
        hooks: Sequence[Any] = (),
        compaction: str | Mapping[str, Any] | None = None,
    ) -> F | Callable[[F], F]:
        """Declare an agent; the decorated function is returned unchanged.

        Examples:
            >>> @fast.agent("researcher", "You find facts.", tools=[search], model="sonnet")
            ... async def main() -> None: ...

        Args:
            name: Unique name (``app.<name>``, ``--agent <name>``, the tool name when
                another agent uses it). Plain ``@fast.agent`` names it ``default``.
            instruction: The system prompt.
            servers: MCP servers from ``mcp.servers`` whose tools it may call (as
                ``server__tool``), and whose resources and prompts it may use.
            tools: ``@fast.tool`` functions (or their names), other tools or callables.
            agents: Other agents it may call, each offered as a tool named after the agent
                with one ``message`` argument.
            model: Model string; ``--model`` wins over it, and it wins over the config's
                ``default_model``.
            use_history: Keep the conversation between sends.
            request_params: Default request parameters (`RequestParams` or a mapping).
            human_input: Give the agent a ``human_input`` tool to ask the user a question:
                a terminal prompt, an MCP elicitation under ``fastagent serve``, or
                `RunOptions.human_input` in code (docs/agents.md).
            default: Make it the agent `AgentApp.send` talks to.
            approve: Which tool calls need the user's approval: ``"always"`` (none),
                ``"never"``, ``"ask"``, or glob patterns to those, first match wins
                (``{"fs__read_*": "always", "*": "ask"}``). See docs/agents.md.
            hooks: Objects with ``before_tool_call(call)`` (returning `Allow`, `Deny` or
                `Modify` from `fastagent.tools.approval`) and/or ``after_tool_call(call,
                result)`` methods, applied to every tool call in order.
            compaction: Keep the conversation inside the model's context window:
                ``"truncate"``, ``"summarize"``, ``"none"``, or a mapping with
                ``strategy``, ``threshold``, ``context_window``, ``model`` (docs/llm.md).

        Returns:
            A decorator that registers the agent and returns the function unchanged.

        Raises:
            UserError: An argument has the wrong type (e.g. invalid `request_params`).
        """
        if callable(name):
            self.add_declaration(AgentDeclaration(name="default", source=caller_source()))
            return name
        declaration = declare(
            AgentDeclaration,
            name=name,
            instruction=instruction,
            servers=tuple(servers),
            tools=tuple(tools),
            agents=tuple(agents),
            model=model,
            use_history=use_history,
            request_params=request_params,
            human_input=human_input,
            default=default,
            approve=dict(approve) if isinstance(approve, Mapping) else approve,
            hooks=tuple(hooks),
            compaction=dict(compaction) if isinstance(compaction, Mapping) else compaction,
            source=caller_source(),
        )
        self.add_declaration(declaration)

        def register(fn: F) -> F:
            return fn

        return register

    @overload
    def tool(self, fn: Callable[..., Any], /) -> FunctionTool: ...

    @overload
    def tool(
        self,
        fn: None = None,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Callable[[Callable[..., Any]], FunctionTool]: ...

    def tool(
        self,
        fn: Callable[..., Any] | None = None,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
        """Register a function as a tool agents can list in ``tools=``.

        Use as ``@fast.tool`` or ``@fast.tool(name=..., description=..., timeout=...)``.
        The result is a `FunctionTool`, still callable like the function.

        Examples:
            >>> @fast.tool
            ... def get_weather(city: str) -> str:
            ...     \"\"\"Today's weather in a city.\"\"\"
            ...     return "sunny"

        Returns:
            The tool, or a decorator that makes one.
        """
        from fastagent.tools.function_tool import FunctionTool

        def make(target: Callable[..., Any]) -> FunctionTool:
            made = FunctionTool(target, name=name, description=description, timeout=timeout)
            self._tools.register(made)
            return made

        return make if fn is None else make(fn)

    def add_declaration(self, declaration: Declaration) -> None:
        """Add an agent declaration (what the decorators use)."""
        self._declarations.append(declaration)

    @property
    def declarations(self) -> list[Declaration]:
        """The agents declared in code so far (config agents are added by `run`)."""
        return list(self._declarations)

    @property
    def tools(self) -> list[str]:
        """The names of the registered ``@fast.tool`` tools."""
        return self._tools.names()

    def run(
        self,
        options: RunOptions | None = None,
        *,
        config_path: str | Path | None = None,
        resume: str | None = None,
    ) -> AbstractAsyncContextManager[AgentApp]:
        """Start the app: ``async with fast.run() as app:``.

        Opens a `Runtime` (loads the config once), adds the agents declared under ``agents:``
        in the config, checks the graph, starts the MCP servers the agents use and builds
        every agent. Everything is released when the block ends, however it ends.

        Args:
            options: How to open the run (default: `run_options`).
            config_path: Load this config file instead of the app's own (ignored when the
                app was given ready settings).
            resume: Continue a saved session (its id, or ``"last"``): the agents start
                with its histories and new turns are appended to it
                (`RunOptions.resume`).

        Raises:
            AgentGraphError: The agents refer to unknown agents, tools or servers, names
                repeat, or agents use each other in a cycle (every problem listed).
            ConfigError: The config file, or its ``agents:`` section, is invalid.
            UnknownModelError: A model string is unknown.
            SessionError: The session to resume is unknown or in use by another process.
        """
        chosen = options if options is not None else self.run_options()
        if resume is not None:
            import dataclasses

            chosen = dataclasses.replace(chosen, resume=resume)
        return self._open(chosen, config_path)

    def run_options(self) -> RunOptions:
        """The options `run` opens with by default: the app's `quiet` and `save_session`."""
        from fastagent.runtime import RunOptions

        return RunOptions(quiet=self.quiet, save_session=self.save_session)

    def open_runtime(
        self, options: RunOptions, *, config_path: str | Path | None = None
    ) -> AbstractAsyncContextManager[Runtime]:
        """Open a `Runtime` on this app's config: its settings, or its config file and overrides.

        Args:
            options: The run's options.
            config_path: Load this config file instead of the app's own (ignored when the
                app was given ready settings).
        """
        from fastagent.runtime import Runtime

        if self.settings is not None:
            return Runtime.open(options, settings=self.settings)
        path = config_path if config_path is not None else self.config_path
        return Runtime.open(options, config_path=path, overrides=self.overrides)

    @contextlib.asynccontextmanager
    async def _open(
        self, options: RunOptions, config_path: str | Path | None
    ) -> AsyncIterator[AgentApp]:
        async with self.open_runtime(options, config_path=config_path) as runtime:
            yield await self._build(runtime)

    async def build(self, runtime: Runtime) -> AgentApp:
        """Build a fresh set of the app's agents inside an already open `runtime`.

        For hosts that own the `Runtime` and need several independent agent sets, such as
        ``fastagent serve`` (one set, so one conversation, per client session). The sets
        share the runtime's models and MCP server connections (one per server). `run()` is
        the way for everything else.

        Raises:
            AgentGraphError: As for `run`.
            ConfigError: As for `run`.
            UnknownModelError: As for `run`.
        """
        return await self._build(runtime)

    def _config_declarations(self, runtime: Runtime) -> list[Declaration]:
        """The agents declared under ``agents:`` in the config (none: nothing imported)."""
        if not runtime.settings.agents:
            return []
        from fastagent.agents.config_agents import declarations_from_config

        config_file = runtime.config.config_file if runtime.config is not None else None
        return declarations_from_config(runtime.settings.agents, config_file=config_file)

    async def _build(self, runtime: Runtime) -> AgentApp:
        from fastagent.agents.agent_app import AgentApp
        from fastagent.agents.declaration import BuildContext
        from fastagent.agents.graph import validate_graph
        from fastagent.agents.mcp_wiring import sampling_models, servers_used
        from fastagent.agents.model_choice import FALLBACK_NOTICE

        specs = [*self._declarations, *self._config_declarations(runtime)]
        chosen = runtime.options.agent
        order = validate_graph(
            specs,
            tools=self._tools,
            servers=runtime.settings.mcp.servers.keys(),
            requested=[chosen] if chosen else [],
        )
        used = servers_used(specs)
        if used:
            await runtime.start_servers(used, sampling_models=sampling_models(specs))
        default = chosen or next((s.name for s in specs if s.default), None)
        fell_back: list[str] = []
        built: dict[str, BaseAgent] = {}
        build = BuildContext(
            runtime,
            built,
            self._tools,
            default_agent=default or (specs[0].name if specs else None),
            on_fallback=fell_back.append,
            session_models=_resumed_models(runtime),
        )
        for spec in order:
            agent = built[spec.name] = await spec.build(build)
            agent.events = runtime.events
        if fell_back:
            runtime.notice(FALLBACK_NOTICE)
        engine = runtime.durable
        if engine is not None:  # before launch: recovered turns find their agents
            from fastagent.agents.durable_turns import enable_durable_turns

            enable_durable_turns(engine, built)
        app = AgentApp({s.name: built[s.name] for s in specs}, default=default, context=runtime)
        if runtime.options.save_session or runtime.options.resume is not None:
            app.record_session(resume=runtime.options.resume)
        return app


def _resumed_models(runtime: Runtime) -> dict[str, str]:
    """The models the session being resumed recorded, by agent (none when ``--model``)."""
    options = runtime.options
    if options.resume is None or options.model:
        return {}
    from fastagent.agents.session_recording import recorded_models

    return recorded_models(runtime, options.resume)

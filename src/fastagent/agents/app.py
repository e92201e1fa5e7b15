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

`run()` loads the config, checks the agent graph (every problem at once), starts the MCP
servers the agents use (one session per server, shared), builds the agents and, when the
script was started with ``--message``, answers that message and exits. Servers, providers
and the display are released when the block ends, however it ends.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from fastagent.agents import cli_args
from fastagent.agents.cli_args import CliOptions
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
    from fastagent.context import Context
    from fastagent.llm.params import RequestParams
    from fastagent.tools.function_tool import FunctionTool

__all__ = ["FastAgent"]

F = TypeVar("F", bound=Callable[..., Any])


class FastAgent(WorkflowDecorators):
    """An app: agents and tools declared with decorators, run with ``async with fast.run()``.

    Args:
        name: The app's name.
        config_path: The config file; found from the working directory when None.
        parse_cli_args: Read ``--model``, ``--agent``, ``--message`` and ``--quiet`` from
            ``sys.argv`` (other arguments are left alone).
        settings: Ready settings instead of loading a config file.
        argv: Read the fastagent flags from these arguments instead of ``sys.argv[1:]``
            (even when `parse_cli_args` is False).
        quiet: Print only results and errors (as ``--quiet`` does).
        overrides: Config values that win over files and environment, as `load_config`
            takes them (``fastagent go`` adds its ``--url``/``--npx``/``--uvx`` servers so).

    Raises:
        UserError: `settings` was given together with `config_path` or `overrides`.
    """

    def __init__(
        self,
        name: str,
        *,
        config_path: str | Path | None = None,
        parse_cli_args: bool = True,
        settings: Settings | None = None,
        argv: Sequence[str] | None = None,
        quiet: bool = False,
        overrides: Mapping[str, Any] | None = None,
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
        self._declarations: list[Declaration] = []
        self._tools = ToolCatalog()
        if argv is not None:
            self.options = cli_args.parse_cli_args(argv)
        elif parse_cli_args:
            self.options = cli_args.parse_cli_args(
                sys.argv[1:], prog=Path(sys.argv[0]).name or None
            )
        else:
            self.options = CliOptions()
        self.quiet = quiet or self.options.quiet

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
            human_input: Reserved for the human-input tool (arrives with the interactive UI).
            default: Make it the agent `AgentApp.send` talks to.

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

    def run(self) -> AbstractAsyncContextManager[AgentApp]:
        """Start the app: ``async with fast.run() as app:``.

        Opens a `Context` (loads the config), adds the agents declared under ``agents:`` in
        the config, checks the graph, and builds every agent. Everything is released when the
        block ends, however it ends. With ``--message`` the message is sent to the agent
        (``--agent`` or the default), the reply printed, and `SystemExit(0)` raised after
        cleanup, so the body never runs.

        Raises:
            AgentGraphError: The agents refer to unknown agents, tools or servers, names
                repeat, or agents use each other in a cycle (every problem listed).
            ConfigError: The config file, or its ``agents:`` section, is invalid.
            UnknownModelError: A model string is unknown.
        """
        return self._open()

    @contextlib.asynccontextmanager
    async def _open(self) -> AsyncIterator[AgentApp]:
        from fastagent.context import Context
        from fastagent.exceptions import FastAgentError

        message = self.options.message
        if self.settings is not None:
            opened = Context.create(self.settings, quiet=self.quiet)
        else:
            opened = Context.create(
                config_path=self.config_path, overrides=self.overrides, quiet=self.quiet
            )
        try:
            async with opened as ctx:
                self._attach_runtime(ctx)
                app = await self._build(ctx)
                if message is None:
                    yield app
                    return
                reply = await app.send(message)
                sys.stdout.write(reply + "\n")
                sys.stdout.flush()
        except FastAgentError as exc:
            if message is None:
                raise
            from fastagent.cli.errors import report_exception

            raise SystemExit(report_exception(exc, verbose=False, stream=sys.stderr)) from None
        raise SystemExit(0)

    async def build(self, ctx: Context) -> AgentApp:
        """Build a fresh set of the app's agents inside an already open `ctx`.

        For hosts that own the `Context` and need several independent agent sets, such as
        ``fastagent serve`` (one set, so one conversation, per client session). `run()` is
        the way for everything else.

        Raises:
            AgentGraphError: As for `run`.
            ConfigError: As for `run`.
            UnknownModelError: As for `run`.
        """
        return await self._build(ctx)

    def _attach_runtime(self, ctx: Context) -> None:
        from fastagent.providers.factory import attach_model_factory
        from fastagent.ui.display import attach_display

        ctx.push_cleanup(attach_display(ctx, quiet=self.quiet))
        attach_model_factory(ctx)

    async def _build(self, ctx: Context) -> AgentApp:
        from fastagent.agents.agent_app import AgentApp
        from fastagent.agents.config_agents import declarations_from_config
        from fastagent.agents.declaration import BuildContext
        from fastagent.agents.graph import validate_graph
        from fastagent.agents.mcp_wiring import attach_app_servers
        from fastagent.agents.models import FALLBACK_NOTICE

        config_file = ctx.config.config_file if ctx.config is not None else None
        from_config = declarations_from_config(ctx.settings.agents, config_file=config_file)
        specs = [*self._declarations, *from_config]
        requested = [self.options.agent] if self.options.agent else []
        order = validate_graph(
            specs, tools=self._tools, servers=ctx.settings.mcp.servers.keys(), requested=requested
        )
        await attach_app_servers(ctx, specs, cli_model=self.options.model)
        fell_back: list[str] = []
        built: dict[str, BaseAgent] = {}
        build = BuildContext(
            ctx, built, self._tools, cli_model=self.options.model, on_fallback=fell_back.append
        )
        for spec in order:
            built[spec.name] = await spec.build(build)
        if fell_back and not self.quiet:
            sys.stderr.write(FALLBACK_NOTICE + "\n")
            sys.stderr.flush()
        default = self.options.agent or next((s.name for s in specs if s.default), None)
        return AgentApp({s.name: built[s.name] for s in specs}, default=default, context=ctx)

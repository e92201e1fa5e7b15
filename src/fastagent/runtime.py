"""`Runtime`: the one assembly of a run, opened once from explicit `RunOptions`.

A `Runtime` holds what a running app shares: its settings (the config is loaded once, when it
opens), the `EventBus`, the logger, usage totals, the model factory and the MCP server
registry with its client callbacks, and the handlers the face injects (display, elicitation,
notices). Scripts (``fast.run()``), ``fastagent go``, ``run``, ``serve`` and scenarios all open
one with ``async with Runtime.open(options) as runtime:``. Everything it opened, and every
resource registered with `Runtime.push_cleanup` or `Runtime.enter_async`, is released in
reverse order when the block ends, however it ends.

The model factory and the server registry are built on first use, so a run that needs no
model or no MCP server never imports their code. Nothing below the app layer writes into a
runtime: providers/ and mcp/ get what they need as arguments.

The runtime used by the running task is `current_runtime()`. It lives in a
`contextvars.ContextVar`, so concurrent tasks and threads each see their own.

``Context`` / ``Context.create`` / ``current_context`` are the earlier names of `Runtime`,
`Runtime.open` and `current_runtime`, kept as aliases.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from fastagent._redact import register_secret, secret_values
from fastagent.events import EventBus, ModelResponse
from fastagent.exceptions import UserError
from fastagent.logging import configure_logging, get_logger, start_event_log
from fastagent.messages import Usage

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from fastagent.config import LoadedConfig, Settings
    from fastagent.config.mcp_settings import MCPServerSettings
    from fastagent.durable.engine import DurableEngine
    from fastagent.mcp.callbacks import ClientCallbacks
    from fastagent.mcp.elicitation import Elicitor
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.providers.base import Provider
    from fastagent.providers.factory import ModelFactory
    from fastagent.tools.approval import Approver
    from fastagent.tools.human_input import HumanInputHandler

__all__ = [
    "ChatLoop",
    "Context",
    "DisplayFactory",
    "RunOptions",
    "Runtime",
    "UsageTotals",
    "current_context",
    "current_runtime",
]

T = TypeVar("T")

DisplayFactory = Callable[["Runtime"], Callable[[], object]]
"""Starts showing a runtime's events; returns the function that stops it."""


class ChatLoop(Protocol):
    """Chats with an app's agents until the user ends it; returns how many messages were sent."""

    def __call__(
        self,
        app: Any,
        agent: str | None = None,
        *,
        read: Callable[[str], str | Awaitable[str]] | None = None,
        write: Callable[[str], object] | None = None,
    ) -> Awaitable[int]:
        """Chat with `agent` of `app` (an `AgentApp`; the default agent when None)."""
        ...


_CURRENT: ContextVar[Runtime | None] = ContextVar("fastagent_runtime", default=None)


def current_runtime() -> Runtime:
    """The `Runtime` the running task is inside.

    Raises:
        UserError: No `Runtime` is open in this task or thread.
    """
    runtime = _CURRENT.get()
    if runtime is None:
        raise UserError(
            "no open fastagent Runtime",
            hint="run this code inside `async with Runtime.open() as runtime:` "
            "(or `async with fast.run() as app:`)",
        )
    return runtime


current_context = current_runtime
"""The earlier name of `current_runtime`."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How one run is opened: what the command line or the calling code decided.

    Attributes:
        model: Overrides the model of every agent and workflow (``--model``); it wins over
            the agents' own models and the config's ``default_model``.
        agent: The default agent (``--agent``): where `AgentApp.send` and ``--message`` go.
        quiet: Show only results and errors: no display, no notices, error-level logging.
        verbose: Log at debug level.
        provider: Replaces the model of the default agent with this provider (tests and
            scenarios script a model so). Its model string is still resolved and checked.
        elicitor: Answers MCP servers' elicitation requests; None declines them cleanly.
        display: Shows the run's events (the terminal's progress display); None shows
            nothing.
        notify: Receives one-line notices meant for the user (e.g. that no model is
            configured); None logs them as warnings under ``fastagent``.
        chat: The chat loop `AgentApp.interactive` runs (the terminal's, from
            `fastagent.ui.chat`); None: the run has no chat.
        save_session: Save the agents' conversations as a session, turn by turn
            (``fastagent go`` sets it from ``sessions.enabled``; see docs/sessions.md).
        resume: Continue this saved session (an id, or ``"last"``): its histories are
            loaded into the agents and new turns appended to it.
        approver: Answers tool calls an ``approve: ask`` policy holds (the terminal's
            y / n / always prompt); None: such calls are denied, saying nothing can ask.
        human_input: Answers the questions of agents declared with ``human_input=True``
            (a terminal prompt, an MCP elicitation under ``serve``); None: their
            ``human_input`` tool answers that nobody can be asked.
    """

    model: str | None = None
    agent: str | None = None
    quiet: bool = False
    verbose: bool = False
    provider: Provider | None = None
    elicitor: Elicitor | None = None
    display: DisplayFactory | None = None
    notify: Callable[[str], object] | None = None
    chat: ChatLoop | None = None
    save_session: bool = False
    resume: str | None = None
    approver: Approver | None = None
    human_input: HumanInputHandler | None = None


class UsageTotals(Mapping[str, Usage]):
    """Token usage summed per agent: a read-only mapping of agent name to `Usage`.

    `Runtime` feeds it every `ModelResponse` event; `add` is there for anything else that
    costs tokens.
    """

    def __init__(self) -> None:
        self._by_agent: dict[str, Usage] = {}

    def add(self, agent: str, usage: Usage) -> None:
        """Add `usage` to the totals of `agent`."""
        previous = self._by_agent.get(agent)
        self._by_agent[agent] = usage if previous is None else previous + usage

    def on_model_response(self, event: ModelResponse) -> None:
        """Count one model call from its `ModelResponse` event."""
        self.add(
            event.agent,
            Usage(input_tokens=event.input_tokens, output_tokens=event.output_tokens, requests=1),
        )

    def subscribe(self, bus: EventBus) -> Callable[[], None]:
        """Count every `ModelResponse` published on `bus`; returns the unsubscribe function."""
        return bus.subscribe(self.on_model_response, ModelResponse)

    @property
    def total(self) -> Usage:
        """Usage summed over all agents."""
        total = Usage()
        for usage in self._by_agent.values():
            total = total + usage
        return total

    def __getitem__(self, agent: str) -> Usage:
        return self._by_agent[agent]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._by_agent))

    def __len__(self) -> int:
        return len(self._by_agent)

    def __repr__(self) -> str:
        return f"UsageTotals({self._by_agent!r})"


class Runtime:
    """The one assembly of a run: settings, events, usage, models, MCP servers, handlers.

    Open one with `Runtime.open`; constructing it directly gives a detached runtime (handy in
    tests) whose `push_cleanup`, `enter_async` and `servers` refuse to work.

    Attributes:
        settings: The validated settings.
        config: Where the settings came from, when they were loaded from files.
        options: The options the run was opened with.
        events: The bus every layer publishes its events on.
        logger: The ``fastagent`` logger.
        usage: Token usage per agent, fed by `ModelResponse` events.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        config: LoadedConfig | None = None,
        events: EventBus | None = None,
        options: RunOptions | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.options = options if options is not None else RunOptions()
        self.events = events if events is not None else EventBus()
        self.logger = get_logger()
        self.usage = UsageTotals()
        self.usage.subscribe(self.events)
        self._models: ModelFactory | None = None
        self._servers: ServerRegistry | None = None
        self._durable: DurableEngine | None = None
        self._sampling_models: dict[str, str] = {}
        self._noticed: set[str] = set()
        self._stack: contextlib.AsyncExitStack | None = None
        self._cleanup_log = get_logger("runtime")

    @classmethod
    def open(
        cls,
        options: RunOptions | None = None,
        *,
        settings: Settings | None = None,
        config: LoadedConfig | None = None,
        config_path: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> AbstractAsyncContextManager[Runtime]:
        """Open a runtime: ``async with Runtime.open(RunOptions(model="sonnet")) as runtime:``.

        On entry it loads the configuration (once; unless `settings` or `config` is given),
        configures logging, registers the configured secrets for redaction, attaches the
        JSON event log when ``logger.type`` is ``file`` and the OpenTelemetry span recorder
        when ``otel.enabled`` (`fastagent.telemetry`), starts the display of
        `RunOptions.display` (unless quiet) and makes the runtime current. On exit it closes
        the MCP servers and providers it opened and releases everything else in reverse
        order, even when the block raises or is cancelled; a cleanup step that fails is
        logged under ``fastagent.runtime`` and the others still run. The block's own
        exception is what propagates.

        Args:
            options: The run's options (defaults: `RunOptions()`).
            settings: Ready settings, instead of loading the config files.
            config: A ready `LoadedConfig` (settings with their sources), instead of loading.
            config_path: The config file to load (discovered from the working directory
                when omitted).
            overrides: Values that win over files and environment, as `load_config` takes.

        Raises:
            UserError: Ready `settings` or `config` given together with another source.
        """
        given = [n for n, v in (("settings", settings), ("config", config)) if v is not None]
        loading = [
            n for n, v in (("config_path", config_path), ("overrides", overrides)) if v is not None
        ]
        if given and (loading or len(given) > 1):
            raise UserError(
                f"Runtime.open got {' and '.join([*given, *loading])}",
                hint="pass ready settings, a loaded config, or config_path/overrides to load",
            )
        return cls._open(options or RunOptions(), settings, config, config_path, overrides)

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        config_path: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        verbose: bool = False,
        quiet: bool = False,
    ) -> AbstractAsyncContextManager[Runtime]:
        """The earlier form of `open`: ``Runtime.open(RunOptions(verbose=, quiet=), ...)``.

        Raises:
            UserError: `settings` was given together with `config_path` or `overrides`.
        """
        if settings is not None and (config_path is not None or overrides is not None):
            raise UserError(
                "Context.create got settings and also config_path/overrides",
                hint="pass either ready settings, or config_path/overrides to load them",
            )
        return cls.open(
            RunOptions(verbose=verbose, quiet=quiet),
            settings=settings,
            config_path=config_path,
            overrides=overrides,
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def _open(
        cls,
        options: RunOptions,
        settings: Settings | None,
        loaded: LoadedConfig | None,
        config_path: str | Path | None,
        overrides: Mapping[str, Any] | None,
    ) -> AsyncIterator[Runtime]:
        if loaded is not None:
            settings = loaded.settings
        elif settings is None:
            from fastagent.config import load_config

            loaded = load_config(config_path, overrides=overrides)
            settings = loaded.settings
        runtime = cls(settings, config=loaded, options=options)
        async with contextlib.AsyncExitStack() as stack:
            runtime._stack = stack
            stack.callback(
                configure_logging(settings.logger, verbose=options.verbose, quiet=options.quiet)
            )
            for secret in secret_values(settings):
                stack.callback(register_secret(secret))
            token = _CURRENT.set(runtime)
            stack.callback(_reset_current, token)
            if settings.logger.type == "file":
                runtime.push_cleanup(start_event_log(runtime.events))
            if settings.otel.enabled:
                from fastagent.telemetry import start_tracing

                runtime.push_cleanup(start_tracing(settings.otel, runtime.events))
            if options.display is not None and not options.quiet:
                runtime.push_cleanup(options.display(runtime))
            try:
                yield runtime
            finally:
                # The stack unwinds when this block ends; registering more is refused from here.
                runtime._stack = None
                if runtime._durable is not None:
                    # Before the clients and servers its workflows use close (see `stop`).
                    await runtime._durable.stop()

    @property
    def models(self) -> ModelFactory:
        """The run's model factory, built on first use (`RunOptions.model` is its override).

        The providers it builds are closed when the runtime closes.
        """
        if self._models is None:
            from fastagent.providers.factory import ModelFactory

            sources = self.config.sources if self.config is not None else None
            factory = ModelFactory(
                self.settings, events=self.events, sources=sources, override=self.options.model
            )
            if self._stack is not None:
                self.push_cleanup(factory.aclose)
            self._models = factory
        return self._models

    @property
    def servers(self) -> ServerRegistry:
        """The run's MCP server registry with its client callbacks, built on first use.

        Every server connects at most once per runtime (on first use, or by
        `start_servers`), with sampling answered by the run's models, elicitation by
        `RunOptions.elicitor`, the configured roots, server logs forwarded to logging and
        progress to the events. The servers stop when the runtime closes.

        Raises:
            UserError: The runtime is not open.
        """
        if self._servers is None:
            self._require_open()
            from fastagent.mcp.registry import ServerRegistry

            registry = ServerRegistry(
                self.settings.mcp, events=self.events, callbacks_factory=self._callbacks
            )
            self.push_cleanup(registry.aclose)
            self._servers = registry
        return self._servers

    @property
    def durable(self) -> DurableEngine | None:
        """The run's durable engine (DBOS), or None when ``durable:`` is not configured.

        Built on first use (nothing of it is imported while durability is off) and shut
        down when the runtime closes; `FastAgent` launches it once the agents are built.

        Raises:
            UserError: The runtime is not open.
        """
        settings = self.settings.durable
        if settings is None or not settings.enabled:
            return None
        if self._durable is None:
            self._require_open()
            from fastagent.durable.engine import DurableEngine

            engine = DurableEngine(settings)
            self.push_cleanup(engine.close)
            self._durable = engine
        return self._durable

    @property
    def servers_opened(self) -> bool:
        """Whether the server registry was built (some agent or host used MCP servers)."""
        return self._servers is not None

    async def start_servers(
        self,
        names: Iterable[str] | None = None,
        *,
        sampling_models: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Connect, concurrently, the ``load_on_start`` servers among `names` (default: all).

        Servers already connected stay as they are (one process per server and run).

        Args:
            names: Server names; every configured server when None.
            sampling_models: Per server, the model that answers its sampling requests when
                neither ``--model`` nor its ``sampling.model`` says (the first agent using
                it); a server keeps the first model it was given.

        Returns:
            The names of the servers connected.

        Raises:
            UserError: An unknown server name, or the runtime is not open.
            MCPServerError: A server failed to start.
        """
        for server, model in (sampling_models or {}).items():
            self._sampling_models.setdefault(server, model)
        registry = self.servers
        started = await registry.start(None if names is None else list(names))
        for name, error in registry.failed.items():
            self.notice(_optional_failure(name, error))
        return started

    def provider_for(
        self, model: str | None, *, scripted: bool = False
    ) -> tuple[Provider, str, bool]:
        """Resolve a declaration's model by precedence and build its provider.

        Precedence: `RunOptions.model`, `model`, the config's ``default_model`` (or
        ``FASTAGENT_DEFAULT_MODEL``), the built-in ``passthrough``.

        Args:
            model: The model the declaration asks for.
            scripted: Use `RunOptions.provider` (when set) instead of building one.

        Returns:
            The provider, the model string it stands for, and whether that is the built-in
            fallback.

        Raises:
            UnknownModelError: The chosen model string is unknown.
            MissingAPIKeyError: The provider needs a key that is not configured.
        """
        factory = self.models
        spec = factory.resolve(agent_model=model)
        override = self.options.provider if scripted else None
        provider = override if override is not None else factory.build(spec)
        return provider, spec.source or spec.qualified_name, spec.chosen_by == "builtin"

    def notice(self, text: str) -> None:
        """Tell the user `text` (one line): through `RunOptions.notify`, else as a warning.

        Nothing is shown when the run is quiet, and each notice at most once per run.
        """
        if self.options.quiet or text in self._noticed:
            return
        self._noticed.add(text)
        if self.options.notify is not None:
            self.options.notify(text)
        else:
            self.logger.warning("%s", text)

    def _callbacks(self, name: str, settings: MCPServerSettings) -> ClientCallbacks:
        from fastagent.mcp.callbacks import build_client_callbacks
        from fastagent.mcp.sampling import ProviderSampler

        factory = self.models
        default = self.options.model or self._sampling_models.get(name) or factory.default_model
        sampler = ProviderSampler(
            default, provider_factory=lambda text: factory.build(factory.registry.parse(text))
        )
        return build_client_callbacks(
            name, settings, sampler=sampler, elicitor=self.options.elicitor, events=self.events
        )

    def push_cleanup(self, callback: Callable[[], object]) -> None:
        """Run `callback` (sync, or returning an awaitable) when the runtime closes.

        Cleanups run in reverse order of registration. One that raises is logged under
        ``fastagent.runtime`` and does not stop the others.

        Raises:
            UserError: The runtime is not open (never entered, or already closed).
        """
        stack = self._require_open()

        async def run(
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> bool:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                self._log_failure(callback)
            return False

        stack.push_async_exit(run)

    async def enter_async(self, manager: AbstractAsyncContextManager[T]) -> T:
        """Enter the async context manager `manager` now, and exit it when the runtime closes.

        The manager's exit gets the block's exception, if any; an exception raised by its
        exit is logged and the others still run. It cannot suppress the block's exception.

        Returns:
            What the manager's ``__aenter__`` returned.

        Raises:
            UserError: The runtime is not open.
        """
        stack = self._require_open()
        value = await manager.__aenter__()

        async def run(
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> bool:
            try:
                await manager.__aexit__(exc_type, exc, tb)
            except BaseException as raised:
                if raised is exc:
                    return False
                if not isinstance(raised, Exception):
                    raise
                self._log_failure(manager)
            return False

        stack.push_async_exit(run)
        return value

    def _require_open(self) -> contextlib.AsyncExitStack:
        if self._stack is None:
            raise UserError(
                "this Runtime is not open",
                hint="use it inside `async with Runtime.open() as runtime:`",
            )
        return self._stack

    def _log_failure(self, step: object) -> None:
        name = getattr(step, "__qualname__", None) or type(step).__qualname__
        self._cleanup_log.exception("cleanup step %s failed", name)


Context = Runtime
"""The earlier name of `Runtime`."""


def _optional_failure(name: str, error: Exception) -> str:
    """One line saying an optional server failed, with the last line of its stderr."""
    reason = str(error).split("\n", 1)[0]
    tail = [line for line in getattr(error, "stderr_tail", "").splitlines() if line.strip()]
    stderr = f" (stderr: {tail[-1].strip()})" if tail else ""
    return (
        f"warning: optional MCP server '{name}' failed to start, running without its tools: "
        f"{reason}{stderr}"
    )


def _reset_current(token: Any) -> None:
    # ValueError: exited in another contextvars.Context than the one entered; ours is not set.
    with contextlib.suppress(ValueError):
        _CURRENT.reset(token)

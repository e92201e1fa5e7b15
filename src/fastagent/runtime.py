"""`Context`: the one runtime container, and its async lifecycle.

A `Context` holds what a running app shares: its settings, the `EventBus`, the logger, usage
totals, and (filled by later layers) the model factory and the MCP server registry. Open one
with ``async with Context.create(...) as ctx:``; resources registered on it with
`Context.push_cleanup` or `Context.enter_async` are released in reverse order when the block
ends, however it ends.

The context being used by the running task is `current_context()`. It lives in a
`contextvars.ContextVar`, so concurrent tasks and threads each see their own.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from fastagent._redact import is_secret_key, register_secret
from fastagent.events import EventBus, ModelResponse
from fastagent.exceptions import UserError
from fastagent.logging import attach_event_log, configure_logging, get_logger
from fastagent.messages import Usage

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from pydantic import BaseModel

    from fastagent.config import LoadedConfig, Settings

__all__ = ["Context", "UsageTotals", "current_context"]

T = TypeVar("T")

_CURRENT: ContextVar[Context | None] = ContextVar("fastagent_context", default=None)


def current_context() -> Context:
    """The `Context` the running task is inside.

    Raises:
        UserError: No `Context` is active in this task or thread.
    """
    ctx = _CURRENT.get()
    if ctx is None:
        raise UserError(
            "no active fastagent Context",
            hint="run this code inside `async with Context.create() as ctx:`",
        )
    return ctx


class UsageTotals(Mapping[str, Usage]):
    """Token usage summed per agent: a read-only mapping of agent name to `Usage`.

    `Context` feeds it every `ModelResponse` event; `add` is there for anything else that
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


class Context:
    """The runtime container shared by everything a running app does.

    Build one with `Context.create`; constructing it directly gives a detached container
    (handy in tests) whose `push_cleanup` and `enter_async` refuse to work.

    Attributes:
        settings: The validated settings.
        config: Where the settings came from, when they were loaded from files.
        events: The bus every layer publishes its events on.
        logger: The ``fastagent`` logger.
        usage: Token usage per agent, fed by `ModelResponse` events.
        models: The model factory (set by the providers layer).
        servers: The MCP server registry (set by the MCP layer).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        config: LoadedConfig | None = None,
        events: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.events = events if events is not None else EventBus()
        self.logger = get_logger()
        self.usage = UsageTotals()
        self.usage.subscribe(self.events)
        self.models: Any = None
        self.servers: Any = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._cleanup_log = get_logger("context")

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        config_path: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        verbose: bool = False,
        quiet: bool = False,
    ) -> AbstractAsyncContextManager[Context]:
        """Open a context: ``async with Context.create() as ctx:``.

        On entry it loads the configuration (unless `settings` is given), configures logging,
        registers the configured secrets for redaction, attaches the JSON event log when
        ``logger.type`` is ``file``, and makes the context current. On exit it releases
        everything in reverse order, even when the block raises or is cancelled; a cleanup
        step that fails is logged under ``fastagent.context`` and the others still run. The
        block's own exception is what propagates.

        Args:
            settings: Ready settings; when omitted they are loaded with `load_config`.
            config_path: The config file to load (discovered from the working directory
                when omitted).
            overrides: Values that win over files and environment, as `load_config` takes.
            verbose: Log at debug level.
            quiet: Log errors only.

        Raises:
            UserError: `settings` was given together with `config_path` or `overrides`.
        """
        if settings is not None and (config_path is not None or overrides is not None):
            raise UserError(
                "Context.create got settings and also config_path/overrides",
                hint="pass either ready settings, or config_path/overrides to load them",
            )
        return cls._open(settings, config_path, overrides, verbose=verbose, quiet=quiet)

    @classmethod
    @contextlib.asynccontextmanager
    async def _open(
        cls,
        settings: Settings | None,
        config_path: str | Path | None,
        overrides: Mapping[str, Any] | None,
        *,
        verbose: bool,
        quiet: bool,
    ) -> AsyncIterator[Context]:
        loaded: LoadedConfig | None = None
        if settings is None:
            from fastagent.config import load_config

            loaded = load_config(config_path, overrides=overrides)
            settings = loaded.settings
        ctx = cls(settings, config=loaded)
        async with contextlib.AsyncExitStack() as stack:
            ctx._stack = stack
            stack.callback(configure_logging(settings.logger, verbose=verbose, quiet=quiet))
            for secret in _secrets_in(settings):
                stack.callback(register_secret(secret))
            token = _CURRENT.set(ctx)
            stack.callback(_reset_current, token)
            if settings.logger.type == "file":
                ctx.push_cleanup(attach_event_log(ctx.events))
            try:
                yield ctx
            finally:
                # The stack unwinds when this block ends; registering more is refused from here.
                ctx._stack = None

    def push_cleanup(self, callback: Callable[[], object]) -> None:
        """Run `callback` (sync, or returning an awaitable) when the context closes.

        Cleanups run in reverse order of registration. One that raises is logged under
        ``fastagent.context`` and does not stop the others.

        Raises:
            UserError: The context is not open (never entered, or already closed).
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
        """Enter the async context manager `manager` now, and exit it when the context closes.

        The manager's exit gets the block's exception, if any; an exception raised by its
        exit is logged and the others still run. It cannot suppress the block's exception.

        Returns:
            What the manager's ``__aenter__`` returned.

        Raises:
            UserError: The context is not open.
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
                "this Context is not open",
                hint="register resources inside `async with Context.create() as ctx:`",
            )
        return self._stack

    def _log_failure(self, step: object) -> None:
        name = getattr(step, "__qualname__", None) or type(step).__qualname__
        self._cleanup_log.exception("cleanup step %s failed", name)


def _reset_current(token: Any) -> None:
    # ValueError: exited in another contextvars.Context than the one entered; ours is not set.
    with contextlib.suppress(ValueError):
        _CURRENT.reset(token)


def _secrets_in(settings: BaseModel) -> set[str]:
    """Every secret value in the settings: `SecretStr` fields and secret-named mapping keys."""
    from pydantic import BaseModel as PydanticModel

    found: set[str] = set()

    def visit(value: object, key: str = "") -> None:
        secret_value = getattr(value, "get_secret_value", None)
        if callable(secret_value):
            found.add(str(secret_value()))
        elif isinstance(value, str):
            if is_secret_key(key):
                found.add(value)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                visit(v, str(k))
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item, key)
        elif isinstance(value, PydanticModel):
            for name in type(value).model_fields:
                visit(getattr(value, name), name)

    visit(settings)
    return found

"""Namespaced stdlib logging: console and JSON-lines sinks, with secrets redacted in both.

Every fastagent logger lives under ``fastagent`` (``fastagent.config``,
``fastagent.mcp.<server>``, …); `get_logger` builds the names. `configure_logging` installs
handlers on the ``fastagent`` logger only, never on the root logger, and returns a function
that removes exactly what it installed. Every handler carries a `RedactingFilter`, so no sink
ever sees a credential. `start_event_log` writes `EventBus` events to the log under
``fastagent.events``.

The official ``mcp`` SDK logs under ``mcp``; `route_sdk_logging` sends those records into
``fastagent.mcp.sdk`` through an `SdkLogBridge`: at most warning level, one line each (the
traceback only when debug logging is on), the server named, and each kind of line at most once
per 10 s (a server writing garbage gets one line, not one traceback per line).

``rich`` is imported only when a console sink is built, so importing this module stays cheap.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent._redact import MASK, env_secrets, is_secret_key, redact
from fastagent.events import (
    ErrorOccurred,
    Event,
    EventBus,
    ProgressUpdate,
    RetryScheduled,
    StreamDelta,
)
from fastagent.exceptions import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from fastagent.config import LoggerSettings

__all__ = [
    "ROOT_LOGGER",
    "ConsoleHandler",
    "JsonLinesFormatter",
    "RedactingFilter",
    "SdkLogBridge",
    "configure_logging",
    "get_logger",
    "mcp_server_context",
    "route_sdk_logging",
    "start_event_log",
]

ROOT_LOGGER = "fastagent"
"""The logger every fastagent logger descends from; the only one `configure_logging` touches."""

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
# Marks the handlers configure_logging installed, holding the level to restore on removal.
_ORIGINAL_LEVEL = "_fastagent_original_level"
_CONFIGURE_LOCK = threading.Lock()
_RECORD_ATTRIBUTES = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
        "message",
        "asctime",
        "taskName",
    }
)


def get_logger(name: str = "") -> logging.Logger:
    """The logger ``fastagent.<name>`` (``fastagent`` itself for an empty name).

    Args:
        name: Dotted name below ``fastagent``, e.g. ``"config"`` or ``"mcp.fetch"``; a name
            that already starts with ``fastagent`` is used as it is.
    """
    if not name or name == ROOT_LOGGER:
        return logging.getLogger(ROOT_LOGGER)
    if name.startswith(ROOT_LOGGER + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT_LOGGER}.{name}")


def _redact_value(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets=secrets)
    if isinstance(value, dict):
        return {
            k: MASK if isinstance(v, str) and is_secret_key(str(k)) else _redact_value(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(v, secrets) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(v, secrets) for v in value)
    return value


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRIBUTES}


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, extra fields and traceback.

    The record is rewritten in place (message formatted, ``args`` cleared), so every handler
    after this one sees the redacted text too. Redacting twice is harmless.

    Args:
        secrets: Literal values to hide besides the registered ones (e.g. `env_secrets()`).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record` in place; always lets it through."""
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string must not raise into the caller, nor leak its arguments.
            message = f"{record.msg} (could not format arguments {record.args!r})"
        record.msg = redact(message, secrets=self.secrets)
        record.args = None
        for key, value in _extra_fields(record).items():
            setattr(record, key, _redact_value(value, self.secrets))
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets=self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets=self.secrets)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record, on one line.

    Keys: ``ts`` (ISO-8601, UTC, milliseconds), ``level`` (lower case), ``logger`` (the
    namespace), ``message``, every ``extra=`` field, and ``exc`` / ``stack`` when present.
    An extra field named like a base key never overwrites it. Values JSON cannot encode are
    written as their (redacted) ``str``.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as one JSON line (no trailing newline)."""
        payload: dict[str, Any] = _extra_fields(record)
        payload.update(
            ts=datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            level=record.levelname.lower(),
            logger=record.name,
            message=record.getMessage(),
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return json.dumps(payload, ensure_ascii=False, default=_json_fallback)


def _json_fallback(value: object) -> str:
    return redact(str(value))


_LEVEL_STYLES = {
    "debug": "dim",
    "info": "cyan",
    "warning": "yellow",
    "error": "bold red",
    "critical": "bold white on red",
}


class ConsoleHandler(logging.Handler):
    """Compact, one-line-per-record output on a rich `Console` (stderr by default).

    Lines look like ``warning fastagent.config: message``. Colors follow the console, so a
    console built with ``no_color=True`` (or with ``NO_COLOR`` set) prints plain text.

    Args:
        console: Where to print; a new stderr console when omitted.
    """

    def __init__(self, console: Console | None = None) -> None:
        super().__init__()
        self._console = console
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def console(self) -> Console:
        """The console records are printed on (rich is imported on first use only)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True)
        return self._console

    def emit(self, record: logging.LogRecord) -> None:
        """Print `record` on the console."""
        from rich.text import Text

        try:
            level = record.levelname.lower()
            line = Text.assemble(
                (f"{level:<7}", _LEVEL_STYLES.get(level, "")),
                " ",
                (record.name, "dim"),
                ": ",
                self.format(record),
            )
            self.console.print(line, soft_wrap=True)
        except Exception:
            self.handleError(record)


class _ServerContext:
    """The MCP server the current task works for; names it in the SDK's log lines."""

    def __init__(self) -> None:
        self._var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            "fastagent_mcp_server", default=None
        )

    def get(self) -> str | None:
        """The server's name, or None outside any server's work."""
        return self._var.get()

    def set(self, name: str) -> None:
        """Name the server for the rest of the current task (and tasks it starts)."""
        self._var.set(name)

    @contextmanager
    def scoped(self, name: str) -> Iterator[None]:
        """Name the server inside the block."""
        token = self._var.set(name)
        try:
            yield
        finally:
            self._var.reset(token)


mcp_server_context = _ServerContext()
"""Which MCP server the running code works for (a context variable), for `SdkLogBridge`."""

SDK_LOGGER = "mcp"
_SDK_TARGET = f"{ROOT_LOGGER}.mcp.sdk"
_MAX_KINDS = 1000


def _one_line(exc: BaseException, limit: int = 200) -> str:
    lines = str(exc).strip().splitlines()
    errors = getattr(exc, "errors", None)  # pydantic: its first error says it best
    if callable(errors):
        with suppress(Exception):
            lines = [str(errors()[0]["msg"])]
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SdkLogBridge(logging.Handler):
    """Forwards the ``mcp`` SDK's records to ``fastagent.mcp.sdk``, one line each, rate-limited.

    A record is forwarded at its level, but at most warning (real failures reach the user as
    typed errors); it names the MCP server the code worked for; its traceback is kept only when
    ``fastagent.mcp.sdk`` logs at debug level (``-v``), otherwise the exception is summed up on
    the same line. Each kind of record (server, SDK logger, message template) is forwarded at
    most once per `window` seconds; the next one says how many were held back.

    Args:
        window: Seconds during which a repeated kind of record is held back.
        clock: Monotonic time source (for tests).
    """

    def __init__(self, *, window: float = 10.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str, str], list[float]] = {}
        self._kinds_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Forward `record` (or count it as held back)."""
        target = logging.getLogger(_SDK_TARGET)
        level = min(record.levelno, logging.WARNING)
        if not target.isEnabledFor(level):
            return
        server = mcp_server_context.get()
        held_back = self._held_back((server or "", record.name, str(record.msg)))
        if held_back is None:
            return
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        verbose = target.isEnabledFor(logging.DEBUG)
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and not verbose:
            message = f"{message} ({_one_line(error)})"
        if server:
            message = f"MCP server '{server}': {message}"
        if held_back:
            message = f"{message} [{held_back} more like this in the last {self.window:g}s]"
        forwarded = target.makeRecord(
            target.name,
            level,
            record.pathname,
            record.lineno,
            message,
            (),
            record.exc_info if verbose else None,
            record.funcName,
            extra={"sdk_logger": record.name},
        )
        target.handle(forwarded)

    def reset(self) -> None:
        """Forget what was forwarded (the next record of each kind goes through)."""
        with self._kinds_lock:
            self._seen.clear()

    def _held_back(self, kind: tuple[str, str, str]) -> int | None:
        """None: hold this record back; else how many of its kind were held back before it."""
        now = self.clock()
        with self._kinds_lock:
            seen = self._seen.get(kind)
            if seen is not None and now - seen[0] < self.window:
                seen[1] += 1
                return None
            if len(self._seen) >= _MAX_KINDS:
                self._seen.clear()
            self._seen[kind] = [now, 0]
            return int(seen[1]) if seen is not None else 0


def route_sdk_logging() -> None:
    """Send the ``mcp`` SDK's log records through an `SdkLogBridge` (idempotent).

    The ``mcp`` logger stops propagating to the root logger; its records reach the root
    through ``fastagent`` instead, tamed.
    """
    sdk = logging.getLogger(SDK_LOGGER)
    with _CONFIGURE_LOCK:
        if any(isinstance(handler, SdkLogBridge) for handler in sdk.handlers):
            return
        sdk.addHandler(SdkLogBridge())
        sdk.propagate = False


def _file_handler(path: str) -> logging.FileHandler:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, mode="a", encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot open the log file {path} (logger.path): {error.strerror}",
            hint="set logger.path to a writable file, or logger.type to console",
        ) from error
    handler.setFormatter(JsonLinesFormatter())
    return handler


def _resolve_level(level: str, *, verbose: bool, quiet: bool) -> int:
    if verbose:
        return logging.DEBUG
    if quiet:
        return logging.ERROR
    return _LEVELS.get(level.lower(), logging.WARNING)


def configure_logging(
    settings: LoggerSettings,
    *,
    verbose: bool = False,
    quiet: bool = False,
    console: Console | None = None,
) -> Callable[[], None]:
    """Install the sink chosen by `settings` on the ``fastagent`` logger.

    Handlers installed by an earlier call are removed (and closed) first, so configuring twice
    never duplicates output. The root logger is not touched; records still propagate to it.

    Args:
        settings: ``level``, ``type`` (``console``, ``file`` or ``none``) and ``path``.
        verbose: Log at debug level, whatever `settings` says (wins over `quiet`).
        quiet: Log errors only.
        console: The rich console for the console sink (stderr when omitted).

    Returns:
        A function that removes and closes exactly the handlers this call installed and
        restores the previous level. Calling it again does nothing.

    Raises:
        ConfigError: The log file cannot be opened.
    """
    route_sdk_logging()
    root = logging.getLogger(ROOT_LOGGER)
    if settings.type == "file":
        handler: logging.Handler = _file_handler(settings.path)
    elif settings.type == "console":
        handler = ConsoleHandler(console)
    else:
        handler = logging.NullHandler()
    handler.addFilter(RedactingFilter(env_secrets()))

    with _CONFIGURE_LOCK:
        replaced = [h for h in root.handlers if hasattr(h, _ORIGINAL_LEVEL)]
        original_level = getattr(replaced[0], _ORIGINAL_LEVEL) if replaced else root.level
        for previous in replaced:
            root.removeHandler(previous)
            previous.close()
        setattr(handler, _ORIGINAL_LEVEL, original_level)
        root.setLevel(_resolve_level(settings.level, verbose=verbose, quiet=quiet))
        root.addHandler(handler)

    def remove() -> None:
        with _CONFIGURE_LOCK:
            if handler in root.handlers:
                root.removeHandler(handler)
                root.setLevel(original_level)
        handler.close()

    return remove


_EVENT_LEVELS: dict[type[Event], int] = {
    StreamDelta: logging.DEBUG,
    ProgressUpdate: logging.DEBUG,
    RetryScheduled: logging.WARNING,
    ErrorOccurred: logging.WARNING,
}


def start_event_log(bus: EventBus, logger: logging.Logger | None = None) -> Callable[[], None]:
    """Write every event published on `bus` to the log, one record per event.

    A record's message is the event type; its extra fields are ``event`` (the type) and
    ``data`` (the event's fields). Streamed text and progress log at debug level, retries and
    errors at warning, everything else at info.

    Args:
        bus: The bus to observe.
        logger: Where to write; ``fastagent.events`` when omitted.

    Returns:
        A function that stops writing.
    """
    target = logger if logger is not None else get_logger("events")

    def write(event: Event) -> None:
        level = _EVENT_LEVELS.get(type(event), logging.INFO)
        if not target.isEnabledFor(level):
            return
        name = type(event).__name__
        target.log(level, name, extra={"event": name, "data": dataclasses.asdict(event)})

    return bus.subscribe(write)

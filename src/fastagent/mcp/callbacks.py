"""The client callbacks of one server connection: what we answer when a server asks.

`build_client_callbacks` turns a server's settings (and the app's sampler, elicitor and
event bus) into a `ClientCallbacks`, whose fields are passed to the SDK's ``ClientSession``:

- sampling: answered by a model (`fastagent.mcp.sampling`), or refused by policy;
- elicitation: answered by the user (`fastagent.mcp.elicitation`), or declined;
- roots: the configured ``file://`` roots (`fastagent.mcp.roots`);
- server log messages: logged under ``fastagent.mcp.<server>`` at the mapped level;
- progress notifications: published as `ProgressUpdate` events (source = the server).

A capability is only advertised when its callback is set, so a server without configured
roots is not told we have any.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from fastagent.events import EventBus, ProgressUpdate
from fastagent.logging import get_logger
from fastagent.mcp.elicitation import Elicitor, elicitation_callback
from fastagent.mcp.roots import list_roots_callback, roots_from_settings
from fastagent.mcp.sampling import Sampler, sampling_callback

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import (
        ElicitationFnT,
        IncomingMessage,
        ListRootsFnT,
        LoggingFnT,
        MessageHandlerFnT,
        SamplingFnT,
    )

    from fastagent.config.mcp_settings import MCPServerSettings

__all__ = [
    "LOG_LEVELS",
    "ClientCallbacks",
    "build_client_callbacks",
    "logging_callback",
    "message_handler",
]

LOG_LEVELS: Final[dict[str, int]] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}
"""MCP log levels (RFC 5424 names) as stdlib logging levels. Notice counts as info, alert and
emergency as critical; the record keeps the MCP name in its ``mcp_level`` field."""

NotificationHook = Callable[["IncomingMessage"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ClientCallbacks:
    """The SDK ``ClientSession`` callbacks of one server; None leaves the SDK default.

    Attributes:
        sampling_callback: Answers ``sampling/createMessage``.
        elicitation_callback: Answers ``elicitation/create``.
        list_roots_callback: Answers ``roots/list``.
        logging_callback: Receives ``notifications/message``.
        message_handler: Receives every other server notification (and transport errors).
    """

    sampling_callback: SamplingFnT | None = None
    elicitation_callback: ElicitationFnT | None = None
    list_roots_callback: ListRootsFnT | None = None
    logging_callback: LoggingFnT | None = None
    message_handler: MessageHandlerFnT | None = None

    def session_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for ``ClientSession(read, write, **kwargs)``."""
        return {
            "sampling_callback": self.sampling_callback,
            "elicitation_callback": self.elicitation_callback,
            "list_roots_callback": self.list_roots_callback,
            "logging_callback": self.logging_callback,
            "message_handler": self.message_handler,
        }


def logging_callback(server_name: str) -> LoggingFnT:
    """The SDK logging callback: server log messages go to ``fastagent.mcp.<server>``.

    The message is the log data (JSON for non-text data), prefixed with the server's own
    logger name in brackets when it gives one.
    """
    logger = get_logger(f"mcp.{server_name}")

    async def on_log(params: mcp_types.LoggingMessageNotificationParams) -> None:
        level = LOG_LEVELS.get(params.level, logging.INFO)
        if not logger.isEnabledFor(level):
            return
        data = params.data
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        prefix = f"[{params.logger}] " if params.logger else ""
        logger.log(level, "%s%s", prefix, text, extra={"mcp_level": params.level})

    return on_log


def message_handler(
    server_name: str,
    events: EventBus | None,
    *,
    on_notification: NotificationHook | None = None,
) -> MessageHandlerFnT:
    """The SDK message handler: progress becomes `ProgressUpdate` events.

    Args:
        server_name: The server's configured name (the events' ``source``).
        events: Where progress is published; None drops it.
        on_notification: Also called with every message (e.g. to refresh tools on
            ``notifications/tools/list_changed``).
    """
    logger = get_logger(f"mcp.{server_name}")

    async def on_message(message: IncomingMessage) -> None:
        import mcp_types

        if isinstance(message, Exception):
            # The connection reports transport errors; note them here only for debugging.
            logger.debug("transport error from server %s: %s", server_name, message)
        elif isinstance(message, mcp_types.ProgressNotification):
            if events is not None:
                params = message.params
                events.publish(
                    ProgressUpdate(
                        source=server_name,
                        progress=params.progress,
                        total=params.total,
                        message=params.message,
                    )
                )
        elif not isinstance(message, mcp_types.LoggingMessageNotification):
            logger.debug("notification %s from server %s", message.method, server_name)
        if on_notification is not None:
            await on_notification(message)

    return on_message


def build_client_callbacks(
    server_name: str,
    settings: MCPServerSettings,
    *,
    sampler: Sampler | None,
    elicitor: Elicitor | None,
    events: EventBus | None,
    on_notification: NotificationHook | None = None,
) -> ClientCallbacks:
    """Build the callbacks of one server from its settings.

    Sampling and elicitation are always answered, so a refusal by policy reaches the
    server as a reason ("sampling disabled for server X") or a clean decline rather than
    "not supported"; roots are advertised only when configured.

    Args:
        server_name: The server's configured name.
        settings: Its ``mcp.servers.<name>`` settings.
        sampler: What answers sampling requests; None refuses them.
        elicitor: Who answers elicitation requests; None declines them.
        events: Where progress (and sampling model calls) are published.
        on_notification: Also called with every server notification.

    Raises:
        ConfigValidationError: A configured root is not a ``file://`` URI.
    """
    roots = roots_from_settings(server_name, settings.roots)
    return ClientCallbacks(
        sampling_callback=sampling_callback(server_name, settings.sampling, sampler, events=events),
        elicitation_callback=elicitation_callback(server_name, settings.elicitation, elicitor),
        list_roots_callback=list_roots_callback(roots) if roots else None,
        logging_callback=logging_callback(server_name),
        message_handler=message_handler(server_name, events, on_notification=on_notification),
    )

"""OpenTelemetry traces of runs, following the GenAI semantic conventions.

`start_tracing` subscribes a `SpanRecorder` to a run's `EventBus`: agent turns, model calls,
tool calls, workflow steps and MCP requests become spans (docs/observability.md). Nothing of
OpenTelemetry is imported until tracing is turned on (``otel.enabled``); the extra
``fastagent[otel]`` installs it.

This package sits beside providers/ and mcp/: it observes events and knows no agent, loop
or runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastagent.config.settings import OTelSettings
    from fastagent.events import EventBus

__all__ = ["start_tracing"]


def start_tracing(settings: OTelSettings, events: EventBus) -> Callable[[], Awaitable[None]]:
    """Record the spans of everything published on `events`.

    Uses the process's tracer provider when one is set; otherwise builds one exporting
    over OTLP/HTTP with a batch span processor (`settings`, then the standard
    ``OTEL_EXPORTER_OTLP_*`` variables).

    Returns:
        The async function that stops recording: it ends spans still open and, when the
        provider is fastagent's own, exports what is left and shuts it down.

    Raises:
        MissingDependencyError: The ``otel`` extra is not installed.
    """
    from fastagent.telemetry.setup import open_tracer
    from fastagent.telemetry.spans import SpanRecorder

    tracer = open_tracer(settings)
    recorder = SpanRecorder(
        tracer.tracer, record_content=settings.record_content, mcp_requests=tracer.owned
    )
    unsubscribe = recorder.subscribe(events)

    async def stop() -> None:
        unsubscribe()
        recorder.end_all()
        await tracer.close()

    return stop

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
        ConfigError: A standard variable asks for what fastagent cannot do (gRPC export).
    """
    import os

    from fastagent._redact import register_secret
    from fastagent.telemetry.setup import header_values, open_tracer
    from fastagent.telemetry.spans import SpanRecorder

    # The export headers' values (API keys) are hidden wherever fastagent writes text.
    forget = [register_secret(value) for value in header_values(settings, os.environ)]
    try:
        tracer = open_tracer(settings)
    except BaseException:
        for undo in forget:
            undo()
        raise
    recorder = SpanRecorder(
        tracer.tracer,
        record_content=settings.record_content,
        mcp_requests=tracer.owned,
        max_content_length=settings.max_content_length,
        sample_roots=not (tracer.owned and settings.sample_rate == 0.0),
    )
    unsubscribe = recorder.subscribe(events)

    async def stop() -> None:
        unsubscribe()
        recorder.end_all()
        try:
            await tracer.close()
        finally:
            for undo in forget:
                undo()

    return stop

"""The tracer a run records with: the process's own provider, or one fastagent builds."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastagent._version import __version__
from fastagent.exceptions import MissingDependencyError

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from fastagent.config.settings import OTelSettings

__all__ = ["OpenTracer", "open_tracer", "traces_endpoint"]

INSTRUMENTATION_NAME = "fastagent"
"""The instrumentation scope of fastagent's spans."""

DEFAULT_SERVICE_NAME = "fastagent"
"""``service.name`` when neither ``otel.service_name`` nor ``OTEL_SERVICE_NAME`` says."""


@dataclass(frozen=True, slots=True)
class OpenTracer:
    """A tracer and how to release it.

    Attributes:
        tracer: Where spans are started.
        owned: Whether fastagent built the provider (else it is the process's own, which
            its owner flushes and shuts down).
        provider: The provider fastagent built (None when not owned).
    """

    tracer: Tracer
    owned: bool
    provider: Any = None

    async def close(self) -> None:
        """Export the spans still buffered and shut the provider down (when owned)."""
        if self.provider is not None:
            await asyncio.to_thread(self.provider.shutdown)


def traces_endpoint(endpoint: str | None) -> str | None:
    """The OTLP/HTTP traces URL for a configured base URL (None: the exporter's default)."""
    if endpoint is None:
        return None
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


def open_tracer(settings: OTelSettings) -> OpenTracer:
    """The process's tracer provider when it has one, else a new OTLP/HTTP one.

    Raises:
        MissingDependencyError: ``opentelemetry-sdk`` or the OTLP exporter is missing.
    """
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise MissingDependencyError("opentelemetry-api", "otel") from exc
    current = trace.get_tracer_provider()
    if not isinstance(current, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        return OpenTracer(current.get_tracer(INSTRUMENTATION_NAME, __version__), owned=False)
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, TraceIdRatioBased
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "opentelemetry-sdk", "otel") from exc
    service = settings.service_name or os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
    root = ALWAYS_ON if settings.sample_rate >= 1.0 else TraceIdRatioBased(settings.sample_rate)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=ParentBased(root)
    )
    headers = {k: v.get_secret_value() for k, v in settings.headers.items()} or None
    exporter = OTLPSpanExporter(
        endpoint=traces_endpoint(settings.endpoint), headers=headers, timeout=settings.timeout
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer(INSTRUMENTATION_NAME, __version__)
    return OpenTracer(tracer, owned=True, provider=provider)

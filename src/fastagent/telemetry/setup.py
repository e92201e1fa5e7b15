"""The tracer a run records with: the process's own provider, or one fastagent builds."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from fastagent._redact import redact
from fastagent._version import __version__
from fastagent.exceptions import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from fastagent.config.settings import OTelSettings

__all__ = [
    "OpenTracer",
    "check_protocol",
    "export_headers",
    "header_values",
    "open_tracer",
    "resolve_endpoint",
    "resolve_timeout",
    "traces_endpoint",
]

INSTRUMENTATION_NAME = "fastagent"
"""The instrumentation scope of fastagent's spans."""

DEFAULT_SERVICE_NAME = "fastagent"
"""``service.name`` when neither ``otel.service_name`` nor ``OTEL_SERVICE_NAME`` says."""


PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
"""The standard variables choosing the OTLP protocol; fastagent's exporter speaks one."""

SUPPORTED_PROTOCOL = "http/protobuf"

DEFAULT_ENDPOINT = "http://localhost:4318"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class OpenTracer:
    """A tracer and how to release it.

    Attributes:
        tracer: Where spans are started.
        owned: Whether fastagent built the provider (else it is the process's own, which
            its owner flushes and shuts down).
        provider: The provider fastagent built (None when not owned).
        exporter: Its exporter (None when not owned), which reports failed exports.
    """

    tracer: Tracer
    owned: bool
    provider: Any = None
    exporter: Any = None

    async def close(self) -> None:
        """Export the spans still buffered and shut the provider down (when owned).

        Bounded: the SDK waits at most 30 s for its export thread, and each export gives up
        after the exporter's timeout; an export still running then is reported as lost.
        """
        started = time.monotonic()
        if self.provider is not None:
            await asyncio.to_thread(self.provider.shutdown)
        if self.exporter is not None:
            self.exporter.report_unfinished(time.monotonic() - started)


def traces_endpoint(endpoint: str | None) -> str | None:
    """The OTLP/HTTP traces URL for a configured base URL (None: the exporter's default)."""
    if endpoint is None:
        return None
    url = urlsplit(endpoint.strip())
    path = url.path.rstrip("/")
    if not path.endswith("/v1/traces"):
        path = f"{path}/v1/traces"
    return urlunsplit(url._replace(path=path))


def resolve_endpoint(settings: OTelSettings, environ: Mapping[str, str]) -> str:
    """The traces URL: ``otel.endpoint``, then the standard variables, then localhost:4318.

    Raises:
        ConfigError: The endpoint is not an http(s) URL (named by where it came from).
    """
    configured = traces_endpoint(settings.endpoint)
    if configured is not None:
        return _checked_url(configured, settings.endpoint or "", "otel.endpoint")
    name = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    if traces := environ.get(name, "").strip():
        return _checked_url(traces, traces, name)  # the traces URL itself, as specified
    name = "OTEL_EXPORTER_OTLP_ENDPOINT"
    base = environ.get(name, "").strip()
    if not base:
        return f"{DEFAULT_ENDPOINT}/v1/traces"
    return _checked_url(f"{base.rstrip('/')}/v1/traces", base, name)  # appended, as specified


def _checked_url(url: str, given: str, source: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{source} {redact(given)!r} is not an http(s) URL",
            hint=f"write {source} as a URL like http://localhost:4318",
        )
    return url


def resolve_timeout(settings: OTelSettings, environ: Mapping[str, str]) -> float:
    """Seconds one export may take: ``otel.timeout``, then the standard variables, then 10.

    Raises:
        ConfigError: A timeout variable is not a positive number of seconds.
    """
    if settings.timeout is not None:
        return settings.timeout
    for name in ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"):
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value < float("inf"):
            raise ConfigError(
                f"{name}={raw!r} is not a timeout in seconds",
                hint=f"set {name} to a positive number of seconds (or otel.timeout)",
            )
        return value
    return DEFAULT_TIMEOUT


def check_protocol(environ: Mapping[str, str]) -> None:
    """Refuse an OTLP protocol other than OTLP/HTTP with protobuf, naming the variable.

    Raises:
        ConfigError: ``OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`` asks for gRPC or JSON.
    """
    for name in PROTOCOL_VARIABLES:
        value = environ.get(name, "").strip()
        if not value:
            continue
        if value.lower() != SUPPORTED_PROTOCOL:
            raise ConfigError(
                f"{name}={value!r}: fastagent exports traces over OTLP/HTTP "
                f"({SUPPORTED_PROTOCOL}) only",
                hint=(
                    f"unset {name} or set it to {SUPPORTED_PROTOCOL} (collectors take "
                    "OTLP/HTTP on port 4318); for gRPC, set up your own tracer provider "
                    "before the run: fastagent records into it"
                ),
            )
        return  # the traces variable, when set, wins over the general one


def export_headers(settings: OTelSettings) -> dict[str, str]:
    """``otel.headers`` as sent: values stripped of surrounding whitespace.

    Raises:
        ConfigError: A value holds a line break (it would be refused, and quoted, by the HTTP
            client); the error names the header, never its value.
    """
    headers: dict[str, str] = {}
    for key, secret in settings.headers.items():
        value = secret.get_secret_value().strip()
        if any(c in value for c in "\r\n\0"):
            raise ConfigError(
                f"otel.headers.{key} holds a line break",
                hint="remove it from the value (check the variable or secrets file it comes from)",
            )
        headers[key] = value
    return headers


def header_values(settings: OTelSettings, environ: Mapping[str, str]) -> set[str]:
    """The export headers' values (credentials, to hide): ``otel.headers`` and the variables'."""
    values = {v.get_secret_value().strip() for v in settings.headers.values()}
    for name in ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"):
        for pair in environ.get(name, "").split(","):
            _, sep, value = pair.partition("=")
            if sep and value.strip():
                values.add(unquote(value.strip()))
    return values


def open_tracer(settings: OTelSettings, environ: Mapping[str, str] | None = None) -> OpenTracer:
    """The process's tracer provider when it has one, else a new OTLP/HTTP one.

    Args:
        settings: The ``otel`` settings.
        environ: The environment to read the standard variables from (`os.environ`).

    Raises:
        MissingDependencyError: ``opentelemetry-sdk`` or the OTLP exporter is missing.
        ConfigError: A standard variable asks for something fastagent cannot do (gRPC).
    """
    env = os.environ if environ is None else environ
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise MissingDependencyError("opentelemetry-api", "otel") from exc
    current = trace.get_tracer_provider()
    if not isinstance(current, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        return OpenTracer(current.get_tracer(INSTRUMENTATION_NAME, __version__), owned=False)
    check_protocol(env)
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, TraceIdRatioBased

        from fastagent.telemetry.export import NotingSession, ReportedExporter
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "opentelemetry-sdk", "otel") from exc
    service = settings.service_name or env.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
    root = ALWAYS_ON if settings.sample_rate >= 1.0 else TraceIdRatioBased(settings.sample_rate)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=ParentBased(root)
    )
    endpoint = resolve_endpoint(settings, env)
    timeout = resolve_timeout(settings, env)
    headers = export_headers(settings) or None
    # A credential provider named in the environment brings its own session.
    own_session = any(env.get(name) for name in _CREDENTIAL_PROVIDERS)
    session = None if own_session else NotingSession(timeout)
    exporter = ReportedExporter(
        OTLPSpanExporter(endpoint=endpoint, headers=headers, timeout=timeout, session=session),
        endpoint=endpoint,
        timeout=timeout,
        session=session,
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer(INSTRUMENTATION_NAME, __version__)
    return OpenTracer(tracer, owned=True, provider=provider, exporter=exporter)


_CREDENTIAL_PROVIDERS = (
    "OTEL_PYTHON_EXPORTER_OTLP_HTTP_TRACES_CREDENTIAL_PROVIDER",
    "OTEL_PYTHON_EXPORTER_OTLP_HTTP_CREDENTIAL_PROVIDER",
)

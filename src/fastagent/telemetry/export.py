"""Exporting spans over OTLP/HTTP, and saying once, clearly, when that fails.

The OpenTelemetry exporter retries a failing export until its timeout, logging a raw line
per attempt to the root logger (unredacted, with no hint). `ReportedExporter` wraps it:
while it exports, the exporter's own log records are taken off the root logger (kept at
debug level under ``fastagent.telemetry``), and the first failed export of a run is one
warning naming the endpoint and the reason (connection refused, no answer within the
timeout, HTTP status). An export still running when the run closes is reported the same way.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import requests
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from fastagent._redact import redact
from fastagent.logging import get_logger

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

__all__ = ["NotingSession", "ReportedExporter", "describe_failure"]

_log = get_logger("telemetry")
_EXPORTER_LOGGERS = "opentelemetry.exporter"
_exporting: contextvars.ContextVar[ReportedExporter | None] = contextvars.ContextVar(
    "fastagent_otel_exporting", default=None
)
_install_lock = threading.Lock()


class NotingSession(requests.Session):
    """A requests session remembering how its last request went (for the report)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.outcome: str | None = None

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        """Send the request; note its status or why it failed."""
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self.outcome = describe_failure(exc, self.timeout)
            raise
        self.outcome = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
        return response


def describe_failure(exc: BaseException, timeout: float) -> str:
    """A short reason for a failed request: refused, no answer in time, or the error's type."""
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s (otel.timeout)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed (the server's certificate, or http:// vs https://)"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    if "Connection refused" in text:
        return "connection refused"
    return type(exc).__name__


def _hint(reason: str) -> str:
    if reason.startswith(("HTTP 401", "HTTP 403")):
        return "check the credentials in otel.headers"
    if reason.startswith("HTTP 404"):
        return "check otel.endpoint: OTLP/HTTP traces go to <base>/v1/traces"
    if reason.startswith("HTTP"):
        return "the collector refused them"
    if reason.startswith("no answer"):
        return "the collector is not answering: check it, or raise otel.timeout"
    return "check otel.endpoint and that the collector is running"


class _Capture(logging.Filter):
    """Takes the exporter's records off the root logger while `ReportedExporter` exports."""

    def filter(self, record: logging.LogRecord) -> bool:
        exporter = _exporting.get()
        if exporter is None:
            return True
        exporter.captured(record)
        return False


_CAPTURE = _Capture()


def _install_capture() -> None:
    """Put the capturing filter on every OpenTelemetry exporter logger (idempotent).

    Outside a `ReportedExporter` export the filter lets every record through, so another
    exporter in the process logs as it always did.
    """
    with _install_lock:
        for name, logger in list(logging.Logger.manager.loggerDict.items()):
            if (
                name.startswith(_EXPORTER_LOGGERS)
                and isinstance(logger, logging.Logger)
                and _CAPTURE not in logger.filters
            ):
                logger.addFilter(_CAPTURE)


class ReportedExporter(SpanExporter):
    """An OTLP exporter that reports the first failed export of a run once, clearly.

    Args:
        inner: The OTLP/HTTP span exporter.
        endpoint: Where it posts (named in the report).
        timeout: Its export timeout in seconds (named in the report).
        session: Its requests session, when it is a `NotingSession` (the reason's source).
    """

    def __init__(
        self,
        inner: SpanExporter,
        *,
        endpoint: str,
        timeout: float,
        session: NotingSession | None,
    ) -> None:
        self._inner = inner
        self.endpoint = endpoint
        self._timeout = timeout
        self._session = session
        self._first_record: str | None = None
        self._exporting = threading.Event()
        self.failures = 0
        self._reported = False
        _install_capture()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export `spans`; the first failure of the run is reported (as a warning)."""
        if self._session is not None:
            self._session.outcome = None
        token = _exporting.set(self)
        self._exporting.set()
        try:
            result = self._inner.export(spans)
        except Exception as exc:  # the SDK would log a traceback: one line instead
            self._first_record = self._first_record or describe_failure(exc, self._timeout)
            result = SpanExportResult.FAILURE
        finally:
            _exporting.reset(token)
            self._exporting.clear()
        if result is not SpanExportResult.SUCCESS:
            self.failures += 1
            self._report(self._reason())
        return result

    def captured(self, record: logging.LogRecord) -> None:
        """Keep one of the exporter's own records (at debug level, redacted by the sinks)."""
        if record.levelno >= logging.ERROR and self._first_record is None:
            self._first_record = _one_line(record)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("OTLP exporter: %s", _one_line(record, limit=500))

    def shutdown(self) -> None:
        """Shut the wrapped exporter down (it stops retrying)."""
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return self._inner.force_flush(timeout_millis)

    def report_unfinished(self, waited: float) -> None:
        """Called after shutdown: an export still running then is lost, say so once.

        Args:
            waited: Seconds the shutdown waited for it.
        """
        if self._exporting.is_set():
            self._report(f"still no answer when the run ended ({waited:.0f} s later)")

    def _reason(self) -> str:
        outcome = self._session.outcome if self._session is not None else None
        return outcome or self._first_record or "the exporter reported a failure"

    def _report(self, reason: str) -> None:
        if self._reported:
            return
        self._reported = True
        _log.warning(
            "could not export traces to %s: %s; the spans are dropped (hint: %s; further "
            "failures of this run are not reported)",
            redact(self.endpoint),
            reason,
            _hint(reason),
        )


def _one_line(record: logging.LogRecord, limit: int = 200) -> str:
    try:
        text = record.getMessage()
    except Exception:
        text = str(record.msg)
    line = redact(text.strip().splitlines()[0] if text.strip() else "")
    return line if len(line) <= limit else line[: limit - 1] + "…"

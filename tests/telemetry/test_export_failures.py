"""Hostile OTLP endpoints: a one-shot run still ends in bounded time and says once, clearly,
that its spans could not be exported, without the export header's API key anywhere.

Each case runs the real ``fastagent go`` CLI in a subprocess against a real local endpoint
that refuses connections, accepts and never answers, answers 500 or 429, or answers slowly.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from cli.conftest import clean_env
from fastagent.config.settings import OTelSettings
from fastagent.telemetry.setup import open_tracer
from otlp_receiver import otlp_receiver
from process_helpers import free_port

SECRET = "otlp-key-5f1b9c0e77"
REPORT = "could not export traces to"
BOUND = 20.0  # seconds, for a 1 s export timeout: generous, yet far below a hang
RAW_EXPORTER_LINES = ("Transient error", "Failed to export", "Traceback")


@contextmanager
def answering(
    status: int,
    *,
    delay: float = 0.0,
    headers: dict[str, str] | None = None,
    posts: list[int] | None = None,
) -> Iterator[str]:
    """An HTTP endpoint answering every POST with `status` after `delay` seconds."""
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if posts is not None:
                posts.append(len(body))
            done.wait(delay)
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        done.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def silent() -> Iterator[str]:
    """An endpoint that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(10)
        for connection in held:
            connection.close()
        listener.close()


@contextmanager
def refusing() -> Iterator[str]:
    """A port nothing listens on."""
    yield f"http://127.0.0.1:{free_port()}"


def run_go(
    tmp_path: Path, endpoint: str, *args: str, timeout: float = 1
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``fastagent go -m hello`` with tracing on, exporting to `endpoint` with an API key."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / ".git").mkdir(exist_ok=True)
    (project / "fastagent.yaml").write_text(
        "sessions: {enabled: false}\n"
        "otel:\n"
        "  enabled: true\n"
        f"  endpoint: {endpoint}\n"
        f"  timeout: {timeout:g}\n"
        "  headers:\n"
        "    x-api-key: ${OTLP_KEY}\n"
    )
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "fastagent", "go", "--model", "passthrough", "-m", "hello", *args],
        cwd=project,
        env=clean_env(tmp_path, OTLP_KEY=SECRET),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return out, time.monotonic() - started


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        (refusing, "connection refused"),
        (silent, "no answer within 1 s"),
        (lambda: answering(500), "HTTP 500"),
        (lambda: answering(429, headers={"Retry-After": "3600"}), "HTTP 429"),
        (lambda: answering(200, delay=5.0), "no answer within 1 s"),
    ],
    ids=["refused", "never-answers", "500", "429-retry-after-an-hour", "slower-than-timeout"],
)
def test_a_one_shot_ends_in_bounded_time_and_says_so_once(
    tmp_path: Path, endpoint: Any, reason: str
) -> None:
    with endpoint() as url:
        out, elapsed = run_go(tmp_path, url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello"
    assert elapsed < BOUND, elapsed
    reports = [line for line in out.stderr.splitlines() if REPORT in line]
    assert len(reports) == 1, out.stderr
    assert f"{url}/v1/traces" in reports[0]
    assert reason in reports[0], reports[0]
    assert "hint:" in reports[0]
    assert not any(raw in out.stderr for raw in RAW_EXPORTER_LINES), out.stderr
    assert SECRET not in out.stdout + out.stderr


def test_verbose_output_of_a_failed_export_holds_no_secret(tmp_path: Path) -> None:
    # With -v the exporter's own lines are kept (at debug level): still no API key.
    with answering(401) as url:
        out, elapsed = run_go(tmp_path, f"{url}/?api_key={SECRET}", "-v")
    assert out.returncode == 0, out.stderr
    assert elapsed < BOUND
    assert "HTTP 401" in out.stderr and "otel.headers" in out.stderr
    assert SECRET not in out.stdout + out.stderr


def test_a_slow_endpoint_within_the_timeout_gets_the_spans(tmp_path: Path) -> None:
    posts: list[int] = []
    with answering(200, delay=2.0, posts=posts) as url:
        out, _ = run_go(tmp_path, url, timeout=30)
    assert out.returncode == 0, out.stderr
    assert REPORT not in out.stderr
    assert posts, "nothing was exported"


async def test_every_failed_export_after_the_first_is_not_reported_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    with refusing() as url:
        opened = open_tracer(OTelSettings(enabled=True, endpoint=url, timeout=0.5), environ={})
        spans = []
        for name in ("one", "two", "three"):
            span = TracerProvider().get_tracer("t").start_span(name)
            span.end()
            spans.append(span)
        with caplog.at_level(logging.DEBUG):
            results = [opened.exporter.export([span]) for span in spans]
        await opened.close()
    assert [r.name for r in results] == ["FAILURE"] * 3
    reports = [r for r in caplog.records if REPORT in r.getMessage()]
    assert len(reports) == 1
    assert reports[0].name == "fastagent.telemetry" and reports[0].levelno == logging.WARNING
    # The exporter's own lines were kept off the root logger, at debug level under fastagent.
    assert not [r for r in caplog.records if r.name.startswith("opentelemetry")]
    assert any(
        r.name == "fastagent.telemetry" and r.levelno == logging.DEBUG for r in caplog.records
    )


def test_another_exporter_in_the_process_still_logs_as_usual(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider

    with refusing() as url:
        ours = open_tracer(OTelSettings(enabled=True, endpoint=url, timeout=0.5), environ={})
        theirs = OTLPSpanExporter(endpoint=f"{url}/v1/traces", timeout=0.5)
        span = TracerProvider().get_tracer("t").start_span("x")
        span.end()
        with caplog.at_level(logging.WARNING):
            theirs.export([span])
        theirs.shutdown()
        ours.provider.shutdown()
    assert any(r.name.startswith("opentelemetry.exporter") for r in caplog.records)
    assert not any(REPORT in r.getMessage() for r in caplog.records)


def test_received_spans_never_hold_the_header_value(tmp_path: Path) -> None:
    with otlp_receiver() as receiver:
        out, _ = run_go(tmp_path, receiver.url)
    assert out.returncode == 0, out.stderr
    assert REPORT not in out.stderr
    assert receiver.spans, "no spans arrived"
    assert all(h.get("x-api-key") == SECRET for h in receiver.headers)
    for span in receiver.spans:
        assert SECRET not in repr(span.attributes) + span.status_message + repr(span.resource)


def test_an_export_still_running_at_exit_is_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from fastagent.telemetry.export import ReportedExporter

    entered, release = threading.Event(), threading.Event()

    class Stuck(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            entered.set()
            release.wait(30)
            return SpanExportResult.FAILURE

    url = "http://c:4318/v1/traces"
    exporter = ReportedExporter(Stuck(), endpoint=url, timeout=60, session=None)
    thread = threading.Thread(target=exporter.export, args=([],))
    thread.start()
    assert entered.wait(30)
    with caplog.at_level(logging.WARNING):
        exporter.report_unfinished(30.2)
        release.set()
        thread.join(30)
    reports = [r.getMessage() for r in caplog.records if REPORT in r.getMessage()]
    assert reports == [
        "could not export traces to http://c:4318/v1/traces: still no answer when the run "
        "ended (30 s later); the spans are dropped (hint: check otel.endpoint and that the "
        "collector is running; further failures of this run are not reported)"
    ]

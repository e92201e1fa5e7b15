"""Which tracer a run records with, and how it is configured."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent._redact import redact
from fastagent.config import Settings
from fastagent.config.settings import OTelSettings
from fastagent.exceptions import ConfigError, MissingDependencyError
from fastagent.runtime import Runtime
from fastagent.telemetry.setup import resolve_endpoint, resolve_timeout, traces_endpoint
from otlp_receiver import otlp_receiver


@pytest.mark.parametrize(
    ("configured", "url"),
    [
        (None, None),
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://x.example/otlp/v1/traces", "https://x.example/otlp/v1/traces"),
        ("https://x.example/otlp?tenant=a", "https://x.example/otlp/v1/traces?tenant=a"),
    ],
)
def test_traces_endpoint(configured: str | None, url: str | None) -> None:
    assert traces_endpoint(configured) == url


async def test_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    exporter = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
    monkeypatch.setitem(sys.modules, exporter, None)
    settings = Settings.model_validate({"logger": {"type": "none"}, "otel": {"enabled": True}})
    with pytest.raises(MissingDependencyError) as raised:
        async with Runtime.open(settings=settings):
            pass
    assert raised.value.hint == "pip install 'fastagent[otel]'"


async def test_sample_rate_zero_records_nothing() -> None:
    from fastagent import FastAgent

    with otlp_receiver() as receiver:
        settings = Settings.model_validate(
            {
                "logger": {"type": "none"},
                "otel": {"enabled": True, "endpoint": receiver.url, "sample_rate": 0.0},
            }
        )
        fast = FastAgent("sampled", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("a", model="passthrough")
        async with fast.run() as app:
            assert await app.a.send("hi") == "hi"
        assert receiver.spans == []


def test_sample_rate_zero_starts_no_span_without_a_sampled_parent() -> None:
    from opentelemetry import context, trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    from fastagent.events import AgentFinished, AgentStarted, EventBus
    from fastagent.telemetry.spans import SpanRecorder

    started: list[str] = []

    class Counting:
        def __init__(self, tracer: Any) -> None:
            self.tracer = tracer

        def start_span(self, name: str, **kwargs: Any) -> Any:
            started.append(name)
            return self.tracer.start_span(name, **kwargs)

    tracer = Counting(TracerProvider().get_tracer("t"))
    bus = EventBus()
    SpanRecorder(tracer, record_content=True, mcp_requests=True, sample_roots=False).subscribe(bus)
    bus.publish(AgentStarted(agent="a"))
    bus.publish(AgentFinished(agent="a", duration=0.0))
    assert started == []
    for flags, expected in ((TraceFlags.DEFAULT, []), (TraceFlags.SAMPLED, ["invoke_agent a"])):
        parent = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(flags))
        token = context.attach(trace.set_span_in_context(NonRecordingSpan(parent)))
        try:
            bus.publish(AgentStarted(agent="a"))
            bus.publish(AgentFinished(agent="a", duration=0.0))
        finally:
            context.detach(token)
        assert started == expected


def test_the_processs_own_tracer_provider_is_used() -> None:
    # In a fresh interpreter: setting the global provider is once per process.
    script = textwrap.dedent(
        """
        import asyncio
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )
        from fastagent import FastAgent
        from fastagent.config import Settings

        memory = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        trace.set_tracer_provider(provider)

        settings = Settings.model_validate({
            "logger": {"type": "none"},
            # Nothing listens there: the user's provider must be used instead.
            "otel": {"enabled": True, "endpoint": "http://127.0.0.1:9"},
        })
        fast = FastAgent("own", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("a", model="passthrough")

        async def main():
            async with fast.run() as app:
                with trace.get_tracer("user").start_as_current_span("user request") as mine:
                    await app.a.send("hi")
            return mine

        mine = asyncio.run(main())
        spans = {s.name: s for s in memory.get_finished_spans()}
        turn = spans["invoke_agent a"]
        assert turn.parent.span_id == mine.get_span_context().span_id, turn.parent
        assert spans["chat passthrough"].parent.span_id == turn.context.span_id
        assert turn.instrumentation_scope.name == "fastagent"
        print("ok", sorted(spans))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok"), out.stdout


def traced(**otel: object) -> Settings:
    return Settings.model_validate({"logger": {"type": "none"}, "otel": {"enabled": True, **otel}})


async def test_the_standard_variables_configure_the_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme,x-api-key=env-key-8d2f6a")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
        fast = FastAgent("env", parse_cli_args=False, quiet=True, settings=traced())
        fast.agent("a", model="passthrough")
        async with fast.run() as app:
            assert await app.a.send("hi") == "hi"
            # The header's value is a credential: hidden in whatever fastagent writes.
            assert redact("key env-key-8d2f6a") == "key ***"
        assert redact("key env-key-8d2f6a") == "key env-key-8d2f6a"  # only during the run
        assert receiver.one("invoke_agent a").resource["service.name"] == "from-env"
        assert receiver.headers
        assert all(h.get("x-tenant") == "acme" for h in receiver.headers)
        assert all(h.get("x-api-key") == "env-key-8d2f6a" for h in receiver.headers)


async def test_the_traces_endpoint_variable_is_the_url_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{receiver.url}/v1/traces")
        fast = FastAgent("env", parse_cli_args=False, quiet=True, settings=traced())
        fast.agent("a", model="passthrough")
        async with fast.run() as app:
            await app.a.send("hi")
        assert receiver.one("invoke_agent a")


def test_endpoint_and_timeout_precedence() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://base:4318/",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "7",
    }
    assert resolve_endpoint(OTelSettings(), {}) == "http://localhost:4318/v1/traces"
    assert resolve_endpoint(OTelSettings(), env) == "http://base:4318/v1/traces"
    traces = {**env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:1/custom"}
    assert resolve_endpoint(OTelSettings(), traces) == "http://t:1/custom"
    assert resolve_endpoint(OTelSettings(endpoint="http://c:1"), traces) == "http://c:1/v1/traces"
    assert resolve_timeout(OTelSettings(), {}) == 10.0
    assert resolve_timeout(OTelSettings(), env) == 7.0
    assert resolve_timeout(OTelSettings(), {**env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "3"}) == 3
    assert resolve_timeout(OTelSettings(timeout=2), env) == 2.0


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf"])
def test_a_bad_timeout_variable_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_TIMEOUT") as raised:
        resolve_timeout(OTelSettings(), {"OTEL_EXPORTER_OTLP_TIMEOUT": value})
    assert raised.value.hint and "positive number of seconds" in raised.value.hint


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
    ],
)
async def test_an_unsupported_protocol_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        async with Runtime.open(settings=traced()):
            pass
    assert str(raised.value).startswith(f"{variable}={value!r}: fastagent exports traces over")
    assert raised.value.hint and "http/protobuf" in raised.value.hint
    assert "your own tracer provider" in raised.value.hint


async def test_the_traces_protocol_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")  # for the process's metrics, say
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
    with otlp_receiver() as receiver:
        fast = FastAgent(
            "p", parse_cli_args=False, quiet=True, settings=traced(endpoint=receiver.url)
        )
        fast.agent("a", model="passthrough")
        async with fast.run() as app:
            await app.a.send("hi")
        assert receiver.one("invoke_agent a")


BASE, TRACES = "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"


@pytest.mark.parametrize(
    ("otel", "environ", "source"),
    [
        ({"endpoint": "localhost:4318"}, {}, "otel.endpoint"),
        ({"endpoint": "collector"}, {}, "otel.endpoint"),
        ({}, {BASE: "grpc://collector:4317"}, BASE),
        ({}, {TRACES: "/v1/traces"}, TRACES),
    ],
)
def test_an_endpoint_that_is_no_http_url_is_a_config_error(
    otel: dict[str, str], environ: dict[str, str], source: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{source} .* is not an http\\(s\\) URL") as raised:
        resolve_endpoint(OTelSettings(**otel), environ)
    assert raised.value.hint == f"write {source} as a URL like http://localhost:4318"


async def test_a_bad_endpoint_stops_the_run_naming_it_without_its_credentials() -> None:
    with pytest.raises(ConfigError) as raised:
        async with Runtime.open(settings=traced(endpoint="collector:4318?api_key=abcdefgh123")):
            pass
    assert "otel.endpoint" in str(raised.value)
    assert "abcdefgh123" not in str(raised.value)


async def test_a_header_value_with_a_line_break_is_an_error_naming_the_header() -> None:
    with pytest.raises(ConfigError, match=r"^otel.headers.x-api-key holds a line break") as raised:
        async with Runtime.open(settings=traced(headers={"x-api-key": "abc\r\nX-Evil: 1"})):
            pass
    assert "abc" not in str(raised.value) and "Evil" not in str(raised.value)


async def test_header_values_are_sent_stripped() -> None:
    with otlp_receiver() as receiver:
        settings = traced(endpoint=receiver.url, headers={"x-api-key": " key-1234567\n"})
        fast = FastAgent("h", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("a", model="passthrough")
        async with fast.run() as app:
            await app.a.send("hi")
        assert receiver.headers
        assert all(h.get("x-api-key") == "key-1234567" for h in receiver.headers)

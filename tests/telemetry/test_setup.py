"""Which tracer a run records with, and how it is configured."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from fastagent.config import Settings
from fastagent.exceptions import MissingDependencyError
from fastagent.runtime import Runtime
from fastagent.telemetry.setup import traces_endpoint
from otlp_receiver import otlp_receiver


@pytest.mark.parametrize(
    ("configured", "url"),
    [
        (None, None),
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://x.example/otlp/v1/traces", "https://x.example/otlp/v1/traces"),
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

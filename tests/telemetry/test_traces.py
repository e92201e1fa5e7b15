"""Traces of real runs, received by a real OTLP/HTTP receiver on 127.0.0.1.

A chain of two agents: the first calls a tool of a real MCP server subprocess, the second a
Python function tool. The spans must arrive with the GenAI convention names, the expected
parent/child structure and attributes, and message content only when it is enabled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.exceptions import RateLimitError
from otlp_receiver import ReceivedSpan, Receiver, otlp_receiver
from process_helpers import free_port

TRACE_SERVER = Path(__file__).parent / "trace_server.py"
PROMPT_MARK = "***CALL_TOOL"  # in every prompt, reply and tool result of these runs

INVOKE = "invoke_agent"
CLIENT = 3  # SpanKind CLIENT in the OTLP protobuf
ERROR = 2  # Status ERROR


def double(x: int) -> int:
    """Double x."""
    return 2 * x


def first_message() -> str:
    inner = '***CALL_TOOL double {"x": 21}'
    args = json.dumps({"message": inner})
    return f"***CALL_TOOL trace__relay {args}"


def make_app(receiver: Receiver, **otel: Any) -> FastAgent:
    settings = Settings.model_validate(
        {
            "logger": {"type": "none"},
            "mcp": {"servers": {"trace": {"command": sys.executable, "args": [str(TRACE_SERVER)]}}},
            "otel": {
                "enabled": True,
                "endpoint": receiver.url,
                "service_name": "trace-test",
                "headers": {"x-api-key": "otlp-secret-value"},
                **otel,
            },
        }
    )
    fast = FastAgent("traces", parse_cli_args=False, quiet=True, settings=settings)
    fast.agent("fetcher", servers=["trace"])
    fast.agent("calc", tools=[double])
    fast.chain("pipeline", sequence=["fetcher", "calc"])
    return fast


async def run_pipeline(receiver: Receiver, **otel: Any) -> str:
    fast = make_app(receiver, **otel)
    async with fast.run() as app:
        return await app.pipeline.send(first_message())


def parent(receiver: Receiver, span: ReceivedSpan) -> ReceivedSpan:
    return receiver.by_id(span.parent_span_id)


async def test_chain_with_mcp_and_function_tools_is_one_trace() -> None:
    with otlp_receiver() as receiver:
        # The passthrough model: "fetcher" calls trace__relay, whose result is a command
        # making "calc" call double(21).
        reply = await run_pipeline(receiver)
        assert reply == "42"

        chain = receiver.one("invoke_agent pipeline")
        assert chain.parent_span_id == ""
        assert chain.attributes["gen_ai.operation.name"] == INVOKE
        assert chain.attributes["fastagent.workflow.kind"] == "chain"
        assert chain.resource["service.name"] == "trace-test"
        assert chain.scope == "fastagent"
        # Everything but the servers' start-up (tools/list, before any turn) is one trace.
        startup = receiver.one("tools/list")
        assert startup.parent_span_id == ""
        assert {s.trace_id for s in receiver.spans if s is not startup} == {chain.trace_id}

        step1, step2 = receiver.one("chain.step fetcher"), receiver.one("chain.step calc")
        assert parent(receiver, step1) is chain and parent(receiver, step2) is chain
        assert (
            step1.attributes["fastagent.workflow.step.index"],
            step2.attributes["fastagent.workflow.step.index"],
        ) == (1, 2)

        fetcher, calc = receiver.one("invoke_agent fetcher"), receiver.one("invoke_agent calc")
        assert parent(receiver, fetcher) is step1 and parent(receiver, calc) is step2
        assert fetcher.attributes["gen_ai.agent.name"] == "fetcher"

        chats = receiver.named("chat passthrough")
        assert len(chats) == 4  # two model calls per agent: the tool call, then the answer
        assert sorted(parent(receiver, c).name for c in chats) == [
            "invoke_agent calc",
            "invoke_agent calc",
            "invoke_agent fetcher",
            "invoke_agent fetcher",
        ]
        for chat in chats:
            assert chat.kind == CLIENT
            assert chat.attributes["gen_ai.operation.name"] == "chat"
            assert chat.attributes["gen_ai.provider.name"] == "passthrough"
            assert chat.attributes["gen_ai.request.model"] == "passthrough"
            assert chat.attributes["gen_ai.usage.input_tokens"] > 0
            assert chat.attributes["gen_ai.usage.output_tokens"] > 0
        finish = sorted(c.attributes["gen_ai.response.finish_reasons"][0] for c in chats)
        assert finish == ["stop", "stop", "tool_call", "tool_call"]

        relay = receiver.one("execute_tool trace__relay")
        assert parent(receiver, relay) is fetcher
        assert relay.attributes["gen_ai.tool.name"] == "trace__relay"
        assert relay.attributes["gen_ai.tool.type"] == "extension"
        assert relay.attributes["fastagent.mcp.server"] == "trace"
        assert relay.attributes["gen_ai.tool.call.id"]
        request = receiver.one("tools/call relay")
        assert parent(receiver, request) is relay
        assert request.kind == CLIENT
        assert request.attributes["mcp.method.name"] == "tools/call"
        assert request.attributes["fastagent.mcp.server"] == "trace"

        function = receiver.one("execute_tool double")
        assert parent(receiver, function) is calc
        assert function.attributes["gen_ai.tool.type"] == "function"
        assert "fastagent.mcp.server" not in function.attributes

        # No message content by default: no content attributes, and the prompt nowhere.
        for span in receiver.spans:
            assert not any(
                key in span.attributes
                for key in (
                    "gen_ai.input.messages",
                    "gen_ai.output.messages",
                    "gen_ai.tool.call.arguments",
                    "gen_ai.tool.call.result",
                )
            ), span.name
            assert PROMPT_MARK not in repr(span.attributes), span.name
        # The configured export headers were sent.
        assert all(h.get("x-api-key") == "otlp-secret-value" for h in receiver.headers)


async def test_content_is_recorded_only_when_enabled() -> None:
    with otlp_receiver() as receiver:
        await run_pipeline(receiver, record_content=True)
        first = [
            c
            for c in receiver.named("chat passthrough")
            if parent(receiver, c).name == "invoke_agent fetcher"
        ]
        inputs = [json.loads(c.attributes["gen_ai.input.messages"]) for c in first]
        assert inputs[0][0]["role"] == "user"
        assert inputs[0][0]["parts"][0]["content"] == first_message()
        outputs = [json.loads(c.attributes["gen_ai.output.messages"]) for c in first]
        assert outputs[0][0]["parts"][0]["type"] == "tool_call"
        assert outputs[0][0]["parts"][0]["name"] == "trace__relay"
        function = receiver.one("execute_tool double")
        assert json.loads(function.attributes["gen_ai.tool.call.arguments"]) == {"x": 21}
        assert json.loads(function.attributes["gen_ai.tool.call.result"]) == {"result": 42}


async def test_a_failing_model_call_is_an_error_on_its_spans() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        with pytest.raises(RateLimitError, match="slow down"):
            async with fast.run() as app:
                await app.calc.send("***RAISE RateLimitError slow down")
        chat = receiver.one("chat passthrough")
        agent = receiver.one("invoke_agent calc")
        assert parent(receiver, chat) is agent
        for span in (chat, agent):
            assert span.status_code == ERROR
            assert span.attributes["error.type"] == "RateLimitError"


async def test_trace_context_reaches_the_mcp_server() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        async with fast.run() as app:
            reply = await app.fetcher.send("***CALL_TOOL trace__trace_context")
        seen = json.loads(reply)
        tool = receiver.one("execute_tool trace__trace_context")
        request = receiver.one("tools/call trace_context")
        version, trace_id, span_id, flags = seen["meta"].split("-")
        assert version == "00"
        assert int(flags, 16) & 1  # sampled
        assert trace_id == tool.trace_id
        assert span_id == request.span_id


@pytest.fixture
def trace_server_http() -> Iterator[str]:
    """The trace server over streamable HTTP on a free port; yields its ``/mcp`` URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(TRACE_SERVER), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with httpx.Client() as client:
            for _ in range(1200):
                try:
                    client.get(f"http://127.0.0.1:{port}/", timeout=0.2)
                    break
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise RuntimeError("the trace server exited") from None
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


async def test_trace_context_reaches_an_http_mcp_server_in_headers(
    trace_server_http: str,
) -> None:
    with otlp_receiver() as receiver:
        settings = Settings.model_validate(
            {
                "logger": {"type": "none"},
                "mcp": {"servers": {"trace": {"transport": "http", "url": trace_server_http}}},
                "otel": {"enabled": True, "endpoint": receiver.url},
            }
        )
        fast = FastAgent("traces", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("fetcher", servers=["trace"])
        async with fast.run() as app:
            reply = await app.fetcher.send("***CALL_TOOL trace__trace_context")
        seen = json.loads(reply)
        request = receiver.one("tools/call trace_context")
        assert seen["header"] is not None
        assert seen["header"].split("-")[1:3] == [request.trace_id, request.span_id]
        assert seen["meta"] == seen["header"]


async def test_parallel_branches_are_siblings_under_the_workflow() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        fast.agent("left", model="passthrough")
        fast.agent("right", model="passthrough")
        fast.parallel("fan", fan_out=["left", "right"], fan_in="calc")
        async with fast.run() as app:
            await app.fan.send("hello")
        workflow = receiver.one("invoke_agent fan")
        branches = receiver.named("parallel.branch left") + receiver.named("parallel.branch right")
        assert len(branches) == 2
        assert all(parent(receiver, b) is workflow for b in branches)
        for name, branch in zip(("left", "right"), branches, strict=True):
            assert parent(receiver, receiver.one(f"invoke_agent {name}")) is branch
        fan_in = receiver.one("parallel.fan_in calc")
        assert parent(receiver, fan_in) is workflow
        assert parent(receiver, receiver.one("invoke_agent calc")) is fan_in


async def test_a_routing_decision_is_a_step_naming_the_chosen_agent() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        fast.router("pick", agents=["calc"])
        async with fast.run() as app:
            await app.pick.send('***CALL_TOOL double {"x": 1}')
        router = receiver.one("invoke_agent pick")
        assert router.attributes["fastagent.workflow.kind"] == "router"
        route = receiver.one("router.route")
        assert parent(receiver, route) is router
        assert route.attributes["fastagent.workflow.step.outcome"] == "calc"
        calc = receiver.one("invoke_agent calc")
        assert parent(receiver, calc) is router
        assert calc.start_time_unix_nano >= route.end_time_unix_nano


def broken(x: int) -> int:
    """Always fails."""
    raise ValueError(f"cannot handle {x}")


async def test_a_failing_tool_is_an_error_on_its_span_only() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        fast.agent("breaker", tools=[broken])
        async with fast.run() as app:
            await app.breaker.send('***CALL_TOOL broken {"x": 1}')
        tool = receiver.one("execute_tool broken")
        assert tool.status_code == ERROR
        assert tool.attributes["error.type"] == "tool_error"
        # The model got an error result and the turn went on: the agent's span is no error.
        agent = receiver.one("invoke_agent breaker")
        assert parent(receiver, tool) is agent
        assert agent.status_code != ERROR


def test_an_error_description_on_a_span_is_redacted() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from fastagent.events import AgentFinished, AgentStarted, ErrorOccurred, EventBus
    from fastagent.telemetry.spans import SpanRecorder

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    bus = EventBus()
    recorder = SpanRecorder(provider.get_tracer("t"), record_content=False, mcp_requests=True)
    recorder.subscribe(bus)
    token = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"
    bus.publish(AgentStarted(agent="a"))
    error = f"HTTP 401 for key {token}"
    bus.publish(ErrorOccurred(source="a", error=error, error_type="AuthError"))
    bus.publish(AgentFinished(agent="a", duration=0.1))
    (span,) = memory.get_finished_spans()
    assert span.status.description is not None
    assert span.status.description.startswith("HTTP 401 for key")
    assert token not in span.status.description
    provider.shutdown()


async def test_a_timed_out_mcp_request_is_an_error_on_its_spans() -> None:
    with otlp_receiver() as receiver:
        settings = Settings.model_validate(
            {
                "logger": {"type": "none"},
                "mcp": {
                    "servers": {
                        "trace": {
                            "command": sys.executable,
                            "args": [str(TRACE_SERVER)],
                            "tool_timeout": 0.5,
                        }
                    }
                },
                "otel": {"enabled": True, "endpoint": receiver.url},
            }
        )
        fast = FastAgent("traces", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("fetcher", servers=["trace"])
        async with fast.run() as app:
            await app.fetcher.send('***CALL_TOOL trace__nap {"seconds": 30}')
        request = receiver.one("tools/call nap")
        tool = receiver.one("execute_tool trace__nap")
        assert parent(receiver, request) is tool
        assert request.status_code == ERROR and request.attributes["error.type"]
        assert tool.status_code == ERROR
        assert receiver.one("tools/list").status_code != ERROR


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("anthropic", "anthropic"),
        ("openai", "openai"),
        ("responses", "openai"),
        ("azure", "azure.ai.openai"),
        ("bedrock", "aws.bedrock"),
        ("google", "gcp.gen_ai"),
        ("ollama", "ollama"),
    ],
)
def test_provider_names_are_the_conventions_values(provider: str, expected: str) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from fastagent.events import EventBus, ModelRequest, ModelResponse
    from fastagent.telemetry.spans import SpanRecorder

    memory = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(memory))
    bus = EventBus()
    SpanRecorder(
        tracer_provider.get_tracer("t"), record_content=False, mcp_requests=True
    ).subscribe(bus)
    bus.publish(ModelRequest(agent="a", model="m", provider=provider))
    bus.publish(ModelResponse(agent="a", model="m", provider=provider))
    (span,) = memory.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.provider.name"] == expected
    tracer_provider.shutdown()


async def test_resource_and_prompt_requests_are_mcp_request_spans() -> None:
    with otlp_receiver() as receiver:
        fast = make_app(receiver)
        async with fast.run() as app:
            assert [r.uri for r in await app.fetcher.list_resources()] == ["note://today"]
            assert [p.name for p in await app.fetcher.list_prompts()] == ["greet"]
            assert await app.fetcher.send("note:", resources=["note://today"])
            assert "Say hello to Ada." in await app.fetcher.apply_prompt("greet", {"name": "Ada"})
        for method in ("resources/list", "prompts/list", "resources/read"):
            span = receiver.one(method)
            assert span.kind == CLIENT
            assert span.attributes["mcp.method.name"] == method
            assert span.attributes["fastagent.mcp.server"] == "trace"
        assert receiver.one("resources/read").attributes["mcp.resource.uri"] == "note://today"
        prompt = receiver.one("prompts/get greet")
        assert prompt.attributes["gen_ai.prompt.name"] == "greet"
        assert prompt.status_code != ERROR

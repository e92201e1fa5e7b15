"""Recorded content is bounded, and costs nothing on spans that are not recorded.

A 5 MB tool result with ``record_content`` on must neither make 5 MB span attributes nor a
huge export; with ``sample_rate: 0`` no content is serialised at all.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.messages import Message, TextContent, ToolCall, ToolResult
from fastagent.telemetry import spans
from otlp_receiver import Receiver, otlp_receiver

HUGE = 5_000_000
LIMIT = 16_384
SLACK = 2_000  # JSON structure and clip markers around the texts


def big() -> str:
    """A 5 MB result."""
    return "x" * HUGE


def app(receiver: Receiver, **otel: Any) -> FastAgent:
    settings = Settings.model_validate(
        {
            "logger": {"type": "none"},
            "otel": {"enabled": True, "endpoint": receiver.url, "record_content": True, **otel},
        }
    )
    fast = FastAgent("content", parse_cli_args=False, quiet=True, settings=settings)
    fast.agent("a", model="passthrough", tools=[big])
    return fast


async def test_a_five_megabyte_tool_result_is_clipped_on_spans_and_in_the_export() -> None:
    with otlp_receiver() as receiver:
        async with app(receiver).run() as running:
            reply = await running.a.send("***CALL_TOOL big {}")
        assert len(reply) == HUGE  # the run itself keeps everything
        tool = receiver.one("execute_tool big")
        result = tool.attributes["gen_ai.tool.call.result"]
        assert result == "x" * LIMIT + f"…[{HUGE - LIMIT} characters clipped]"
        _, second = sorted(receiver.named("chat passthrough"), key=lambda s: s.start_time_unix_nano)
        # The second call's input holds the question whole and the result clipped.
        inputs = json.loads(second.attributes["gen_ai.input.messages"])
        assert inputs[0]["parts"][0]["content"] == "***CALL_TOOL big {}"
        response = inputs[-1]["parts"][0]["response"]
        assert response.startswith("xxx") and response.endswith(" characters clipped]")
        output = json.loads(second.attributes["gen_ai.output.messages"])
        assert output[0]["parts"][0]["content"].endswith(" characters clipped]")
        for span in receiver.spans:
            for value in span.attributes.values():
                assert len(str(value)) <= LIMIT + SLACK, span.name
        assert max(receiver.body_sizes) < 10 * LIMIT  # the whole export stays small


async def test_the_limit_is_configurable() -> None:
    with otlp_receiver() as receiver:
        async with app(receiver, max_content_length=100).run() as running:
            await running.a.send("***CALL_TOOL big {}")
        result = receiver.one("execute_tool big").attributes["gen_ai.tool.call.result"]
        assert result == "x" * 100 + f"…[{HUGE - 100} characters clipped]"


def test_long_texts_share_the_budget_and_short_ones_stay_whole() -> None:
    call = ToolCall(id="c1", name="t", arguments={"q": "y" * 500})
    messages = [
        Message.user("short question"),
        Message.assistant("a" * 1000, tool_calls=[call]),
        Message(
            role="user",
            tool_results=[ToolResult(call_id="c1", content=[TextContent(text="b" * 3000)])],
        ),
    ]
    limit = 1000
    out = json.loads(spans.messages_json(messages, limit))
    assert out[0]["parts"][0]["content"] == "short question"
    # 1000 - 14 left for three long texts: each clipped to the same length (328).
    text, arguments = out[1]["parts"][0]["content"], out[1]["parts"][1]["arguments"]
    response = out[2]["parts"][0]["response"]
    assert text == "a" * 328 + "…[672 characters clipped]"
    assert isinstance(arguments, str) and arguments.startswith('{"q": "yyy')
    assert arguments.endswith(f"…[{len(json.dumps(call.arguments)) - 328} characters clipped]")
    assert response == "b" * 328 + "…[2672 characters clipped]"
    # Under the limit nothing changes: arguments stay an object.
    whole = json.loads(spans.messages_json(messages, 10_000))
    assert whole[1]["parts"][1]["arguments"] == {"q": "y" * 500}
    assert whole[2]["parts"][0]["response"] == "b" * 3000


async def test_sample_rate_zero_serialises_no_content(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = spans.messages_json

    def counting(messages: Any, limit: int = LIMIT) -> str:
        calls.append(len(messages))
        return original(messages, limit)

    monkeypatch.setattr(spans, "messages_json", counting)
    with otlp_receiver() as receiver:
        async with app(receiver, sample_rate=0.0).run() as running:
            await running.a.send("***CALL_TOOL big {}")
        assert receiver.spans == []
        assert calls == []
        async with app(receiver).run() as running:  # a sampled run: the spy counts
            await running.a.send("***CALL_TOOL big {}")
        assert calls


def test_large_arguments_alone_are_clipped_and_many_short_texts_are_not() -> None:
    call = ToolCall(id="c1", name="t", arguments={"q": "y" * 2000})
    out = json.loads(spans.messages_json([Message.assistant("hi", tool_calls=[call])], 1000))
    assert out[0]["parts"][0]["content"] == "hi"
    arguments = out[0]["parts"][1]["arguments"]
    assert isinstance(arguments, str) and arguments.endswith(" characters clipped]")
    # Many short texts whose JSON is longer than the limit, while the texts are not: whole.
    chatter = [Message.user(f"m{i}") for i in range(200)]
    encoded = spans.messages_json(chatter, 1000)
    assert len(encoded) > 1000
    assert [m["parts"][0]["content"] for m in json.loads(encoded)] == [f"m{i}" for i in range(200)]

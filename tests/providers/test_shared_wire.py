"""The wire pieces several converters share read the same in every provider that uses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from fastagent.messages import (
    EmbeddedResource,
    Message,
    ResourceContents,
    ResourceLink,
    StopReason,
    ToolCall,
)
from fastagent.model_params import ModelParams
from fastagent.providers import _anthropic_convert, _bedrock_convert, _google_convert
from fastagent.providers._anthropic_stream import StreamAssembler as AnthropicAssembler
from fastagent.providers._bedrock_stream import StreamAssembler as BedrockAssembler
from fastagent.providers.base import CompletionRequest
from fastagent.streaming import StreamEvent, ToolCallEnd


def _anthropic_texts(request: CompletionRequest) -> list[str]:
    wire = _anthropic_convert.build_request(
        "claude-x", request, _anthropic_convert.RequestOptions()
    )
    return [block["text"] for block in wire.body["messages"][0]["content"]]


def _bedrock_texts(request: CompletionRequest) -> list[str]:
    wire = _bedrock_convert.build_request(
        "amazon.nova-pro", request, _bedrock_convert.RequestOptions()
    )
    return [block["text"] for block in wire.body["messages"][0]["content"]]


def _google_texts(request: CompletionRequest) -> list[str]:
    wire = _google_convert.build_request("gemini-x", request, _google_convert.RequestOptions())
    return [part["text"] for part in wire.contents[0]["parts"]]


@pytest.mark.parametrize("texts", [_anthropic_texts, _bedrock_texts, _google_texts])
def test_resources_and_links_become_the_same_text(
    texts: Callable[[CompletionRequest], list[str]],
) -> None:
    message = Message.user(
        EmbeddedResource(
            resource=ResourceContents(uri="file:///notes.md", mime_type="text/markdown", text="# N")
        ),
        EmbeddedResource(
            resource=ResourceContents(uri="file:///a.bin", mime_type="application/x-a", blob="AAAA")
        ),
        EmbeddedResource(resource=ResourceContents(uri="file:///b.bin", blob="AAAA")),
        ResourceLink(uri="https://example.com/data.csv", name="data.csv", description="raw"),
        ResourceLink(uri="https://example.com/x", name="x"),
    )
    assert texts(CompletionRequest([message])) == [
        '<resource uri="file:///notes.md">\n# N\n</resource>',
        "[binary resource file:///a.bin (application/x-a) not sent: unsupported by this model]",
        "[binary resource file:///b.bin (unknown type) not sent: unsupported by this model]",
        "[resource link data.csv <https://example.com/data.csv>: raw]",
        "[resource link x <https://example.com/x>]",
    ]


class Answer(BaseModel):
    city: str


def _anthropic_answer_tool(request: CompletionRequest) -> tuple[str, dict[str, Any]]:
    wire = _anthropic_convert.build_request(
        "claude-x", request, _anthropic_convert.RequestOptions()
    )
    assert wire.structured
    (tool,) = wire.body["tools"]
    return tool["name"], tool["input_schema"]


def _bedrock_answer_tool(request: CompletionRequest) -> tuple[str, dict[str, Any]]:
    options = _bedrock_convert.RequestOptions()
    wire = _bedrock_convert.build_request("amazon.nova-pro", request, options)
    assert wire.structured
    (tool,) = wire.body["toolConfig"]["tools"]
    return tool["toolSpec"]["name"], tool["toolSpec"]["inputSchema"]["json"]


@pytest.mark.parametrize("answer_tool", [_anthropic_answer_tool, _bedrock_answer_tool])
def test_the_forced_answer_tool_takes_the_schema_as_an_object(
    answer_tool: Callable[[CompletionRequest], tuple[str, dict[str, Any]]],
) -> None:
    def request(response_format: Any) -> CompletionRequest:
        return CompletionRequest(
            [Message.user("?")], params=ModelParams(response_format=response_format)
        )

    properties = {"a": {"type": "string"}}
    assert answer_tool(request(Answer)) == ("structured_output", Answer.model_json_schema())
    assert answer_tool(request({"properties": properties})) == (
        "structured_output",
        {"properties": properties, "type": "object"},
    )


def test_a_forced_answer_ends_the_turn_and_is_the_text() -> None:
    anthropic = _anthropic_convert.message_from_response(
        {
            "content": [
                {"type": "tool_use", "id": "t", "name": "structured_output", "input": {"city": "P"}}
            ],
            "stop_reason": "tool_use",
        },
        structured=True,
    )
    bedrock = _bedrock_convert.message_from_response(
        {
            "output": {
                "message": {
                    "content": [
                        {
                            "toolUse": {
                                "toolUseId": "t",
                                "name": "structured_output",
                                "input": {"city": "P"},
                            }
                        }
                    ]
                }
            },
            "stopReason": "tool_use",
        },
        model="m",
        structured=True,
    )
    for message in (anthropic, bedrock):
        assert message.text == '{"city": "P"}'
        assert message.tool_calls == []
        assert message.stop_reason is StopReason.END_TURN


def _anthropic_stream(fragment: str) -> list[StreamEvent]:
    assembler = AnthropicAssembler(structured=False)
    assembler.feed(
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "t", "name": "get_weather", "input": {}},
        }
    )
    assembler.feed(
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": fragment},
        }
    )
    return assembler.feed({"type": "content_block_stop", "index": 0})


def _bedrock_stream(fragment: str) -> list[StreamEvent]:
    assembler = BedrockAssembler(model="m", structured=False)
    assembler.feed(
        {
            "contentBlockStart": {
                "contentBlockIndex": 0,
                "start": {"toolUse": {"toolUseId": "t", "name": "get_weather"}},
            }
        }
    )
    assembler.feed(
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolUse": {"input": fragment}}}}
    )
    return assembler.feed({"contentBlockStop": {"contentBlockIndex": 0}})


@pytest.mark.parametrize("stream", [_anthropic_stream, _bedrock_stream])
@pytest.mark.parametrize("fragment", ['{"city": ', "[1, 2]", '"Paris"'])
def test_bad_streamed_tool_arguments_are_kept_verbatim_for_an_error_result(
    stream: Callable[[str], list[StreamEvent]], fragment: str
) -> None:
    (end,) = stream(fragment)
    assert isinstance(end, ToolCallEnd)
    assert end.call.name == "get_weather"
    assert end.call.arguments == {ToolCall.INVALID_ARGUMENTS_KEY: fragment}
    assert end.call.invalid_arguments == fragment

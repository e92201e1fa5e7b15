from __future__ import annotations

import mcp_types
import pytest

from fastagent.mcp.convert import (
    content_from_mcp,
    content_to_mcp,
    tool_definition_from_mcp,
    tool_result_from_mcp,
)
from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    ResourceContents,
    ResourceLink,
    TextContent,
)

BLOCKS = [
    TextContent(text="hello"),
    ImageContent(data="aGk=", mime_type="image/png"),
    AudioContent(data="aGk=", mime_type="audio/wav"),
    EmbeddedResource(
        resource=ResourceContents(uri="file:///a.txt", text="A", mime_type="text/plain")
    ),
    EmbeddedResource(resource=ResourceContents(uri="file:///b.bin", blob="AAEC")),
    ResourceLink(uri="file:///c", name="c", description="the c", mime_type="text/plain"),
]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.type)
def test_round_trip_is_lossless(block: object) -> None:
    converted = content_to_mcp(block)  # type: ignore[arg-type]
    assert converted.type == block.type  # type: ignore[attr-defined]
    assert content_from_mcp(converted) == block


def test_blob_resource_becomes_mcp_blob_contents() -> None:
    converted = content_to_mcp(BLOCKS[4])  # type: ignore[arg-type]
    assert isinstance(converted, mcp_types.EmbeddedResource)
    assert isinstance(converted.resource, mcp_types.BlobResourceContents)


def test_fields_fastagent_does_not_model_are_dropped() -> None:
    link = mcp_types.ResourceLink(
        uri="file:///x", name="x", title="X", size=3, annotations=mcp_types.Annotations(priority=1)
    )
    assert content_from_mcp(link) == ResourceLink(uri="file:///x", name="x")


def test_call_tool_result_keeps_error_flag_and_structured_content() -> None:
    result = mcp_types.CallToolResult(
        content=[
            mcp_types.TextContent(text="bad"),
            mcp_types.ImageContent(data="aGk=", mime_type="image/png"),
        ],
        structured_content={"temperature": 3},
        is_error=True,
    )
    converted = tool_result_from_mcp(result, call_id="c1", tool_name="srv__t")
    assert converted.call_id == "c1"
    assert converted.tool_name == "srv__t"
    assert converted.is_error
    assert converted.structured_content == {"temperature": 3}
    assert converted.content == [
        TextContent(text="bad"),
        ImageContent(data="aGk=", mime_type="image/png"),
    ]


def test_tool_definition_carries_schemas_and_annotations() -> None:
    tool = mcp_types.Tool(
        name="get-sum",
        description="adds",
        input_schema={"type": "object", "properties": {"a": {"type": "number"}}},
        output_schema={"type": "object", "properties": {"sum": {"type": "number"}}},
        annotations=mcp_types.ToolAnnotations(read_only_hint=True),
    )
    definition = tool_definition_from_mcp(tool)
    assert definition.name == "get-sum"
    assert definition.description == "adds"
    assert definition.input_schema["properties"] == {"a": {"type": "number"}}
    assert definition.output_schema == {"type": "object", "properties": {"sum": {"type": "number"}}}
    assert definition.annotations == {"readOnlyHint": True}

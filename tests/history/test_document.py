import json
from pathlib import Path
from typing import Any

import pytest

from fastagent.exceptions import HistoryFormatError
from fastagent.history import load_history
from fastagent.history.document import HISTORY_VERSION, document_version, messages_from_document
from fastagent.messages import (
    ImageContent,
    Message,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_current_version_is_2() -> None:
    assert HISTORY_VERSION == 2


@pytest.mark.parametrize(
    ("data", "version"),
    [
        ([], 0),
        ([{"role": "user", "content": "hi"}], 0),
        ({"version": 1, "messages": []}, 1),
        ({"fastagent_history": 2, "messages": []}, 2),
    ],
)
def test_document_version(data: Any, version: int) -> None:
    assert document_version(data) == version


@pytest.mark.parametrize(
    "name", ["v2_conversation.json", "v2_conversation.yaml", "v2_conversation.md"]
)
def test_v2_fixtures_load(name: str, conversation: list[Message]) -> None:
    assert load_history(FIXTURES / name) == conversation


def test_v1_fixture_loads() -> None:
    assert load_history(FIXTURES / "v1_conversation.json") == [
        Message(role="user", content=[TextContent(text="What's the weather in Paris?")]),
        Message(
            role="assistant",
            tool_calls=[ToolCall(id="call_1", name="weather__get", arguments={"city": "Paris"})],
        ),
        Message(
            role="user",
            tool_results=[
                ToolResult(call_id="call_1", content=[TextContent(text="Sunny, 22°C")]),
                ToolResult(call_id="call_2", content=[TextContent(text="timeout")], is_error=True),
            ],
        ),
        Message(role="assistant", content=[TextContent(text="It is sunny.")]),
    ]


def test_v0_fixture_loads() -> None:
    assert load_history(FIXTURES / "v0_chat_export.json") == [
        Message(role="user", content=[TextContent(text="Hi, who are you?")]),
        Message(role="assistant", content=[TextContent(text="An assistant.")]),
        Message(
            role="user",
            content=[
                TextContent(text="And this picture?"),
                ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
            ],
        ),
        Message(role="assistant"),
    ]


def test_old_versions_load_from_yaml_too(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "v1_conversation.json").read_text())
    import yaml

    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_history(path) == load_history(FIXTURES / "v1_conversation.json")


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"fastagent_history": 3, "messages": []}, "fastagent_history=3"),
        ({"fastagent_history": "2", "messages": []}, "fastagent_history='2'"),
        ({"fastagent_history": True, "messages": []}, "fastagent_history=True"),
        ({"version": 7, "messages": []}, "version=7"),
    ],
)
def test_unknown_version_names_version_and_file(data: Any, shown: str) -> None:
    with pytest.raises(HistoryFormatError) as caught:
        messages_from_document(data, source="chat.json")
    assert shown in str(caught.value)
    assert "chat.json" in str(caught.value)
    assert caught.value.path == "chat.json"
    assert caught.value.hint is not None and "upgrade" in caught.value.hint


def test_future_version_file(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text('{"fastagent_history": 99, "messages": [{"role": "user", "parts": []}]}')
    with pytest.raises(HistoryFormatError, match="fastagent_history=99") as caught:
        load_history(path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("data", [{"messages": []}, "hello", 3, None])
def test_unrecognized_shape(data: Any) -> None:
    with pytest.raises(HistoryFormatError, match="not a fastagent history"):
        messages_from_document(data, source="x.json")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fastagent_history": 2, "messages": [{"role": "system"}]}, "messages[0].role"),
        ({"fastagent_history": 2, "messages": [], "extra": 1}, "extra"),
        ({"version": 1, "messages": [{"role": "user", "txt": "hi"}]}, "messages[0].txt"),
        ([{"role": "user", "content": 5}], "[0].content"),
        ([{"role": "tool", "content": "x"}], "[0].role"),
    ],
)
def test_invalid_documents_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(HistoryFormatError) as caught:
        messages_from_document(data, source="x.json")
    assert field in str(caught.value)
    assert f"schema version {document_version(data)}" in str(caught.value)


def test_v1_empty_text_means_no_content_and_defaults() -> None:
    messages = messages_from_document(
        {"version": 1, "messages": [{"role": "assistant", "tool_results": [{"id": "a"}]}]}
    )
    assert messages == [
        Message(role="assistant", tool_results=[ToolResult(call_id="a", content=[])])
    ]
    assert messages[0].stop_reason is None


def test_v2_keeps_stop_reason() -> None:
    data = {"fastagent_history": 2, "messages": [{"role": "assistant", "stopReason": "refusal"}]}
    assert messages_from_document(data)[0].stop_reason is StopReason.REFUSAL

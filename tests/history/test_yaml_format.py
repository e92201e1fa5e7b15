import json

import pytest
import yaml

from fastagent.exceptions import HistoryFormatError
from fastagent.history.json_format import iter_json
from fastagent.history.yaml_format import iter_yaml, parse_yaml
from fastagent.messages import Message, TextContent


def test_round_trip(conversation: list[Message]) -> None:
    assert parse_yaml("".join(iter_yaml(conversation))) == conversation


@pytest.mark.parametrize("count", [0, 1, 6])
def test_same_document_as_json(conversation: list[Message], count: int) -> None:
    messages = conversation[:count]
    as_yaml = yaml.safe_load("".join(iter_yaml(messages)))
    as_json = json.loads("".join(iter_json(messages)))
    assert as_yaml == as_json


def test_block_style_for_multiline_and_unicode_as_is() -> None:
    text = "".join(iter_yaml([Message.user("línea uno\nline two 🌍\n")]))
    assert "text: |\n      línea uno\n      line two 🌍\n" in text
    assert "role: user" in text


def test_keys_in_message_order_and_no_wrapping() -> None:
    long_line = "word " * 100
    text = "".join(iter_yaml([Message.user(long_line)]))
    assert text.index("role:") < text.index("content:")
    assert long_line.strip() in text


def test_strings_that_look_like_other_types_stay_strings() -> None:
    messages = [Message.user("yes", "1.5", "null", "2026-01-01", "- x", "", "  lead\ntrail  ")]
    loaded = parse_yaml("".join(iter_yaml(messages)))
    assert loaded == messages
    assert all(isinstance(b, TextContent) for b in loaded[0].content)


def test_syntax_error_names_file_and_line() -> None:
    text = "fastagent_history: 2\nmessages:\n- role: user\n  content: [unclosed\n"
    with pytest.raises(HistoryFormatError) as caught:
        parse_yaml(text, source="chat.yaml")
    assert caught.value.path == "chat.yaml"
    assert caught.value.line is not None and caught.value.line >= 4
    assert str(caught.value).startswith(f"chat.yaml, line {caught.value.line}: invalid YAML")


def test_validation_error_points_at_the_bad_block() -> None:
    text = (
        "fastagent_history: 2\n"
        "messages:\n"
        "- role: user\n"
        "  content:\n"
        "  - type: text\n"
        "    text: fine\n"
        "  - type: image\n"
        "    data: abc\n"
    )
    with pytest.raises(HistoryFormatError) as caught:
        parse_yaml(text, source="chat.yaml")
    assert caught.value.line == 7
    assert "messages[0].content[1]" in str(caught.value)
    assert "mimeType" in str(caught.value)


def test_timestamps_written_by_hand_load() -> None:
    text = "- role: user\n  content: hi\n"
    assert parse_yaml(text) == [Message.user("hi")]
    text = "fastagent_history: 2\nmessages:\n- role: user\n  timestamp: 2026-01-02 03:04:05Z\n"
    stamp = parse_yaml(text)[0].timestamp
    assert stamp is not None and (stamp.year, stamp.hour) == (2026, 3)

import json

import pytest

from fastagent.exceptions import HistoryFormatError
from fastagent.history.json_format import iter_json, parse_json
from fastagent.messages import Message


def test_round_trip(conversation: list[Message]) -> None:
    assert parse_json("".join(iter_json(conversation))) == conversation


@pytest.mark.parametrize("count", [0, 1, 6])
def test_output_is_indented_canonical_json(conversation: list[Message], count: int) -> None:
    messages = conversation[:count]
    document = {"fastagent_history": 2, "messages": [m.to_dict() for m in messages]}
    expected = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert "".join(iter_json(messages)) == expected


def test_one_chunk_per_message(conversation: list[Message]) -> None:
    assert len(list(iter_json(conversation))) == len(conversation) + 2


def test_unicode_is_written_as_is() -> None:
    text = "".join(iter_json([Message.user("héllo 🌍")]))
    assert "héllo 🌍" in text


def test_syntax_error_names_file_and_line() -> None:
    text = '{\n  "fastagent_history": 2,\n  "messages": [\n    {"role": "user",}\n  ]\n}\n'
    with pytest.raises(HistoryFormatError) as caught:
        parse_json(text, source="chat.json")
    assert caught.value.line == 4
    assert caught.value.path == "chat.json"
    assert str(caught.value).startswith("chat.json, line 4: invalid JSON")


def test_validation_error_points_at_the_bad_block(conversation: list[Message]) -> None:
    text = "".join(iter_json(conversation))
    text = text.replace(
        '"type": "text",\n          "text": "It is sunny',
        '"type": "txt",\n          "text": "It is sunny',
    )
    lines = text.split("\n")
    expected = next(i for i, line in enumerate(lines, start=1) if '"type": "txt"' in line) - 1
    assert lines[expected - 1].strip() == "{"
    with pytest.raises(HistoryFormatError) as caught:
        parse_json(text, source="chat.json")
    assert caught.value.line == expected
    assert "messages[3].content[0]" in str(caught.value)


def test_validation_error_line_in_compact_json() -> None:
    text = '{"fastagent_history": 2,\n"messages": [\n{"role": "user"},\n{"role": "robot"}]}'
    with pytest.raises(HistoryFormatError) as caught:
        parse_json(text)
    assert caught.value.line == 4
    assert caught.value.path is None
    assert "messages[1].role" in str(caught.value)


def test_provider_data_is_written_under_its_alias_and_read_back() -> None:
    message = Message(role="assistant", provider_data={"anthropic": {"thinking": []}})
    text = "".join(iter_json([message]))
    assert '"providerData"' in text and "provider_data" not in text
    assert parse_json(text) == [message]


def test_messages_without_provider_data_omit_the_key() -> None:
    text = "".join(iter_json([Message.user("hi")]))
    assert "providerData" not in text

"""Hostile history files: alias bombs and deep nesting are typed errors naming the file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fastagent.exceptions import HistoryFormatError
from fastagent.history import load_history, save_history
from fastagent.messages import Message

# Nine levels of nine-fold aliases: 9**9 (387 million) strings once expanded.
ALIAS_BOMB = (
    "fastagent_history: 2\n"
    + "".join(
        f"l{level}: &l{level} [{', '.join([f'*l{level - 1}' if level else 'lol'] * 9)}]\n"
        for level in range(9)
    )
    + "messages:\n- role: user\n  content: *l8\n"
)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    started = time.monotonic()
    with pytest.raises(HistoryFormatError) as caught:
        load_history(path)
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith(f"{path}, line 2: YAML anchors and aliases")
    assert caught.value.path == str(path)
    assert caught.value.hint


def test_a_single_harmless_alias_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(
        "fastagent_history: 2\nmessages:\n"
        "- role: user\n  content: &c [{type: text, text: hi}]\n"
        "- role: user\n  content: *c\n"
    )
    with pytest.raises(HistoryFormatError, match=r"line 4: YAML anchors and aliases"):
        load_history(path)


def test_shared_objects_are_written_out_not_aliased(tmp_path: Path) -> None:
    message = Message.user("same")
    path = tmp_path / "shared.yaml"
    save_history(path, [message, message])
    assert "&" not in path.read_text()
    assert load_history(path) == [message, message]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", _nested(3000)),
        ("deep-messages.json", '{"fastagent_history": 2, "messages": ' + _nested(3000) + "}"),
        (
            "deep-arguments.json",
            '{"fastagent_history": 2, "messages": [{"role": "assistant", "toolCalls": '
            '[{"id": "1", "name": "t", "arguments": {"a": ' + _nested(3000) + "}}]}]}",
        ),
        ("deep.yaml", _nested(3000)),
        # libyaml's composer recurses in C and crashes the interpreter around 20,000 levels.
        ("deeper.yaml", _nested(100_000)),
        ("deep-block.yaml", "".join(f"{'  ' * i}- \n" for i in range(3000))),
        ("deep.md", "---USER\n---TOOL_CALL id=1 name=x\n" + _nested(3000) + "\n"),
    ],
)
def test_deep_nesting_is_a_history_format_error_naming_the_file(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(HistoryFormatError) as caught:
        load_history(path)
    assert time.monotonic() - started < 20
    assert str(caught.value).startswith(str(path))
    assert "\n" not in caught.value.message


def test_moderately_nested_data_still_loads(tmp_path: Path) -> None:
    nested: object = "leaf"
    for _ in range(50):
        nested = {"k": [nested]}
    message = Message.user("deep").model_copy(update={"provider_data": {"n": nested}})
    for name in ("ok.json", "ok.yaml", "ok.md"):
        save_history(tmp_path / name, [message])
        assert load_history(tmp_path / name) == [message]


@pytest.mark.parametrize(
    "messages",
    [
        "[&m {role: user, content: []}, *m]",
        "[{role: user, content: &c []}, {role: user, content: *c}]",
        "\n- &m\n  role: user\n  content: []\n- *m",
    ],
)
def test_aliases_in_flow_and_block_style_are_refused(tmp_path: Path, messages: str) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(f"fastagent_history: 2\nmessages: {messages}\n")
    with pytest.raises(HistoryFormatError, match="YAML anchors and aliases are not allowed"):
        load_history(path)

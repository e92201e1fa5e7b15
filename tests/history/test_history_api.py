import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import fastagent.history as history
from fastagent.exceptions import HistoryFormatError
from fastagent.history import dumps_history, load_history, loads_history, save_history
from fastagent.messages import Message


@pytest.mark.parametrize("name", ["c.json", "c.yaml", "c.yml", "c.md", "c.txt"])
def test_save_then_load_by_extension(
    tmp_path: Path, conversation: list[Message], name: str
) -> None:
    path = tmp_path / name
    save_history(path, conversation)
    assert load_history(str(path)) == conversation


@pytest.mark.parametrize(
    ("name", "start"),
    [("c.json", "{\n"), ("c.yaml", "fastagent_history: 2\n"), ("c.md", "---USER\n")],
)
def test_extension_decides_what_is_written(tmp_path: Path, name: str, start: str) -> None:
    path = tmp_path / name
    save_history(path, [Message.user("hi")])
    assert path.read_text(encoding="utf-8").startswith(start)


def test_explicit_format_overrides_extension(tmp_path: Path, conversation: list[Message]) -> None:
    path = tmp_path / "c.json"
    save_history(path, conversation, format="text")
    assert path.read_text(encoding="utf-8").startswith("---USER\n")
    assert load_history(path, format="text") == conversation
    with pytest.raises(HistoryFormatError, match="invalid JSON"):
        load_history(path)


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(HistoryFormatError, match=r"c\.csv"):
        save_history(tmp_path / "c.csv", [])
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
def test_dumps_and_loads(conversation: list[Message], fmt: str) -> None:
    text = dumps_history(conversation, fmt)
    assert loads_history(text, fmt) == conversation


def test_loads_names_source_in_errors() -> None:
    with pytest.raises(HistoryFormatError) as caught:
        loads_history("---USER\n---NOPE\n", "text", source="memory://chat")
    assert caught.value.path == "memory://chat" and caught.value.line == 2
    with pytest.raises(HistoryFormatError, match="unknown history format 'xml'"):
        dumps_history([], "xml")


def test_failed_save_keeps_previous_file(
    tmp_path: Path, conversation: list[Message], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.md"
    save_history(path, conversation)
    before = path.read_bytes()
    real_writer = history.text_format.iter_text
    chunks_written: list[str] = []

    def failing_writer(messages: Iterable[Message]) -> Iterator[str]:
        for chunk in real_writer(messages):
            chunks_written.append(chunk)
            yield chunk
            if len(chunks_written) == 2:
                raise RuntimeError("disk on fire")

    monkeypatch.setitem(history._WRITERS, "text", failing_writer)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_history(path, [Message.user("new"), Message.user("newer"), Message.user("newest")])
    assert len(chunks_written) == 2
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.md"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"\xef\xbb\xbf---USER\nhi\n")
    assert load_history(path) == [Message.user("hi")]


def test_invalid_utf8_names_line(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"---USER\nok\nbad \xff byte\n")
    with pytest.raises(HistoryFormatError, match="not valid UTF-8") as caught:
        load_history(path)
    assert caught.value.line == 3 and caught.value.path == str(path)


def test_text_keeps_carriage_returns(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    messages = [Message.user("a\r\nb\rc\r")]
    save_history(path, messages)
    assert load_history(path) == messages


def test_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_history(tmp_path / "absent.json")


def test_imports_stay_lazy() -> None:
    code = (
        "import sys, fastagent\n"
        "assert 'fastagent.history' not in sys.modules\n"
        "import fastagent.history\n"
        "assert 'yaml' not in sys.modules, 'yaml imported eagerly'\n"
        "assert not {'mcp', 'anthropic', 'openai'} & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

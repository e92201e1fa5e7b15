from pathlib import Path

import pytest

from fastagent.exceptions import HistoryFormatError
from fastagent.history.formats import EXTENSIONS, resolve_format


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chat.json", "json"),
        ("chat.yaml", "yaml"),
        ("chat.yml", "yaml"),
        ("chat.md", "text"),
        ("chat.txt", "text"),
        ("CHAT.JSON", "json"),
        ("dir.v1/chat.Yml", "yaml"),
    ],
)
def test_extension_picks_format(name: str, expected: str) -> None:
    assert resolve_format(name) == expected
    assert resolve_format(Path(name)) == expected


def test_explicit_format_overrides_extension() -> None:
    assert resolve_format("chat.json", "text") == "text"
    assert resolve_format("chat.unknown", "yaml") == "yaml"


@pytest.mark.parametrize("name", ["chat.csv", "chat", "runs/chat.json.bak"])
def test_unknown_extension_names_file_and_lists_extensions(name: str) -> None:
    with pytest.raises(HistoryFormatError) as caught:
        resolve_format(name)
    assert name in str(caught.value)
    assert caught.value.path == name
    assert caught.value.hint is not None
    for extension in EXTENSIONS:
        assert extension in caught.value.hint
    assert "format=" in caught.value.hint


def test_unknown_format_name() -> None:
    with pytest.raises(HistoryFormatError, match="'xml'") as caught:
        resolve_format("chat.json", "xml")
    assert caught.value.hint is not None and "'json'" in caught.value.hint

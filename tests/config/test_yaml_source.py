from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastagent.config.yaml_source import read_yaml_mapping
from fastagent.exceptions import ConfigFileError


def test_records_the_line_of_every_key_and_list_item(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text(
        "default_model: sonnet\n"
        "mcp:\n"
        "  servers:\n"
        "    fetch:\n"
        "      command: uvx\n"
        "      args:\n"
        "        - mcp-server-fetch\n"
        "        - --flag\n"
        "      roots:\n"
        "        - uri: file:///a\n"
    )
    data, lines = read_yaml_mapping(path)
    assert data["mcp"]["servers"]["fetch"]["args"] == ["mcp-server-fetch", "--flag"]
    assert lines[("default_model",)] == 1
    assert lines[("mcp", "servers", "fetch")] == 4
    assert lines[("mcp", "servers", "fetch", "args", 1)] == 8
    assert lines[("mcp", "servers", "fetch", "roots", 0, "uri")] == 10


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("# only a comment\n")
    assert read_yaml_mapping(path) == ({}, {})


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("logger:\n  level: debug\n  type: a: b\n")
    with pytest.raises(ConfigFileError) as caught:
        read_yaml_mapping(path)
    assert caught.value.message == (
        f"invalid YAML in {path} at line 3: mapping values are not allowed here"
    )
    assert caught.value.line == 3
    assert caught.value.path == str(path)
    assert caught.value.hint


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigFileError) as caught:
        read_yaml_mapping(path)
    assert caught.value.message == (
        f"{path}: the top level must be a mapping of settings, not a list"
    )


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("logger:\n  level: debug\n  level: info\n")
    with pytest.raises(ConfigFileError) as caught:
        read_yaml_mapping(path)
    assert caught.value.message == f"duplicate key 'logger.level' in {path} at line 3"


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_bytes(b"default_model: \xff\xfe\n")
    with pytest.raises(ConfigFileError, match=re.escape(f"cannot read {path}")):
        read_yaml_mapping(path)


def test_anchors_and_merge_keys_still_load(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("base: &base {command: uvx}\nservers:\n  a:\n    <<: *base\n    args: [x]\n")
    data, lines = read_yaml_mapping(path)
    assert data["servers"]["a"] == {"command": "uvx", "args": ["x"]}
    assert lines[("servers", "a", "args")] == 5

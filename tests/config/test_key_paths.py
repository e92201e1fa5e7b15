from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr

from fastagent.config import MCPServerSettings, Settings
from fastagent.config.key_paths import annotation_at, field_names_at, is_text_annotation


def test_annotation_walks_models_mappings_lists_and_optionals() -> None:
    assert annotation_at(Settings, ("mcp", "servers", "any-name")) is MCPServerSettings
    assert annotation_at(Settings, ("mcp", "servers", "s", "args", 0)) is str
    assert annotation_at(Settings, ("anthropic", "api_key")) is SecretStr
    assert annotation_at(Settings, ("logger", "nope")) is None
    assert annotation_at(Settings, ("agents", "a", "deeper")) is None
    assert annotation_at(Settings, ("agents", "a")) is Any


def test_field_names_at_a_level() -> None:
    assert "level" in field_names_at(Settings, ("logger",))
    assert "command" in field_names_at(Settings, ("mcp", "servers", "x"))
    assert field_names_at(Settings, ("model_aliases",)) == []


def test_text_annotations() -> None:
    assert is_text_annotation(str)
    assert is_text_annotation(SecretStr)
    assert is_text_annotation(Literal["a", "b"])
    assert not is_text_annotation(Literal[1, 2])
    assert not is_text_annotation(int)
    assert not is_text_annotation(list[str])
    assert not is_text_annotation(None)

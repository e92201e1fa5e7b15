import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from fastagent.tools.validation import (
    describe_json_type,
    format_argument_errors,
    format_output_errors,
)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer"}, "integer"),
        ({"type": "array", "items": {"type": "string"}}, "array of string"),
        ({"enum": ["a", "b"]}, 'one of "a", "b"'),
        ({"const": 3}, "3"),
        ({"anyOf": [{"type": "number"}, {"type": "null"}]}, "number or null"),
        ({"type": ["string", "null"]}, "string or null"),
        ({"$ref": "#/$defs/Point"}, "object (Point)"),
        ({}, "any JSON value"),
    ],
)
def test_describe_json_type(schema: dict[str, object], expected: str) -> None:
    assert describe_json_type(schema) == expected


def test_describe_ref_to_enum_lists_values() -> None:
    defs = {"Color": {"enum": ["red", "blue"], "type": "string"}}
    assert describe_json_type({"$ref": "#/$defs/Color"}, defs) == 'one of "red", "blue"'


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int
    name: str


_SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["count", "name"],
}


def test_argument_errors_name_each_field_and_expected_type() -> None:
    with pytest.raises(ValidationError) as info:
        _Args.model_validate({"count": "many", "extra": 1})
    text = format_argument_errors("counter", info.value, _SCHEMA)
    lines = text.splitlines()
    assert lines[0] == "invalid arguments for tool 'counter':"
    assert any(
        line.startswith("  - count: Input should be a valid integer")
        and 'got "many"' in line
        and line.endswith("expected integer")
        for line in lines
    )
    assert "  - name: required argument is missing; expected string" in lines
    assert "  - extra: unknown argument (valid arguments: count, name)" in lines
    assert lines[-1] == "Call 'counter' again with corrected arguments."


def test_long_inputs_are_shortened() -> None:
    with pytest.raises(ValidationError) as info:
        _Args.model_validate({"count": "x" * 500, "name": "n"})
    text = format_argument_errors("counter", info.value, _SCHEMA)
    assert "..." in text
    assert "x" * 100 not in text


def test_output_errors_list_locations() -> None:
    with pytest.raises(ValidationError) as info:
        _Args.model_validate({"count": 1})
    text = format_output_errors("counter", info.value)
    assert text.splitlines() == [
        "tool 'counter' returned a value that does not match its output schema:",
        "  - name: Field required",
    ]

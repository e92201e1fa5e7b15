import enum
import functools
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from fastagent.exceptions import UserError
from fastagent.tools.schema import build_function_schema


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    y: int = 0


class Totals(TypedDict):
    count: int
    label: str


def _schema(fn: Any) -> dict[str, Any]:
    return build_function_schema(fn, tool_name="t").input_schema


def _props(fn: Any) -> dict[str, Any]:
    props: dict[str, Any] = _schema(fn)["properties"]
    return props


def test_top_level_shape_is_clean_for_providers() -> None:
    def f(a: int, b: str = "x") -> None: ...

    schema = _schema(f)
    assert list(schema)[:4] == ["type", "properties", "required", "additionalProperties"]
    assert schema["type"] == "object"
    assert schema["required"] == ["a"]
    assert schema["additionalProperties"] is False
    assert "title" not in schema
    assert all("title" not in prop for prop in schema["properties"].values())


def test_no_parameters_still_has_required() -> None:
    def f() -> None: ...

    assert _schema(f) == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


def test_scalar_types_and_defaults() -> None:
    def f(s: str, i: int, x: float, b: bool = True) -> None: ...

    assert _props(f) == {
        "s": {"type": "string"},
        "i": {"type": "integer"},
        "x": {"type": "number"},
        "b": {"type": "boolean", "default": True},
    }


def test_containers() -> None:
    def f(items: list[int], mapping: dict[str, float]) -> None: ...

    props = _props(f)
    assert props["items"] == {"type": "array", "items": {"type": "integer"}}
    assert props["mapping"] == {"type": "object", "additionalProperties": {"type": "number"}}


def test_optional() -> None:
    def f(limit: Optional[int] = None) -> None: ...  # noqa: UP045

    assert _props(f)["limit"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "default": None,
    }


def test_literal_and_enum() -> None:
    def f(mode: Literal["fast", "slow"], color: Color = Color.RED) -> None: ...

    schema = _schema(f)
    assert schema["properties"]["mode"] == {"type": "string", "enum": ["fast", "slow"]}
    assert schema["properties"]["color"] == {"$ref": "#/$defs/Color", "default": "red"}
    assert schema["$defs"]["Color"]["enum"] == ["red", "blue"]


def test_pydantic_model_and_typeddict_parameters() -> None:
    def f(point: Point, totals: Totals) -> None: ...

    schema = _schema(f)
    assert schema["properties"]["point"] == {"$ref": "#/$defs/Point"}
    assert schema["$defs"]["Point"]["required"] == ["x"]
    assert schema["$defs"]["Totals"]["required"] == ["count", "label"]


def test_unannotated_parameter_accepts_anything() -> None:
    def f(value) -> None: ...  # type: ignore[no-untyped-def]

    assert _props(f)["value"] == {}


def test_descriptions_from_docstring_and_annotated_field() -> None:
    def f(
        city: str,
        days: Annotated[int, Field(description="How many days.", ge=1)] = 1,
        units: str = "metric",
    ) -> None:
        """Get the forecast.

        Args:
            city: The city name.
            days: Overridden by the Field description.
        """

    parsed = build_function_schema(f, tool_name="t")
    props = parsed.input_schema["properties"]
    assert parsed.description == "Get the forecast."
    assert props["city"]["description"] == "The city name."
    assert props["days"] == {
        "type": "integer",
        "minimum": 1,
        "default": 1,
        "description": "How many days.",
    }
    assert "description" not in props["units"]


def test_field_as_default_value() -> None:
    def f(n: int = Field(3, description="A number.")) -> None: ...

    assert _props(f)["n"] == {"type": "integer", "default": 3, "description": "A number."}


def test_parameter_names_that_clash_with_pydantic_or_start_with_underscore() -> None:
    def f(json: str, schema: int, _private: bool = False) -> None: ...

    parsed = build_function_schema(f, tool_name="t")
    assert list(parsed.input_schema["properties"]) == ["json", "schema", "_private"]
    args, kwargs = parsed.bind({"json": "j", "schema": 2, "_private": True})
    assert (args, kwargs) == ([], {"json": "j", "schema": 2, "_private": True})


def test_bind_validates_and_splits_positional_only() -> None:
    def f(a: int, /, b: int, *, c: Point) -> None: ...

    parsed = build_function_schema(f, tool_name="t")
    args, kwargs = parsed.bind({"a": "1", "b": 2, "c": {"x": 5}})
    assert args == [1]
    assert kwargs == {"b": 2, "c": Point(x=5)}
    with pytest.raises(ValidationError):
        parsed.bind({"a": 1, "b": 2, "c": {"x": 5}, "d": 0})


def test_output_schema_from_model_and_typeddict_only() -> None:
    def model_fn() -> Point:
        raise NotImplementedError

    def dict_fn() -> Totals:
        raise NotImplementedError

    def int_fn() -> int:
        raise NotImplementedError

    def bare_fn(): ...  # type: ignore[no-untyped-def]

    assert build_function_schema(model_fn, tool_name="t").output_schema == {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "default": 0}},
        "required": ["x"],
    }
    typed = build_function_schema(dict_fn, tool_name="t")
    assert typed.output_schema is not None
    assert typed.output_schema["required"] == ["count", "label"]
    assert typed.output_adapter is not None
    assert build_function_schema(int_fn, tool_name="t").output_schema is None
    assert build_function_schema(bare_fn, tool_name="t").output_adapter is None


def test_methods_partials_and_callable_objects() -> None:
    class Service:
        def lookup(self, key: str) -> str:
            """Look up a key."""
            return key

        def __call__(self, n: int) -> int:
            return n

    def add(a: int, b: int) -> int:
        return a + b

    assert list(_props(Service().lookup)) == ["key"]
    assert list(_props(functools.partial(add, 1))) == ["b"]
    assert _props(Service()) == {"n": {"type": "integer"}}


def test_var_arguments_are_rejected() -> None:
    def f(*items: int) -> None: ...

    with pytest.raises(UserError) as info:
        build_function_schema(f, tool_name="sum_all")
    assert "tool 'sum_all'" in str(info.value)
    assert "*items" in str(info.value)
    assert info.value.hint


def test_unresolvable_annotation_is_a_user_error() -> None:
    def f(x: "Missing") -> None: ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(UserError) as info:
        build_function_schema(f, tool_name="broken")
    assert "Missing" in str(info.value)
    assert "broken" in str(info.value)


def test_non_json_type_is_a_user_error() -> None:
    class Opaque:
        pass

    def f(x: Opaque) -> None: ...

    with pytest.raises(UserError) as info:
        build_function_schema(f, tool_name="opaque")
    assert "tool 'opaque': cannot build a JSON schema" in str(info.value)
    assert "JSON-compatible" in (info.value.hint or "")

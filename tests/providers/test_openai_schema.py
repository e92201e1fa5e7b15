from typing import Literal

import pytest
from pydantic import BaseModel, Field

from fastagent.providers._openai_schema import strict_schema


class Address(BaseModel):
    street: str
    zip_code: str | None = None


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


class Person(BaseModel):
    name: str
    addresses: list[Address]
    pet: Cat | Dog = Field(discriminator="kind")


def test_strict_schema_nested_models_defs_and_discriminated_union():
    schema = strict_schema(Person.model_json_schema(), require_all=True)
    assert schema is not None
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "addresses", "pet"]
    address = schema["$defs"]["Address"]
    assert address["required"] == ["street", "zip_code"]
    assert address["additionalProperties"] is False
    assert "default" not in address["properties"]["zip_code"]
    assert "oneOf" not in schema["properties"]["pet"]
    assert "discriminator" not in schema["properties"]["pet"]
    assert len(schema["properties"]["pet"]["anyOf"]) == 2
    # the input is not modified
    assert "additionalProperties" not in Person.model_json_schema()


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "properties": {"tags": {"type": "object"}}, "required": ["tags"]},
        {
            "type": "object",
            "properties": {"m": {"type": "object", "additionalProperties": {"type": "integer"}}},
            "required": ["m"],
        },
        {
            "type": "object",
            "properties": {"s": {"type": "string", "minLength": 2}},
            "required": ["s"],
        },
        {"type": "object", "properties": {}, "allOf": [{"required": []}, {"required": []}]},
    ],
)
def test_strict_schema_rejects_what_strict_mode_cannot_express(schema):
    assert strict_schema(schema, require_all=True) is None


def test_strict_schema_for_tools_requires_every_property_already_required():
    optional = {"type": "object", "properties": {"a": {"type": "string"}}, "required": []}
    assert strict_schema(optional, require_all=False) is None
    assert strict_schema(optional, require_all=True) == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }


def test_strict_schema_inlines_ref_with_siblings_and_single_all_of():
    schema = {
        "type": "object",
        "properties": {
            "home": {"$ref": "#/$defs/Address", "description": "Where they live"},
            "work": {"allOf": [{"$ref": "#/$defs/Address"}], "description": "Office"},
        },
        "required": ["home", "work"],
        "$defs": {"Address": {"type": "object", "properties": {"street": {"type": "string"}}}},
    }
    strict = strict_schema(schema, require_all=True)
    assert strict is not None
    home = strict["properties"]["home"]
    assert home["description"] == "Where they live"
    assert "$ref" not in home
    assert home["required"] == ["street"]
    assert home["additionalProperties"] is False
    work = strict["properties"]["work"]
    assert "allOf" not in work
    assert "$ref" not in work
    assert (work["description"], work["required"]) == ("Office", ["street"])

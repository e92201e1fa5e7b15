import pytest
from pydantic import BaseModel

from fastagent.exceptions import ModelOutputError
from fastagent.llm.structured import json_instruction, parse_structured, strip_code_fence


class City(BaseModel):
    name: str
    population: int


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "Oslo", "population": 700000}',
        '```json\n{"name": "Oslo", "population": 700000}\n```',
        '```\n{"name": "Oslo", "population": 700000}\n```\n',
        'Here you go: {"name": "Oslo", "population": 700000} Hope it helps.',
    ],
)
def test_parse_structured_accepts_plain_fenced_and_embedded_json(text):
    assert parse_structured(text, City) == City(name="Oslo", population=700000)


def test_validation_problems_are_named():
    with pytest.raises(ModelOutputError) as info:
        parse_structured('{"name": "Oslo", "population": "many"}', City)
    assert "population" in info.value.message
    assert "City" in info.value.message
    assert info.value.raw == '{"name": "Oslo", "population": "many"}'
    assert info.value.hint


def test_json_inside_prose_that_does_not_match_names_what_it_lacks():
    text = 'Sure: {"name": "Oslo"} there.'
    with pytest.raises(ModelOutputError) as info:
        parse_structured(text, City)
    assert info.value.message == "the model's reply does not match City: population: Field required"
    assert info.value.raw == text


def test_invalid_json_raises_model_output_error():
    with pytest.raises(ModelOutputError, match="Invalid JSON") as info:
        parse_structured("not json at all", City)
    assert info.value.raw == "not json at all"


def test_strip_code_fence():
    assert strip_code_fence("  plain  ") == "plain"
    assert strip_code_fence("```json\n[1]\n```") == "[1]"


def test_json_instruction_contains_schema_and_is_cached():
    text = json_instruction(City)
    assert '"population"' in text
    assert json_instruction(City) is text

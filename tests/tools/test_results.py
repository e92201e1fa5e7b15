import dataclasses
from typing import Any

from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

from fastagent.messages import ImageContent, ResourceLink, TextContent, ToolResult
from fastagent.tools.results import to_tool_result


class Point(BaseModel):
    x: int
    y: int = 0


class Totals(TypedDict):
    count: int


def _convert(value: Any, adapter: TypeAdapter[Any] | None = None) -> ToolResult:
    return to_tool_result(value, call_id="c1", tool_name="t", output_adapter=adapter)


def test_string_becomes_one_text_block_without_structure() -> None:
    result = _convert("hello")
    assert result.content == [TextContent(text="hello")]
    assert result.structured_content is None
    assert (result.call_id, result.tool_name, result.is_error) == ("c1", "t", False)


def test_content_blocks_pass_through() -> None:
    image = ImageContent(data="aGk=", mime_type="image/png")
    link = ResourceLink(uri="file:///a", name="a")
    assert _convert(image).content == [image]
    assert _convert([image, link]).content == [image, link]


def test_tool_result_passes_through_with_the_call_id() -> None:
    original = ToolResult(call_id="other", content=[TextContent(text="x")], is_error=True)
    result = _convert(original)
    assert result.call_id == "c1"
    assert result.is_error
    assert result.tool_name == "t"
    assert result.text == "x"


def test_dict_becomes_json_text_and_structured_content() -> None:
    result = _convert({"a": 1, "b": ["é"]})
    assert result.text == '{"a": 1, "b": ["é"]}'
    assert result.structured_content == {"a": 1, "b": ["é"]}


def test_model_is_dumped_by_alias() -> None:
    result = _convert(Point(x=1))
    assert result.structured_content == {"x": 1, "y": 0}
    assert result.text == '{"x": 1, "y": 0}'


def test_non_dicts_are_wrapped_in_result() -> None:
    assert _convert([1, 2]).structured_content == {"result": [1, 2]}
    assert _convert([]).structured_content == {"result": []}
    assert _convert(3.5).structured_content == {"result": 3.5}
    assert _convert(True).text == "true"
    none = _convert(None)
    assert (none.text, none.structured_content) == ("null", {"result": None})


def test_dataclass_is_serialized() -> None:
    @dataclasses.dataclass
    class Pair:
        a: int
        b: str

    assert _convert(Pair(1, "x")).structured_content == {"a": 1, "b": "x"}


def test_unserializable_value_falls_back_to_str() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque thing"

    result = _convert(Opaque())
    assert result.text == "opaque thing"
    assert result.structured_content is None
    assert not result.is_error


def test_declared_output_type_validates_and_coerces() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Totals)
    ok = _convert({"count": "3"}, adapter)
    assert ok.structured_content == {"count": 3}
    assert not ok.is_error


def test_declared_output_mismatch_is_an_error_result() -> None:
    result = _convert({"count": "many"}, TypeAdapter(Totals))
    assert result.is_error
    assert result.structured_content is None
    assert "tool 't' returned a value that does not match its output schema" in result.text
    assert "count: Input should be a valid integer" in result.text


def test_declared_output_model_instance() -> None:
    result = _convert(Point(x=2, y=3), TypeAdapter(Point))
    assert result.structured_content == {"x": 2, "y": 3}

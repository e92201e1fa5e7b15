"""Build a tool's argument validator and JSON schemas from a Python function's signature.

The arguments become a pydantic model with one field per parameter (so every pydantic type
works: str, int, float, bool, list, dict, Optional, Literal, Enum, nested models, TypedDicts,
defaults, ``Annotated[..., Field(...)]``). Fields are named ``p0``, ``p1``, ... and aliased to
the parameter names, so parameters named like pydantic attributes (``json``, ``schema``) or with
a leading underscore still work.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, TypeAdapter, create_model
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreSchema
from typing_extensions import is_typeddict

from fastagent.exceptions import UserError
from fastagent.tools.docstrings import parse_docstring

__all__ = ["FunctionSchema", "build_function_schema"]


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    field: str
    positional_only: bool


@dataclass(frozen=True, slots=True)
class FunctionSchema:
    """Everything needed to describe, validate and call one function as a tool.

    Attributes:
        description: The docstring's description (empty when there is none).
        input_schema: JSON Schema of the arguments object.
        output_schema: JSON Schema of the return value, when it is a model or TypedDict.
        arguments_model: The pydantic model that validates the arguments.
        output_adapter: Validates and serializes the return value, when `output_schema` is set.
    """

    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    arguments_model: type[BaseModel]
    output_adapter: TypeAdapter[Any] | None
    parameters: tuple[_Parameter, ...]

    def bind(self, arguments: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Validate `arguments` and split them into positional and keyword arguments.

        Raises:
            pydantic.ValidationError: An argument is missing, unknown or has the wrong type.
        """
        values = self.arguments_model.model_validate(arguments).__dict__
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in self.parameters:
            value = values[parameter.field]
            if parameter.positional_only:
                args.append(value)
            else:
                kwargs[parameter.name] = value
        return args, kwargs


class _WithoutFieldTitles(GenerateJsonSchema):
    """Leave out the ``title`` pydantic derives from each field name (noise for a model)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def build_function_schema(fn: Callable[..., Any], *, tool_name: str) -> FunctionSchema:
    """Inspect `fn` and build its `FunctionSchema`.

    Args:
        fn: A function, bound method, `functools.partial` or callable object.
        tool_name: The tool's name, for error messages.

    Raises:
        UserError: The signature cannot become a tool (``*args``, unresolvable or
            non-JSON type hints).
    """
    signature = inspect.signature(fn)
    hints = _type_hints(fn, tool_name)
    docs = parse_docstring(inspect.getdoc(fn))

    fields: dict[str, Any] = {}
    parameters: list[_Parameter] = []
    for index, parameter in enumerate(signature.parameters.values()):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise UserError(
                f"tool '{tool_name}': parameter '{parameter}' is not supported",
                hint="give every parameter of a tool function its own name and type",
            )
        field_name = f"p{index}"
        annotation = hints.get(parameter.name, Any)
        fields[field_name] = _field(annotation, parameter, docs.parameters.get(parameter.name))
        parameters.append(
            _Parameter(parameter.name, field_name, parameter.kind is parameter.POSITIONAL_ONLY)
        )

    try:
        model = create_model("Arguments", __config__=ConfigDict(extra="forbid"), **fields)
        input_schema = _object_schema(
            model.model_json_schema(by_alias=True, schema_generator=_WithoutFieldTitles)
        )
        output_adapter, output_schema = _output(hints.get("return"))
    except PydanticUserError as exc:
        raise UserError(
            f"tool '{tool_name}': cannot build a JSON schema from the signature of "
            f"{_qualname(fn)}: {str(exc).splitlines()[0]}",
            hint="annotate parameters and return value with JSON-compatible types "
            "(str, int, float, bool, list, dict, Literal, Enum, pydantic models, "
            "typing_extensions.TypedDict)",
        ) from exc
    return FunctionSchema(
        description=docs.description,
        input_schema=input_schema,
        output_schema=output_schema,
        arguments_model=model,
        output_adapter=output_adapter,
        parameters=tuple(parameters),
    )


def _field(annotation: Any, parameter: inspect.Parameter, doc: str | None) -> tuple[Any, Any]:
    settings: dict[str, Any] = {"alias": parameter.name}
    default = parameter.default
    if isinstance(default, FieldInfo):  # def f(x: int = Field(3, description=...))
        annotation = Annotated[annotation, default]
    elif default is not parameter.empty:
        settings["default"] = default
    if doc and not _has_description(annotation):
        settings["description"] = doc
    return annotation, Field(**settings)


def _has_description(annotation: Any) -> bool:
    if typing.get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(m, FieldInfo) and m.description for m in annotation.__metadata__)


def _output(annotation: Any) -> tuple[TypeAdapter[Any] | None, dict[str, Any] | None]:
    declares_object = is_typeddict(annotation) or (
        inspect.isclass(annotation) and issubclass(annotation, BaseModel)
    )
    if not declares_object:
        return None, None
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    schema = adapter.json_schema(mode="serialization", schema_generator=_WithoutFieldTitles)
    schema.pop("title", None)
    return adapter, schema


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Put the provider-facing keys first and always include ``required``."""
    clean: dict[str, Any] = {
        "type": "object",
        "properties": schema.get("properties", {}),
        "required": schema.get("required", []),
        "additionalProperties": False,
    }
    if "$defs" in schema:
        clean["$defs"] = schema["$defs"]
    return clean


def _type_hints(fn: Callable[..., Any], tool_name: str) -> dict[str, Any]:
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = type(target).__call__  # a callable object
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # NameError for undefined forward references, TypeError, ...
        raise UserError(
            f"tool '{tool_name}': cannot resolve the type hints of {_qualname(fn)}: {exc}",
            hint="define or import every name used in the tool function's annotations "
            "at module level",
        ) from exc


def _qualname(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__qualname__

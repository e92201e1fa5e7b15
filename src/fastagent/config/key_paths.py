"""Looking up the settings schema by key path: which keys exist where, and of what type.

Used to suggest the key the user probably meant and to decide whether an environment value
is text (kept as is) or YAML (parsed into booleans, numbers, lists).
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

__all__ = ["annotation_at", "field_names_at", "is_text_annotation"]


def annotation_at(root: type[BaseModel], path: Sequence[str | int]) -> Any | None:
    """Return the type annotation of the value at `path` below `root`.

    Args:
        root: The model the path starts at.
        path: Keys and list indexes.

    Returns:
        The annotation with ``None`` unions removed, or None when the path leaves the schema
        (an unknown key, or a loosely typed mapping).
    """
    current: Any = root
    for part in path:
        current = _without_none(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return None
    return _without_none(current)


def field_names_at(root: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """Return the keys allowed in the mapping at `path` (empty when it is not a model).

    Args:
        root: The model the path starts at.
        path: Keys and list indexes of the mapping.

    Returns:
        The field names of the model found there.
    """
    annotation = annotation_at(root, path)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def is_text_annotation(annotation: Any) -> bool:
    """Tell whether a value of this type is written as plain text.

    Args:
        annotation: A type annotation (``None`` unions already removed).

    Returns:
        True for ``str``, `SecretStr` and literals of strings.
    """
    if annotation in (str, SecretStr):
        return True
    if get_origin(annotation) is Literal:
        return all(isinstance(choice, str) for choice in get_args(annotation))
    return False


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation

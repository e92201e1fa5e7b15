"""Making declarations: from decorator arguments or YAML values, with errors naming the key.

`declare` builds a declaration from a decorator's arguments and turns a pydantic
`ValidationError` into one `UserError` naming the agent, where it was declared and the
argument. `validation_problems` lists the problems of a `ValidationError` by key, with the
valid keys and a "did you mean" for a misspelt one (the YAML loader uses it too).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from fastagent._key_path import dotted_key

if TYPE_CHECKING:
    from fastagent.agents.declaration import BaseDeclaration

__all__ = ["declare", "validation_problems"]

D = TypeVar("D", bound="BaseDeclaration")


def declare(declaration: type[D], /, **values: Any) -> D:
    """Build a declaration from a decorator's arguments.

    Raises:
        UserError: A value is invalid; the message names the agent, where it was declared
            and the argument.
    """
    try:
        return declaration(**values)
    except ValidationError as exc:
        from fastagent.exceptions import UserError

        label = f"{declaration.kind} '{values.get('name')}'"
        where = f" ({values['source']})" if values.get("source") else ""
        problems = "; ".join(text for _key, text in validation_problems(exc, declaration))
        raise UserError(
            f"{label}{where}: {problems}",
            hint="fix the argument named above; help() on the decorator lists its arguments",
        ) from None


def validation_problems(
    error: ValidationError, model: type[BaseModel], prefix: str = ""
) -> list[tuple[str, str]]:
    """One ``(key, text)`` per problem of `error`, keys written ``prefix.key[0]``.

    An unknown key gets the valid keys and a "did you mean" for a close one.
    """
    shared = ("name", "source", "default", "type")
    allowed = [key for key in model.model_fields if key not in shared] + ["default", "type"]
    found: list[tuple[str, str]] = []
    for detail in error.errors(include_url=False):
        key = dotted_key((prefix, *detail["loc"]) if prefix else detail["loc"])
        if detail["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(detail["loc"][-1]), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            text = f"unknown key '{key}' (valid keys: {', '.join(allowed)}){hint}"
        else:
            text = f"{key}: {detail['msg'].removeprefix('Value error, ')}"
        found.append((key, text))
    return found

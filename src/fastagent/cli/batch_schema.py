"""``fastagent batch --schema MODULE:Model``: a structured value per row.

The model class is imported once, before any row runs, with the script's folder and the
working directory on ``sys.path`` (so ``schemas:Ticket`` next to the script works). Each
row's turn asks for it the one way every structured call does (``response_format``, see
`fastagent.llm.structured`): its JSON Schema travels in the row's durable workflow input, so
a process that resumes the row needs no import. The reply is then parsed and validated here;
a reply that does not validate makes the row a failed row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["RowSchema", "load_schema"]

_WHERE = "batch: --schema"
_EXAMPLE = "e.g. --schema schemas:Ticket (class Ticket(BaseModel) in schemas.py)"


class RowSchema:
    """The pydantic model every row's reply must match.

    Args:
        reference: The ``MODULE:Model`` it was imported from (for the batch's identity).
        model_cls: The class.
    """

    def __init__(self, reference: str, model_cls: type[BaseModel]) -> None:
        self.reference = reference
        self.model_cls = model_cls
        self.json_schema: dict[str, Any] = model_cls.model_json_schema()

    def value(self, text: str) -> Any:
        """The row's structured value: `text` parsed and validated, as JSON data.

        Raises:
            ModelOutputError: The reply is not JSON matching the model.
        """
        from fastagent.llm.structured import parse_structured

        return parse_structured(text, self.model_cls).model_dump(mode="json")


def load_schema(reference: str, *, script_dir: Path) -> RowSchema:
    """Import ``MODULE:Model`` and check it is a pydantic model class.

    Args:
        reference: The ``--schema`` value.
        script_dir: The batch script's folder, searched before the working directory.

    Raises:
        UserError: The value is not ``MODULE:Model``, the module cannot be imported, it has
            no such attribute, or the attribute is not a pydantic model class.
    """
    from pydantic import BaseModel

    from fastagent.scenarios.imports import import_object

    module, colon, name = reference.partition(":")
    if not colon or not module.strip() or not name.strip():
        raise UserError(f"{_WHERE} {reference!r} is not MODULE:Model", hint=_EXAMPLE)
    if module.endswith(".py"):
        raise UserError(
            f"{_WHERE} {reference!r} names a file, not a module",
            hint=f"drop the .py: --schema {module.removesuffix('.py')}:{name}",
        )
    value = import_object(
        reference,
        base_dir=script_dir,
        where=_WHERE,
        import_hint="check the module name: it is looked for in the script's folder "
        f"({script_dir}) and the working directory",
    )
    if value is BaseModel:
        raise UserError(
            f"{_WHERE} {reference!r} is pydantic's BaseModel itself, which has no fields",
            hint=f"name your own subclass of it; {_EXAMPLE}",
        )
    if not (isinstance(value, type) and issubclass(value, BaseModel)):
        kind = "class" if isinstance(value, type) else type(value).__name__
        raise UserError(
            f"{_WHERE} {reference!r} is a {kind}, not a pydantic model",
            hint=f"name a class deriving from pydantic.BaseModel; {_EXAMPLE}",
        )
    return RowSchema(reference, value)

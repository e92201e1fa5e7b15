"""The canonical JSON history format: ``{"fastagent_history": 2, "messages": [...]}``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from fastagent.history._errors import history_error
from fastagent.history._located import loads_json_located
from fastagent.history.document import HISTORY_VERSION, messages_from_document
from fastagent.messages import Message

__all__ = ["iter_json", "parse_json"]

_INDENT = "    "


def iter_json(messages: Iterable[Message]) -> Iterator[str]:
    """Serialize messages as the current JSON document, one chunk per message.

    The chunks join to exactly ``json.dumps(document, indent=2, ensure_ascii=False)`` plus a
    final newline.
    """
    yield f'{{\n  "fastagent_history": {HISTORY_VERSION},\n  "messages": ['
    empty = True
    for message in messages:
        body = json.dumps(message.to_dict(), ensure_ascii=False, indent=2)
        # json.dumps escapes newlines inside strings, so every "\n" here is structural.
        yield ("\n" if empty else ",\n") + _INDENT + body.replace("\n", "\n" + _INDENT)
        empty = False
    yield "]\n}\n" if empty else "\n  ]\n}\n"


def parse_json(text: str, *, source: str | None = None) -> list[Message]:
    """Parse a JSON history document of any supported schema version.

    Raises:
        HistoryFormatError: Invalid JSON or an invalid document; names the file and line.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise history_error(
            f"invalid JSON: {error.msg}",
            source=source,
            line=error.lineno,
            hint="fix the JSON syntax at that line",
        ) from None
    return messages_from_document(data, source=source, locate=lambda: loads_json_located(text))

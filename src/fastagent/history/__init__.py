"""Save and load conversations as JSON, YAML or delimited text.

The file's extension picks the format (``.json``, ``.yaml``/``.yml``, ``.md``/``.txt``);
``format=`` overrides it. JSON is canonical and versioned (see `schema`); YAML holds the same
document; the text format (see `text_format`) is for people to read and edit, and is lossless
too. Every round trip gives back equal messages. Writes are atomic.

Not imported by ``import fastagent``; PyYAML is imported only for YAML files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent._lazy import lazy_exports
from fastagent.history.atomic import write_atomic
from fastagent.history.formats import EXTENSIONS, FORMATS, HistoryFormat, resolve_format

if TYPE_CHECKING:
    from fastagent.history.document import HISTORY_VERSION
    from fastagent.messages import Message

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "HISTORY_VERSION",
    "HistoryFormat",
    "dumps_history",
    "load_history",
    "loads_history",
    "save_history",
]


def _on_first_call(module: str, name: str) -> Callable[..., Any]:
    """Function `name` of `module`, imported at its first call.

    A run that only appends to a session never loads the three formats' readers and writers.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


_WRITERS: dict[HistoryFormat, Callable[[Iterable[Message]], Iterator[str]]] = {
    "json": _on_first_call("fastagent.history.json_format", "iter_json"),
    "yaml": _on_first_call("fastagent.history.yaml_format", "iter_yaml"),
    "text": _on_first_call("fastagent.history.text_format", "iter_text"),
}
_READERS: dict[HistoryFormat, Callable[..., list[Message]]] = {
    "json": _on_first_call("fastagent.history.json_format", "parse_json"),
    "yaml": _on_first_call("fastagent.history.yaml_format", "parse_yaml"),
    "text": _on_first_call("fastagent.history.text_format", "parse_text"),
}


def save_history(
    path: str | Path, messages: Sequence[Message], *, format: str | None = None
) -> None:
    """Write a conversation to ``path`` atomically, in the format its extension names.

    Args:
        path: The file; missing parent directories are created.
        messages: The conversation.
        format: ``"json"``, ``"yaml"`` or ``"text"``; overrides the extension.

    Raises:
        HistoryFormatError: The format is unknown or cannot be told from the extension.
    """
    chosen = resolve_format(path, format)
    write_atomic(path, _WRITERS[chosen](messages))


def load_history(path: str | Path, *, format: str | None = None) -> list[Message]:
    """Read a conversation saved by `save_history` (any schema version) or written by hand.

    Args:
        path: The file.
        format: ``"json"``, ``"yaml"`` or ``"text"``; overrides the extension.

    Raises:
        HistoryFormatError: The format is unknown, or the file cannot be parsed (the error
            names the file and 1-based line).
        OSError: The file cannot be read.
    """
    chosen = resolve_format(path, format)
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        from fastagent.history._errors import history_error

        raise history_error(
            "the file is not valid UTF-8",
            source=str(path),
            line=data.count(b"\n", 0, error.start) + 1,
            hint="save the file as UTF-8",
        ) from None
    return _parse(chosen, text, str(path))


def dumps_history(messages: Sequence[Message], format: str) -> str:
    """Serialize a conversation to a string in ``format`` (``"json"``, ``"yaml"``, ``"text"``).

    Raises:
        HistoryFormatError: ``format`` is not a format name.
    """
    return "".join(_WRITERS[resolve_format(None, format)](messages))


def loads_history(text: str, format: str, *, source: str | None = None) -> list[Message]:
    """Parse a conversation from a string in ``format``.

    Args:
        text: The serialized conversation.
        format: ``"json"``, ``"yaml"`` or ``"text"``.
        source: Where the text came from, named in error messages.

    Raises:
        HistoryFormatError: ``format`` is unknown or the text cannot be parsed.
    """
    return _parse(resolve_format(None, format), text, source)


def _parse(chosen: HistoryFormat, text: str, source: str | None) -> list[Message]:
    try:
        return _READERS[chosen](text, source=source)
    except RecursionError:
        from fastagent.history._errors import history_error

        # json, PyYAML and pydantic recurse once per level: thousands of nested arrays or
        # objects exhaust the stack. No conversation nests that deep.
        raise history_error(
            "the document is nested too deeply to read",
            source=source,
            line=None,
            hint="check that this is a conversation saved by fastagent; "
            "no message nests more than a few hundred levels",
        ) from None


__getattr__, __dir__ = lazy_exports(
    __name__, {"HISTORY_VERSION": "fastagent.history.document"}, __all__
)

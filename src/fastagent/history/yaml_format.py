"""The YAML history format: the JSON document's schema, written for people to read.

Multi-line strings are written as ``|`` blocks where YAML allows it. PyYAML is imported only
when a YAML history is written or read.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from fastagent._yaml_aliases import first_alias, may_have_anchors
from fastagent.history._errors import history_error
from fastagent.history._located import LineDict, LineList
from fastagent.history.document import HISTORY_VERSION, messages_from_document
from fastagent.messages import Message

if TYPE_CHECKING:
    import yaml

__all__ = ["iter_yaml", "parse_yaml"]

_NO_WRAP = 1 << 30
_DOCUMENT_END = "...\n"
_FAST_DEPTH = 1000
_LINE_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)
_BRACKETS = re.compile(r"[\[\]{}]")
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def iter_yaml(messages: Iterable[Message]) -> Iterator[str]:
    """Serialize messages as the current YAML document, one chunk per message."""
    import yaml

    yield f"fastagent_history: {HISTORY_VERSION}\n"
    empty = True
    for message in messages:
        if empty:
            yield "messages:\n"
            empty = False
        data = message.to_dict()
        # libyaml escapes every character outside the BMP (emoji included), so messages
        # holding one go through the pure-Python emitter, which is ~50x slower on big blobs.
        astral = _ASTRAL.search(json.dumps(data, ensure_ascii=False)) is not None
        chunk = yaml.dump(
            [data],
            Dumper=_dumper(fast=not astral),
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=_NO_WRAP,
        )
        # A chunk ending in a keep-chomped block (``|+``, text ending in blank lines) gets a
        # ``...`` document-end marker; the chunk is one item of the ``messages`` list, not a
        # document, and the next item (or the end of the file) ends that block just as well.
        # The marker stands alone at the start of a line; a block whose own last line ends
        # in "..." (text such as "...\n") must keep it.
        if chunk.endswith("\n" + _DOCUMENT_END):
            chunk = chunk.removesuffix(_DOCUMENT_END)
        yield chunk
    if empty:
        yield "messages: []\n"


def parse_yaml(text: str, *, source: str | None = None) -> list[Message]:
    """Parse a YAML history document of any supported schema version.

    Raises:
        HistoryFormatError: Invalid YAML or an invalid document; names the file and line.
    """
    import yaml

    # libyaml composes nested nodes by C recursion and crashes the interpreter somewhere past
    # ten thousand levels; documents that might nest that deep take the pure-Python loader,
    # which raises RecursionError instead (load_history turns it into HistoryFormatError).
    loader = _loader(fast=_nesting_bound(text) <= _FAST_DEPTH)(text)  # a SafeLoader subclass
    try:
        node = loader.get_single_node()
        alias = first_alias(node) if node is not None and may_have_anchors(text) else None
        if alias is not None:
            raise history_error(
                "YAML anchors and aliases are not allowed in history files",
                source=source,
                line=alias.start_mark.line + 1,
                hint="write the repeated value out in full (fastagent never writes aliases)",
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise history_error(
            f"invalid YAML: {error.problem or error.context}",
            source=source,
            line=mark.line + 1 if mark is not None else None,
            hint="fix the YAML syntax at that line",
        ) from None
    except yaml.YAMLError as error:
        raise history_error(
            f"invalid YAML: {error}", source=source, line=None, hint="fix the YAML syntax"
        ) from None
    finally:
        loader.dispose()
    return messages_from_document(data, source=source)


@functools.cache
def _dumper(*, fast: bool) -> type[yaml.SafeDumper]:
    import yaml

    base: type[yaml.SafeDumper] = yaml.SafeDumper
    if fast:
        base = getattr(yaml, "CSafeDumper", base)

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        # YAML falls back to a quoted style when a block cannot hold the string exactly.
        style = "|" if "\n" in data else None
        if _OTHER_BREAKS.search(data):
            # The pure-Python emitter writes these breaks raw outside double quotes, and the
            # reader folds them; double quotes escape them.
            style = '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    namespace = {"ignore_aliases": _no_aliases}
    dumper = cast("type[yaml.SafeDumper]", type("HistoryDumper", (base,), namespace))
    dumper.add_representer(str, represent_str)
    return dumper


def _no_aliases(dumper: yaml.SafeDumper, data: Any) -> bool:
    return True


def _nesting_bound(text: str) -> int:
    """An upper bound of the document's nesting depth, found without parsing it.

    Block nesting needs indentation or a ``- ``/``? ``/``: `` marker per level at the start
    of a line; flow nesting needs an unclosed ``[`` or ``{``. Brackets inside strings only
    raise the bound.
    """
    block = max(map(len, _LINE_PREFIX.findall(text)), default=0)
    if text.count("[") + text.count("{") <= _FAST_DEPTH - block:
        return block + text.count("[") + text.count("{")
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return block + deepest


@functools.cache
def _loader(*, fast: bool = True) -> type[yaml.SafeLoader]:
    import yaml

    base: type[yaml.SafeLoader] = yaml.SafeLoader
    if fast:
        base = getattr(yaml, "CSafeLoader", base)

    def construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[Any]:
        data = LineDict(line=node.start_mark.line + 1)
        yield data
        data.update(loader.construct_mapping(node))

    def construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Iterator[Any]:
        data = LineList(line=node.start_mark.line + 1)
        yield data
        data.extend(loader.construct_sequence(node))

    loader = cast("type[yaml.SafeLoader]", type("HistoryLoader", (base,), {}))
    loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    return loader

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

from fastagent.history._errors import history_error
from fastagent.history._located import LineDict, LineList
from fastagent.history.document import HISTORY_VERSION, messages_from_document
from fastagent.messages import Message

if TYPE_CHECKING:
    import yaml

__all__ = ["iter_yaml", "parse_yaml"]

_NO_WRAP = 1 << 30
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
        yield yaml.dump(
            [data],
            Dumper=_dumper(fast=not astral),
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=_NO_WRAP,
        )
    if empty:
        yield "messages: []\n"


def parse_yaml(text: str, *, source: str | None = None) -> list[Message]:
    """Parse a YAML history document of any supported schema version.

    Raises:
        HistoryFormatError: Invalid YAML or an invalid document; names the file and line.
    """
    import yaml

    try:
        data = yaml.load(text, Loader=_loader())  # a SafeLoader subclass
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

    dumper = cast("type[yaml.SafeDumper]", type("HistoryDumper", (base,), {}))
    dumper.add_representer(str, represent_str)
    return dumper


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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

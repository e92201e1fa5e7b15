"""Guards against YAML aliases that expand without bound ("billion laughs").

PyYAML composes an alias as a second reference to the anchored node, so a few lines of
nested aliases compose and load in an instant and only explode when the data is walked,
printed or validated. These functions look at the composed node graph, before any data is
constructed: `first_alias` finds a node reached twice (history files refuse aliases), and
`expands_beyond` counts the nodes the document has once every alias is expanded (config files
may use anchors and merge keys, within a bound).

PyYAML is imported by the callers; nothing here imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

__all__ = ["expands_beyond", "first_alias", "may_have_anchors"]


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    value = node.value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple):  # a mapping's (key, value) pair
                yield from item
            else:
                yield item


_BEFORE_ANCHOR = frozenset(" \t\r\n[{,:?-\ufeff")


def may_have_anchors(text: str) -> bool:
    """False when `text` surely has no YAML anchor (so no alias can refer to one).

    An anchor (``&name``) starts a node: at the start of a line, or after a space or an
    indicator. Text that merely contains ``&`` elsewhere (``R&D``) says False quickly; text
    with `` & `` says True, and only then is the composed graph walked.
    """
    index = text.find("&")
    while index != -1:
        if index == 0 or text[index - 1] in _BEFORE_ANCHOR:
            return True
        index = text.find("&", index + 1)
    return False


def first_alias(root: yaml.Node) -> yaml.Node | None:
    """The first node the document reaches twice (the target of an alias), else None."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        key = id(node)
        if key in seen:
            return node
        seen.add(key)
        value = node.value
        if type(value) is list:
            for item in value:
                if type(item) is tuple:  # a mapping's (key, value) pair
                    todo.extend(item)
                else:
                    todo.append(item)
    return None


def expands_beyond(root: yaml.Node, limit: int) -> bool:
    """Whether the document holds more than `limit` nodes once its aliases are expanded.

    Runs in time proportional to the composed graph, not to its expansion. A recursive alias
    (a node inside itself) counts once.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    # Iterative post-order walk: deep documents must not hit the recursion limit here.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            total = 1
            for child in _children(node):
                total += sizes.get(id(child), 1)
                if total > limit:
                    return True
            sizes[key] = total
            open_nodes.discard(key)
            continue
        if key in sizes or key in open_nodes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    return sizes.get(id(root), 1) > limit

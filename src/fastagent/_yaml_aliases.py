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

__all__ = ["expands_beyond", "first_alias"]


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    value = node.value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple):  # a mapping's (key, value) pair
                yield from item
            else:
                yield item


def first_alias(root: yaml.Node) -> yaml.Node | None:
    """The first node the document reaches twice (the target of an alias), else None."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        todo.extend(_children(node))
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

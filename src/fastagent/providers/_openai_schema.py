"""Make a JSON schema acceptable to OpenAI's strict mode (Structured Outputs, strict tools).

Strict mode enforces a subset of JSON Schema: every object lists all its properties as
required and sets ``additionalProperties: false``; some keywords are not supported. A schema
that cannot be rewritten without changing its meaning is reported as not strict-compatible,
and the caller sends it with ``strict: false`` instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["strict_schema"]

# JSON Schema keywords strict mode cannot enforce; a schema using one is sent non-strict.
_UNSTRICT_KEYWORDS: Final = frozenset(
    {
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "contains",
        "uniqueItems",
        "minLength",
        "maxLength",
    }
)


def strict_schema(schema: Mapping[str, Any], *, require_all: bool) -> dict[str, Any] | None:
    """A copy of `schema` that OpenAI strict mode accepts, or None when it cannot be one.

    Every object gets ``additionalProperties: false``; ``default`` keys are dropped.

    Args:
        schema: A JSON schema whose root is an object.
        require_all: Make every property required (fine for output schemas). When False, a
            schema with optional properties is not strict-compatible (for tool inputs,
            where forcing optional arguments would change their meaning).
    """
    if schema.get("type") != "object":
        return None
    result = copy.deepcopy(dict(schema))
    return result if _Strictifier(result, require_all).fix(result) else None


class _Strictifier:
    """Rewrites a schema copy in place for strict mode; `fix` says whether that worked."""

    def __init__(self, root: dict[str, Any], require_all: bool) -> None:
        self.root = root
        self.require_all = require_all

    def fix(self, node: Any) -> bool:
        if isinstance(node, list):
            return all(self.fix(item) for item in node)
        if not isinstance(node, dict):
            return True
        self._inline(node)
        if _UNSTRICT_KEYWORDS & node.keys():
            return False
        node.pop("default", None)
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
            node.pop("discriminator", None)
        if (node.get("type") == "object" or "properties" in node) and not self._fix_object(node):
            return False
        for key in ("items", "anyOf", "prefixItems"):
            if key in node and not self.fix(node[key]):
                return False
        return all(
            self.fix(definition)
            for key in ("$defs", "definitions")
            for definition in node.get(key, {}).values()
        )

    def _inline(self, node: dict[str, Any]) -> None:
        """Merge a one-entry ``allOf``, and a ``$ref`` with sibling keys, into the node."""
        all_of = node.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            del node["allOf"]
            node.update({**all_of[0], **node})
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) > 1 and ref.startswith("#/"):
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            if isinstance(target, dict):
                del node["$ref"]
                siblings = dict(node)
                node.clear()
                node.update({**copy.deepcopy(target), **siblings})

    def _fix_object(self, node: dict[str, Any]) -> bool:
        if node.get("additionalProperties", False) is not False or "properties" not in node:
            return False
        node["additionalProperties"] = False
        properties = node["properties"]
        if self.require_all:
            node["required"] = list(properties)
        elif set(node.get("required", [])) != set(properties):
            return False
        return all(self.fix(sub) for sub in properties.values())

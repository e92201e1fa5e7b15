"""The LLM core: `AugmentedLLM` (memory + tool loop), `Memory`, `RequestParams`, stream events.

Names are imported lazily on first access, so importing this package costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.llm.memory import Memory, SimpleMemory
    from fastagent.llm.params import RequestParams
    from fastagent.llm.streaming import (
        LLMStreamEvent,
        StreamDone,
        StreamEvent,
        TextDelta,
        ToolCallDelta,
        ToolCallEnd,
        ToolCallStart,
        ToolResultEvent,
        UsageUpdate,
    )

__all__ = [
    "AugmentedLLM",
    "LLMStreamEvent",
    "Memory",
    "RequestParams",
    "SimpleMemory",
    "StreamDone",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallEnd",
    "ToolCallStart",
    "ToolResultEvent",
    "UsageUpdate",
]

_LAZY: dict[str, str] = {
    "AugmentedLLM": "fastagent.llm.augmented",
    "Memory": "fastagent.llm.memory",
    "SimpleMemory": "fastagent.llm.memory",
    "RequestParams": "fastagent.llm.params",
    **dict.fromkeys(
        (
            "LLMStreamEvent",
            "StreamDone",
            "StreamEvent",
            "TextDelta",
            "ToolCallDelta",
            "ToolCallEnd",
            "ToolCallStart",
            "ToolResultEvent",
            "UsageUpdate",
        ),
        "fastagent.llm.streaming",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fastagent.llm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

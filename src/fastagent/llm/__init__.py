"""The LLM core: `AugmentedLLM` (memory + tool loop), `Memory`, `RequestParams`, stream events.

Names are imported lazily on first access, so importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.llm.memory import Memory, SimpleMemory
    from fastagent.llm.params import RequestParams
    from fastagent.streaming import (
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
        "fastagent.streaming",
    ),
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

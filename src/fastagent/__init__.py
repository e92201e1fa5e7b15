"""fastagent: define, run, test and serve MCP-native LLM agents and workflows.

The public names below are imported lazily on first access, so ``import fastagent`` costs
next to nothing and never imports a provider SDK or ``mcp``.

Examples:
    >>> from fastagent import FastAgent
    >>> fast = FastAgent("hello")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports
from fastagent._version import __version__

if TYPE_CHECKING:
    from fastagent.agents.agent import Agent
    from fastagent.agents.agent_app import AgentApp
    from fastagent.cli.script import FastAgent
    from fastagent.events import EventBus
    from fastagent.exceptions import UnknownAgentError
    from fastagent.history import load_history, save_history
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.llm.memory import SimpleMemory
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, StopReason, ToolCall, ToolResult, Usage
    from fastagent.providers.factory import ModelFactory
    from fastagent.providers.model_strings import create_provider
    from fastagent.runtime import Context, RunOptions, Runtime, current_context, current_runtime
    from fastagent.tools.function_tool import FunctionTool, tool
    from fastagent.tools.toolset import ToolSet

__all__ = [
    "Agent",
    "AgentApp",
    "AugmentedLLM",
    "Context",
    "EventBus",
    "FastAgent",
    "FunctionTool",
    "Message",
    "ModelFactory",
    "RequestParams",
    "RunOptions",
    "Runtime",
    "SimpleMemory",
    "StopReason",
    "ToolCall",
    "ToolResult",
    "ToolSet",
    "UnknownAgentError",
    "Usage",
    "__version__",
    "create_provider",
    "current_context",
    "current_runtime",
    "load_history",
    "save_history",
    "tool",
]

_LAZY: dict[str, str] = {
    "Agent": "fastagent.agents.agent",
    "AgentApp": "fastagent.agents.agent_app",
    "AugmentedLLM": "fastagent.llm.augmented",
    "Context": "fastagent.runtime",
    "EventBus": "fastagent.events",
    "FastAgent": "fastagent.cli.script",
    "FunctionTool": "fastagent.tools.function_tool",
    "Message": "fastagent.messages",
    "ModelFactory": "fastagent.providers.factory",
    "RequestParams": "fastagent.llm.params",
    "RunOptions": "fastagent.runtime",
    "Runtime": "fastagent.runtime",
    "SimpleMemory": "fastagent.llm.memory",
    "StopReason": "fastagent.messages",
    "ToolCall": "fastagent.messages",
    "ToolResult": "fastagent.messages",
    "ToolSet": "fastagent.tools.toolset",
    "UnknownAgentError": "fastagent.exceptions",
    "Usage": "fastagent.messages",
    "create_provider": "fastagent.providers.model_strings",
    "current_context": "fastagent.runtime",
    "current_runtime": "fastagent.runtime",
    "load_history": "fastagent.history",
    "save_history": "fastagent.history",
    "tool": "fastagent.tools.function_tool",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

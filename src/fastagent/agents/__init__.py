"""Agents and the `FastAgent` app: declare agents with decorators (or YAML) and run them.

Names are imported lazily on first access, so importing this package costs nothing.
See docs/agents.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastagent.agents.agent import Agent
    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.agent_tool import AgentTool
    from fastagent.agents.app import FastAgent
    from fastagent.agents.cli_args import CliOptions
    from fastagent.agents.config_agents import AgentDeclaration
    from fastagent.agents.spec import AgentSpec, BasicAgentSpec, BuildContext

__all__ = [
    "Agent",
    "AgentApp",
    "AgentDeclaration",
    "AgentSpec",
    "AgentTool",
    "BasicAgentSpec",
    "BuildContext",
    "CliOptions",
    "FastAgent",
]

_LAZY: dict[str, str] = {
    "Agent": "fastagent.agents.agent",
    "AgentApp": "fastagent.agents.agent_app",
    "AgentDeclaration": "fastagent.agents.config_agents",
    "AgentSpec": "fastagent.agents.spec",
    "AgentTool": "fastagent.agents.agent_tool",
    "BasicAgentSpec": "fastagent.agents.spec",
    "BuildContext": "fastagent.agents.spec",
    "CliOptions": "fastagent.agents.cli_args",
    "FastAgent": "fastagent.agents.app",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fastagent.agents' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

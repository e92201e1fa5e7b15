"""Agents and the `FastAgent` app: declare agents with decorators (or YAML) and run them.

This is the library: it never prints, exits or reads a terminal. The script-facing
``fastagent.FastAgent`` (``fastagent.cli.script``) adds the command line and the terminal.

Names are imported lazily on first access, so importing this package costs nothing.
See docs/agents.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.agents.agent import Agent
    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.agent_tool import AgentTool
    from fastagent.agents.declaration import AgentDeclaration, BuildContext, Declaration
    from fastagent.agents.fast_agent import FastAgent

__all__ = [
    "Agent",
    "AgentApp",
    "AgentDeclaration",
    "AgentTool",
    "BuildContext",
    "Declaration",
    "FastAgent",
]

_LAZY: dict[str, str] = {
    "Agent": "fastagent.agents.agent",
    "AgentApp": "fastagent.agents.agent_app",
    "AgentDeclaration": "fastagent.agents.declaration",
    "AgentTool": "fastagent.agents.agent_tool",
    "BuildContext": "fastagent.agents.declaration",
    "Declaration": "fastagent.agents.declaration",
    "FastAgent": "fastagent.agents.fast_agent",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

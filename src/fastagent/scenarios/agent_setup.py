"""Building the agent a scenario tests, around the provider the runner gives it.

An inline agent (``agent: {instruction, tools, servers}``) is assembled here from real
`FunctionTool` objects and, when it names MCP servers, the config's servers. An app agent
(``app: agent.py`` + ``agent: name``) is built by the app itself, exactly as ``fast.run()``
builds it, in a runtime opened with the scenario's model as ``--model`` and the runner's
provider as the tested agent's model (`RunOptions.provider`); helper agents get an empty
provider of the same kind.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from fastagent.exceptions import (
    AgentGraphError,
    MissingDependencyError,
    UnknownAgentError,
    UserError,
)
from fastagent.scenarios.imports import import_tool, load_app

if TYPE_CHECKING:
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.providers.base import Provider
    from fastagent.runtime import Runtime
    from fastagent.scenarios.scenario_file import Scenario
    from fastagent.tools.toolset import ToolSet

__all__ = ["DEFAULT_AGENT_NAME", "open_agent"]

DEFAULT_AGENT_NAME = "agent"
"""The name of an inline agent that has none."""


@contextlib.asynccontextmanager
async def open_agent(
    scenario: Scenario, provider: Provider, *, config_path: str | Path | None = None
) -> AsyncIterator[AugmentedLLM]:
    """Build the scenario's agent on `provider`; everything it opened closes with the block.

    Args:
        scenario: The scenario (its source file anchors relative paths).
        provider: The model the tested agent talks to.
        config_path: The config file for MCP servers and apps (found from the working
            directory when None). Inline agents without servers use no config file.

    Raises:
        UserError: An import fails, the app or agent is unknown, or servers are named
            but MCP support is missing.
    """
    if scenario.app is None:
        async with _inline_agent(scenario, provider, config_path) as llm:
            yield llm
    else:
        async with _app_agent(scenario, provider, config_path) as llm:
            yield llm


def _where(scenario: Scenario, key: str) -> str:
    return f"{scenario.source or 'scenario'}, {key}"


def _base_dir(scenario: Scenario) -> Path:
    return Path(scenario.source).resolve().parent if scenario.source else Path.cwd()


@contextlib.asynccontextmanager
async def _inline_agent(
    scenario: Scenario, provider: Provider, config_path: str | Path | None
) -> AsyncIterator[AugmentedLLM]:
    from fastagent.config import Settings
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.llm.params import RequestParams
    from fastagent.runtime import Runtime
    from fastagent.tools.toolset import ToolSet

    setup = scenario.agent
    name = setup.name or DEFAULT_AGENT_NAME
    tools = [
        import_tool(path, base_dir=_base_dir(scenario), where=_where(scenario, f"agent.tools[{i}]"))
        for i, path in enumerate(setup.tools)
    ]
    params = RequestParams().merged(setup.request_params)
    opened = (
        Runtime.open(config_path=config_path)
        if setup.servers
        else Runtime.open(settings=Settings())
    )
    async with opened as runtime:
        toolset = ToolSet(events=runtime.events, agent=name)
        for made in tools:
            toolset.add(made)
        if setup.servers:
            await _add_server_tools(scenario, toolset, runtime, agent=name)
        yield AugmentedLLM(
            provider,
            name=name,
            instruction=setup.instruction,
            tools=toolset,
            params=params,
            events=runtime.events,
        )


async def _add_server_tools(
    scenario: Scenario, toolset: ToolSet, runtime: Runtime, *, agent: str
) -> None:
    servers = scenario.agent.servers
    try:
        from fastagent.mcp.aggregator import add_server_tools

        registry = runtime.servers
    except ImportError as exc:
        if isinstance(exc, MissingDependencyError):
            raise
        raise UserError(
            f"{_where(scenario, 'agent.servers')}: names MCP server(s) "
            f"{', '.join(servers)}, but MCP support is not available ({exc})",
            hint="install fastagent[mcp], or remove agent.servers from the scenario",
        ) from exc
    await add_server_tools(toolset, registry, servers, agent=agent)


@contextlib.asynccontextmanager
async def _app_agent(
    scenario: Scenario, provider: Provider, config_path: str | Path | None
) -> AsyncIterator[AugmentedLLM]:
    from fastagent.agents.agent import Agent
    from fastagent.runtime import RunOptions

    assert scenario.app is not None
    app_ref = scenario.app
    fast = load_app(app_ref, base_dir=_base_dir(scenario), where=_where(scenario, "app"))
    name = scenario.agent.name
    options = RunOptions(model=scenario.model, agent=name, quiet=True, provider=provider)
    async with contextlib.AsyncExitStack() as stack:
        try:
            app = await stack.enter_async_context(fast.run(options, config_path=config_path))
        except AgentGraphError as exc:
            raise _unknown_agent(exc, scenario) or exc from None
        agent = app.default
        if not isinstance(agent, Agent):
            raise UserError(
                f"{_where(scenario, 'agent')}: '{agent.name}' is a workflow; "
                "scenarios script the model of a single agent",
                hint="name one of the workflow's member agents in `agent:`",
            )
        yield agent.llm


def _unknown_agent(error: AgentGraphError, scenario: Scenario) -> UnknownAgentError | None:
    """The scenario's own error when the graph error is only that `agent:` names no agent."""
    name = scenario.agent.name
    unknown = [p for p in error.problems if p.startswith(f"--agent '{name}' names no agent")]
    if name is None or len(unknown) != len(error.problems):
        return None
    found = unknown[0].split(" names no agent", 1)[1].strip()
    return UnknownAgentError(
        f"{_where(scenario, 'agent')}: '{name}' is not an agent of {scenario.app} {found}",
        hint="name one of the app's agents in `agent:`",
    )

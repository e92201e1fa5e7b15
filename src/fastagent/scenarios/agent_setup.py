"""Building the agent a scenario tests, around the provider the runner gives it.

An inline agent (``agent: {instruction, tools, servers}``) is assembled here from real
`FunctionTool` objects and, when it names MCP servers, the config's servers. An app agent
(``app: agent.py`` + ``agent: name``) is built by the app itself, exactly as ``fast.run()``
builds it, every agent on the scenario's model; the tested agent then gets the runner's
provider (helper agents keep an empty one of the same kind).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from fastagent.exceptions import UserError
from fastagent.scenarios.imports import import_tool, load_app

if TYPE_CHECKING:
    from fastagent.context import Context
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.providers.base import Provider
    from fastagent.scenarios.model import Scenario
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
        UserError: An import fails, or the app or agent is unknown.
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
    from fastagent.context import Context
    from fastagent.llm.augmented import AugmentedLLM
    from fastagent.llm.params import RequestParams
    from fastagent.tools.toolset import ToolSet

    setup = scenario.agent
    name = setup.name or DEFAULT_AGENT_NAME
    tools = [
        import_tool(path, base_dir=_base_dir(scenario), where=_where(scenario, f"agent.tools[{i}]"))
        for i, path in enumerate(setup.tools)
    ]
    params = RequestParams().merged(setup.request_params)
    opened = (
        Context.create(config_path=config_path) if setup.servers else Context.create(Settings())
    )
    async with opened as ctx:
        toolset = ToolSet(events=ctx.events, agent=name)
        for made in tools:
            toolset.add(made)
        if setup.servers:
            await _attach_servers(scenario, toolset, ctx, agent=name)
        yield AugmentedLLM(
            provider,
            name=name,
            instruction=setup.instruction,
            tools=toolset,
            params=params,
            events=ctx.events,
        )


async def _attach_servers(
    scenario: Scenario, toolset: ToolSet, ctx: Context, *, agent: str
) -> None:
    from fastagent.mcp.aggregator import attach_servers
    from fastagent.mcp.registry import attach_server_registry

    servers = scenario.agent.servers
    registry = attach_server_registry(ctx)
    await attach_servers(toolset, registry, servers, agent=agent)


@contextlib.asynccontextmanager
async def _app_agent(
    scenario: Scenario, provider: Provider, config_path: str | Path | None
) -> AsyncIterator[AugmentedLLM]:
    from fastagent.agents.agent import Agent
    from fastagent.agents.cli_args import CliOptions

    assert scenario.app is not None
    app_ref = scenario.app
    fast = load_app(app_ref, base_dir=_base_dir(scenario), where=_where(scenario, "app"))
    fast.options = CliOptions(model=scenario.model, quiet=True)
    fast.quiet = True
    if config_path is not None and fast.settings is None:
        fast.config_path = config_path
    async with fast.run() as app:
        name = scenario.agent.name
        agent = app[name] if name is not None else app.default
        if not isinstance(agent, Agent):
            raise UserError(
                f"{_where(scenario, 'agent')}: '{agent.name}' is a workflow; "
                "scenarios script the model of a single agent",
                hint="name one of the workflow's member agents in `agent:`",
            )
        agent.llm.provider = provider
        yield agent.llm

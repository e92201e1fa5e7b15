from __future__ import annotations

import pytest

from fastagent.agents.declaration import AgentDeclaration
from fastagent.agents.graph import build_order, graph_problems, validate_graph
from fastagent.agents.tool_catalog import ToolCatalog
from fastagent.exceptions import AgentGraphError
from fastagent.tools import FunctionTool

from .conftest import make_app, settings


def spec(name: str, **kw: object) -> AgentDeclaration:
    return AgentDeclaration(name=name, **kw)  # type: ignore[arg-type]


def catalog(*names: str) -> ToolCatalog:
    tools = ToolCatalog()
    for name in names:
        tools.register(FunctionTool(lambda: None, name=name))
    return tools


def problems(*specs: AgentDeclaration, **kw: object) -> list[str]:
    kw.setdefault("tools", catalog())
    kw.setdefault("servers", ())
    return graph_problems(list(specs), **kw)  # type: ignore[arg-type]


def test_valid_graph_has_no_problems_and_builds_helpers_first() -> None:
    specs = [spec("writer", agents=("researcher", "editor")), spec("editor"), spec("researcher")]
    assert problems(*specs) == []
    order = validate_graph(specs, tools=catalog(), servers=())
    assert [s.name for s in order] == ["researcher", "editor", "writer"]


def test_duplicate_names() -> None:
    found = problems(spec("a", source="x.py:3"), spec("a", source="y.yaml: agents.a"))
    assert found == ["agent 'a' is defined 2 times (x.py:3, y.yaml: agents.a)"]


def test_unknown_agent_with_suggestion() -> None:
    found = problems(spec("writer", agents=("reseacher",)), spec("researcher"))
    assert found == ["agent 'writer' uses unknown agent 'reseacher' (did you mean 'researcher'?)"]


def test_unknown_tool_lists_known_tools() -> None:
    found = problems(spec("a", tools=("get_wether",)), tools=catalog("get_weather"))
    assert found == ["agent 'a': unknown tool 'get_wether' (known tools: get_weather)"]


def test_tool_reference_that_is_not_callable() -> None:
    assert problems(spec("a", tools=(42,))) == [
        "agent 'a': tool reference 42 is neither a tool name nor a callable"
    ]


def test_unknown_server_lists_configured_servers() -> None:
    found = problems(spec("a", servers=("fetc",)), servers=("fetch", "time"))
    assert found == [
        "agent 'a' uses unknown MCP server 'fetc' (did you mean 'fetch'?) "
        "(configured under mcp.servers: fetch, time)"
    ]


def test_unknown_requested_agent() -> None:
    found = problems(spec("a"), requested=["b"])
    assert found == ["--agent 'b' names no agent (agents: a)"]


def test_two_defaults() -> None:
    assert problems(spec("a", default=True), spec("b", default=True)) == [
        "more than one default agent: a, b"
    ]


@pytest.mark.parametrize(
    ("specs", "cycle"),
    [
        ([spec("a", agents=("a",))], "cycle: a -> a"),
        ([spec("a", agents=("b",)), spec("b", agents=("a",))], "cycle: a -> b -> a"),
        (
            [spec("a", agents=("b",)), spec("b", agents=("c",)), spec("c", agents=("a",))],
            "cycle: a -> b -> c -> a",
        ),
    ],
)
def test_cycles_are_reported_once(specs: list[AgentDeclaration], cycle: str) -> None:
    assert problems(*specs) == [cycle]
    assert sorted(s.name for s in build_order(specs)) == sorted(s.name for s in specs)


def test_every_problem_at_once_in_one_error() -> None:
    specs = [
        spec("a", agents=("ghost", "b"), tools=("nope",), servers=("nowhere",), default=True),
        spec("b", agents=("a",), default=True),
        spec("b"),
    ]
    with pytest.raises(AgentGraphError) as caught:
        validate_graph(specs, tools=catalog(), servers=(), requested=["zed"])
    error = caught.value
    assert len(error.problems) == 7
    text = error.message
    assert text.startswith("invalid agent graph (7 problem(s)):")
    for fragment in (
        "agent 'b' is defined 2 times",
        "unknown agent 'ghost'",
        "unknown tool 'nope'",
        "unknown MCP server 'nowhere'",
        "--agent 'zed' names no agent",
        "more than one default agent: a, b",
        "cycle: a -> b -> a",
    ):
        assert fragment in text


async def test_app_checks_servers_against_config() -> None:
    fast = make_app()
    fast.agent("a", servers=["fetch"])
    with pytest.raises(AgentGraphError, match="unknown MCP server 'fetch'"):
        async with fast.run():
            pass


async def test_configured_server_passes_validation_and_is_started() -> None:
    from fastagent import FastAgent
    from fastagent.exceptions import MCPServerError

    fast = FastAgent(
        "t",
        parse_cli_args=False,
        settings=settings(
            mcp={"servers": {"fetch": {"command": "no-such-mcp-server-xyz", "args": ["x"]}}}
        ),
    )
    fast.agent("a", servers=["fetch"])
    with pytest.raises(MCPServerError, match="'no-such-mcp-server-xyz' was not found") as info:
        async with fast.run():
            pass
    assert info.value.server == "fetch"

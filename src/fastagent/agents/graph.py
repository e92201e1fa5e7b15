"""Checking the agent graph before anything is built, and the order to build it in.

Every problem is collected (duplicate names, unknown agents, tools and servers, cycles, more
than one default) and raised together as one `AgentGraphError`, so one run shows them all.

A declaration may also check itself: a ``problems()`` method returning one line per problem (a
chain with an empty sequence, a parallel without branches, ...) is called here too, and a
``kind`` attribute (``"chain"``, ``"parallel"``, ...) names it in messages instead of
``agent``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from fastagent.exceptions import AgentGraphError

if TYPE_CHECKING:
    from fastagent.agents.declaration import Declaration
    from fastagent.agents.tool_catalog import ToolCatalog

__all__ = ["build_order", "graph_problems", "validate_graph"]


def validate_graph(
    specs: Sequence[Declaration],
    *,
    tools: ToolCatalog,
    servers: Collection[str],
    requested: Sequence[str] = (),
) -> list[Declaration]:
    """Check the graph and return the declarations in build order (dependencies first).

    Args:
        specs: Every declared agent, in declaration order.
        tools: The app's registered tools.
        servers: The configured MCP server names.
        requested: Agent names asked for from outside (``--agent``).

    Raises:
        AgentGraphError: Listing every problem found.
    """
    problems = graph_problems(specs, tools=tools, servers=servers, requested=requested)
    if problems:
        raise AgentGraphError(problems)
    return build_order(specs)


def graph_problems(
    specs: Sequence[Declaration],
    *,
    tools: ToolCatalog,
    servers: Collection[str],
    requested: Sequence[str] = (),
) -> list[str]:
    """Every problem of the graph, one line each (empty when it is valid)."""
    problems: list[str] = []
    declared = [spec.name for spec in specs]
    names = list(dict.fromkeys(declared))
    known = set(names)
    for name in names:
        count = declared.count(name)
        if count > 1:
            where = [_where(s) for s in specs if s.name == name]
            places = f" ({', '.join(w for w in where if w)})" if any(where) else ""
            problems.append(f"agent '{name}' is defined {count} times{places}")
    for spec in specs:
        label = f"{getattr(spec, 'kind', 'agent')} '{spec.name}'"
        own_problems = getattr(spec, "problems", None)
        if callable(own_problems):
            problems.extend(own_problems())
        for helper in spec.agents:
            if helper not in known:
                problems.append(f"{label} uses unknown agent '{helper}'{_suggest(helper, names)}")
        for ref in spec.tools:
            problem = tools.problem(ref)
            if problem is not None:
                problems.append(f"{label}: {problem}")
        for server in spec.servers:
            if server not in servers:
                configured = ", ".join(sorted(servers)) or "none"
                problems.append(
                    f"{label} uses unknown MCP server '{server}'{_suggest(server, servers)} "
                    f"(configured under mcp.servers: {configured})"
                )
    for name in requested:
        if name not in known:
            listed = ", ".join(names) or "none"
            problems.append(
                f"--agent '{name}' names no agent{_suggest(name, names)} (agents: {listed})"
            )
    defaults = [spec.name for spec in specs if spec.default]
    if len(defaults) > 1:
        problems.append(f"more than one default agent: {', '.join(defaults)}")
    problems.extend(f"cycle: {' -> '.join(cycle)}" for cycle in _cycles(specs))
    return problems


def build_order(specs: Sequence[Declaration]) -> list[Declaration]:
    """The declarations with every agent after the agents it uses (declaration order otherwise).

    Assumes a valid graph: unknown names are skipped and cycles are not followed.
    """
    by_name = {spec.name: spec for spec in specs}
    done: set[str] = set()
    order: list[Declaration] = []

    def visit(spec: Declaration, path: frozenset[str]) -> None:
        if spec.name in done or spec.name in path:
            return
        for helper in spec.agents:
            if helper in by_name:
                visit(by_name[helper], path | {spec.name})
        done.add(spec.name)
        order.append(spec)

    for spec in specs:
        visit(spec, frozenset())
    return order


def _cycles(specs: Sequence[Declaration]) -> list[list[str]]:
    """Each cycle once, as the path that closes it (``a -> b -> a``)."""
    edges: dict[str, list[str]] = {}
    for spec in specs:
        edges.setdefault(spec.name, []).extend(spec.agents)
    finished: set[str] = set()
    seen_cycles: set[frozenset[str]] = set()
    cycles: list[list[str]] = []

    def visit(name: str, stack: list[str]) -> None:
        if name in finished:
            return
        if name in stack:
            cycle = [*stack[stack.index(name) :], name]
            key = frozenset(cycle)
            if key not in seen_cycles:
                seen_cycles.add(key)
                cycles.append(cycle)
            return
        stack.append(name)
        for helper in edges.get(name, ()):
            if helper in edges:
                visit(helper, stack)
        stack.pop()
        finished.add(name)

    for name in edges:
        visit(name, [])
    return cycles


def _suggest(name: str, candidates: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _where(spec: Declaration) -> str:
    return str(getattr(spec, "source", "") or "")

"""An MCP server whose tools are the agents of an app.

Each served agent is one tool: its name is the agent's name, its description the agent's
instruction, its input ``{"message": string}``; the reply comes back as text. Each agent's
conversation in the caller's session is also readable as the JSON resource
``fastagent://history/<agent>`` (the `fastagent.history` JSON format).

Which session a request belongs to is decided by a `SessionKey` function: stdio has one
client per process, so one session; streamable HTTP sessions are told apart by their
``Mcp-Session-Id`` header (see `fastagent.serve.transports`).

Importing this module imports ``mcp``; `fastagent.serve` loads it only when serving.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from fastagent.exceptions import FastAgentError, UnknownAgentError
from fastagent.logging import get_logger

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.serve.human_input import PendingTurns
    from fastagent.serve.sessions import SessionStore

__all__ = [
    "HISTORY_URI_PREFIX",
    "MESSAGE_SCHEMA",
    "SESSION_ID_HEADER",
    "STDIO_SESSION",
    "ServedAgent",
    "SessionKey",
    "build_server",
    "http_session_key",
    "served_agents",
    "stdio_session_key",
]

HISTORY_URI_PREFIX = "fastagent://history/"
"""An agent's conversation in the caller's session is the resource ``<prefix><agent>``."""

STDIO_SESSION = "stdio"
"""The session key of every request over stdio (one client per process)."""

SESSION_ID_HEADER = "mcp-session-id"
"""The streamable HTTP header naming the client's session."""

MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"message": {"type": "string", "description": "The message to send"}},
    "required": ["message"],
}
"""The input schema of every agent tool."""

SessionKey = Callable[[ServerRequestContext[Any, Any]], str | None]
"""Says which client session a request belongs to (None: a session of its own)."""

_log = get_logger("serve")


@dataclass(frozen=True, slots=True)
class ServedAgent:
    """An agent offered as a tool.

    Attributes:
        name: The agent's (and tool's) name.
        description: What the tool says about itself: the agent's instruction.
    """

    name: str
    description: str


def served_agents(agents: Mapping[str, BaseAgent], names: Sequence[str] = ()) -> list[ServedAgent]:
    """Describe the agents to serve: those in `names`, or all of them when it is empty.

    Raises:
        UnknownAgentError: A name in `names` is not one of `agents`.
    """
    unknown = [n for n in names if n not in agents]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(agents), n=1, cutoff=0.6)
        guess = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownAgentError(
            f"unknown agent(s) {', '.join(repr(n) for n in unknown)} "
            f"(agents: {', '.join(agents) or 'none'})",
            hint=f"{guess}pass --agent with one of the names listed, or leave it out to serve all",
        )
    if not agents:
        raise UnknownAgentError(
            "the app has no agents to serve",
            hint="declare one with @fast.agent(...) or under agents: in fastagent.yaml",
        )
    chosen = list(dict.fromkeys(names)) if names else list(agents)
    return [ServedAgent(n, agents[n].instruction or f"Talk to agent {n}.") for n in chosen]


def stdio_session_key(ctx: ServerRequestContext[Any, Any]) -> str:
    """Every stdio request belongs to the process's one session."""
    return STDIO_SESSION


def http_session_key(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """The request's ``Mcp-Session-Id``; None for a stateless request (no session)."""
    headers = getattr(ctx.request, "headers", None)
    if headers is None:
        return None
    value = headers.get(SESSION_ID_HEADER)
    return str(value) if value else None


def build_server(
    name: str,
    agents: Sequence[ServedAgent],
    store: SessionStore,
    *,
    session_key: SessionKey,
    version: str = "",
    pending: PendingTurns | None = None,
) -> Server[Any]:
    """Build the MCP server: one tool and one history resource per agent.

    Args:
        name: The server's name (the app's name).
        agents: The agents to offer.
        store: Hands each request its session's agents.
        session_key: Says which session a request belongs to.
        version: The server's version string.
        pending: Runs the tool calls' turns (the caller cancels them at shutdown with
            `PendingTurns.aclose`); a new one by default.
    """
    from fastagent.serve.human_input import PendingTurns

    served = {a.name: a for a in agents}
    turns = pending if pending is not None else PendingTurns()

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=a.name, description=a.description, input_schema=MESSAGE_SCHEMA)
                for a in served.values()
            ]
        )

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if params.name not in served:
            raise MCPError(
                types.INVALID_PARAMS,
                f"unknown tool '{params.name}' (tools: {', '.join(served)})",
            )
        message = (params.arguments or {}).get("message")
        if not isinstance(message, str):
            return _error_result(f"tool '{params.name}' needs the argument 'message' (a string)")
        key = session_key(ctx)

        async def run() -> types.CallToolResult:
            return await _run_turn(store, key, params.name, message)

        with _callers_trace(ctx):
            return await turns.run_with_input(ctx, params, run)

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    name=f"{a.name} history",
                    uri=HISTORY_URI_PREFIX + a.name,
                    description=f"Agent {a.name}'s conversation in this session",
                    mime_type="application/json",
                )
                for a in served.values()
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        from fastagent.history import dumps_history

        uri = str(params.uri)
        agent = uri.removeprefix(HISTORY_URI_PREFIX)
        if not uri.startswith(HISTORY_URI_PREFIX) or agent not in served:
            raise MCPError(types.INVALID_PARAMS, f"unknown resource '{uri}'")
        session = await store.get(session_key(ctx))
        text = dumps_history(session.agents[agent].history, "json")
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="application/json", text=text)]
        )

    return Server(
        name,
        version=version,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


async def _run_turn(
    store: SessionStore, key: str | None, agent: str, message: str
) -> types.CallToolResult:
    try:
        async with store.turn(key, agent) as target:
            reply = await target.send(message)
    except FastAgentError as exc:
        hint = f" (hint: {exc.hint})" if exc.hint else ""
        return _error_result(f"agent '{agent}' failed: {exc.message}{hint}")
    except Exception as exc:  # an agent's bug must not take the server down
        _log.exception("agent %s failed", agent)
        return _error_result(f"agent '{agent}' failed: {type(exc).__name__}")
    return types.CallToolResult(content=[types.TextContent(type="text", text=reply)])


@contextlib.contextmanager
def _callers_trace(ctx: ServerRequestContext[Any, Any]) -> Iterator[None]:
    """Continue the caller's trace from its HTTP ``traceparent`` header.

    The SDK already continues a trace whose context the request's ``_meta`` carries; this
    covers HTTP clients that send only the W3C header.
    """
    headers = getattr(ctx.request, "headers", None)
    if headers is None or "traceparent" not in headers:
        yield
        return
    from opentelemetry import context, trace
    from opentelemetry.propagate import extract

    if trace.get_current_span().get_span_context().is_valid:
        yield
        return
    token = context.attach(extract({k.lower(): v for k, v in headers.items()}))
    try:
        yield
    finally:
        context.detach(token)


def _error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)

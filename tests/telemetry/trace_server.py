"""An MCP server (the SDK's MCPServer) that shows the trace context it received.

Usage: ``python trace_server.py`` (stdio) or ``python trace_server.py http PORT``.
Tools: ``relay(message)`` returns the message as is; ``trace_context()`` returns JSON with
the ``traceparent`` of the request's ``_meta`` and, over HTTP, of the request's headers;
``nap(seconds)`` answers after that long. A resource ``note://today`` and a prompt
``greet(name)``.
"""

import json
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("trace")


@server.tool()
def relay(message: str) -> str:
    """Return the message unchanged."""
    return message


@server.tool()
def trace_context(ctx: Context) -> str:
    """The traceparent this request carried, in `_meta` and in HTTP headers."""
    meta = ctx.request_context.meta or {}
    headers = ctx.headers or {}
    return json.dumps({"meta": meta.get("traceparent"), "header": headers.get("traceparent")})


@server.tool()
async def nap(seconds: float) -> str:
    """Answer after `seconds`."""
    await anyio.sleep(seconds)
    return "awake"


@server.resource("note://today")
def today() -> str:
    """Today's note."""
    return "a quiet day"


@server.prompt()
def greet(name: str) -> str:
    """Greet someone."""
    return f"Say hello to {name}."


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()

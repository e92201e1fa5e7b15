"""A tiny stdio MCP server for an agent that the tests serve.

``ping`` answers pong; ``client`` logs a warning to the client, then answers, as JSON, this
process's pid, the capabilities the client declared (sampling, roots, ...) and the roots it
lists, so a test can count server processes and see the client callbacks they were
connected with.
"""

import json
import os

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("pid")


@server.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


@server.tool()
async def client(ctx: Context) -> str:
    """This server's pid, the client's declared capabilities and its roots, as JSON."""
    await ctx.warning(f"pid server {os.getpid()} was asked for its client")
    session = ctx.request_context.session
    params = session.client_params
    declared = params.capabilities.model_dump(exclude_none=True) if params is not None else {}
    roots: list[str] = []
    if "roots" in declared:
        roots = [str(root.uri) for root in (await session.list_roots()).roots]
    return json.dumps({"pid": os.getpid(), "capabilities": sorted(declared), "roots": roots})


if __name__ == "__main__":
    server.run()

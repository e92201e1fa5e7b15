"""A tiny MCP server (stdio) with one tool, written with the official `mcp` SDK.

examples/tools.py starts it as a subprocess; it needs no network and nothing but fastagent's
own dependencies. Run it alone with ``python units_server.py`` (it speaks JSON-RPC on stdio).
"""

from mcp.server.mcpserver import MCPServer

server = MCPServer("units")


@server.tool()
def km_to_miles(km: float) -> float:
    """Convert kilometres to miles."""
    return round(km * 0.621371, 2)


if __name__ == "__main__":
    server.run()

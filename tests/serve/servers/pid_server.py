"""A tiny stdio MCP server with one tool, ``ping``, for an agent that the tests serve."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("pid")


@server.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()

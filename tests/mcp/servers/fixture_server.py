"""A small MCP server for the tests, behaving as argv[1] says.

Modes:
  ok        serves tools: echo, crash (exits with code 3), add_tool (adds "extra" and sends
            tools/list_changed), remove_tool, spawn (starts a grandchild that sleeps; prints its
            pid), slow_echo (sleeps first)
  slow      sleeps argv[2] seconds before serving
  hang      reads stdin and never answers
  garbage   writes non-JSON lines to stdout, then serves
  garbage_only  writes non-JSON lines to stdout forever, never serves
  stderr_exit   writes to stderr and exits with code 2 at once
  paged     low-level server whose tools/list has pages of 2 tools (5 tools)
  grandchild    spawns a sleeping grandchild before serving (pid written to stderr)
  needs_file    serves like ok when the file argv[2] exists, else acts as stderr_exit
"""

import os
import subprocess
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "ok"


def _spawn_sleeper() -> int:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    return child.pid


def _fastmcp() -> object:
    from mcp.server.mcpserver import Context, MCPServer

    server = MCPServer("fixture")

    @server.tool()
    def echo(message: str) -> str:
        """Echo the message back."""
        return f"echo: {message}"

    @server.tool()
    def crash() -> str:
        """Exit the server process with code 3."""
        sys.stderr.write("about to crash: boom\n")
        sys.stderr.flush()
        os._exit(3)

    @server.tool()
    async def slow_echo(message: str, seconds: float) -> str:
        """Sleep, then echo."""
        import anyio

        await anyio.sleep(seconds)
        return message

    @server.tool()
    async def add_tool(ctx: Context) -> str:
        """Add the tool 'extra' and announce the change."""

        def extra() -> str:
            """An extra tool."""
            return "extra!"

        server.add_tool(extra)
        await ctx.request_context.session.send_tool_list_changed()
        return "added"

    @server.tool()
    async def remove_tool(ctx: Context) -> str:
        """Remove the tool 'echo' and announce the change."""
        server.remove_tool("echo")
        await ctx.request_context.session.send_tool_list_changed()
        return "removed"

    @server.tool()
    def spawn() -> str:
        """Start a sleeping grandchild; returns its pid."""
        return str(_spawn_sleeper())

    return server


def _paged() -> None:
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel.server import Server
    from mcp.server.stdio import stdio_server

    names = [f"t{i}" for i in range(5)]

    async def list_tools(ctx: object, params: types.PaginatedRequestParams | None):
        start = int(params.cursor) if params is not None and params.cursor else 0
        page = names[start : start + 2]
        tools = [
            types.Tool(name=n, description=f"tool {n}", input_schema={"type": "object"})
            for n in page
        ]
        more = start + 2 < len(names)
        return types.ListToolsResult(tools=tools, next_cursor=str(start + 2) if more else None)

    async def call_tool(ctx: object, params: types.CallToolRequestParams):
        return types.CallToolResult(content=[types.TextContent(text=f"called {params.name}")])

    server = Server("paged", on_list_tools=list_tools, on_call_tool=call_tool)

    async def run() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(run)


def main() -> None:
    if MODE == "slow":
        time.sleep(float(sys.argv[2]))
    elif MODE == "hang":
        sys.stderr.write("hanging forever\n")
        sys.stderr.flush()
        for _ in sys.stdin:
            pass
        time.sleep(600)
        return
    elif MODE == "garbage":
        print("this is not json", flush=True)
        print("{broken", flush=True)
    elif MODE == "garbage_only":
        while True:
            print("garbage garbage", flush=True)
            time.sleep(0.05)
    elif MODE == "stderr_exit" or (MODE == "needs_file" and not os.path.exists(sys.argv[2])):
        sys.stderr.write("fatal: cannot open database /nope.db\n")
        sys.stderr.flush()
        sys.exit(2)
    elif MODE == "paged":
        _paged()
        return
    elif MODE == "grandchild":
        sys.stderr.write(f"grandchild pid {_spawn_sleeper()}\n")
        sys.stderr.flush()
    server = _fastmcp()
    server.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()

"""An MCP server (stdio) whose tool ``block`` blocks on a file until the test ends it.

``block`` writes ``<pid> <helper pid>`` to ``STATE/started`` (the helper is a child it
starts, so a test can check the server's children die too) and then blocks opening the FIFO
``STATE/fifo`` for reading, which only returns when someone opens it for writing. ``pid``
answers the server's process id (to show the same server still serves later calls).

Usage: python blocking_server.py STATE
"""

import os
import subprocess
import sys
from pathlib import Path

STATE = Path(sys.argv[1])


def main() -> None:
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("blocker")

    @server.tool()
    def block() -> str:
        """Wait for a line on the state FIFO."""
        helper = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(600)"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        fifo = STATE / "fifo"
        os.mkfifo(fifo)
        (STATE / "started.tmp").write_text(f"{os.getpid()} {helper.pid}")
        (STATE / "started.tmp").rename(STATE / "started")
        with fifo.open() as lines:  # blocks here: nobody opens the FIFO for writing
            return lines.readline()

    @server.tool()
    def pid() -> str:
        """The server's process id."""
        return f"server pid {os.getpid()}"

    server.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()

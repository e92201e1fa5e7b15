"""A hostile MCP server speaking raw JSON-RPC over stdio (no SDK), for the reliability tests.

Usage: hostile_stdio.py [--bad-utf8-start] [--bad-tools] [--slow-list] [--detached PIDFILE]

Options:
  --bad-utf8-start  write a line with bytes that are not UTF-8 before anything else
  --bad-tools       tools/list also offers tools with a missing / non-object inputSchema
  --slow-list       tools/list takes 30 s instead of 50 ms
  --detached FILE   at start, spawn a helper in a new session that ignores SIGTERM and keeps
                    our stdout open; write "<pid> <start time>" of it to FILE
  --helper-follows  the helper exits by itself as soon as this server has exited
  --die-at-start    exit with code 4 right after starting the helper (before initialize)
  --hang-init       read requests but never answer initialize
  --huge-list N     tools/list offers N more tools (tool_0 ... tool_N-1), each with a schema

Tools (tools/call):
  echo {message}        answers "echo: <message>"
  bad_utf8 {message}    writes a line of invalid UTF-8 first, then answers like echo
  garbage {lines}       writes `lines` lines of ASCII garbage first, then answers "ok"
  malformed             answers with the right id but a result that is not an object
  never                 never answers
  server_error {code}   answers a JSON-RPC error with `code` ("server-side failure")
  progress_flood {n}    sends n progress notifications for a token nobody issued, then "ok"
  list_changed_flood {n}  sends n notifications/tools/list_changed, then "ok"
  stats                 answers JSON: {"tools_list": count, "max_in_flight": max concurrent}
  die                   exits at once with code 3
  sigkill               kills itself with SIGKILL
  close_stdout          closes its stdout (and its stdin) but keeps running, silent
  wrong_id              answers with an id nobody used (and a string id of no request), never
                        with the right one
  bad_result            answers with a result object that is no CallToolResult
                        (``content`` is a string)
  huge {mb}             answers one text block of `mb` megabytes
  log_flood {n}         sends n notifications/message at level error, then "ok"
  stderr_flood {mb}     writes `mb` megabytes to stderr (one line without a newline among
                        them), then "ok"
  slow_loris {seconds}  writes its reply one byte at a time, spread over `seconds`

tools/list takes 50 ms (so concurrent listings overlap and are counted).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

ARGS = sys.argv[1:]
OUT = sys.stdout.buffer
STATS = {"tools_list": 0, "in_flight": 0, "max_in_flight": 0}

GOOD_TOOLS: list[dict[str, Any]] = [
    {"name": name, "description": name, "inputSchema": {"type": "object"}}
    for name in (
        "echo",
        "bad_utf8",
        "garbage",
        "malformed",
        "never",
        "server_error",
        "progress_flood",
        "list_changed_flood",
        "stats",
        "die",
        "sigkill",
        "close_stdout",
        "wrong_id",
        "bad_result",
        "huge",
        "log_flood",
        "stderr_flood",
        "slow_loris",
    )
]
BAD_TOOLS: list[dict[str, Any]] = [
    {"name": "no_schema", "description": "inputSchema missing"},
    {"name": "string_schema", "description": "inputSchema not an object", "inputSchema": "x"},
]
HUGE_TOOLS: list[dict[str, Any]] = [
    {
        "name": f"tool_{i}",
        "description": "one of many tools " * 10,
        "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    for i in range(int(ARGS[ARGS.index("--huge-list") + 1]) if "--huge-list" in ARGS else 0)
]


def write(payload: dict[str, Any] | bytes) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode() + b"\n"
    OUT.write(data)
    OUT.flush()


def result(request_id: Any, value: dict[str, Any]) -> None:
    write({"jsonrpc": "2.0", "id": request_id, "result": value})


def text(request_id: Any, message: str) -> None:
    result(request_id, {"content": [{"type": "text", "text": message}], "isError": False})


def spawn_detached(pidfile: str) -> None:
    if "--helper-follows" in ARGS:
        code = "import os, time\nparent = os.getppid()\n"
        code += "while os.getppid() == parent:\n    time.sleep(0.01)\n"
    else:
        code = (
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)\n"
        )
    helper = subprocess.Popen(
        [sys.executable, "-c", code],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # stdout inherited: the helper holds our stdout open
    stat = Path(f"/proc/{helper.pid}/stat").read_text()
    start = stat[stat.rindex(")") + 2 :].split()[19]
    Path(pidfile).write_text(f"{helper.pid} {start}\n")
    sys.stderr.write(f"helper pid {helper.pid}\n")
    sys.stderr.flush()


async def call_tool(request_id: Any, name: str, arguments: dict[str, Any]) -> None:
    if name == "echo":
        text(request_id, f"echo: {arguments.get('message')}")
    elif name == "bad_utf8":
        write(b"\xff\xfe\xc3(broken utf-8\n")
        text(request_id, f"echo: {arguments.get('message')}")
    elif name == "garbage":
        for i in range(int(arguments.get("lines", 10))):
            write(f"garbage line {i}\n".encode())
        text(request_id, "ok")
    elif name == "malformed":
        write({"jsonrpc": "2.0", "id": request_id, "result": "not an object"})
    elif name == "never":
        return
    elif name == "server_error":
        code = int(arguments.get("code", -32000))
        write({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": "boom"}})
    elif name == "progress_flood":
        for i in range(int(arguments.get("n", 100))):
            params = {"progressToken": "nobody-issued-this", "progress": i, "total": 10**6}
            write({"jsonrpc": "2.0", "method": "notifications/progress", "params": params})
        text(request_id, "ok")
    elif name == "list_changed_flood":
        notification = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
        data = (json.dumps(notification) + "\n").encode() * int(arguments.get("n", 100))
        write(data)
        text(request_id, "ok")
    elif name == "stats":
        text(request_id, json.dumps({k: STATS[k] for k in ("tools_list", "max_in_flight")}))
    elif name == "die":
        sys.stderr.write("dying now\n")
        sys.stderr.flush()
        os._exit(3)
    elif name == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif name == "close_stdout":
        sys.stderr.write("closing stdout\n")
        sys.stderr.flush()
        os.close(1)
        os.close(0)
        await asyncio.sleep(600)
    elif name == "wrong_id":
        other = request_id + 1000 if isinstance(request_id, int) else f"{request_id}-other"
        text(other, "for nobody")
        text("no-such-request", "for nobody either")
    elif name == "bad_result":
        result(request_id, {"content": "not a list of blocks", "isError": "perhaps"})
    elif name == "huge":
        size = int(float(arguments.get("mb", 1)) * 2**20)
        text(request_id, "x" * size)
    elif name == "log_flood":
        for i in range(int(arguments.get("n", 100))):
            params = {"level": "error", "logger": "flood", "data": f"log line {i}"}
            write({"jsonrpc": "2.0", "method": "notifications/message", "params": params})
        text(request_id, "ok")
    elif name == "stderr_flood":
        size = int(float(arguments.get("mb", 1)) * 2**20)
        chunk = "e" * 65535 + "\n"
        os.write(2, b"y" * 100_000)  # one endless line
        for _ in range(size // len(chunk)):
            os.write(2, chunk.encode())
        text(request_id, "ok")
    elif name == "slow_loris":
        reply = {"jsonrpc": "2.0", "id": request_id, "result": {"content": []}}
        data = json.dumps(reply).encode() + b"\n"
        pause = float(arguments.get("seconds", 10)) / len(data)
        for byte in data:
            OUT.write(bytes([byte]))
            OUT.flush()
            await asyncio.sleep(pause)
    else:
        write({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32602, "message": name}})


async def list_tools(request_id: Any) -> None:
    STATS["tools_list"] += 1
    STATS["in_flight"] += 1
    STATS["max_in_flight"] = max(STATS["max_in_flight"], STATS["in_flight"])
    await asyncio.sleep(30 if "--slow-list" in ARGS else 0.05)
    STATS["in_flight"] -= 1
    tools = GOOD_TOOLS + (BAD_TOOLS if "--bad-tools" in ARGS else []) + HUGE_TOOLS
    result(request_id, {"tools": tools})


async def handle(message: dict[str, Any]) -> None:
    method = message.get("method")
    request_id = message.get("id")
    params = message.get("params") or {}
    if method == "initialize":
        if "--hang-init" in ARGS:
            return
        result(
            request_id,
            {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": "hostile", "version": "1"},
            },
        )
    elif method == "tools/list":
        await list_tools(request_id)
    elif method == "tools/call":
        await call_tool(request_id, params.get("name", ""), params.get("arguments") or {})
    elif method == "ping":
        result(request_id, {})
    elif request_id is not None:
        write({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "?"}})


async def main() -> None:
    if "--bad-utf8-start" in ARGS:
        write(b"\xff\xfe\xfd not utf-8 at all\n")
    if "--detached" in ARGS:
        spawn_detached(ARGS[ARGS.index("--detached") + 1])
    if "--die-at-start" in ARGS:
        sys.stderr.write("cannot go on\n")
        sys.stderr.flush()
        os._exit(4)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        task = asyncio.create_task(handle(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


if __name__ == "__main__":
    asyncio.run(main())

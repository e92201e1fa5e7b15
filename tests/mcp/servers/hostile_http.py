"""A hostile streamable-HTTP MCP server: raw HTTP/1.1 on 127.0.0.1 (no SDK, no framework).

Usage: hostile_http.py PORT [--forbid-list]

  --forbid-list   answer tools/list with HTTP 403

Tools (tools/call):
  echo {message}  answers "echo: <message>" as a JSON response
  cut_json        a JSON response cut in the middle of its body (Content-Length not reached)
  cut_sse         an SSE response cut in the middle of its event
  stall_sse       an SSE response that sends its headers, then nothing, ever

Every response closes its connection. GET (the standalone stream) is 405, DELETE is 200.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

PORT = int(sys.argv[1])
FORBID_LIST = "--forbid-list" in sys.argv[2:]
TOOLS = [
    {"name": name, "description": name, "inputSchema": {"type": "object"}}
    for name in ("echo", "cut_json", "cut_sse", "stall_sse")
]


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_response(payload: dict[str, Any], extra: dict[str, str] | None = None) -> bytes:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    headers.update(extra or {})
    return head("200 OK", headers) + body


async def answer(message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    method = message.get("method")
    request_id = message.get("id")
    params = message.get("params") or {}
    if request_id is None:
        writer.write(head("202 Accepted", {"Content-Length": "0"}))
    elif method == "initialize":
        result = {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "hostile-http", "version": "1"},
        }
        reply = {"jsonrpc": "2.0", "id": request_id, "result": result}
        writer.write(json_response(reply, {"Mcp-Session-Id": "session-1"}))
    elif method == "tools/list" and FORBID_LIST:
        body = b"forbidden"
        writer.write(head("403 Forbidden", {"Content-Length": str(len(body))}) + body)
    elif method == "tools/list":
        listing = {"jsonrpc": "2.0", "id": request_id, "result": {"tools": TOOLS}}
        writer.write(json_response(listing))
    elif method == "tools/call":
        await call_tool(request_id, params.get("name"), params.get("arguments") or {}, writer)
    else:
        error = {"code": -32601, "message": f"no method {method}"}
        writer.write(json_response({"jsonrpc": "2.0", "id": request_id, "error": error}))


async def call_tool(
    request_id: Any, name: Any, arguments: dict[str, Any], writer: asyncio.StreamWriter
) -> None:
    if name == "echo":
        content = [{"type": "text", "text": f"echo: {arguments.get('message')}"}]
        reply = {"jsonrpc": "2.0", "id": request_id, "result": {"content": content}}
        writer.write(json_response(reply))
    elif name == "cut_json":
        writer.write(head("200 OK", {"Content-Type": "application/json", "Content-Length": "500"}))
        writer.write(b'{"jsonrpc": "2.0", "id": ')
    elif name == "cut_sse":
        writer.write(head("200 OK", {"Content-Type": "text/event-stream"}))
        writer.write(b'event: message\ndata: {"jsonrpc": "2.0", "id": ')
    elif name == "stall_sse":
        writer.write(head("200 OK", {"Content-Type": "text/event-stream"}))
        await writer.drain()
        await asyncio.sleep(3600)


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request_line = (await reader.readline()).decode("latin-1").split()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        method = request_line[0] if request_line else ""
        if method == "POST":
            await answer(json.loads(body), writer)
        elif method == "DELETE":
            writer.write(head("200 OK", {"Content-Length": "0"}))
        else:
            writer.write(head("405 Method Not Allowed", {"Content-Length": "0"}))
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

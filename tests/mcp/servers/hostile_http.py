"""A hostile MCP server over HTTP on 127.0.0.1: raw HTTP/1.1 (no SDK, no framework).

Usage: hostile_http.py PORT [--sse] [--forbid-list] [--hang-init] [--slow-list] [--huge-list N]
                             [--bad-tools]

  --sse           speak the legacy SSE transport (GET /sse, POST /messages?session_id=1)
                  instead of streamable HTTP (POST /mcp)
  --forbid-list   answer tools/list with HTTP 403
  --hang-init     never answer initialize
  --slow-list     tools/list takes 30 s
  --huge-list N   tools/list offers N more tools (tool_0 ... tool_N-1)
  --bad-tools     tools/list also offers tools with a missing / non-object inputSchema

Tools (tools/call), on both transports unless marked:
  echo {message}        answers "echo: <message>"
  never                 never answers (streamable HTTP: the POST stays open, silent)
  wrong_id              answers with an id nobody used, never with the right one
  bad_result            answers with a result object that is no CallToolResult
  malformed             answers with the right id but a result that is not an object
  garbage {lines}       sends `lines` events that are not JSON-RPC first, then "ok"
  huge {mb}             answers one text block of `mb` megabytes
  log_flood {n}         sends n notifications/message at level error first, then "ok"
  progress_flood {n}    sends n progress notifications for a token nobody issued, then "ok"
  list_changed {n}      sends n notifications/tools/list_changed first, then "ok"
  stats                 answers JSON: {"tools_list": how many tools/list requests came}
  http_500              the POST is answered with HTTP 500
  reset                 the connection is reset (RST): streamable HTTP the POST's, SSE the
                        event stream's
  die                   the server process exits at once (code 3)
  slow_loris {seconds}  the reply trickles out one byte at a time over `seconds`
  cut_json              (streamable) a JSON response cut in the middle of its body
  cut_sse               (streamable) an SSE response cut in the middle of its event
  stall_sse             (streamable) an SSE response that sends its headers, then nothing

Streamable HTTP: every response closes its connection; GET (the standalone stream) is 405,
DELETE is 200. The session id is new in each process; a POST naming another one is answered
404 (as a restarted server answers).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import sys
from typing import Any

PORT = int(sys.argv[1])
FLAGS = sys.argv[2:]
SSE = "--sse" in FLAGS
NAMES = ["echo", "never", "wrong_id", "bad_result", "huge", "log_flood", "http_500", "reset"]
NAMES += ["die", "slow_loris", "cut_json", "cut_sse", "stall_sse", "malformed", "garbage"]
NAMES += ["progress_flood", "list_changed", "stats"]
STATS = {"tools_list": 0}
HUGE = int(FLAGS[FLAGS.index("--huge-list") + 1]) if "--huge-list" in FLAGS else 0
TOOLS = [{"name": name, "description": name, "inputSchema": {"type": "object"}} for name in NAMES]
TOOLS += [
    {
        "name": f"tool_{i}",
        "description": "one of many tools " * 10,
        "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    for i in range(HUGE)
]
if "--bad-tools" in FLAGS:
    TOOLS += [
        {"name": "no_schema", "description": "inputSchema missing"},
        {"name": "string_schema", "description": "not an object", "inputSchema": "x"},
    ]
SESSION = f"session-{os.getpid()}"
SPECIAL = {"never", "http_500", "reset", "die", "slow_loris", "cut_json", "cut_sse", "stall_sse"}


def head(status: str, headers: dict[str, str], *, close: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    if close:
        lines.insert(1, "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_response(payload: dict[str, Any], extra: dict[str, str] | None = None) -> bytes:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    headers.update(extra or {})
    return head("200 OK", headers) + body


def event(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return b"event: message\ndata: " + data.encode() + b"\n\n"


def reply(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def text(request_id: Any, message: str) -> dict[str, Any]:
    return reply(request_id, {"content": [{"type": "text", "text": message}]})


def reset(writer: asyncio.StreamWriter) -> None:
    """Close `writer`'s connection with a TCP reset."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def messages_for(message: dict[str, Any]) -> list[dict[str, Any] | str] | None:
    """What the server sends for `message` (notifications, then the reply); None: nothing."""
    method = message.get("method")
    request_id = message.get("id")
    params = message.get("params") or {}
    if request_id is None:
        return []
    if method == "initialize":
        if "--hang-init" in FLAGS:
            return None
        result = {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": "hostile-http", "version": "1"},
        }
        return [reply(request_id, result)]
    if method == "tools/list":
        STATS["tools_list"] += 1
        if "--slow-list" in FLAGS:
            await asyncio.sleep(30)
        return [reply(request_id, {"tools": TOOLS})]
    if method == "ping":
        return [reply(request_id, {})]
    if method != "tools/call":
        error = {"code": -32601, "message": f"no method {method}"}
        return [{"jsonrpc": "2.0", "id": request_id, "error": error}]
    name = params.get("name")
    arguments = params.get("arguments") or {}
    if name == "echo":
        return [text(request_id, f"echo: {arguments.get('message')}")]
    if name == "wrong_id":
        other = request_id + 1000 if isinstance(request_id, int) else f"{request_id}-other"
        return [text(other, "for nobody")]
    if name == "bad_result":
        return [reply(request_id, {"content": "not a list of blocks", "isError": "perhaps"})]
    if name == "malformed":
        return [{"jsonrpc": "2.0", "id": request_id, "result": "not an object"}]
    if name == "huge":
        return [text(request_id, "x" * int(float(arguments.get("mb", 1)) * 2**20))]
    if name == "log_flood":
        log = [
            {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {"level": "error", "logger": "flood", "data": f"log line {i}"},
            }
            for i in range(int(arguments.get("n", 100)))
        ]
        return [*log, text(request_id, "ok")]
    if name == "progress_flood":
        progress = [
            {
                "jsonrpc": "2.0",
                "method": "notifications/progress",
                "params": {"progressToken": "nobody-issued-this", "progress": i, "total": 10**6},
            }
            for i in range(int(arguments.get("n", 100)))
        ]
        return [*progress, text(request_id, "ok")]
    if name == "list_changed":
        changed = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
        return [*([changed] * int(arguments.get("n", 1))), text(request_id, "ok")]
    if name == "stats":
        return [text(request_id, json.dumps(STATS))]
    if name == "garbage":
        lines = int(arguments.get("lines", 10))
        return [*(f"garbage line {i}" for i in range(lines)), text(request_id, "ok")]
    return None


async def trickle(writer: asyncio.StreamWriter, data: bytes, seconds: float) -> None:
    for byte in data:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(seconds / len(data))


# -- streamable HTTP ---------------------------------------------------------------------------


async def answer_streamable(message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    params = message.get("params") or {}
    name = params.get("name") if message.get("method") == "tools/call" else None
    if message.get("method") == "tools/list" and "--forbid-list" in FLAGS:
        body = b"forbidden"
        writer.write(head("403 Forbidden", {"Content-Length": str(len(body))}) + body)
        return
    if name in SPECIAL:
        await special_streamable(name, message.get("id"), params.get("arguments") or {}, writer)
        return
    sent = await messages_for(message)
    if sent is None:
        await asyncio.sleep(3600)
    elif not sent:
        writer.write(head("202 Accepted", {"Content-Length": "0"}))
    elif message.get("method") == "initialize" and isinstance(sent[0], dict):
        writer.write(json_response(sent[0], {"Mcp-Session-Id": SESSION}))
    elif len(sent) == 1 and isinstance(sent[0], dict):
        writer.write(json_response(sent[0]))
    else:
        writer.write(head("200 OK", {"Content-Type": "text/event-stream"}))
        writer.write(b"".join(event(m) for m in sent))


async def special_streamable(
    name: str, request_id: Any, arguments: dict[str, Any], writer: asyncio.StreamWriter
) -> None:
    if name == "never":
        await asyncio.sleep(3600)
    elif name == "http_500":
        body = b"internal server error"
        writer.write(head("500 Internal Server Error", {"Content-Length": str(len(body))}) + body)
    elif name == "reset":
        reset(writer)
    elif name == "die":
        os._exit(3)
    elif name == "slow_loris":
        body = json.dumps(reply(request_id, {"content": []})).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        writer.write(head("200 OK", headers))
        await trickle(writer, body, float(arguments.get("seconds", 10)))
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


# -- legacy SSE --------------------------------------------------------------------------------

STREAM: asyncio.StreamWriter | None = None
"""The one open event stream (GET /sse)."""


async def open_stream(writer: asyncio.StreamWriter) -> None:
    global STREAM
    STREAM = writer
    writer.write(head("200 OK", {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}))
    writer.write(b"event: endpoint\ndata: /messages?session_id=1\n\n")
    await writer.drain()
    while not writer.is_closing():
        await asyncio.sleep(0.1)


async def answer_sse(message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    params = message.get("params") or {}
    name = params.get("name") if message.get("method") == "tools/call" else None
    if message.get("method") == "tools/list" and "--forbid-list" in FLAGS:
        writer.write(head("403 Forbidden", {"Content-Length": "0"}))
        return
    if name == "http_500":
        body = b"internal server error"
        writer.write(head("500 Internal Server Error", {"Content-Length": str(len(body))}) + body)
        return
    if name == "die":
        os._exit(3)
    writer.write(head("202 Accepted", {"Content-Length": "0"}))
    await writer.drain()
    stream = STREAM
    if stream is None:
        return
    if name == "reset":
        reset(stream)
    elif name == "slow_loris":
        data = event(reply(message.get("id"), {"content": []}))
        await trickle(stream, data, float(params.get("arguments", {}).get("seconds", 10)))
    elif name not in SPECIAL:
        for sent in await messages_for(message) or []:
            stream.write(event(sent))
        await stream.drain()


# -- HTTP --------------------------------------------------------------------------------------


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request_line = (await reader.readline()).decode("latin-1").split()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        method, path = [*request_line, "", ""][:2]
        if SSE and method == "GET" and path.startswith("/sse"):
            await open_stream(writer)
        elif SSE and method == "POST" and path.startswith("/messages"):
            await answer_sse(json.loads(body), writer)
        elif not SSE and method == "POST" and headers.get("mcp-session-id", SESSION) != SESSION:
            writer.write(head("404 Not Found", {"Content-Length": "0"}))
        elif not SSE and method == "POST":
            await answer_streamable(json.loads(body), writer)
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

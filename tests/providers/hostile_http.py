"""A real HTTP server on 127.0.0.1 that answers model calls with scripted, broken replies.

Each reply is a function writing raw bytes to the socket, so a test can send what no
well-behaved server would: a body that is not JSON, JSON without a completion, an error
status with any headers, an SSE stream that stops before its end (cleanly, or mid-chunk) or
stalls (sends nothing more until the server stops).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[BaseHTTPRequestHandler], None]

STALL_LIMIT = 60.0
"""Longest a stalled reply holds its connection (the server's exit ends it sooner)."""


def _wait_until_stopped(handler: BaseHTTPRequestHandler) -> None:
    stopping: threading.Event = getattr(handler.server, "stopping")  # noqa: B009
    stopping.wait(STALL_LIMIT)


def status(
    code: int,
    payload: bytes | str | dict[str, Any] = b"",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Reply:
    """A complete response with status `code`, `headers` and `payload` as its body."""
    data = _bytes(payload)

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    return send


def stalled_body() -> Reply:
    """Status 200 and headers promising a JSON body, then nothing (until the server stops)."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", "100")
        handler.end_headers()
        handler.wfile.flush()
        _wait_until_stopped(handler)

    return send


def _bytes(payload: bytes | str | dict[str, Any]) -> bytes:
    if isinstance(payload, bytes):
        return payload
    return payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()


def body(payload: bytes | str | dict[str, Any], *, content_type: str = "application/json") -> Reply:
    """A complete response with status 200 and `payload` as its body."""
    data = _bytes(payload)

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return send


def sse(
    events: list[dict[str, Any] | str],
    *,
    done: bool = True,
    abort: bool = False,
    stall: bool = False,
) -> Reply:
    """A chunked ``text/event-stream`` of `events` (dicts as JSON, strings as they are).

    Args:
        events: The ``data:`` payloads, in order (Anthropic's event names come from ``type``).
        done: End with ``data: [DONE]``.
        abort: Close the socket in the middle of a chunk instead of ending the body.
        stall: After the events, send nothing more (until the server stops).
    """

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()
        lines = [e if isinstance(e, str) else _event(e) for e in events]
        if done:
            lines.append("data: [DONE]\n\n")
        for line in lines:
            data = line.encode()
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            handler.wfile.flush()
        if stall:
            _wait_until_stopped(handler)
            return
        if abort:
            handler.wfile.write(b'400\r\ndata: {"choi')
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        handler.wfile.write(b"0\r\n\r\n")

    return send


def _event(payload: dict[str, Any]) -> str:
    kind = payload.get("type")
    head = f"event: {kind}\n" if isinstance(kind, str) and "." not in kind else ""
    return f"{head}data: {json.dumps(payload)}\n\n"


class ScriptedServer:
    """Answers each POST with the next scripted reply (the last one repeats).

    Attributes:
        url: ``http://127.0.0.1:<port>``.
        requests: The JSON bodies received, in order.
    """

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                server.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                index = min(len(server.requests), len(server.replies)) - 1
                server.replies[index](self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.stopping = threading.Event()
        self._httpd.stopping = self.stopping  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with `replies` (the last one repeats)."""
        self.replies = list(replies)
        self.requests.clear()

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # ends stalled replies
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


def serve() -> Iterator[ScriptedServer]:
    """A running `ScriptedServer`, for a fixture."""
    with ScriptedServer() as server:
        yield server

"""A local Bedrock runtime for tests: an HTTP server on 127.0.0.1 with scripted replies.

(Also a stand-in for other endpoints not reached through httpx, such as Google's OAuth token
endpoint that google-auth calls with requests.)

botocore does not use httpx, so respx cannot answer it; the provider is pointed at this
server with ``base_url`` (boto3's ``endpoint_url``) and fake static credentials. Each reply is
a status, JSON body and headers, or a ConverseStream reply framed in the AWS event-stream
binary format by `encode_event` (a small, complete encoder: prelude, string headers,
payload, both CRC32 checksums), which botocore's own decoder then parses.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["BedrockServer", "Reply", "encode_event", "event_stream"]


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    # name length (1 byte), name, type 7 = string, value length (2 bytes), value
    return (
        struct.pack("!B", len(raw_name))
        + raw_name
        + struct.pack("!BH", 7, len(raw_value))
        + raw_value
    )


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude + CRC, headers, payload, message CRC."""
    raw_headers = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack("!II", total, len(raw_headers))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + raw_headers + payload
    return body + struct.pack("!I", binascii.crc32(body) & 0xFFFFFFFF)


def event_stream(events: list[dict[str, Any]]) -> bytes:
    """A ConverseStream reply body: each ``{"messageStart": {...}}`` becomes one event frame.

    An entry ``{"exception": "throttlingException", "message": "..."}`` becomes an
    exception frame, as Bedrock sends errors inside a started stream.
    """
    out = b""
    for event in events:
        if "exception" in event:
            headers = {
                ":message-type": "exception",
                ":exception-type": event["exception"],
                ":content-type": "application/json",
            }
            payload = json.dumps({"message": event["message"]}).encode()
        else:
            (kind, data), *_ = event.items()
            headers = {
                ":message-type": "event",
                ":event-type": kind,
                ":content-type": "application/json",
            }
            payload = json.dumps(data).encode()
        out += encode_event(headers, payload)
    return out


@dataclass
class Reply:
    """One scripted reply."""

    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    """Promise more body than is sent, then send nothing until the server stops."""
    content_type: str | None = None


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""


class BedrockServer:
    """Serves scripted replies in order on 127.0.0.1; records every request."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                with server._lock:
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:  # a form post (an OAuth token request)
                        body = {}
                    server.requests.append(Request(self.path, dict(self.headers), body, raw))
                    reply = server.replies.pop(0) if server.replies else Reply(500, {})
                if reply.delay:
                    server._stop.wait(reply.delay)
                if reply.raw is not None:
                    body = reply.raw
                    content_type = "application/vnd.amazon.eventstream"
                else:
                    body = json.dumps(reply.json_body).encode()
                    content_type = "application/json"
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type or content_type)
                self.send_header("content-length", str(len(body) + (1000 if reply.hang else 0)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)
                    self.wfile.flush()
                if reply.hang:
                    server._stop.wait(60)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The endpoint URL to give the provider."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, *replies: Reply) -> None:
        """Queue replies, served in order."""
        with self._lock:
            self.replies.extend(replies)

    def __enter__(self) -> BedrockServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def serve() -> Iterator[BedrockServer]:
    """Run a server for the duration of a fixture."""
    with BedrockServer() as server:
        yield server

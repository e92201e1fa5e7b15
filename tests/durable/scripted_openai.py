"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1 that counts requests.

Each ``POST /v1/chat/completions``: when the last message contains ``fail_on``, an HTTP 400
error; when the conversation's last message is a tool result, the
reply is the text ``"answer: <that result>"``; otherwise, when a ``tool`` is set, the reply
calls it with ``arguments`` (no text); otherwise the reply is ``reply`` when set, else it
echoes the last user text. It runs
in a thread of the test process, so the worker processes it answers can be killed freely.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ScriptedOpenAI"]


class ScriptedOpenAI:
    """The server; use as a context manager. `requests` counts completions answered."""

    def __init__(
        self,
        tool: str | None = None,
        arguments: dict[str, Any] | None = None,
        *,
        fail_on: str | None = None,
        reply: str | None = None,
    ) -> None:
        self.tool = tool
        self.reply = reply
        self.fail_on = fail_on
        self.arguments = arguments or {}
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                status, reply = outer._reply(body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL to configure as the generic provider's ``base_url``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            self.bodies.append(body)
            number = self.requests
        messages = body.get("messages", [])
        last = messages[-1] if messages else {}
        if self.fail_on is not None and self.fail_on in _text(last.get("content")):
            error = {"message": f"refused: {self.fail_on}", "type": "invalid_request_error"}
            return 400, {"error": error}
        message: dict[str, Any]
        if last.get("role") == "tool":
            message = {"role": "assistant", "content": f"answer: {_text(last.get('content'))}"}
            finish = "stop"
        elif self.tool is not None:
            call = {
                "id": f"call_{number}",
                "type": "function",
                "function": {"name": self.tool, "arguments": json.dumps(self.arguments)},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls"
        else:
            text = self.reply if self.reply is not None else f"echo: {_text(last.get('content'))}"
            message = {"role": "assistant", "content": text}
            finish = "stop"
        return 200, {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
        }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""

"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1 that counts requests.

Each ``POST /v1/chat/completions``: when the last message contains ``fail_on``, an HTTP 400
error; when the conversation's last message is a tool result, the reply is the text
``"answer: <that result>"``; otherwise, when a ``tool`` is set (and, with
``only_when_offered``, the request offers it), the reply calls it with ``arguments`` (no
text; ``tool="*"`` calls the first tool the request offers, if any); otherwise the reply is
``reply`` when set, else it echoes the last user text. It runs in a thread of the test
process, so the worker processes it answers can be killed freely.

With ``unavailable_first=N`` the first N requests get HTTP 503 (a provider that recovers:
the client's retries). With ``delay`` every answer takes that long (a slow provider). It
records when each request arrived (`arrivals`, monotonic seconds) and the most requests it
held at once, overall (`most_at_once`) and per requested model (`most_at_once_by_model`).
"""

from __future__ import annotations

import json
import threading
import time
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
        delay: float = 0.0,
        only_when_offered: bool = False,
        unavailable_first: int = 0,
    ) -> None:
        self.unavailable_first = unavailable_first
        self.tool = tool
        self.reply = reply
        self.only_when_offered = only_when_offered
        self.delay = delay
        self.arrivals: list[float] = []
        self.most_at_once = 0
        self.most_at_once_by_model: dict[str, int] = {}
        self._at_once = 0
        self._at_once_by_model: dict[str, int] = {}
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
                outer._enter(str(body.get("model")))
                try:
                    status, reply = outer._reply(body)
                    if outer.delay:
                        time.sleep(outer.delay)
                finally:
                    outer._leave(str(body.get("model")))
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

    def _enter(self, model: str) -> None:
        with self._lock:
            self.arrivals.append(time.monotonic())
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
            now = self._at_once_by_model.get(model, 0) + 1
            self._at_once_by_model[model] = now
            self.most_at_once_by_model[model] = max(self.most_at_once_by_model.get(model, 0), now)

    def _leave(self, model: str) -> None:
        with self._lock:
            self._at_once -= 1
            self._at_once_by_model[model] -= 1

    def _reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            self.bodies.append(body)
            number = self.requests
        if number <= self.unavailable_first:
            return 503, {"error": {"message": "overloaded, retry", "type": "server_error"}}
        messages = body.get("messages", [])
        last = messages[-1] if messages else {}
        if self.fail_on is not None and self.fail_on in _text(last.get("content")):
            error = {"message": f"refused: {self.fail_on}", "type": "invalid_request_error"}
            return 400, {"error": error}
        message: dict[str, Any]
        if last.get("role") == "tool":
            message = {"role": "assistant", "content": f"answer: {_text(last.get('content'))}"}
            finish = "stop"
        elif self.tool is not None and (
            (self.tool == "*" and _first_offered(body))
            or (self.tool != "*" and (not self.only_when_offered or _offers(body, self.tool)))
        ):
            name = _first_offered(body) if self.tool == "*" else self.tool
            call = {
                "id": f"call_{number}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(self.arguments)},
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


def _offers(body: dict[str, Any], tool: str) -> bool:
    return any(t.get("function", {}).get("name") == tool for t in body.get("tools") or [])


def _first_offered(body: dict[str, Any]) -> str:
    tools = body.get("tools") or []
    return str(tools[0].get("function", {}).get("name", "")) if tools else ""

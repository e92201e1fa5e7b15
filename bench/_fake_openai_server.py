"""A minimal OpenAI-compatible Chat Completions server for benchmarks, run as a subprocess.

Every ``POST .../chat/completions`` gets the same completion (text `REPLY_TEXT`, with usage)
and every ``POST .../responses`` the same Responses API response, after ``--delay`` seconds
(an ``asyncio.sleep``, so many requests are in flight at once). Azure's deployment paths
(``/openai/deployments/<name>/chat/completions?api-version=...``) are served too. Anything
else gets a 404 error body. HTTP/1.1 with keep-alive and ``Content-Length`` bodies,
which is all the ``openai`` SDK sends; written on plain asyncio streams so that the server
spends little CPU per request.

Run: ``python bench/_fake_openai_server.py [--delay 0.02]``. It listens on 127.0.0.1 on a free
port, prints ``PORT <n>`` on its own line once it accepts connections, and stops when its
standard input closes (or on SIGINT/SIGTERM). `FakeOpenAIServer` does all that from a parent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Final

__all__ = ["REPLY_TEXT", "FakeOpenAIServer", "completion_body", "responses_body", "serve"]

REPLY_TEXT: Final = "OK"
"""The assistant text of every completion."""

_STATUS_TEXT: Final = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}
_START_TIMEOUT: Final = 10.0


def completion_body(model: str = "bench-model") -> bytes:
    """The JSON body of the one completion the server gives."""
    reply = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": REPLY_TEXT},
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
    }
    return json.dumps(reply).encode()


def responses_body(model: str = "bench-model") -> bytes:
    """The JSON body of the one Responses API response the server gives."""
    reply = {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": model,
        "output": [
            {
                "id": "msg_bench",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": REPLY_TEXT, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 1,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 13,
        },
    }
    return json.dumps(reply).encode()


def _response(status: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_STATUS_TEXT[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


_COMPLETION: Final = _response(200, completion_body())
_RESPONSE: Final = _response(200, responses_body())
_NOT_FOUND: Final = _response(404, b'{"error": {"message": "not found", "type": "not_found"}}')
_WRONG_METHOD: Final = _response(405, b'{"error": {"message": "use POST", "type": "bad_method"}}')


def _parse_head(head: bytes) -> tuple[str, str, int, bool]:
    """Method, path, content length and whether the client asked to close the connection."""
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    length = 0
    close = False
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value.strip().lower() == "close"
    return method, target.split("?", 1)[0], length, close


def _reply_for(path: str) -> bytes | None:
    path = path.rstrip("/")
    if path.endswith("/chat/completions"):
        return _COMPLETION
    if path.endswith("/responses"):
        return _RESPONSE
    return None


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            method, path, length, close = _parse_head(head)
            if length:
                await reader.readexactly(length)
            reply = _reply_for(path)
            if reply is not None:
                if method != "POST":
                    writer.write(_WRONG_METHOD)
                else:
                    if delay > 0:
                        await asyncio.sleep(delay)
                    writer.write(reply)
            else:
                writer.write(_NOT_FOUND)
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass  # the client went away, or sent something this server does not speak
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def serve(delay: float, *, announce: IO[str], stop_on_eof: IO[bytes] | None) -> None:
    """Serve until `stop_on_eof` reaches end of file (or forever), after announcing the port."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)

    connections: set[asyncio.Task[object]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await _handle(reader, writer, delay)
        except asyncio.CancelledError:
            if not stopped.is_set():
                raise
            # Stopping closes the open keep-alive connections: the connection's task ends
            # normally, or asyncio (3.11) reports it as "Exception in callback ...".
        finally:
            connections.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    announce.write(f"PORT {port}\n")
    announce.flush()
    if stop_on_eof is not None:
        source = stop_on_eof

        def watch() -> None:
            source.read()
            loop.call_soon_threadsafe(stopped.set)

        threading.Thread(target=watch, daemon=True).start()
    async with server:
        await stopped.wait()
        server.close()  # accept no more connections, then end the open ones
        open_connections = list(connections)
        for task in open_connections:
            task.cancel()
        await asyncio.gather(*open_connections, return_exceptions=True)


class FakeOpenAIServer:
    """The server in a subprocess, as a context manager: ``with FakeOpenAIServer() as s:``.

    Args:
        delay: Seconds each completion waits before it is sent.
        python: The interpreter to run it with (this one by default).

    Attributes:
        base_url: ``http://127.0.0.1:<port>/v1`` once started.
    """

    def __init__(self, delay: float = 0.02, *, python: str = sys.executable) -> None:
        self.delay = delay
        self.python = python
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeOpenAIServer:
        command = [self.python, str(Path(__file__).resolve()), "--delay", str(self.delay)]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._process = process
        assert process.stdout is not None
        try:
            line = _read_line(process.stdout, _START_TIMEOUT)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        if not line.startswith("PORT "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"fake OpenAI server did not start (said {line!r})")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}/v1"
        return self

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def _read_line(stream: IO[str], timeout: float) -> str:
    """One line from `stream`, or TimeoutError after `timeout` seconds."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        raise TimeoutError(f"fake OpenAI server said nothing within {timeout:g} s")
    return lines[0].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per reply (0.02)")
    args = parser.parse_args()
    asyncio.run(serve(args.delay, announce=sys.stdout, stop_on_eof=sys.stdin.buffer))
    return 0


if __name__ == "__main__":
    sys.exit(main())

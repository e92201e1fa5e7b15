"""Capture of a server process's stderr into a bounded ring of its last lines.

The SDK's stdio client passes its ``errlog`` file to the child as stderr. `StderrCapture`
hands it the write end of a pipe and reads the other end on the event loop: every line is
logged at debug level under ``fastagent.mcp.<server>`` and the last `max_lines` are kept for
error messages. Reading ends at EOF, which is when the process (and every descendant holding
the pipe) has exited.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
from typing import IO

from fastagent._redact import redact
from fastagent.logging import get_logger

__all__ = ["StderrCapture"]

_MAX_LINE_CHARS = 2000


class _Reader(asyncio.Protocol):
    def __init__(self, capture: StderrCapture) -> None:
        self._capture = capture

    def data_received(self, data: bytes) -> None:
        self._capture._feed(data)

    def eof_received(self) -> bool | None:
        self._capture._finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._capture._finish()


class StderrCapture:
    """A pipe whose write end becomes a child's stderr, and the last lines read from it.

    Use `open` (on the running loop) before spawning, pass `errlog` to the spawner, call
    `close_write_end` once the child has started, and `aclose` when done.

    Args:
        server: The server name, for the logger ``fastagent.mcp.<server>``.
        max_lines: How many of the last lines to keep.
    """

    def __init__(self, server: str, *, max_lines: int = 50) -> None:
        self.server = server
        self._lines: collections.deque[str] = collections.deque(maxlen=max_lines)
        self._partial = b""
        self._log = get_logger(f"mcp.{server}")
        self._eof = asyncio.Event()
        self._transport: asyncio.ReadTransport | None = None
        self.errlog: IO[str] | None = None
        self.pipe_inode: int | None = None

    async def open(self) -> None:
        """Create the pipe and start reading it on the running loop."""
        read_fd, write_fd = os.pipe()
        self.pipe_inode = os.fstat(write_fd).st_ino
        self.errlog = open(write_fd, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
        reader = open(read_fd, "rb", buffering=0, closefd=True)  # noqa: SIM115
        try:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.connect_read_pipe(lambda: _Reader(self), reader)
        except BaseException:
            reader.close()
            self.close_write_end()
            raise
        self._transport = transport

    def close_write_end(self) -> None:
        """Close our copy of the write end, so EOF comes when the child's copies close."""
        if self.errlog is not None:
            self.errlog.close()
            self.errlog = None

    @property
    def tail(self) -> str:
        """The last lines the process wrote, joined by newlines (secrets redacted)."""
        lines = list(self._lines)
        if self._partial:
            lines.append(self._decode(self._partial))
        return redact("\n".join(lines))

    async def wait_eof(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the process side to close; True when it did."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._eof.wait()
        return self._eof.is_set()

    async def aclose(self) -> None:
        """Stop reading and release both pipe ends."""
        self.close_write_end()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            # Let the loop run connection_lost, which closes the pipe file.
            await asyncio.sleep(0)
        self._finish()

    def _feed(self, data: bytes) -> None:
        *complete, self._partial = (self._partial + data).split(b"\n")
        for raw in complete:
            self._add(raw)
        if len(self._partial) > _MAX_LINE_CHARS:
            self._add(self._partial)
            self._partial = b""

    def _add(self, raw: bytes) -> None:
        line = self._decode(raw).rstrip("\r")
        self._lines.append(line)
        if self._log.isEnabledFor(10):
            self._log.debug("stderr: %s", redact(line))

    def _finish(self) -> None:
        if self._partial:
            self._add(self._partial)
            self._partial = b""
        self._eof.set()

    @staticmethod
    def _decode(raw: bytes) -> str:
        return raw[:_MAX_LINE_CHARS].decode("utf-8", errors="replace")

"""The stdio transport: the SDK's process handling, with a reader that stays linear.

The SDK's ``stdio_client`` reads stdout in 64 KiB chunks and, for each, joins the unfinished
line with the chunk and splits the whole again: one reply of n bytes costs O(n² / 64 KiB)
(a 20 MB tool result took 5 s, 40 MB 22 s, 100 MB minutes of CPU, the event loop stalling
at every chunk). `stdio_client` here spawns and stops the server with the SDK's own functions
(a session of its own; at the end stdin closed, 2 s, then SIGTERM and SIGKILL to the group)
and keeps the pieces of an unfinished line in a list, joined once when its newline comes.
Lines are parsed by the SDK's parser (an unparsable line is passed on as the exception).
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TextIO

import anyio
from mcp.client import stdio as sdk
from mcp.shared.message import SessionMessage

from fastagent.logging import get_logger

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams
    from mcp.client.stdio import StdioServerParameters

__all__ = ["iter_lines", "stdio_client"]

_log = get_logger("mcp")
_CLOSED = (anyio.ClosedResourceError, anyio.BrokenResourceError)


async def iter_lines(
    chunks: AsyncIterator[bytes], *, encoding: str = "utf-8", errors: str = "replace"
) -> AsyncIterator[str]:
    """The lines (without their newline) of a byte stream, in time linear in its size.

    A last line without a newline is not yielded: a message is complete only with its newline.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    pending: list[str] = []
    async for chunk in chunks:
        text = decoder.decode(chunk)
        start = 0
        while (end := text.find("\n", start)) >= 0:
            pending.append(text[start:end])
            yield "".join(pending)
            pending.clear()
            start = end + 1
        if start < len(text):
            pending.append(text[start:])


@asynccontextmanager
async def stdio_client(
    server: StdioServerParameters, errlog: TextIO
) -> AsyncIterator[TransportStreams]:
    """Start the server `server` describes; yield its ``(read_stream, write_stream)``.

    Leaving stops it (every wait bounded, shielded from cancellation).

    Raises:
        OSError: The server could not be started.
    """
    process = await sdk._create_platform_compatible_process(
        command=server.command,
        args=server.args,
        env=sdk.get_default_environment() | (server.env or {}),
        errlog=errlog,
        cwd=server.cwd,
    )
    # No await between the spawn and the task group, so a cancellation cannot leak the process.
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)
    wrote_all = anyio.Event()
    stopping = False

    async def read_stdout() -> None:
        stdout: Any = process.stdout
        try:
            async with read_writer:
                try:
                    lines = iter_lines(
                        stdout, encoding=server.encoding, errors=server.encoding_error_handler
                    )
                    async for line in lines:
                        try:
                            await read_writer.send(sdk._parse_line(line))
                        except _CLOSED:
                            return
                finally:
                    # A server blocked writing stdout cannot read stdin or exit: keep draining.
                    await sdk._drain_stdout(process)
        except (*_CLOSED, ConnectionError, OSError) as exc:
            if not stopping:
                _log.debug("reading an MCP server's stdout failed: %s", exc)

    async def write_stdin() -> None:
        stdin: Any = process.stdin
        try:
            async with write_reader:
                async for item in write_reader:
                    json = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await stdin.send(
                        (json + "\n").encode(server.encoding, server.encoding_error_handler)
                    )
        except (*_CLOSED, OSError):
            # The server stopped reading: end the read side too, so no request waits forever.
            await read_writer.aclose()
        finally:
            wrote_all.set()

    async def stop() -> None:
        read_stream.close()
        write_stream.close()
        with anyio.move_on_after(sdk._WRITER_FLUSH_TIMEOUT):
            await wrote_all.wait()
        await sdk._stop_server_process(process)
        for stream in (read_stream, write_stream, read_writer, write_reader):
            await stream.aclose()
        await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_stdout)
        tg.start_soon(write_stdin)
        try:
            yield read_stream, write_stream
        finally:
            stopping = True
            with anyio.CancelScope(shield=True):
                await stop()
            tg.cancel_scope.cancel()

"""`fastagent.mcp.stdio.iter_lines`: a server's stdout split into lines, whatever the chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastagent.mcp.stdio import iter_lines


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def _lines(*parts: bytes) -> list[str]:
    return [line async for line in iter_lines(_chunks(*parts))]


async def test_lines_split_across_chunks_are_joined() -> None:
    assert await _lines(b'{"a":', b" 1}\n{", b'"b": 2}\n') == ['{"a": 1}', '{"b": 2}']


async def test_many_lines_in_one_chunk_and_empty_lines() -> None:
    assert await _lines(b"one\ntwo\n\nthree\n") == ["one", "two", "", "three"]


async def test_an_unfinished_last_line_is_not_a_line() -> None:
    assert await _lines(b"done\nhalf a mess") == ["done"]


async def test_a_character_split_between_chunks_is_decoded_whole() -> None:
    euro = "€".encode()
    assert await _lines(b"price: " + euro[:1], euro[1:] + b"\n") == ["price: €"]


async def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert await _lines(b"\xff\xfe ok\n", b"next\n") == ["\ufffd\ufffd ok", "next"]


async def test_one_long_line_in_many_small_chunks() -> None:
    parts = [b"x" * 65536] * 64 + [b"\n"]
    [line] = await _lines(*parts)
    assert len(line) == 64 * 65536

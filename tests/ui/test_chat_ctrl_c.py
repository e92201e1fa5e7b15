"""Ctrl-C at the chat prompt: a dropped line, a hint, and two in a row end the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastagent.ui.chat import chat_loop

from .conftest import echo


def reader(*items: str | BaseException) -> Callable[[str], Awaitable[str]]:
    lines = iter(items)

    async def read(prompt: str) -> str:
        item = next(lines, None)
        if item is None:
            raise EOFError
        if isinstance(item, BaseException):
            raise item
        return item

    return read


async def test_two_ctrl_c_in_a_row_at_an_empty_prompt_end_the_chat() -> None:
    out: list[str] = []
    errors: list[str] = []
    read = reader("one", KeyboardInterrupt(""), KeyboardInterrupt(""), "never sent")
    assert await chat_loop(echo(), read=read, write=out.append, error=errors.append) == 1
    assert out == ["one"]
    assert errors == ["press Ctrl-C again or Ctrl-D to exit"]


async def test_ctrl_c_on_a_typed_line_or_between_lines_does_not_end_the_chat() -> None:
    out: list[str] = []
    errors: list[str] = []
    read = reader(
        KeyboardInterrupt("half typed"),
        KeyboardInterrupt("again"),
        KeyboardInterrupt(""),
        "two",
        KeyboardInterrupt(""),
        KeyboardInterrupt("typed after the hint"),
        KeyboardInterrupt(""),
        "three",
    )
    assert await chat_loop(echo(), read=read, write=out.append, error=errors.append) == 2
    assert out == ["two", "three"]
    assert errors == ["press Ctrl-C again or Ctrl-D to exit"] * 3

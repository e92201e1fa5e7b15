"""The terminal askers share the one terminal: one question on it at a time, whoever asks.

A tool approval and an agent's question (``human_input``) can be asked at the same moment
(parallel tool calls; an MCP server's elicitation too). Each asker runs in a worker thread;
answers are read from one real pipe standing for the terminal's input.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading

from fastagent.tools.approval import ApprovalRequest
from fastagent.tools.human_input import HumanInputRequest
from fastagent.ui.approval import TerminalApprover
from fastagent.ui.human_input import TerminalHumanInput

_APPROVAL = "Allow? [y]es / [n]o / [a]lways for this tool: "
_QUESTION = "your answer: "


class _Screen(io.StringIO):
    """What was written, readable while worker threads write."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()

    def write(self, text: str) -> int:
        with self._guard:
            return super().write(text)

    def text(self) -> str:
        with self._guard:
            return self.getvalue()


async def _shown(screen: _Screen, marker: str, count: int, seconds: float) -> bool:
    """Whether `marker` is on the screen `count` times within `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if screen.text().count(marker) + screen.text().count(_other(marker)) >= count:
            return True
        await asyncio.sleep(0.02)
    return False


def _other(marker: str) -> str:
    return _QUESTION if marker == _APPROVAL else _APPROVAL


async def test_an_approval_and_a_question_asked_together_take_turns_on_the_terminal() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r") as keyboard, os.fdopen(write_end, "w") as typing:
        screen = _Screen()
        approver = TerminalApprover(keyboard, screen, interactive=True)
        human = TerminalHumanInput(keyboard, screen, interactive=True)
        approval = asyncio.ensure_future(
            approver(ApprovalRequest("agent", "files__delete", {"path": "x"}, "c1"))
        )
        question = asyncio.ensure_future(human(HumanInputRequest("agent", "Which city?")))
        try:
            assert await _shown(screen, _APPROVAL, 1, 20), screen.text()
            first = _APPROVAL if _APPROVAL in screen.text() else _QUESTION
            # The other question waits for this one's answer: it is not on screen meanwhile.
            assert not await _shown(screen, _APPROVAL, 2, 0.5), screen.text()
            typing.write("y\n" if first == _APPROVAL else "Paris\n")
            typing.flush()
            assert await _shown(screen, _APPROVAL, 2, 20), screen.text()
            typing.write("Paris\n" if first == _APPROVAL else "y\n")
            typing.flush()
            assert await asyncio.wait_for(approval, 20) == "yes"
            assert await asyncio.wait_for(question, 20) == "Paris"
        finally:
            typing.close()  # end of input releases a reader still waiting if the test failed
            await asyncio.gather(approval, question, return_exceptions=True)

"""`TerminalHumanInput`: an agent's ``human_input`` question, asked on the terminal.

The face injects it as `RunOptions.human_input`. The tool publishes `UserInputRequested`
before asking, so the live display pauses while the question is on screen.
"""

from __future__ import annotations

from fastagent.tools.human_input import HumanInputRequest, HumanInputUnavailable
from fastagent.ui._asker import TerminalAsker

__all__ = ["TerminalHumanInput"]


class TerminalHumanInput(TerminalAsker):
    """Shows the agent's question and reads one line as the answer.

    Args:
        input: Where the answer is read (default ``sys.stdin``).
        output: Where the question goes (default ``sys.stderr``).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal.
    """

    async def __call__(self, request: HumanInputRequest) -> str:
        """Ask `request.question`; returns the answer.

        Raises:
            HumanInputUnavailable: Standard input is not a terminal, or it ended.
        """
        if not self.interactive:
            raise HumanInputUnavailable("standard input is not a terminal")
        return await self._off_loop(self.ask, request)

    def ask(self, request: HumanInputRequest) -> str:
        """The blocking form of `__call__`."""
        with self._lock:
            self._write(f"\n{request.agent} asks: {request.question}\nyour answer: ")
            line = self._read_line()
            if not line:
                raise HumanInputUnavailable("the input ended before an answer")
            return line.rstrip("\n")

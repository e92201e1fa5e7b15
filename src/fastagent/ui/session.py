"""`ChatSession`: the state of one interactive chat, shared by the loop and the commands.

It knows the agents by name, which one is being talked to, and how to show replies,
messages and errors (plain lines, or rich output in a terminal).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastagent.exceptions import UnknownAgentError

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.messages import ContentBlock, Message

__all__ = ["ChatSession"]


class ChatSession:
    """One interactive chat over a set of agents.

    Args:
        agents: The agents by name, in the order to list them.
        current: The name of the agent messages go to.
        write: Shows one line of command output (or a reply, when `show_reply` is None).
        error: Shows one line of failure (``error: ...`` / ``hint: ...``).
        show_reply: Shows an agent's reply: ``show_reply(agent_name, text)``; by default
            the text goes to `write`.
        show_usage: Shows the usage summary; by default its plain text goes to `write`.
        usage_source: What the usage summary is computed from (an `AgentApp` gives
            costs by the agents' providers); the agents mapping by default.

    Raises:
        UnknownAgentError: `current` names none of `agents`.
    """

    def __init__(
        self,
        agents: Mapping[str, BaseAgent],
        current: str,
        *,
        write: Callable[[str], object],
        error: Callable[[str], object],
        show_reply: Callable[[str, str], object] | None = None,
        show_usage: Callable[[], object] | None = None,
        usage_source: Any = None,
    ) -> None:
        self.agents = dict(agents)
        self.write = write
        self.error = error
        self.usage_source = usage_source if usage_source is not None else self.agents
        self._show_reply = show_reply
        self._show_usage = show_usage
        self.current = self.resolve(current)
        self.finished = False
        self.attachments: list[ContentBlock] = []

    @property
    def agent(self) -> BaseAgent:
        """The agent messages go to."""
        return self.agents[self.current]

    def resolve(self, name: str) -> str:
        """Return `name` if an agent has it.

        Raises:
            UnknownAgentError: No agent has that name (with the closest name as a hint).
        """
        if name in self.agents:
            return name
        names = list(self.agents)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "type /agents to list them"
        raise UnknownAgentError(
            f"unknown agent '{name}' (agents: {', '.join(names) or 'none'})", hint=hint
        )

    def switch(self, name: str) -> None:
        """Talk to agent `name` from now on.

        Raises:
            UnknownAgentError: No agent has that name.
        """
        self.current = self.resolve(name)

    def outgoing(self, text: str) -> str | Message:
        """What to send for `text`: the text itself, or a message carrying the attachments."""
        if not self.attachments:
            return text
        from fastagent.messages import Message

        return Message.user(text, *self.attachments)

    async def send(self, agent: str, text: str) -> None:
        """Send `text` (with any attached resources) to `agent` and show the reply.

        Attachments go with one message: they are dropped once it was answered.
        """
        reply = await self.agents[agent].send(self.outgoing(text))
        self.attachments.clear()
        self.show_reply(agent, reply)

    def show_reply(self, agent: str, text: str) -> None:
        """Show the reply `text` of `agent`."""
        if self._show_reply is not None:
            self._show_reply(agent, text)
        else:
            self.write(text)

    def show_usage(self) -> None:
        """Show tokens and cost per agent."""
        if self._show_usage is not None:
            self._show_usage()
            return
        from fastagent.ui.usage_table import usage_table

        self.write(usage_table(self.usage_source))

    def report(self, exc: BaseException) -> None:
        """Show a failure as ``error: ...`` and, when there is one, ``hint: ...`` (redacted)."""
        from fastagent._redact import redact
        from fastagent.exceptions import FastAgentError

        if isinstance(exc, FastAgentError):
            text = f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else "")
        else:
            detail = str(exc)
            text = f"error: unexpected {type(exc).__name__}" + (f": {detail}" if detail else "")
        self.error(redact(text))

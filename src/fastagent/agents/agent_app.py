"""`AgentApp`: the running agents of a `FastAgent`, by name.

``app.send("hi")`` talks to the default agent; ``app.researcher`` and ``app["researcher"]``
reach one by name; ``app.usage`` says what each has spent.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from fastagent.exceptions import UnknownAgentError

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.messages import Message, Usage
    from fastagent.runtime import Runtime

__all__ = ["AgentApp"]


class _UnknownAgentAttribute(UnknownAgentError, AttributeError):
    """`UnknownAgentError` raised by attribute access, so `hasattr` and friends still work."""


class AgentApp:
    """The agents of a running app.

    Examples:
        >>> async with fast.run() as app:  # doctest: +SKIP
        ...     await app.send("hi")                     # the default agent
        ...     await app.researcher.send("find MCP")   # one agent by name
        ...     app["researcher"].usage

    Args:
        agents: The agents by name, in declaration order.
        default: The name of the default agent (the first agent when None).
        context: The open runtime.
    """

    def __init__(
        self, agents: Mapping[str, BaseAgent], *, default: str | None = None, context: Runtime
    ) -> None:
        self._agents = dict(agents)
        self._default = default if default is not None else next(iter(self._agents), None)
        self._context = context

    @property
    def runtime(self) -> Runtime:
        """The open `Runtime` (settings, events, usage totals, models, servers)."""
        return self._context

    @property
    def context(self) -> Runtime:
        """The earlier name of `runtime`."""
        return self._context

    @property
    def agents(self) -> dict[str, BaseAgent]:
        """Every agent by name, in declaration order (a copy)."""
        return dict(self._agents)

    @property
    def default(self) -> BaseAgent:
        """The default agent: ``--agent``, else the one marked ``default=True``, else the first.

        Raises:
            UnknownAgentError: The app has no agents.
        """
        if self._default is None:
            raise UnknownAgentError(
                "this app has no agents",
                hint="declare one with @fast.agent(...) or under agents: in fastagent.yaml",
            )
        return self._agents[self._default]

    def __getitem__(self, name: str) -> BaseAgent:
        agent = self._agents.get(name)
        if agent is None:
            raise self._unknown(name, UnknownAgentError)
        return agent

    def __getattr__(self, name: str) -> BaseAgent:
        if name.startswith("_"):
            raise AttributeError(name)
        agent = self._agents.get(name)
        if agent is None:
            raise self._unknown(name, _UnknownAgentAttribute)
        return agent

    def __contains__(self, name: object) -> bool:
        return name in self._agents

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._agents))

    def __len__(self) -> int:
        return len(self._agents)

    async def send(self, message: str | Message, *, agent: str | None = None) -> str:
        """Send a message to `agent` (the default agent when None) and return the reply text.

        Raises:
            UnknownAgentError: No agent has that name.
        """
        target = self.default if agent is None else self[agent]
        return await target.send(message)

    @property
    def usage(self) -> dict[str, Usage]:
        """Tokens and model calls spent so far, per agent."""
        return {name: agent.usage for name, agent in self._agents.items()}

    async def interactive(
        self,
        agent: str | None = None,
        *,
        read: Callable[[str], str | Awaitable[str]] | None = None,
        write: Callable[[str], object] | None = None,
    ) -> int:
        """Chat with `agent` (default agent when None) until end of input or ``/exit``.

        In a terminal this is the full prompt (multi-line input, history, completion, slash
        commands, markdown replies, a usage summary at the end); with piped input, or when
        `read` or `write` is given, it reads and writes plain lines. See docs/interactive.md.

        Args:
            agent: The agent's name.
            read: Reads one line (``input`` by default); may return an awaitable.
            write: Shows one reply or line of command output (``print`` by default).

        Returns:
            How many messages were sent.

        The chat loop is the one the run was opened with (`RunOptions.chat`): scripts using
        ``from fastagent import FastAgent`` and ``fastagent go`` get the terminal's.

        Raises:
            UnknownAgentError: No agent has that name.
            UserError: The run was opened without a chat loop.
        """
        chat = self._context.options.chat
        if chat is None:
            from fastagent.exceptions import UserError

            raise UserError(
                "this run has no chat loop (RunOptions.chat is None)",
                hint="use `from fastagent import FastAgent` (the script app), or open the run "
                "with RunOptions(chat=fastagent.ui.chat.run_interactive)",
            )
        return await chat(self, agent, read=read, write=write)

    def _unknown(self, name: str, error: type[UnknownAgentError]) -> UnknownAgentError:
        names = list(self._agents)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        suggestion = f"did you mean '{close[0]}'?" if close else "use one of the names listed"
        return error(
            f"unknown agent '{name}' (agents: {', '.join(names) or 'none'})", hint=suggestion
        )

    def __repr__(self) -> str:
        return f"AgentApp({list(self._agents)!r})"

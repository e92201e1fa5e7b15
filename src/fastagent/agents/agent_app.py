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
    from fastagent.agents.session_recording import SessionRecorder
    from fastagent.messages import Message, Usage
    from fastagent.runtime import Runtime

__all__ = ["AgentApp"]


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
        self._session: SessionRecorder | None = None

    @property
    def session(self) -> SessionRecorder | None:
        """What saves this app's conversations as a session (None when nothing does)."""
        return self._session

    def record_session(self, *, resume: str | None = None) -> SessionRecorder:
        """Save the agents' conversations as a session from now on (idempotent).

        Args:
            resume: Continue this saved session (an id, or ``"last"``) instead of starting
                a new one that holds the current conversations.

        Returns:
            The recorder (`session`); it releases the session when the runtime closes.

        Raises:
            SessionError: The session cannot be created, or `resume` names no session.
            SessionLockedError: Another process is writing the session to resume.
        """
        from fastagent.agents.session_recording import SessionRecorder

        recorder = self._session
        if recorder is None:
            recorder = SessionRecorder(self._context, self._agents)
            if resume is not None:
                recorder.resume(resume)
            else:
                recorder.start()
            recorder.attach()
            self._context.push_cleanup(recorder.close)
            self._session = recorder
        elif resume is not None:
            recorder.resume(resume)
        return recorder

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
        """The agent called `name`.

        Raises:
            UnknownAgentError: No agent has that name (the hint suggests the closest one).
        """
        agent = self._agents.get(name)
        if agent is None:
            raise self._unknown(name)
        return agent

    def __getattr__(self, name: str) -> BaseAgent:
        """The agent called `name` (``app.writer``), when no attribute has that name.

        Raises:
            UnknownAgentError: No agent has that name (an `AttributeError` too).
        """
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(type(self), name, None)
        if isinstance(attribute, property):
            # Its getter raised an AttributeError (`default` raises UnknownAgentError, one):
            # Python then asks here; run it again so its own error, not "unknown agent", shows.
            return attribute.__get__(self, type(self))  # type: ignore[no-any-return]
        agent = self._agents.get(name)
        if agent is None:
            raise self._unknown(name)
        return agent

    def __contains__(self, name: object) -> bool:
        return name in self._agents

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._agents))

    def __len__(self) -> int:
        return len(self._agents)

    async def send(
        self,
        message: str | Message,
        *,
        agent: str | None = None,
        key: str | None = None,
        queue: str | None = None,
    ) -> str:
        """Send a message to `agent` (the default agent when None) and return the reply text.

        Args:
            message: Text or a `Message`.
            agent: The agent's name.
            key: Run the turn as the durable workflow with this key (docs/durable.md).
            queue: With a key, run the turn on this durable queue (any worker takes it).

        Raises:
            UnknownAgentError: No agent has that name.
        """
        target = self.default if agent is None else self[agent]
        if key is None and queue is None:
            return await target.send(message)
        if queue is None:
            return await target.send(message, key=key)
        return await target.send(message, key=key, queue=queue)

    @property
    def usage(self) -> dict[str, Usage]:
        """Tokens and model calls spent so far, per agent."""
        return {name: agent.usage for name, agent in self._agents.items()}

    def server_states(self) -> dict[str, str]:
        """The state of each MCP server the agents use, by name.

        ``connected``, ``failed`` (an optional server that did not start), ``lost`` or
        ``not started``.
        """
        names = {
            name: None
            for agent in self._agents.values()
            for name in getattr(agent, "servers", None) or []
        }
        if not names or not self._context.servers_opened:
            return dict.fromkeys(names, "not started")
        registry = self._context.servers
        return {name: registry.state(name) for name in names}

    async def reconnect_server(self, name: str) -> list[str]:
        """Restart MCP server `name` and give its tools back to the agents using it.

        Returns:
            The names of the agents that use it.

        Raises:
            UserError: No agent uses a server of that name.
            MCPServerError: It failed to start again.
        """
        users = [
            agent
            for agent in self._agents.values()
            if name in (getattr(agent, "servers", None) or [])
        ]
        if not users:
            from fastagent.exceptions import UserError

            known = ", ".join(self.server_states()) or "none"
            raise UserError(
                f"no agent uses MCP server '{name}' (servers: {known})",
                hint="type /servers to list them",
            )
        registry = self._context.servers
        await registry.reconnect(name)
        for agent in users:
            wiring = getattr(agent, "_servers", None)
            if wiring is not None and wiring.aggregator is not None:
                await wiring.aggregator.reattach(name)
        return [agent.name for agent in users]

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
        ``from fastagent import FastAgent`` and ``fastagent go`` get the terminal's. The chat
        is saved as a session (docs/sessions.md) unless ``sessions.enabled`` is false.

        Raises:
            UnknownAgentError: No agent has that name.
            UserError: The run was opened without a chat loop.
        """
        chat = self._context.options.chat
        if chat is not None and self._session is None and self._context.settings.sessions.enabled:
            self.record_session()
        if chat is None:
            from fastagent.exceptions import UserError

            raise UserError(
                "this run has no chat loop (RunOptions.chat is None)",
                hint="use `from fastagent import FastAgent` (the script app), or open the run "
                "with RunOptions(chat=fastagent.ui.chat.run_interactive)",
            )
        return await chat(self, agent, read=read, write=write)

    def _unknown(self, name: str) -> UnknownAgentError:
        names = list(self._agents)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        suggestion = f"did you mean '{close[0]}'?" if close else "use one of the names listed"
        return UnknownAgentError(
            f"unknown agent '{name}' (agents: {', '.join(names) or 'none'})",
            hint=suggestion,
            agent=name,
        )

    def __repr__(self) -> str:
        return f"AgentApp({list(self._agents)!r})"

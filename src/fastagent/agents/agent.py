"""`Agent`: a named model with memory and tools, the thing users talk to.

An agent is a thin, friendly face over an `AugmentedLLM`: ``await agent.send("hi")`` returns
the reply text, `generate` returns the whole `Message`. Workflows (chain, router, ...) are
agents too, exposing the same methods, so they nest.

An agent built with MCP servers also reaches their resources and prompts: `attach` reads a
resource as a content block to send, `apply_prompt` plays a server's prompt as conversation
turns, `list_resources` and `list_prompts` say what is on offer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from fastagent.agents.base import BaseAgent

if TYPE_CHECKING:
    from pydantic import BaseModel

    from fastagent.agents.mcp_wiring import AgentServers
    from fastagent.llm.augmented import AugmentedLLM, MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.mcp.features import PromptInfo, ResourceInfo
    from fastagent.messages import EmbeddedResource, Message, Usage
    from fastagent.streaming import LLMStreamEvent

    M = TypeVar("M", bound=BaseModel)

__all__ = ["Agent"]


class Agent(BaseAgent):
    """A named agent: send it messages, read its replies, history and usage.

    Examples:
        >>> agent = Agent("echo", AugmentedLLM(create_provider("passthrough")))  # doctest: +SKIP
        >>> await agent.send("hello")  # doctest: +SKIP
        'hello'

    Args:
        name: The agent's name (how apps and other agents refer to it).
        llm: The model, memory and tools doing the work.
        instruction: The system prompt; defaults to the one `llm` already has.
        model: The model string it was built from, for display; defaults to the provider's
            model name.
        servers: Its MCP servers (resources and prompts); None when it has none.
    """

    def __init__(
        self,
        name: str,
        llm: AugmentedLLM,
        *,
        instruction: str | None = None,
        model: str | None = None,
        servers: AgentServers | None = None,
    ) -> None:
        self.name = name
        self.llm = llm
        self._servers = servers
        if instruction is not None:
            llm.instruction = instruction
        self.model: str = model if model is not None else llm.provider.model

    @property
    def instruction(self) -> str | None:
        """The system prompt."""
        return self.llm.instruction

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run one turn and return the final assistant `Message` (text, usage, stop reason).

        Args:
            messages: Text, a `Message`, or a sequence of them.
            params: Overrides of the agent's request parameters for this turn.
        """
        return await self.llm.generate(messages, params)

    def stream(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        """Run one turn, yielding stream events; the last one is `StreamDone(message)`."""
        return self.llm.stream(messages, params)

    @property
    def history(self) -> list[Message]:
        """The conversation so far (prompt messages first), as a new list."""
        return self.llm.memory.messages()

    def clear(self) -> None:
        """Forget the conversation (prompt messages are kept)."""
        self.llm.memory.clear()

    def pin(self, message: Message | str | int, *, pinned: bool = True) -> Message:
        """Mark a message context compaction must keep (or, with ``pinned=False``, may drop).

        Call it between turns. A pin is saved with the message (``"pinned": true`` in every
        history format) and in the session, so it survives ``--resume``.

        Args:
            message: A message of `history` (the object, or its index), or a new message
                (or text: a user message) to add to the conversation, pinned.
            pinned: False to unpin.

        Returns:
            The message as it is now in the conversation.

        Raises:
            IndexError: An index outside `history`.
            ValueError: Unpinning a message that is not in the conversation.
        """
        memory = self.llm.memory
        history = memory.messages()
        if isinstance(message, int):
            target = history[message]
        else:
            if isinstance(message, str):
                from fastagent.messages import Message

                message = Message.user(message)
            found = [m for m in history if m is message]
            if not found:
                if not pinned:
                    raise ValueError("only a message of the conversation can be unpinned")
                added = message.model_copy(update={"pinned": True})
                memory.extend([added])
                return added
            target = found[0]
        if target.pinned != pinned:
            target.pinned = pinned
            record = getattr(memory, "record_pin", None)
            if record is not None:
                record(target)
        return target

    @property
    def usage(self) -> Usage:
        """Tokens and model calls this agent has spent so far."""
        return self.llm.usage

    async def send(
        self,
        message: str | Message,
        *,
        resources: Sequence[str] = (),
        key: str | None = None,
        queue: str | None = None,
    ) -> str:
        """Send one message, with MCP resources attached, and return the reply text.

        Args:
            message: Text or a `Message`.
            resources: URIs of resources of the agent's servers, read and appended to the
                message (in order).
            key: Run the turn as the durable workflow with this key (``durable:`` must be
                configured): every model and tool call is recorded, and sending the same key
                again, in this process or after a crash, resumes or returns that turn
                instead of starting another (docs/durable.md).
            queue: With a key, put the turn on this durable queue: a worker of the database
                runs it within the queue's limits (``durable.queues``), and it is awaited.

        Raises:
            UserError: Resources were given but the agent has no servers, or a URI is
                unknown; or a key was given and durability is off.
        """
        if resources:
            from fastagent.messages import Message

            blocks = [block for uri in resources for block in await self._resource_blocks(uri)]
            base = Message.user(message) if isinstance(message, str) else message
            message = base.model_copy(update={"content": [*base.content, *blocks]})
        if key is not None or queue is not None:  # a queue without a key: a clear error
            from fastagent.agents.durable_turns import durable_turn

            return (await durable_turn(self, message, key, queue=queue)).text
        reply = await self.generate(message)
        return reply.text

    @property
    def servers(self) -> list[str]:
        """The names of the agent's MCP servers."""
        return list(self._servers.names) if self._servers is not None else []

    async def attach(self, uri: str, server: str | None = None) -> EmbeddedResource:
        """Read an MCP resource as a block to send: ``Message.user("Sum up:", block)``.

        Args:
            uri: The resource's URI.
            server: The server to read it from; by default the first of the agent's servers
                that has it.

        Returns:
            The resource (its first part, when the server returns several).

        Raises:
            UserError: The agent has no servers, `server` is not one of them, or no server
                has `uri`.
            MCPServerError: The server failed to read it.
        """
        return (await self._resource_blocks(uri, server))[0]

    async def apply_prompt(
        self,
        name: str,
        arguments: Mapping[str, str] | None = None,
        server: str | None = None,
    ) -> str:
        """Play an MCP prompt as conversation turns and return the model's reply text.

        Args:
            name: The prompt's name.
            arguments: Its arguments.
            server: The server offering it; found among the agent's servers when None.

        Raises:
            UserError: The agent has no servers, the prompt is unknown or offered by several
                servers, or a required argument is missing.
            MCPServerError: The server failed.
        """
        turns = await self._require_servers("apply_prompt").get_prompt(name, arguments, server)
        reply = await self.generate(turns)
        return reply.text

    async def list_prompts(self) -> list[PromptInfo]:
        """The prompts the agent's servers offer.

        Raises:
            UserError: The agent has no servers.
        """
        return await self._require_servers("list_prompts").list_prompts()

    async def list_resources(self) -> list[ResourceInfo]:
        """The resources the agent's servers list (templated resources are not listed).

        Raises:
            UserError: The agent has no servers.
        """
        return await self._require_servers("list_resources").list_resources()

    async def _resource_blocks(self, uri: str, server: str | None = None) -> list[EmbeddedResource]:
        from fastagent.mcp.features import resource_as_block

        parts = await self._require_servers("attach").read_resource(uri, server)
        return [resource_as_block(part) for part in parts]

    def _require_servers(self, action: str) -> AgentServers:
        if self._servers is None or not self._servers.names:
            from fastagent.exceptions import UserError

            raise UserError(
                f"agent '{self.name}' has no MCP servers, so it cannot {action.replace('_', ' ')}",
                hint="declare the agent with servers=[...] naming servers from mcp.servers",
            )
        return self._servers

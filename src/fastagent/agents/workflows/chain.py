"""The chain workflow: agents one after another, each reading the previous one's reply.

The first member gets the message sent to the chain; each next member gets the previous
member's reply text, and the chain's reply is the last member's reply.

With ``cumulative=True`` every member after the first gets the whole transcript so far
instead, and the chain replies with the full transcript. The transcript is one block per
turn, blocks separated by a blank line, each ``<name>: <text>``; the first block is the
request, named ``user``::

    user: Write about Paris.

    researcher: Paris is the capital of France.

    writer: Paris, capital of France, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastagent.agents.base import BaseAgent
from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.llm.augmented import MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = ["ChainAgent", "ChainResult", "transcript_block"]


@dataclass(frozen=True)
class ChainResult:
    """The reply of one chain run, with every member's reply.

    Attributes:
        reply: The chain's reply (the last member's, or the transcript when cumulative).
        replies: Each member's reply, in sequence order, as ``(member name, reply)``.
    """

    reply: Message
    replies: tuple[tuple[str, Message], ...]


def transcript_block(name: str, text: str) -> str:
    """One block of a cumulative chain's transcript: ``<name>: <text>``."""
    return f"{name}: {text}"


class ChainAgent(BaseAgent):
    """Runs its members in sequence, passing each reply on to the next member.

    Args:
        name: The chain's name.
        sequence: The members, in order (one agent may appear more than once).
        cumulative: Pass (and reply with) the whole transcript instead of the last reply.
        instruction: A description of what the chain does (shown when it is nested in a
            router or orchestrator); by default it names its members.

    Raises:
        UserError: The sequence is empty.
    """

    def __init__(
        self,
        name: str,
        sequence: Sequence[BaseAgent],
        *,
        cumulative: bool = False,
        instruction: str | None = None,
    ) -> None:
        if not sequence:
            raise UserError(
                f"chain '{name}' has no agents", hint="give the chain a sequence of agent names"
            )
        self.name = name
        self.model = "chain"
        self.sequence = list(sequence)
        self.cumulative = cumulative
        self._instruction = instruction
        self._spent: Usage | None = None

    @property
    def instruction(self) -> str | None:
        """The declared description, or one naming the members in order."""
        if self._instruction is not None:
            return self._instruction
        return f"Runs {' -> '.join(a.name for a in self.sequence)}, each on the previous reply."

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run every member in order and return the last reply (see `run`)."""
        return (await self.run(messages, params)).reply

    async def run(self, messages: MessageInput, params: RequestParams | None = None) -> ChainResult:
        """Run every member in order; return the last reply (or the transcript) and each reply.

        `params` go to every member, except that only the last one gets a
        ``response_format`` (so `structured` on a chain asks the member writing its reply).
        The reply's usage is the sum of the members' replies.
        Cancelling the call cancels the member running at the time.

        Raises:
            FastAgentError: A member failed (raised as is; later members do not run).
        """
        from fastagent.agents.workflows._common import published_run

        with published_run(self, "chain"):
            return await self._run(messages, params)

    async def _run(self, messages: MessageInput, params: RequestParams | None) -> ChainResult:
        from fastagent.agents.workflows._common import (
            for_inner_members,
            published_step,
            sum_usage,
        )
        from fastagent.agents.workflows._workflow_llm import request_text
        from fastagent.messages import Message

        replies: list[Message] = []
        blocks = [transcript_block("user", request_text(messages))]
        inner = for_inner_members(params)
        current: MessageInput = messages
        for number, member in enumerate(self.sequence, 1):
            last = number == len(self.sequence) and not self.cumulative
            with published_step(self, "chain", "step", index=number, agent=member.name):
                reply = await member.generate(current, params if last else inner)
            replies.append(reply)
            blocks.append(transcript_block(member.name, reply.text))
            current = "\n\n".join(blocks) if self.cumulative else reply.text
        spent = sum_usage(replies)
        self._add_usage(spent)
        trace = tuple(zip((m.name for m in self.sequence), replies, strict=True))
        if self.cumulative:
            result = Message.assistant("\n\n".join(blocks))
            result.model = self.model
            result.usage = spent
            return ChainResult(result, trace)
        return ChainResult(replies[-1].model_copy(update={"usage": spent}), trace)

    @property
    def usage(self) -> Usage:
        """The usage of every member reply this chain has received."""
        from fastagent.agents.workflows._common import zero_usage

        return self._spent if self._spent is not None else zero_usage()

    def _add_usage(self, spent: Usage) -> None:
        self._spent = spent if self._spent is None else self._spent + spent

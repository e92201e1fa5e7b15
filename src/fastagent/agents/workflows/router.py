"""The router workflow: a model picks the one member agent best suited to a message.

The routing model sees every member's name and description (its instruction) and answers
with a `RoutingDecision`; the message then goes to that agent and its reply is the router's
reply. A name that is not a member (or an unreadable answer) goes to the ``fallback`` agent
when one is set, and otherwise raises `ModelOutputError`. A router with one member skips the
model altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows._common import zero_usage
from fastagent.exceptions import ModelOutputError, UserError

if TYPE_CHECKING:
    from fastagent.agents.workflows.router_decision import RoutingDecision
    from fastagent.llm.augmented import AugmentedLLM, MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = [
    "ROUTER_INSTRUCTION",
    "RouterAgent",
    "RouterResult",
    "routing_prompt",
]

ROUTER_INSTRUCTION: Final = (
    "You route requests. Given a request and a list of agents with their descriptions, "
    "choose the one agent best able to handle the request."
)
"""The routing model's system prompt when the router is declared without an instruction."""

_log = logging.getLogger("fastagent.workflows.router")


@dataclass(frozen=True)
class RouterResult:
    """The reply of one routed message, with the decision behind it.

    Attributes:
        reply: The chosen member's reply (its usage includes the routing call).
        decision: The routing decision; after a fallback it names the fallback agent.
    """

    reply: Message
    decision: RoutingDecision


class RouterAgent(BaseAgent):
    """Forwards each message to the member agent its routing model picks.

    Args:
        name: The router's name.
        agents: The member agents (at least one), in the order they are described.
        llm: The routing model; may be None only when there is exactly one member.
        fallback: The member to use when the model names no member; None to raise instead.
        model: The routing model's string, for display.

    Raises:
        UserError: No members, a fallback that is not a member, or no `llm` for several
            members.
    """

    def __init__(
        self,
        name: str,
        agents: Sequence[BaseAgent],
        *,
        llm: AugmentedLLM | None = None,
        fallback: str | None = None,
        model: str | None = None,
    ) -> None:
        self.name = name
        self.members: dict[str, BaseAgent] = {agent.name: agent for agent in agents}
        if not self.members:
            raise UserError(
                f"router '{name}' has no agents", hint="give the router one or more agents"
            )
        if fallback is not None and fallback not in self.members:
            raise UserError(
                f"router '{name}' has fallback '{fallback}', which is not one of its agents",
                hint=f"use one of: {', '.join(self.members)}",
            )
        if llm is None and len(self.members) > 1:
            raise UserError(
                f"router '{name}' needs a routing model to choose among {len(self.members)} agents",
                hint="pass llm=AugmentedLLM(...) or give the router a model",
            )
        self.llm = llm
        self.fallback = fallback
        self.model = model or (llm.provider.model if llm is not None else "router")
        self._forwarded = zero_usage()

    @property
    def instruction(self) -> str | None:
        """What the router does, naming its members (for routers nested in workflows)."""
        return f"Routes each request to the best of: {', '.join(self.members)}."

    async def route(self, messages: MessageInput) -> tuple[RoutingDecision, Usage]:
        """Choose the member for `messages` without sending them.

        Returns:
            The decision (naming a member) and what the routing call cost.

        Raises:
            ModelOutputError: The model named no member (or answered unreadably) and
                there is no fallback.
            ProviderError: The routing call failed.
        """
        from fastagent.agents.workflows._workflow_llm import request_text, structured_reply
        from fastagent.agents.workflows.router_decision import RoutingDecision

        if self.llm is None:
            only = next(iter(self.members))
            only_one = RoutingDecision(agent=only, confidence="high", reasoning="the only agent")
            return only_one, zero_usage()
        prompt = routing_prompt(request_text(messages), self.members)
        decision, reply, problem = await structured_reply(self.llm, prompt, RoutingDecision)
        cost = reply.usage or zero_usage()
        if decision is not None:
            chosen = self._member_named(decision.agent)
            if chosen is not None:
                return decision.model_copy(update={"agent": chosen}), cost
            problem = f"router '{self.name}' chose unknown agent '{decision.agent}'"
        else:
            problem = f"router '{self.name}' got an unreadable routing decision: {problem}"
        valid = ", ".join(self.members)
        if self.fallback is None:
            raise ModelOutputError(
                f"{problem}; valid agents: {valid}",
                raw=reply.text,
                hint=f"set fallback= on router '{self.name}', or describe its agents better",
            )
        _log.warning("%s; using fallback agent '%s'", problem, self.fallback)
        reasoning = f"fallback: {problem}"
        return RoutingDecision(agent=self.fallback, confidence="low", reasoning=reasoning), cost

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Route `messages` to one member and return its reply (see `run`)."""
        return (await self.run(messages, params)).reply

    async def run(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> RouterResult:
        """Route `messages` to one member; return its reply and the routing decision.

        The reply's usage includes the routing call. `params` go to the chosen member.
        Concurrent calls each get their own result.

        Raises:
            ModelOutputError: The model named no member and there is no fallback.
            ProviderError: The routing call or the member's call failed.
        """
        from fastagent.agents.workflows._common import published_run, published_step

        with published_run(self, "router"):
            with published_step(self, "router", "route") as note:
                decision, cost = await self.route(messages)
                note.detail = decision.agent
            return await self._forward(decision, cost, messages, params)

    async def _forward(
        self,
        decision: RoutingDecision,
        cost: Usage,
        messages: MessageInput,
        params: RequestParams | None,
    ) -> RouterResult:
        _log.info("router '%s' -> '%s' (%s)", self.name, decision.agent, decision.confidence)
        reply = await self.members[decision.agent].generate(messages, params)
        spent = reply.usage or zero_usage()
        self._forwarded = self._forwarded + spent
        return RouterResult(reply.model_copy(update={"usage": spent + cost}), decision)

    @property
    def usage(self) -> Usage:
        """The routing calls plus every member reply this router returned."""
        own = self.llm.usage if self.llm is not None else zero_usage()
        return own + self._forwarded

    def _member_named(self, name: str) -> str | None:
        if name in self.members:
            return name
        wanted = name.strip().strip("'\"`").casefold()
        return next((m for m in self.members if m.casefold() == wanted), None)


def routing_prompt(request: str, members: Mapping[str, BaseAgent]) -> str:
    """The routing model's prompt: the agents with their descriptions, then the request."""
    from fastagent.agents.workflows._workflow_llm import describe_agents

    lines = [
        "Choose the agent for this request. The agents:",
        "",
        describe_agents(members),
        "",
        "The request:",
        "<request>",
        request,
        "</request>",
        "",
        f"Set `agent` to exactly one of: {', '.join(members)}.",
    ]
    return "\n".join(lines)

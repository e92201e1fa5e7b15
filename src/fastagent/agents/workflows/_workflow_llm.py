"""The model of a workflow that thinks for itself (router, orchestrator): build it, ask it.

`build_workflow_llm` picks and builds the model as agents get theirs
(`BuildContext.provider`: ``--model``, then the workflow's ``model=``, then
``default_model``). `structured_reply` is one structured call that also returns the
reply `Message`, since `structured` returns only the parsed object and workflows need the
reply's usage and text too; it asks the way every structured call does (`response_format`,
see `fastagent.llm.structured`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from fastagent.exceptions import ModelOutputError
from fastagent.llm.params import RequestParams
from fastagent.llm.structured import parse_structured

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.declaration import BuildContext
    from fastagent.llm.augmented import AugmentedLLM, MessageInput
    from fastagent.messages import Message

__all__ = ["build_workflow_llm", "describe_agents", "request_text", "structured_reply"]

M = TypeVar("M", bound=BaseModel)


def build_workflow_llm(
    build: BuildContext, *, name: str, model: str | None, instruction: str
) -> tuple[AugmentedLLM, str]:
    """The workflow's own model, without memory or tools, and its model string.

    Raises:
        UnknownModelError: The selected model string is unknown.
        MissingAPIKeyError: The provider needs a key that is not configured.
    """
    from fastagent.llm.augmented import AugmentedLLM

    provider, chosen = build.provider(name, model)
    llm = AugmentedLLM(
        provider,
        name=name,
        instruction=instruction,
        params=RequestParams(use_history=False),
        events=build.runtime.events,
    )
    return llm, chosen


async def structured_reply(
    llm: AugmentedLLM, prompt: str, model_cls: type[M]
) -> tuple[M | None, Message, str | None]:
    """Ask `llm` for JSON matching `model_cls` in one turn that is not kept in its memory.

    Returns:
        The parsed object (None when the reply does not match), the reply, and the problem
        with the reply (None when it parsed).

    Raises:
        ProviderError: The model call failed.
    """
    params = RequestParams(response_format=model_cls, use_history=False)
    reply = await llm.generate(prompt, params)
    try:
        return parse_structured(reply.text, model_cls), reply, None
    except ModelOutputError as exc:
        return None, reply, exc.message


def request_text(messages: MessageInput) -> str:
    """The text of what the user asked: every given message's text, joined by blank lines."""
    if isinstance(messages, str):
        return messages
    from fastagent.messages import Message

    if isinstance(messages, Message):
        return messages.text
    return "\n\n".join(m if isinstance(m, str) else m.text for m in messages)


def describe_agents(agents: Mapping[str, BaseAgent], *, limit: int = 400) -> str:
    """One ``- name: description`` line per agent: its instruction on one line, cut to `limit`."""
    lines = []
    for name, agent in agents.items():
        description = " ".join((agent.instruction or "(no description)").split())
        if len(description) > limit:
            description = description[: limit - 3] + "..."
        lines.append(f"- {name}: {description}")
    return "\n".join(lines)

"""Context compaction: keeping a conversation inside the model's context window.

Before every model call of a turn (its first one and each one after a tool round),
`AugmentedLLM` counts what it would send: the last call's reported usage (input + output
tokens) plus an estimate of the messages added since (about four characters of JSON a token),
and never less than the estimate of the whole request. Past ``threshold`` x the model's context
window (from the model catalogue, or `CompactionPolicy.context_window`), the agent's strategy
applies:

- ``truncate``: the oldest turns of the history are dropped until the rest fits; when that is
  not enough, the oldest tool rounds of the running turn go too (its opening user message and
  its last round stay). A tool call is never separated from its result (whole turns or whole
  rounds go); the system prompt, the memory's prompt messages and pinned messages
  (``Message.pinned``; the turn or round holding one) stay;
- ``summarize``: the same old turns (or rounds) are replaced by one message holding a summary
  written by a model (the agent's own, or `CompactionPolicy.summarizer`);
- ``none``: nothing is dropped; a provider's context-length error is re-raised with the
  counts.

Only the memory the model sees is compacted: a saved session keeps the full history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from fastagent.messages import Message

if TYPE_CHECKING:
    from fastagent.providers.base import Provider

__all__ = [
    "STRATEGIES",
    "CompactionPolicy",
    "CompactionStrategy",
    "estimate_tokens",
    "split_rounds",
    "split_turns",
    "summarize_turns",
    "truncate_rounds",
    "truncate_turns",
]

CompactionStrategy = Literal["truncate", "summarize", "none"]
STRATEGIES: Final = ("truncate", "summarize", "none")

SUMMARY_PREFIX: Final = "Summary of the earlier conversation:\n"
_SUMMARY_INSTRUCTION: Final = (
    "Summarize the conversation below for the assistant who will continue it: the user's "
    "goals, facts established, decisions made, tool results that matter, and open questions. "
    "Be concise; write plain text."
)


@dataclass(frozen=True, slots=True)
class CompactionPolicy:
    """How an agent keeps its conversation inside the context window.

    Attributes:
        strategy: ``truncate``, ``summarize`` or ``none``.
        threshold: Compact when the count passes this fraction of the context window.
        context_window: The window in tokens; None: the model catalogue's.
        summarizer: The model writing summaries; None: the agent's own.
    """

    strategy: CompactionStrategy = "none"
    threshold: float = 0.8
    context_window: int | None = None
    summarizer: Provider | None = None

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(
                f"compaction strategy {self.strategy!r} is not one of truncate, summarize, none"
            )
        if not 0 < self.threshold <= 1:
            raise ValueError(f"compaction threshold must be in (0, 1], got {self.threshold}")


def estimate_tokens(messages: Sequence[Message]) -> int:
    """A rough token count: about four characters of JSON per token."""
    return sum(len(json.dumps(m.to_dict(), ensure_ascii=False)) for m in messages) // 4 + 1


def split_turns(history: Sequence[Message]) -> list[list[Message]]:
    """Cut a history into turns: each starts at a user message that carries no tool results.

    A tool call and its result are always in the same turn.
    """
    turns: list[list[Message]] = []
    for message in history:
        starts = message.role == "user" and not message.tool_results
        if starts or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return turns


def split_rounds(turn: Sequence[Message]) -> tuple[list[Message], list[list[Message]]]:
    """Cut a running turn into its head and its tool rounds.

    Returns:
        The messages before the first assistant message (the user's), and the rounds: each
        starts at an assistant message and holds the tool results that answer it.
    """
    head: list[Message] = []
    rounds: list[list[Message]] = []
    for message in turn:
        if message.role == "assistant":
            rounds.append([message])
        elif rounds:
            rounds[-1].append(message)
        else:
            head.append(message)
    return head, rounds


def truncate_turns(
    history: Sequence[Message], budget: int, *, fixed: int = 0
) -> tuple[list[Message], list[Message]]:
    """Drop the oldest whole turns until the rest (plus `fixed` tokens) fits `budget`.

    A turn holding a pinned message is kept.

    Returns:
        The messages kept and the messages dropped.
    """
    return _drop_oldest(split_turns(history), budget, fixed=fixed, keep_last=0)


def truncate_rounds(
    turn: Sequence[Message], budget: int, *, fixed: int = 0
) -> tuple[list[Message], list[Message]]:
    """Drop the oldest tool rounds of a running turn until it (plus `fixed`) fits `budget`.

    The turn's head and its last round are kept, and so is a round holding a pinned message.

    Returns:
        The messages kept (head first) and the messages dropped.
    """
    head, rounds = split_rounds(turn)
    kept, dropped = _drop_oldest(rounds, budget, fixed=fixed + estimate_tokens(head), keep_last=1)
    return [*head, *kept], dropped


def _drop_oldest(
    groups: list[list[Message]], budget: int, *, fixed: int, keep_last: int
) -> tuple[list[Message], list[Message]]:
    sizes = [estimate_tokens(g) for g in groups]
    total = fixed + sum(sizes)
    dropped: list[Message] = []
    keep = [True] * len(groups)
    for index in range(len(groups) - keep_last):
        if total <= budget:
            break
        if any(m.pinned for m in groups[index]):
            continue
        keep[index] = False
        total -= sizes[index]
        dropped.extend(groups[index])
    return [m for g, k in zip(groups, keep, strict=True) if k for m in g], dropped


async def summarize_turns(
    provider: Provider, dropped: Sequence[Message], *, agent: str = ""
) -> Message:
    """One user message holding a model's summary of `dropped`."""
    from fastagent.llm.params import RequestParams
    from fastagent.providers.base import CompletionRequest

    transcript = "\n".join(_line(m) for m in dropped)
    request = CompletionRequest(
        [Message.user(transcript)], _SUMMARY_INSTRUCTION, [], RequestParams()
    )
    reply = await provider.complete(request)
    return Message.user(SUMMARY_PREFIX + reply.text.strip())


def _line(message: Message) -> str:
    parts: list[str] = []
    if message.text:
        parts.append(message.text)
    parts.extend(f"[calls {c.name} {json.dumps(c.arguments)}]" for c in message.tool_calls)
    parts.extend(f"[{r.tool_name or 'tool'} returned: {r.text}]" for r in message.tool_results)
    return f"{message.role}: " + " ".join(parts)


def policy_from(value: Any) -> CompactionPolicy | None:
    """A policy from a declaration's ``compaction``: a strategy name or a mapping."""
    if value is None or isinstance(value, CompactionPolicy):
        return value
    if isinstance(value, str):
        return CompactionPolicy(strategy=value)  # type: ignore[arg-type]
    data = dict(value)
    data.pop("model", None)
    return CompactionPolicy(**data)

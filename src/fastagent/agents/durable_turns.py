"""Durable turns of agents: ``await agent.send(msg, key="ticket-42")`` (docs/durable.md).

A keyed turn runs as a durable workflow of the run's `DurableEngine`. Its input is the
agent's name, the conversation it starts from and the new message(s), as history dicts; the
handler here replays that conversation into a fresh memory and runs the tool loop, whose
model and tool calls become recorded steps. The caller then appends the turn to the agent's
memory. After a crash the workflow resumes in a new process from the same recorded input, so
the agent's memory there does not need to hold the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, Protocol

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.durable.engine import DurableEngine, Outcome
    from fastagent.llm.augmented import MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message


class BaseAgent(Protocol):
    """What a durable turn needs of an agent (`fastagent.agents.base.BaseAgent`)."""

    name: str

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run one turn."""
        ...


__all__ = [
    "AGENT_HANDLER",
    "BRANCH_QUEUE",
    "AgentTurns",
    "distributed_branches",
    "durable_turn",
    "enable_durable_turns",
    "prompt_messages",
    "turn_payload",
]

AGENT_HANDLER: Final = "agent"
"""The handler name of agent turns in the workflows' input."""

_ENGINE: ContextVar[DurableEngine | None] = ContextVar("fastagent_durable_engine", default=None)

BRANCH_QUEUE: Final = "parallel"
"""The durable queue that the branches of ``distributed`` parallel workflows run on."""


class AgentTurns:
    """The turn handler of one app's agents, by name.

    Args:
        engine: The engine running the turns (a turn recovered by DBOS runs outside the
            task that opened the runtime, so its branches find the engine here).
    """

    def __init__(self, engine: DurableEngine | None = None) -> None:
        self.agents: dict[str, BaseAgent] = {}
        self.engine = engine

    async def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run one turn from its recorded input; returns the turn's messages as dicts.

        A ``response_format`` in the input (a JSON Schema) asks the turn for structured
        output (`fastagent.llm.structured`); the caller parses the final text.
        """
        from fastagent.messages import dump_messages, load_messages

        final, turn = await self.run(
            payload["agent"],
            load_messages(payload["context"]),
            load_messages(payload["new"]),
            payload.get("response_format"),
        )
        return {"final": final.to_dict(), "turn": dump_messages(turn)}

    async def run(
        self,
        name: str,
        context: list[Message],
        new: list[Message],
        response_format: dict[str, Any] | None = None,
    ) -> tuple[Message, list[Message]]:
        """Run one turn of the agent `name` from messages (what `__call__` does, no dicts).

        For turns run in this process without a recorded input (``fastagent batch
        --no-durable``): the same turn without serialising its input and reply.

        Returns:
            The final reply, and the turn's messages (empty unless the agent keeps history).
        """
        token = _ENGINE.set(self.engine)
        try:
            return await self._run(name, context, new, response_format)
        finally:
            _ENGINE.reset(token)

    async def _run(
        self,
        name: str,
        context: list[Message],
        new: list[Message],
        schema: dict[str, Any] | None,
    ) -> tuple[Message, list[Message]]:
        from fastagent.llm.augmented import AugmentedLLM
        from fastagent.llm.memory import SimpleMemory
        from fastagent.llm.params import RequestParams

        agent = self.agents.get(name)
        if agent is None:
            raise UserError(
                f"durable turn of agent {name!r}: no agent of that name in this app",
                hint="recover workflows with the script that declared the agent",
            )
        asked = RequestParams(response_format=schema) if schema is not None else None
        llm = getattr(agent, "llm", None)
        if not isinstance(llm, AugmentedLLM):
            # A workflow agent (chain, router, ...): its agents' calls are steps in order.
            return await agent.generate(new, asked), []
        with_history = llm.params.use_history
        memory = SimpleMemory(context) if with_history else SimpleMemory(prompt=context)
        turn_llm = AugmentedLLM(
            llm.provider,
            name=llm.name,
            instruction=llm.instruction,
            tools=llm.tools,
            memory=memory,
            params=llm.params,
            events=llm.events,
        )
        final = await turn_llm.generate(new, asked)
        llm.add_usage(turn_llm.usage)
        turn = memory.messages()[len(context) :] if with_history else []
        return final, turn


def enable_durable_turns(engine: DurableEngine, agents: Mapping[str, BaseAgent]) -> None:
    """Let `engine` run (and recover) durable turns of `agents`; launches it when needed."""
    turns = _turns(engine)
    turns.agents.update(agents)
    engine.launch()


async def durable_turn(
    agent: BaseAgent, messages: MessageInput, key: str | None, *, queue: str | None = None
) -> Message:
    """Run one turn of `agent` as the durable workflow `key`, or re-attach to it.

    With `queue` the turn is put on that durable queue and run by whichever worker of the
    database takes it (within the queue's limits; partitioned by the agent's provider when
    the queue is), and awaited here.

    Raises:
        UserError: Durability is off (no ``durable:`` section), or the key is not a
            non-empty string.
    """
    from fastagent.llm.augmented import AugmentedLLM, as_messages
    from fastagent.messages import Message, dump_messages, load_messages
    from fastagent.runtime import current_runtime

    if key is None:
        raise UserError(
            f"send(queue={queue!r}) needs a key: a queued turn is a durable workflow",
            hint=f'send(message, key="ticket-42", queue={queue!r})',
        )
    if not isinstance(key, str) or not key.strip():
        got = f"got {key!r} ({type(key).__name__})" if key else "got an empty one"
        raise UserError(
            f"a durable turn's key must be a non-empty string, {got}",
            hint='key="ticket-42" (write key=str(number) for a number)',
        )
    engine = current_runtime().durable
    if engine is None:
        raise UserError(
            f"send(key={key!r}) needs durability, which is off",
            hint="add `durable: {}` to fastagent.yaml (and pip install 'fastagent[durable]')",
        )
    turns = _turns(engine)
    turns.agents.setdefault(agent.name, agent)
    engine.launch()
    new = as_messages(messages)
    llm = getattr(agent, "llm", None)
    where: dict[str, Any] = {}
    if queue is not None:
        where = {"queue": queue, "provider": _provider(agent)}
    if not isinstance(llm, AugmentedLLM):
        result = await _run(engine, key, _payload(agent.name, [], new), where)
        return Message.from_dict(result["final"])
    memory = llm.memory
    async with memory.turn_lock:
        with_history = llm.params.use_history
        context = memory.messages() if with_history else memory.prompt()
        payload = _payload(agent.name, context, new)
        result = await _run(engine, key, payload, where)
        turn = load_messages(result["turn"])
        if turn and dump_messages(memory.messages()[-len(turn) :]) != result["turn"]:
            memory.extend(turn)
    return Message.from_dict(result["final"])


async def _run(
    engine: DurableEngine, key: str, payload: dict[str, Any], where: dict[str, Any]
) -> dict[str, Any]:
    """Run the turn's workflow; a failure read back from its record is raised as it was."""
    from fastagent.durable.portable_errors import from_record
    from fastagent.exceptions import FastAgentError

    try:
        return await engine.run(key, AGENT_HANDLER, payload, **where)
    except FastAgentError as exc:
        if from_record(exc):
            again = f"the turn {key!r} is recorded as failed: sending this key again repeats "
            again += "this error; send with a new key to try again"
            exc.hint = f"{exc.hint} ({again})" if exc.hint else again
        raise


def _provider(agent: BaseAgent) -> str | None:
    """The provider of the agent's model (a queue's partition), or None."""
    from fastagent.runtime import current_runtime

    model = str(getattr(agent, "model", ""))
    try:
        return current_runtime().models.registry.parse(model).provider
    except Exception:
        # A recovered turn runs outside the runtime's task: the model string's prefix.
        return model.split(".", 1)[0] if "." in model else None


def _payload(agent: str, context: list[Message], new: list[Message]) -> dict[str, Any]:
    from fastagent.messages import dump_messages

    return {"agent": agent, "context": dump_messages(context), "new": dump_messages(new)}


def _turns(engine: DurableEngine) -> AgentTurns:
    turns = engine.handler(AGENT_HANDLER)
    if not isinstance(turns, AgentTurns):
        turns = AgentTurns(engine)
        engine.register(AGENT_HANDLER, turns)
    return turns


def turn_payload(
    agent: BaseAgent, text: str, response_format: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The workflow input of a turn of `agent` on `text` starting from its prompt only.

    What ``fastagent batch`` sends for each row: rows never share an agent's memory.
    `response_format` (a JSON Schema) asks for structured output (``--schema``).
    """
    from fastagent.llm.augmented import as_messages

    payload = _payload(agent.name, _prompt(agent), as_messages(text))
    if response_format is not None:
        payload["response_format"] = response_format
    return payload


async def distributed_branches(
    workflow: str,
    agents: Sequence[BaseAgent],
    messages: MessageInput,
    *,
    max_concurrency: int | None = None,
    branch_timeout: float | None = None,
    fail_fast: bool = True,
    timed_out: Callable[[str], Exception] | None = None,
) -> list[tuple[int, Message | Exception]] | None:
    """Run each of `agents` on `messages` as a child workflow on the branch queue.

    Only inside a durable turn (a key was sent): returns None elsewhere, and the caller
    runs the branches in this process. Each branch is the workflow
    ``<parent workflow>/<branch agent>`` on the queue `BRANCH_QUEUE` (``durable.queues``
    sets its limits), run by whichever worker takes it and starting from the branch
    agent's prompt only. Every decision is recorded in the parent workflow, in order: each
    branch put on the queue, each wait (one step, its outcomes as JSON), each cancel. When
    the parent resumes after a crash it replays those records: a finished branch is read
    back, never run again; a cancelled one stays cancelled.

    Args:
        workflow: The parallel workflow's name (names the waiting steps).
        agents: The branch agents.
        messages: What each branch is sent.
        max_concurrency: At most this many branches of this turn are on the queue or
            running at once, over all workers: the next one is enqueued when one ends.
        branch_timeout: Seconds a branch may run once a worker has taken it (a DBOS
            workflow timeout: DBOS cancels it then, its call in flight included).
        fail_fast: At the first branch that fails, cancel those running and start no more.
        timed_out: The error of a branch that timed out, given its agent's name.

    Returns:
        The branches that ended, in the order they ended, each as (its index in `agents`,
        its reply or the typed error it failed with). With `fail_fast` the list stops at
        the first failure; branches cancelled or never started are not in it.
    """
    from fastagent.llm.augmented import as_messages
    from fastagent.messages import Message
    from fastagent.runtime import current_runtime

    engine = _ENGINE.get()
    if engine is None:
        try:
            engine = current_runtime().durable
        except UserError:  # a workflow agent used without a runtime: not durable
            return None
    parent = engine.workflow_id() if engine is not None else None
    if engine is None or parent is None:
        return None
    turns = _turns(engine)
    new = as_messages(messages)
    limit = max_concurrency or len(agents)
    waiting = list(range(len(agents)))
    running: dict[str, int] = {}
    ended: list[tuple[int, Message | Exception]] = []
    while waiting or running:
        while waiting and len(running) < limit:
            index = waiting.pop(0)
            agent = agents[index]
            turns.agents.setdefault(agent.name, agent)
            key = f"{parent}/{agent.name}"
            payload = _payload(agent.name, _prompt(agent), new)
            await engine.enqueue(
                key,
                AGENT_HANDLER,
                payload,
                queue=BRANCH_QUEUE,
                provider=_provider(agent),
                timeout=branch_timeout,
            )
            running[key] = index
        found = await engine.wait(
            list(running), name=f"parallel {workflow}", first=bool(waiting), stop_on_error=fail_fast
        )
        for key, outcome in found:
            index = running.pop(key)
            ended.append((index, _branch_outcome(workflow, key, agents[index], outcome, timed_out)))
        if fail_fast and any(not isinstance(value, Message) for _, value in ended):
            await engine.cancel(list(running))  # recorded: a recovered parent does not redo it
            break
    return ended


def _branch_outcome(
    workflow: str,
    key: str,
    agent: BaseAgent,
    outcome: Outcome,
    timed_out: Callable[[str], Exception] | None,
) -> Message | Exception:
    """A branch's reply, or the error the in-process parallel would have for it."""
    from fastagent.exceptions import RuntimeFailure, WorkflowTimeoutError
    from fastagent.messages import Message

    if outcome.result is not None:
        return Message.from_dict(outcome.result["final"])
    if outcome.timed_out:
        if timed_out is not None:
            return timed_out(agent.name)
        return WorkflowTimeoutError(
            f"parallel '{workflow}': branch '{agent.name}' gave no answer in time",
            workflow=workflow,
            member=agent.name,
            timeout=0.0,
        )
    if outcome.status == "CANCELLED":
        return RuntimeFailure(
            f"parallel '{workflow}': branch '{agent.name}' was cancelled (workflow {key})",
            hint="a branch cancelled from outside fails its parallel turn: send it again "
            "with a new key",
        )
    error = outcome.error
    if isinstance(error, Exception):
        return error
    return RuntimeFailure(f"parallel '{workflow}': branch '{agent.name}' ended {outcome.status}")


def prompt_messages(agent: BaseAgent) -> list[Message]:
    """The agent's prompt messages (what a turn from its prompt only starts from)."""
    return _prompt(agent)


def _prompt(agent: BaseAgent) -> list[Message]:
    from fastagent.llm.augmented import AugmentedLLM

    llm = getattr(agent, "llm", None)
    return llm.memory.prompt() if isinstance(llm, AugmentedLLM) else []

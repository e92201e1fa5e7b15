"""`AugmentedLLM`: a provider plus memory, tools and the tool loop.

One *turn* takes the user's new message(s), calls the model, runs the tools it asks for, sends
their results back, and repeats until the model answers without tool calls or
`RequestParams.max_iterations` model calls were made. The turn is written to memory only when
it completes: a provider error or a cancellation leaves memory exactly as it was, so the same
message can simply be sent again. Turns on one memory are serialized by its `turn_lock`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from fastagent.events import (
    AgentFinished,
    AgentStarted,
    ContextCompacted,
    ErrorOccurred,
    EventBus,
    ModelRequest,
    ModelResponse,
    StepReplayed,
    StreamDelta,
)
from fastagent.exceptions import (
    ContextWindowExceededError,
    FastAgentError,
    ModelOutputError,
    ProviderError,
)
from fastagent.llm.memory import Memory, SimpleMemory
from fastagent.llm.params import RequestParams
from fastagent.llm.structured import json_instruction, parse_structured
from fastagent.messages import Message, StopReason, ToolCall, ToolResult, Usage
from fastagent.providers.base import CompletionRequest, Provider
from fastagent.steps import active_steps
from fastagent.streaming import LLMStreamEvent, StreamDone, TextDelta, ToolResultEvent

if TYPE_CHECKING:
    from pydantic import BaseModel

    from fastagent.llm.compaction import CompactionPolicy
    from fastagent.tools.toolset import ToolSet

    M = TypeVar("M", bound=BaseModel)

__all__ = ["AugmentedLLM", "MessageInput", "as_messages"]

MessageInput = str | Message | Sequence[str | Message]
"""What `generate` accepts: text, one message, or several."""

_log = logging.getLogger("fastagent.llm")


class AugmentedLLM:
    """A model with memory and tools: runs the tool loop for each turn.

    Args:
        provider: Makes the model calls.
        name: The agent's name (in events and logs).
        instruction: The system prompt.
        tools: The tools the model may call.
        memory: Where the conversation is kept (a new `SimpleMemory` by default).
        params: Default request parameters; per-call params override the fields they set.
        events: Where to publish `AgentStarted`, `ModelRequest`, ... events.
        compaction: How to keep the conversation inside the context window
            (`fastagent.llm.compaction`); None: never compact.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        name: str = "agent",
        instruction: str | None = None,
        tools: ToolSet | None = None,
        memory: Memory | None = None,
        params: RequestParams | None = None,
        events: EventBus | None = None,
        compaction: CompactionPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.compaction = compaction
        self._last_tokens = 0
        self.name = name
        self.instruction = instruction
        self.tools = tools
        self.memory: Memory = memory if memory is not None else SimpleMemory()
        self.params = params if params is not None else RequestParams()
        self.events = events
        self._usage = Usage()

    @property
    def usage(self) -> Usage:
        """Tokens and model calls summed over every completed turn of this agent."""
        return self._usage

    def add_usage(self, usage: Usage) -> None:
        """Count `usage` spent on this agent's behalf elsewhere (a durable turn's own loop)."""
        self._usage = self._usage + usage

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run one turn of the tool loop and return the final assistant message.

        Args:
            messages: The new user message(s): text, a `Message`, or a sequence of them.
            params: Overrides for this turn (only the fields it sets).

        Returns:
            The final assistant message. Its `usage` is summed over the turn's model calls
            (``usage.requests`` is their number). At `max_iterations` it is a message with
            ``stop_reason=StopReason.MAX_ITERATIONS`` saying which tools were still called.

        Raises:
            ProviderError: A model call failed; memory is left as before the turn.
        """
        return await self._complete_turn(messages, self.params.merged(params))

    def stream(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        """Run one turn like `generate`, yielding events as they arrive.

        Yields the provider's events (text and tool-call deltas, usage), a `ToolResultEvent`
        per result after each tool round, and finally one `StreamDone` with the message
        `generate` would have returned. Leaving the iteration early abandons the turn
        (nothing is stored). Do not start another turn on the same memory inside the loop.
        """
        return self._turn(messages, self.params.merged(params), streaming=True)

    async def structured(
        self, messages: MessageInput, model_cls: type[M], params: RequestParams | None = None
    ) -> M:
        """Run one turn asking for JSON matching `model_cls`, and return it validated.

        The same as `generate` with ``response_format=model_cls`` (see `fastagent.llm.structured`
        for how each provider is asked), then `parse_structured` on the reply.

        Raises:
            ModelOutputError: The final reply is not valid JSON for `model_cls`.
        """
        merged = self.params.merged(params).merged({"response_format": model_cls})
        final = await self._complete_turn(messages, merged)
        return parse_structured(final.text, model_cls)

    async def _complete_turn(self, messages: MessageInput, params: RequestParams) -> Message:
        final: Message | None = None
        turn = self._turn(messages, params, streaming=False)
        async with aclosing(turn):
            async for event in turn:
                if type(event) is StreamDone:
                    final = event.message
        assert final is not None  # _turn always ends with StreamDone or raises
        return final

    async def _turn(
        self,
        messages: MessageInput,
        params: RequestParams,
        *,
        streaming: bool,
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        new = _as_messages(messages)
        bus = self.events if self.events is not None and self.events.has_subscribers else None
        started = time.perf_counter()
        if bus is not None:
            bus.publish(AgentStarted(agent=self.name))
        try:
            memory = self.memory
            if params.use_history:
                async with memory.turn_lock:
                    turn = new
                    fitted = _Fitted(len(memory.prompt()))
                    loop = self._loop(memory.messages(), turn, params, bus, streaming, fitted)
                    async with aclosing(loop):
                        async for event in loop:
                            if type(event) is StreamDone:
                                memory.extend(turn)
                                if fitted.history is not None:
                                    _install(memory, fitted.history)
                            yield event
            else:
                fitted = _Fitted(len(memory.prompt()))
                loop = self._loop(memory.prompt(), new, params, bus, streaming, fitted)
                async with aclosing(loop):
                    async for event in loop:
                        yield event
        except Exception as exc:
            if isinstance(exc, ContextWindowExceededError):
                exc.message += self._window_counts(new)
            if bus is not None:
                bus.publish(
                    ErrorOccurred(
                        source=self.name,
                        error=FastAgentError.message_of(exc),
                        error_type=type(exc).__name__,
                    )
                )
            raise
        finally:
            if bus is not None:
                bus.publish(AgentFinished(agent=self.name, duration=time.perf_counter() - started))

    async def _loop(
        self,
        context: list[Message],
        turn: list[Message],
        params: RequestParams,
        bus: EventBus | None,
        streaming: bool,
        fitted: _Fitted,
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        """The tool loop; appends every message of the turn to `turn` as it goes.

        Before each model call the conversation is compacted if it would pass the policy's
        threshold: `context` and the turn as sent shrink, `turn` keeps every message, and
        `fitted.history` is set to the compacted history for memory.
        """
        provider = self.provider
        model = params.model or provider.model
        system = self.instruction
        native = getattr(provider, "native_structured_output", False)
        if params.response_format is not None and not native:
            system = _join_system(system, json_instruction(params.response_format))
        definitions = self.tools.definitions() if self.tools is not None else []
        total = Usage()
        calls = 0
        sent_turn, fresh = list(turn), 0  # the turn as the model sees it; what it has not seen
        compacting = self.compaction is not None and self.compaction.strategy != "none"
        while True:
            if compacting:
                fit = await self._fit(context, sent_turn, fresh, system, fitted, calls + 1, bus)
                if fit is not None:
                    context, sent_turn = fit
            sent = [*context, *sent_turn]
            request = CompletionRequest(sent, system, definitions, params)
            calls += 1
            if bus is not None:
                bus.publish(
                    ModelRequest(
                        agent=self.name,
                        model=model,
                        iteration=calls,
                        provider=provider.name,
                        messages=sent,
                        system=system,
                    )
                )
            call_started = time.perf_counter()
            steps = active_steps()
            replayed = False
            reply: Message | None = None
            workflow_id, step = "", 0
            if steps is not None:
                # A durable step, outside the provider's retries: they stay inside one step.
                outcome = await steps.model_step(partial(provider.complete, request), model=model)
                reply, replayed = outcome.value, outcome.replayed
                workflow_id, step = outcome.workflow_id, outcome.step
                if replayed and bus is not None:
                    bus.publish(_replayed(self.name, "model", model, outcome.step, outcome))
            elif streaming:
                events = provider.stream(request)
                try:
                    async for event in events:
                        if type(event) is StreamDone:
                            reply = event.message
                            continue
                        if bus is not None and type(event) is TextDelta:
                            bus.publish(StreamDelta(agent=self.name, text=event.text))
                        yield event
                finally:
                    close = getattr(events, "aclose", None)
                    if close is not None:
                        await close()
                if reply is None:
                    raise ProviderError(
                        f"the {provider.name} stream ended without a StreamDone event",
                        provider=provider.name,
                        hint="this is a bug in the provider; report it with the model name",
                    )
            else:
                reply = await provider.complete(request)
            usage = reply.usage
            if usage is None or usage.requests != 1:
                usage = (usage or Usage()).model_copy(update={"requests": 1})
            total = total + usage
            self._last_tokens = usage.input_tokens + usage.output_tokens
            if not replayed:  # a replayed call was paid for, and counted, when it was made
                self._usage = self._usage + usage  # spent even if the turn fails later
            if bus is not None and not replayed:
                bus.publish(
                    ModelResponse(
                        agent=self.name,
                        model=model,
                        stop_reason=reply.stop_reason,
                        input_tokens=usage.input_tokens,
                        output_tokens=usage.output_tokens,
                        duration=time.perf_counter() - call_started,
                        provider=provider.name,
                        response_model=reply.model,
                        workflow_id=workflow_id,
                        step=step,
                        message=reply,
                    )
                )
            if reply.stop_reason is StopReason.MAX_TOKENS and any(
                call.invalid_arguments is not None for call in reply.tool_calls
            ):
                raise _cut_tool_call(provider.name, model, reply)
            turn.append(reply)
            sent_turn.append(reply)
            fresh = len(sent_turn)
            if not reply.tool_calls:
                final = reply
                break
            results = await self._call_tools(reply.tool_calls, params)
            answered = Message(role="user", tool_results=results, timestamp=datetime.now(UTC))
            turn.append(answered)
            sent_turn.append(answered)
            if streaming:
                for result in results:
                    yield ToolResultEvent(result)
            if calls >= params.max_iterations:
                final = _max_iterations_message(calls, reply)
                turn.append(final)
                sent_turn.append(final)
                break
        if fitted.history is not None:
            fitted.history = [*context[fitted.prompt :], *sent_turn]
        yield StreamDone(final.model_copy(update={"usage": total}))

    async def compact(self, *, force: bool = True) -> ContextCompacted | None:
        """Compact the conversation now (``/compact``) with the agent's strategy.

        ``none`` (or no policy) compacts with ``truncate``. Forced, it keeps only the last
        turn and the turns holding a pinned message (summarizing the rest for
        ``summarize``); otherwise only what passes the threshold goes, as before a model call.

        Returns:
            The event describing what was done, or None when there was nothing to drop.
        """
        memory = self.memory
        async with memory.turn_lock:
            prompt = len(memory.prompt())
            context = memory.messages()
            fitted = _Fitted(prompt)
            if force:
                fit = await self._force(context, fitted)
            else:
                fit = await self._fit(context, [], 0, self.instruction, fitted, 0, None)
            if fit is None:
                return None
            _install(memory, fit[0][prompt:])
            return fitted.event

    def _context_window(self) -> int:
        policy = self.compaction
        if policy is not None and policy.context_window is not None:
            return policy.context_window
        from fastagent.providers.model_catalogue import lookup

        return lookup(self.provider.name, self.provider.model).context_window

    def _count(self, memory: Memory, new: list[Message]) -> int:
        from fastagent.llm.compaction import estimate_tokens

        # The provider's count of the last call (system prompt and tools included) plus the
        # new messages; never less than the estimate of everything, which some providers'
        # reports (and a cleared memory) would undercut.
        estimated = estimate_tokens([*memory.messages(), *new])
        return max(self._last_tokens + estimate_tokens(new), estimated)

    def _window_counts(self, new: list[Message]) -> str:
        try:
            window = self._context_window()
            used = self._count(self.memory, new)
        except Exception:
            return ""
        return f" (about {used} tokens to send; context window {window} tokens)"

    async def _fit(
        self,
        context: list[Message],
        turn: list[Message],
        fresh: int,
        system: str | None,
        fitted: _Fitted,
        iteration: int,
        bus: EventBus | None,
    ) -> tuple[list[Message], list[Message]] | None:
        """Compact `context` (prompt first) and the running `turn` if they pass the threshold.

        `turn[fresh:]` is what the model has not seen yet. Old turns of the history go first,
        then old tool rounds of `turn`. Returns the new context and turn, or None.
        """
        from fastagent.llm.compaction import (
            SUMMARY_PREFIX,
            estimate_tokens,
            split_rounds,
            truncate_rounds,
            truncate_turns,
        )

        policy = self.compaction
        window = self._context_window()
        budget = int(window * (policy.threshold if policy is not None else 0.8))
        estimated = estimate_tokens([*context, *turn])
        used = max(self._last_tokens + estimate_tokens(turn[fresh:]), estimated)
        if used <= budget:
            return None
        prompt, history = context[: fitted.prompt], context[fitted.prompt :]
        # What the provider counted beyond the estimate (system prompt, tool definitions,
        # its tokenizer) stays whatever is dropped.
        overhead = max(used - estimated, estimate_tokens([Message.user(system or "")]))
        fixed = estimate_tokens(prompt) + overhead
        kept, dropped = truncate_turns(history, budget, fixed=fixed + estimate_tokens(turn))
        kept_turn, dropped_turn = turn, list[Message]()
        if fixed + estimate_tokens([*kept, *turn]) > budget:
            kept_turn, dropped_turn = truncate_rounds(
                turn, budget, fixed=fixed + estimate_tokens(kept)
            )
        if not dropped and not dropped_turn:
            return None
        if dropped and self._strategy() == "summarize":
            kept = [await self._summary(dropped), *kept]
        if dropped_turn and self._strategy() == "summarize":
            # One summary of the turn's rounds so far: an earlier one is summarized again.
            head = split_rounds(turn)[0]
            earlier = [m for m in head[1:] if m.text.startswith(SUMMARY_PREFIX)]
            head = [m for m in head if not any(m is e for e in earlier)]
            summary = await self._summary([*earlier, *dropped_turn])
            kept_turn = [*head, summary, *kept_turn[len(head) + len(earlier) :]]
        self._last_tokens = 0
        fitted.history = [*kept, *kept_turn]
        self._compacted(
            fitted,
            bus,
            before=(len(history) + len(turn), used),
            after=[*prompt, *kept, *kept_turn],
            window=window,
            iteration=iteration,
        )
        return [*prompt, *kept], kept_turn

    async def _force(
        self, context: list[Message], fitted: _Fitted
    ) -> tuple[list[Message], list[Message]] | None:
        from fastagent.llm.compaction import estimate_tokens, split_turns

        prompt, history = context[: fitted.prompt], context[fitted.prompt :]
        turns = split_turns(history)
        older, last = turns[:-1], turns[-1] if turns else []
        pinned = [any(m.pinned for m in t) for t in older]  # a pinned turn stays, whole
        kept = [*(m for t, p in zip(older, pinned, strict=True) if p for m in t), *last]
        dropped = [m for t, p in zip(older, pinned, strict=True) if not p for m in t]
        if not dropped:
            return None
        if self._strategy() == "summarize":
            kept = [await self._summary(dropped), *kept]
        self._last_tokens = 0
        self._compacted(
            fitted,
            None,
            before=(len(history), estimate_tokens(context)),
            after=[*prompt, *kept],
            window=self._context_window(),
            iteration=0,
        )
        return [*prompt, *kept], []

    def _strategy(self) -> str:
        policy = self.compaction
        return "truncate" if policy is None or policy.strategy == "none" else policy.strategy

    async def _summary(self, dropped: list[Message]) -> Message:
        from fastagent.llm.compaction import summarize_turns

        policy = self.compaction
        summarizer = policy.summarizer if policy and policy.summarizer else self.provider
        return await summarize_turns(summarizer, dropped, agent=self.name)

    def _compacted(
        self,
        fitted: _Fitted,
        bus: EventBus | None,
        *,
        before: tuple[int, int],
        after: list[Message],
        window: int,
        iteration: int,
    ) -> None:
        from fastagent.llm.compaction import estimate_tokens

        event = ContextCompacted(
            agent=self.name,
            strategy=self._strategy(),
            messages_before=before[0],
            messages_after=len(after) - fitted.prompt,
            tokens_before=before[1],
            tokens_after=estimate_tokens(after),
            context_window=window,
            iteration=iteration,
        )
        fitted.event = event
        _log.info(
            "compacted %s's conversation (%s) before model call %d: %d -> %d messages, "
            "~%d -> ~%d tokens of %d",
            self.name,
            event.strategy,
            iteration,
            event.messages_before,
            event.messages_after,
            event.tokens_before,
            event.tokens_after,
            window,
        )
        events = bus if bus is not None else self.events
        if events is not None:
            events.publish(event)

    async def _call_tools(self, calls: list[ToolCall], params: RequestParams) -> list[ToolResult]:
        if len(calls) == 1:
            return [await self._call_tool(calls[0])]
        if params.parallel_tool_calls:
            return list(await asyncio.gather(*(self._call_tool(c) for c in calls)))
        return [await self._call_tool(c) for c in calls]

    async def _call_tool(self, call: ToolCall) -> ToolResult:
        tools = self.tools
        if tools is None:
            return ToolResult.error(
                call.id,
                f"there is no tool '{call.name}': this agent has no tools; answer without them",
                tool_name=call.name,
            )
        try:
            steps = active_steps()
            if steps is None:
                return await tools.call(call)
            outcome = await steps.tool_step(lambda: tools.call(call), call)
            if outcome.replayed and self.events is not None:
                self.events.publish(_replayed(self.name, "tool", call.name, outcome.step, outcome))
            return outcome.value
        except Exception as exc:  # ToolSet.call should not raise; keep the loop alive anyway
            _log.exception("tool set raised on call %s of %r", call.id, call.name)
            return ToolResult.error(
                call.id, f"tool '{call.name}' failed: {exc}", tool_name=call.name
            )


class _Fitted:
    """What compaction did during one turn: the compacted history for memory, if any."""

    __slots__ = ("event", "history", "prompt")

    def __init__(self, prompt: int) -> None:
        self.prompt = prompt  # how many prompt messages start the context
        self.history: list[Message] | None = None
        self.event: ContextCompacted | None = None


def _install(memory: Memory, history: list[Message]) -> None:
    """Replace what the model sees with `history`; a recording memory keeps its full record."""
    target = getattr(memory, "inner", memory)
    target.clear(keep_prompt=True)
    target.extend(history)


def _replayed(agent: str, kind: str, name: str, step: int, outcome: object) -> StepReplayed:
    return StepReplayed(
        agent=agent,
        kind=kind,
        name=name,
        step=step,
        workflow_id=getattr(outcome, "workflow_id", ""),
    )


def as_messages(messages: MessageInput) -> list[Message]:
    """`MessageInput` as a list of messages: text becomes user messages, timestamped now."""
    return _as_messages(messages)


def _as_messages(messages: MessageInput) -> list[Message]:
    if isinstance(messages, str):
        return [_user(messages)]
    if isinstance(messages, Message):
        return [messages]
    return [_user(m) if isinstance(m, str) else m for m in messages]


def _user(text: str) -> Message:
    message = Message.user(text)
    message.timestamp = datetime.now(UTC)
    return message


def _join_system(instruction: str | None, suffix: str) -> str:
    if not instruction:
        return suffix
    return f"{instruction}\n\n{suffix}"


def _cut_tool_call(provider: str, model: str, reply: Message) -> ModelOutputError:
    """The error for a reply cut at max_tokens in the middle of a tool call: none is run.

    Telling the model its arguments were invalid would not help (its next try stops at the
    same limit), and calls after the cut one are missing.
    """
    cut = next(call for call in reply.tool_calls if call.invalid_arguments is not None)
    return ModelOutputError(
        f"{provider} model {model} stopped at max_tokens in the middle of a call to tool "
        f"'{cut.name}'; no tool was run",
        raw=cut.invalid_arguments or "",
        hint="raise max_tokens (?max_tokens=N on the model string, or RequestParams"
        "(max_tokens=N)) and send the message again; the conversation is as it was",
    )


def _max_iterations_message(calls: int, last: Message) -> Message:
    names = ", ".join(dict.fromkeys(c.name for c in last.tool_calls))
    message = Message.assistant(
        f"stopped after {calls} iterations: the model was still calling tools ({names})",
        stop_reason=StopReason.MAX_ITERATIONS,
    )
    message.model = last.model
    message.timestamp = datetime.now(UTC)
    return message

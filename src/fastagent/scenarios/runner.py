"""Running a scenario: scripted model turns through the real tool loop, then expectations.

The scenario's turns (or recording) are replayed by a `PlaybackProvider`, so the agent's real
tools run with the scripted arguments. Every input is sent in order; the transcript (tool
calls and results included) is kept, and the expectations are checked against it. Running
out of scripted turns, or a provider error, is a failure of the scenario, not a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastagent.exceptions import PlaybackExhaustedError, RuntimeFailure
from fastagent.messages import Message, StopReason, ToolCall
from fastagent.providers.base import BaseProvider, CompletionRequest
from fastagent.scenarios.expectations import check_expectations, format_call, tool_calls_of

if TYPE_CHECKING:
    from fastagent.providers.base import Provider
    from fastagent.providers.playback import PlaybackProvider
    from fastagent.scenarios.scenario_file import Scenario, ScriptedTurn

__all__ = ["ScenarioResult", "run", "scripted_messages"]


@dataclass
class ScenarioResult:
    """The outcome of one scenario run.

    Attributes:
        name: The scenario's name (its file name when it has none).
        source: The scenario file, when it came from one.
        failures: One sentence per failed expectation; empty when the scenario passed.
        transcript: The whole conversation, tool calls and results included.
        replies: The final reply to each input that was answered.
        duration: Seconds the run took, setup included.
    """

    name: str
    source: str | None = None
    failures: list[str] = field(default_factory=list)
    transcript: list[Message] = field(default_factory=list)
    replies: list[Message] = field(default_factory=list)
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return not self.failures

    def report(self) -> str:
        """A readable summary: the verdict, then one line per failure."""
        where = f" ({self.source})" if self.source else ""
        verdict = "passed" if self.passed else "failed"
        lines = [f"scenario '{self.name}'{where} {verdict}"]
        lines.extend(f"  - {failure}" for failure in self.failures)
        return "\n".join(lines)


def scripted_messages(turns: list[ScriptedTurn]) -> list[Message]:
    """The scripted turns as assistant messages; calls without an id get ``call_<t>_<n>``."""
    messages: list[Message] = []
    for number, turn in enumerate(turns, start=1):
        calls = [
            ToolCall(
                id=call.id or f"call_{number}_{index}", name=call.name, arguments=call.arguments
            )
            for index, call in enumerate(turn.tool_calls, start=1)
        ]
        parts = [turn.text] if turn.text is not None else []
        messages.append(Message.assistant(*parts, tool_calls=calls))
    return messages


async def run(scenario: Scenario, *, config_path: str | Path | None = None) -> ScenarioResult:
    """Run a scenario and check its expectations.

    Args:
        scenario: A loaded scenario (see `load_scenario`).
        config_path: The config file, for MCP servers and apps.

    Returns:
        The result; `ScenarioResult.passed` says whether it passed.

    Raises:
        UserError: The scenario cannot be set up (imports, recording file, app, agent).
        HistoryFormatError: The recording cannot be parsed.
    """
    from fastagent.scenarios.agent_setup import open_agent

    started = time.perf_counter()
    name = scenario.name or (Path(scenario.source).stem if scenario.source else "scenario")
    result = ScenarioResult(name=name, source=scenario.source)
    playback = _playback(scenario)
    recorder = _Recorder(playback if playback is not None else _passthrough())
    async with open_agent(scenario, recorder, config_path=config_path) as llm:
        for number, text in enumerate(scenario.inputs, start=1):
            mark = len(recorder.calls)
            try:
                reply = await llm.generate(text)
            except PlaybackExhaustedError as exc:
                result.transcript.extend(recorder.turn_since(mark))
                result.failures.append(_exhausted(exc.played, number, text, result.transcript))
                break
            except RuntimeFailure as exc:
                result.transcript.extend(recorder.turn_since(mark))
                result.failures.append(
                    f"input {number} ({text!r}) failed: {type(exc).__name__}: {exc.message}"
                )
                break
            result.transcript.extend(recorder.turn_since(mark, final=reply))
            result.replies.append(reply)
    if not result.failures:
        final_text = result.replies[-1].text
        result.failures.extend(check_expectations(scenario.expect, result.transcript, final_text))
        if playback is not None and scenario.expect.all_turns_used and playback.remaining:
            total = playback.played + playback.remaining
            result.failures.append(
                f"expected every scripted turn to be used; {playback.remaining} of {total} "
                f"were left over (the model was called {playback.played} time(s))"
            )
    result.duration = time.perf_counter() - started
    return result


def _playback(scenario: Scenario) -> PlaybackProvider | None:
    from fastagent.providers.playback import PlaybackProvider

    if scenario.model != "playback":
        return None
    if scenario.recording is not None:
        base = Path(scenario.source).parent if scenario.source else Path.cwd()
        return PlaybackProvider(file=base / scenario.recording)
    return PlaybackProvider(conversation=scripted_messages(scenario.turns or []))


def _passthrough() -> Provider:
    from fastagent.providers.passthrough import PassthroughProvider

    return PassthroughProvider()


def _exhausted(played: int, number: int, text: str, transcript: list[Message]) -> str:
    calls = ", ".join(format_call(c) for c in tool_calls_of(transcript)) or "none"
    return (
        f"the model was called more often than there are scripted turns: all {played} "
        f"turn(s) were used before input {number} ({text!r}) was answered "
        f"(tool calls so far: {calls}); add the missing turn(s)"
    )


@dataclass
class _Call:
    messages: list[Message]
    reply: Message | None = None


class _Recorder(BaseProvider):
    """Passes calls on to `inner`, keeping each request and reply to rebuild the transcript."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner.model)
        self.name = inner.name
        self.inner = inner
        self.calls: list[_Call] = []

    async def complete(self, request: CompletionRequest) -> Message:
        call = _Call(list(request.messages))
        self.calls.append(call)
        call.reply = await self.inner.complete(request)
        return call.reply

    def turn_since(self, mark: int, *, final: Message | None = None) -> list[Message]:
        """The messages of the turn whose model calls start at index `mark`.

        The last request holds the turn so far (the user's input, replies, tool results); its
        reply, and a tool loop's max-iterations message, complete it.
        """
        calls = self.calls[mark:]
        if not calls:
            return []
        start = len(calls[0].messages) - 1
        last = calls[-1]
        turn = last.messages[start:]
        if last.reply is not None:
            turn.append(last.reply)
        if final is not None and final.stop_reason is StopReason.MAX_ITERATIONS:
            turn.append(final)
        return turn

"""`SessionRecorder`: saves the conversations of an app's agents as a session, turn by turn.

The recorder wraps each agent's memory: the tool loop adds a turn to memory only when it
completes, and that is when the turn is appended to the session. Resuming loads every
agent's history from the session into its memory and keeps appending to the same session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fastagent.sessions.store import (
    AgentSummary,
    SessionError,
    SessionInfo,
    SessionStore,
    SessionWriter,
    sessions_directory,
)

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.llm.memory import Memory
    from fastagent.messages import Message
    from fastagent.runtime import Runtime

__all__ = ["RecordingMemory", "SessionRecorder", "recorded_models", "session_store"]


def session_store(runtime: Runtime) -> SessionStore:
    """The store of the run's ``sessions.directory`` (relative to the config file's folder)."""
    config_file = runtime.config.config_file if runtime.config is not None else None
    return SessionStore(sessions_directory(runtime.settings.sessions.directory, config_file))


def recorded_models(runtime: Runtime, session_id: str | None) -> dict[str, str]:
    """The model each agent of session `session_id` (the last when None or "last") used.

    Raises:
        SessionError: No such session.
    """
    info = session_store(runtime).resolve(session_id)
    return {name: agent.model for name, agent in info.agents.items() if agent.model}


class RecordingMemory:
    """A `Memory` that appends every completed turn (and every clear) to a session.

    Args:
        inner: The memory that keeps the conversation.
        agent: The agent's name in the session.
        recorder: Where turns go.
    """

    def __init__(self, inner: Memory, agent: str, recorder: SessionRecorder) -> None:
        self.inner = inner
        self.agent = agent
        self.recorder = recorder

    @property
    def turn_lock(self) -> asyncio.Lock:
        """The inner memory's turn lock."""
        return self.inner.turn_lock

    def messages(self) -> list[Message]:
        """The prompt followed by the history."""
        return self.inner.messages()

    def prompt(self) -> list[Message]:
        """The prompt messages."""
        return self.inner.prompt()

    def history(self) -> list[Message]:
        """The history without the prompt."""
        history = getattr(self.inner, "history", None)
        if callable(history):
            return list(history())
        return self.inner.messages()[len(self.inner.prompt()) :]

    def extend(self, messages: Iterable[Message]) -> None:
        """Append messages to the history and the turn to the session."""
        batch = list(messages)
        self.inner.extend(batch)
        self.recorder.record(self.agent, batch)

    def record_pin(self, message: Message) -> None:
        """Record that `message` (of the history) was pinned or unpinned."""
        self.recorder.record_pin(self.agent, message)

    def set_prompt(self, messages: Iterable[Message]) -> None:
        """Replace the prompt messages (not saved: they come from the agent's definition)."""
        self.inner.set_prompt(messages)

    def clear(self, *, keep_prompt: bool = True) -> None:
        """Forget the history, and record the clearing in the session."""
        self.inner.clear(keep_prompt=keep_prompt)
        self.recorder.record_clear(self.agent)

    def __len__(self) -> int:
        return len(self.inner.messages())


class SessionRecorder:
    """Saves the conversations of a set of agents into one session at a time.

    Args:
        runtime: The open runtime (settings, notices; the session is closed with it).
        agents: The agents by name; those without a memory (some workflows) are skipped.
        store: Where sessions live (the run's ``sessions.directory`` by default).
    """

    def __init__(
        self,
        runtime: Runtime,
        agents: Mapping[str, BaseAgent],
        *,
        store: SessionStore | None = None,
    ) -> None:
        self.runtime = runtime
        self.store = store if store is not None else session_store(runtime)
        self._agents = dict(agents)
        self._writer: SessionWriter | None = None
        self._saved: dict[str, Any] | None = None
        self._failed = False

    @property
    def session(self) -> SessionInfo | None:
        """The metadata of the session being written, or None before `start` / `resume`."""
        return self._writer.info if self._writer is not None else None

    @property
    def session_id(self) -> str | None:
        """The id of the session being written."""
        return self._writer.id if self._writer is not None else None

    def start(self) -> SessionInfo:
        """Start a new session holding the agents' current conversations.

        Raises:
            SessionError: The session folder cannot be created.
        """
        writer = self.store.create()
        self._switch(writer)
        for name, memory in self._memories().items():
            writer.append(name, _history(memory))
        self._save_info()
        return writer.info

    def resume(self, session_id: str | None = None, *, models: bool = False) -> SessionInfo:
        """Load a session (the last one when None) into the agents and keep appending to it.

        Every agent's conversation is replaced by its history in the session (agents the
        session does not know start empty).

        Args:
            session_id: The session (a unique prefix works); None or "last": the last one.
            models: Also switch each model-backed agent to the model the session recorded for
                it, as ``fastagent go --resume`` does, unless ``--model`` (`RunOptions.model`)
                was given. Nothing changes when a recorded model does not resolve.

        Raises:
            SessionError: No such session, or it cannot be read.
            SessionLockedError: Another process is writing it.
            UnknownModelError: `models` and a recorded model is unknown (hint: ``--model``).
            MissingAPIKeyError: `models` and a recorded model's provider has no key.
        """
        if self._writer is not None and session_id in (self._writer.id, None):
            current = self.store.resolve(session_id)
            if current.id == self._writer.id:
                return self._writer.info
        switches = self._model_switches(self.store.resolve(session_id)) if models else {}
        writer, histories = self.store.open(session_id)
        for name, (provider, chosen) in switches.items():
            agent = self._agents[name]
            agent.llm.provider = provider  # type: ignore[attr-defined]
            agent.model = chosen
        self._switch(writer)
        memories = self._memories()
        for name, memory in memories.items():
            inner = memory.inner if isinstance(memory, RecordingMemory) else memory
            inner.clear()
            inner.extend(histories.get(name, []))
        unknown = sorted(set(histories) - set(memories))
        if unknown:
            self.runtime.notice(
                f"session {writer.id} has history for agents this app does not have: "
                + ", ".join(unknown)
            )
        return writer.info

    def _model_switches(self, info: SessionInfo) -> dict[str, tuple[Any, str]]:
        """The provider and model string of each agent whose recorded model differs from its own.

        Empty when ``--model`` was given or the run injects its own provider.
        """
        from fastagent.exceptions import UnknownModelError

        runtime = self.runtime
        if runtime.models.override or runtime.options.provider is not None:
            return {}
        switches: dict[str, tuple[Any, str]] = {}
        for name, summary in info.agents.items():
            agent = self._agents.get(name)
            llm = getattr(agent, "llm", None)
            if agent is None or llm is None or not summary.model or summary.model == agent.model:
                continue
            try:
                provider, chosen, _builtin = runtime.provider_for(summary.model)
            except UnknownModelError as exc:
                raise UnknownModelError(
                    f"agent '{name}': the resumed session's model: {exc.message}",
                    hint="leave with /exit and run fastagent go --model MODEL --resume "
                    f"{info.id} to continue it with another model",
                ) from None
            switches[name] = (provider, chosen)
        return switches

    def attach(self) -> None:
        """Wrap the agents' memories so completed turns are recorded (idempotent)."""
        for name, agent in self._agents.items():
            llm = getattr(agent, "llm", None)
            memory = getattr(llm, "memory", None)
            if memory is None or isinstance(memory, RecordingMemory):
                continue
            llm.memory = RecordingMemory(memory, name, self)  # type: ignore[union-attr]

    def record(self, agent: str, messages: list[Message]) -> None:
        """Append one completed turn of `agent` (nothing when no session is open)."""
        writer = self._writer
        if writer is None or not messages:
            return
        try:
            writer.append(agent, messages)
            _add_usage(writer.info.agents[agent], messages, self._agents.get(agent))
            self._save_info()
        except SessionError as exc:
            self._report(exc)

    def record_pin(self, agent: str, message: Message) -> None:
        """Record that a message of `agent`'s history was pinned or unpinned."""
        writer = self._writer
        if writer is None:
            return
        try:
            writer.append_pin(agent, message)
        except SessionError as exc:
            self._report(exc)

    def record_clear(self, agent: str) -> None:
        """Record that `agent`'s conversation was cleared."""
        writer = self._writer
        if writer is None:
            return
        try:
            writer.append_clear(agent)
            self._save_info()
        except SessionError as exc:
            self._report(exc)

    def close(self) -> None:
        """Save the metadata and release the session (idempotent)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            with contextlib.suppress(SessionError):
                self._save_if_changed(writer)
        finally:
            writer.close()

    def _switch(self, writer: SessionWriter) -> None:
        self.close()
        self._writer = writer
        self._saved = _contents(writer.info)
        self._failed = False

    def _memories(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, agent in self._agents.items():
            memory = getattr(getattr(agent, "llm", None), "memory", None)
            if memory is not None:
                found[name] = memory
        return found

    def _save_info(self) -> None:
        writer = self._writer
        if writer is not None:
            self._save_if_changed(writer)

    def _save_if_changed(self, writer: SessionWriter) -> None:
        """Write ``meta.json`` unless it already says this (``updated``: the last change)."""
        self._update_summaries(writer)
        contents = _contents(writer.info)
        if contents != self._saved:
            writer.save_info()
            self._saved = contents

    def _update_summaries(self, writer: SessionWriter) -> None:
        for name, agent in self._agents.items():
            summary = writer.info.agents.get(name)
            if summary is not None:
                summary.model = str(getattr(agent, "model", None) or summary.model or "")

    def _report(self, exc: SessionError) -> None:
        if not self._failed:
            self._failed = True
            hint = f" ({exc.hint})" if exc.hint else ""
            self.runtime.notice(f"session not saved: {exc.message}{hint}")


def _contents(info: SessionInfo) -> dict[str, Any]:
    """What ``meta.json`` says apart from its ``updated`` time."""
    data = info.to_dict()
    data.pop("updated", None)
    return data


def _history(memory: Any) -> list[Message]:
    history = getattr(memory, "history", None)
    if callable(history):
        return list(history())
    messages: list[Message] = memory.messages()
    return messages[len(memory.prompt()) :]


def _add_usage(summary: AgentSummary, messages: list[Message], agent: Any) -> None:
    from fastagent.messages import Usage

    spent = Usage()
    for message in messages:
        if message.role == "assistant" and message.usage is not None:
            spent = spent + message.usage.model_copy(update={"requests": 1})
    if spent.requests:
        summary.usage = summary.usage + spent
        price = _cost(agent, spent)
        if price is not None:
            summary.cost = (summary.cost or 0.0) + price


def _cost(agent: Any, usage: Any) -> float | None:
    provider = getattr(getattr(agent, "llm", None), "provider", None)
    if provider is None:
        return None
    try:
        from fastagent.providers.model_catalogue import cost, lookup

        info = lookup(provider.name, provider.model)
    except Exception:
        return None
    if not info.known:
        return None
    return cost(info, usage)

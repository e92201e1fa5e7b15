from __future__ import annotations

import io

from rich.console import Console

from fastagent.events import (
    AgentFinished,
    AgentStarted,
    ModelRequest,
    ModelResponse,
    RetryScheduled,
    ServerConnected,
    ServerConnecting,
    ToolCallFinished,
    ToolCallStarted,
)
from fastagent.ui.progress import ProgressState, render_progress


def render(state: ProgressState) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(render_progress(state))
    return console.export_text()


def test_state_follows_one_agent_through_a_turn() -> None:
    now = [100.0]
    state = ProgressState(clock=lambda: now[0])
    assert state.idle
    state.apply(AgentStarted(agent="a", at=100.0))
    state.apply(ModelRequest(agent="a", model="gpt-x", iteration=1))
    activity = state.agents["a"]
    assert (activity.step, activity.model, activity.status) == (1, "gpt-x", "thinking")
    state.apply(ModelResponse(agent="a", model="gpt-x", input_tokens=120, output_tokens=35))
    state.apply(ToolCallStarted(agent="a", tool="search", call_id="1"))
    state.apply(ToolCallStarted(agent="a", tool="fetch", call_id="2"))
    now[0] = 102.5
    text = render(state)
    assert "a" in text and "step 1" in text and "gpt-x" in text
    assert "fetch, search" in text and "120->35 tokens" in text and "2.5s" in text
    state.apply(ToolCallFinished(agent="a", tool="search", call_id="1"))
    assert activity.tools == {"2": "fetch"}
    state.apply(ToolCallFinished(agent="a", tool="fetch", call_id="2"))
    assert activity.status == "tools done"
    state.apply(ModelRequest(agent="a", model="gpt-x", iteration=2))
    state.apply(ModelResponse(agent="a", model="gpt-x", input_tokens=10, output_tokens=5))
    assert (activity.step, activity.input_tokens, activity.output_tokens) == (2, 130, 40)
    state.apply(AgentFinished(agent="a"))
    assert state.idle


def test_nested_runs_of_one_agent_and_events_of_unknown_agents() -> None:
    state = ProgressState()
    state.apply(AgentStarted(agent="a"))
    state.apply(AgentStarted(agent="a"))
    state.apply(ModelRequest(agent="other", model="m", iteration=1))  # ignored
    assert list(state.agents) == ["a"]
    state.apply(AgentFinished(agent="a"))
    assert not state.idle
    state.apply(AgentFinished(agent="a"))
    state.apply(AgentFinished(agent="never-started"))
    assert state.idle


def test_servers_and_retries_are_shown() -> None:
    state = ProgressState(clock=lambda: 10.0)
    state.apply(ServerConnecting(server="fetch", at=9.0))
    assert not state.idle
    state.apply(AgentStarted(agent="a", at=9.5))
    state.apply(RetryScheduled(source="openai.gpt-x", attempt=2, delay=1.5, reason="429"))
    text = render(state)
    assert "fetch" in text and "connecting" in text and "1.0s" in text
    assert "retry 2 of openai.gpt-x in 1.5s" in text
    state.apply(ServerConnected(server="fetch"))
    state.apply(AgentFinished(agent="a"))
    assert state.idle and state.notice == ""

"""What each agent is doing right now, kept from events, and its rich rendering.

`ProgressState` is plain data fed with `fastagent.events` values (no terminal involved, so
it is easy to test); `render_progress` turns it into the table the live display shows: one
line per busy agent with its model step, model, running tool, tokens and elapsed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastagent.events import (
    AgentFinished,
    AgentStarted,
    Event,
    ModelRequest,
    ModelResponse,
    RetryScheduled,
    ServerConnected,
    ServerConnecting,
    ToolCallFinished,
    ToolCallStarted,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["AgentActivity", "ProgressState", "render_progress"]


@dataclass(slots=True)
class AgentActivity:
    """One busy agent.

    Attributes:
        agent: Its name.
        started: When it started (seconds since the epoch).
        step: Which model call of the turn is running or done (1-based; 0 before the first).
        model: The model it calls.
        tools: Tools running now, by call id.
        input_tokens: Input tokens spent in this turn.
        output_tokens: Output tokens spent in this turn.
        status: A few words on what it waits for.
        depth: How many runs of this agent are open (an agent may be used twice at once).
    """

    agent: str
    started: float
    step: int = 0
    model: str = ""
    tools: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    status: str = "starting"
    depth: int = 1


class ProgressState:
    """The busy agents and connecting servers, updated by `apply` from events.

    Args:
        clock: Returns the current time in seconds since the epoch (for elapsed times).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.agents: dict[str, AgentActivity] = {}
        self.servers: dict[str, float] = {}
        self.notice: str = ""

    @property
    def idle(self) -> bool:
        """True when no agent runs and no server is connecting."""
        return not self.agents and not self.servers

    def apply(self, event: Event) -> None:
        """Update the state from one event (events it does not track are ignored)."""
        if isinstance(event, AgentStarted):
            running = self.agents.get(event.agent)
            if running is None:
                self.agents[event.agent] = AgentActivity(event.agent, started=event.at)
            else:
                running.depth += 1
        elif isinstance(event, AgentFinished):
            running = self.agents.get(event.agent)
            if running is not None:
                running.depth -= 1
                if running.depth <= 0:
                    del self.agents[event.agent]
            if not self.agents:
                self.notice = ""
        elif isinstance(event, ServerConnecting):
            self.servers[event.server] = event.at
        elif isinstance(event, ServerConnected):
            self.servers.pop(event.server, None)
        else:
            self._apply_to_agent(event)

    def _apply_to_agent(self, event: Event) -> None:
        if isinstance(event, RetryScheduled):
            self.notice = f"retry {event.attempt} of {event.source} in {event.delay:.1f}s"
            return
        agent = getattr(event, "agent", None)
        activity = self.agents.get(agent) if isinstance(agent, str) else None
        if activity is None:
            return
        if isinstance(event, ModelRequest):
            activity.step, activity.model, activity.status = (
                event.iteration,
                event.model,
                "thinking",
            )
        elif isinstance(event, ModelResponse):
            activity.input_tokens += event.input_tokens
            activity.output_tokens += event.output_tokens
            activity.status = "replied"
        elif isinstance(event, ToolCallStarted):
            activity.tools[event.call_id] = event.tool
            activity.status = "calling tools"
        elif isinstance(event, ToolCallFinished):
            activity.tools.pop(event.call_id, None)
            if not activity.tools:
                activity.status = "tools done"

    def elapsed(self, activity: AgentActivity) -> float:
        """Seconds since `activity` started."""
        return max(0.0, self.clock() - activity.started)


def render_progress(state: ProgressState) -> RenderableType:
    """The live display's table for `state` (imports rich)."""
    from rich.spinner import Spinner
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    for _ in range(7):
        table.add_column()
    # The live display's refresh thread renders while events update the state: iterate copies.
    for activity in list(state.agents.values()):
        tools = ", ".join(sorted(set(activity.tools.copy().values())))
        table.add_row(
            Spinner("dots", style="cyan"),
            Text(activity.agent, style="bold"),
            f"step {activity.step}" if activity.step else "",
            Text(activity.model, style="magenta"),
            Text(tools, style="yellow") if tools else Text(activity.status, style="dim"),
            f"{activity.input_tokens:,}->{activity.output_tokens:,} tokens",
            f"{state.elapsed(activity):.1f}s",
        )
    now = state.clock()
    for server, since in list(state.servers.items()):
        table.add_row(
            Spinner("dots", style="blue"),
            Text(server, style="bold"),
            "",
            "",
            Text("connecting", style="dim"),
            "",
            f"{max(0.0, now - since):.1f}s",
        )
    if state.notice:
        table.add_row("", Text(state.notice, style="dim"), "", "", "", "", "")
    return table

from __future__ import annotations

import io

from rich.console import Console

from fastagent.agents import Agent
from fastagent.events import (
    AgentFinished,
    AgentStarted,
    ModelRequest,
    ModelResponse,
    ProgressUpdate,
    RetryScheduled,
    ServerConnected,
    ServerDisconnected,
    StepReplayed,
    StreamDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from fastagent.llm import AugmentedLLM
from fastagent.providers import create_provider
from fastagent.runtime import Context
from fastagent.tools import ToolSet
from fastagent.ui.display import plain_line, start_display

from .conftest import quiet_settings, shout


def tool_agent(ctx: Context) -> Agent:
    tools = ToolSet(events=ctx.events, agent="helper")
    tools.add(shout)
    llm = AugmentedLLM(
        create_provider("passthrough"), name="helper", tools=tools, events=ctx.events
    )
    return Agent("helper", llm)


async def run_tool_turn(ctx: Context) -> None:
    agent = tool_agent(ctx)
    await agent.send('***CALL_TOOL shout {"text": "hi"}')


def recording_console() -> Console:
    return Console(record=True, force_terminal=True, width=100, file=io.StringIO())


async def test_plain_lines_for_a_real_tool_turn() -> None:
    out = io.StringIO()
    async with Context.create(quiet_settings()) as ctx:
        detach = start_display(ctx, quiet=False, stream=out)
        await run_tool_turn(ctx)
        detach()
        detach()
        await run_tool_turn(ctx)  # detached: nothing more is written
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[helper] model passthrough ")
    assert lines[0].endswith(" tokens") and "->" in lines[0]
    assert lines[1] == "[helper] calling tool shout"
    assert lines[2].startswith("[helper] tool shout done ")
    assert lines[3].startswith("[helper] model passthrough ")
    assert len(lines) == 4


async def test_plain_lines_follow_the_logger_switches() -> None:
    out = io.StringIO()
    settings = quiet_settings(show_tools=False)
    async with Context.create(settings) as ctx:
        detach = start_display(ctx, quiet=False, stream=out, tty=False)
        await run_tool_turn(ctx)
        detach()
    assert [line.split(" ", 2)[1] for line in out.getvalue().splitlines()] == ["model", "model"]
    out = io.StringIO()
    async with Context.create(quiet_settings(progress_display=False)) as ctx:
        detach = start_display(ctx, quiet=False, stream=out, tty=False)
        await run_tool_turn(ctx)
        detach()
    assert "calling tool shout" in out.getvalue() and "model" not in out.getvalue()


def test_plain_line_for_each_event_kind() -> None:
    assert plain_line(StreamDelta(agent="a", text="x")) is None
    assert plain_line(AgentStarted(agent="a")) is None
    assert (
        plain_line(
            ModelResponse(
                agent="a", model="gpt-x", input_tokens=120, output_tokens=35, duration=1.23
            )
        )
        == "[a] model gpt-x 1.2s 120->35 tokens"
    )
    assert (
        plain_line(ToolCallFinished(agent="a", tool="t", call_id="1", is_error=True, duration=0.1))
        == "[a] tool t failed 0.10s"
    )
    assert (
        plain_line(RetryScheduled(source="openai.gpt", attempt=2, delay=1.5, reason="429"))
        == "[openai.gpt] retry 2 in 1.5s: 429"
    )
    assert plain_line(ServerConnected(server="fetch", duration=0.4)) == "[fetch] connected 0.4s"
    assert plain_line(ServerDisconnected(server="fetch")) is None
    assert plain_line(ServerDisconnected(server="fetch", reason="crashed")) == (
        "[fetch] disconnected: crashed"
    )
    assert plain_line(ProgressUpdate(source="s", progress=3, total=10, message="copying")) == (
        "[s] progress 3/10 copying"
    )
    assert plain_line(ModelRequest(agent="a", model="m"), progress=False) is None
    model = StepReplayed(agent="a", kind="model", name="gpt-x", step=1, workflow_id="t-4")
    tool = StepReplayed(agent="a", kind="tool", name="close", step=2, workflow_id="t-4")
    assert plain_line(model) == "[a] model gpt-x replayed from its record (t-4 step 1)"
    assert plain_line(tool) == "[a] tool close replayed from its record (t-4 step 2)"
    assert plain_line(model, progress=False) is None
    assert plain_line(tool, show_tools=False) is None


async def test_quiet_shows_nothing_and_subscribes_nothing() -> None:
    out = io.StringIO()
    console = recording_console()
    async with Context.create(quiet_settings()) as ctx:
        subscribed = len(ctx.events._handlers)
        for stream in (out, console):
            detach = start_display(ctx, quiet=True, stream=stream, tty=True)
            assert len(ctx.events._handlers) == subscribed
            await run_tool_turn(ctx)
            detach()
    assert out.getvalue() == ""
    assert console.export_text() == ""


async def test_terminal_display_shows_tools_and_live_progress() -> None:
    console = recording_console()
    async with Context.create(quiet_settings()) as ctx:
        detach = start_display(ctx, quiet=False, stream=console)
        await run_tool_turn(ctx)
        assert console._live_stack == []  # the live part stops when the agent finishes
        detach()
    text = console.export_text()
    assert 'helper -> shout {"text": "hi"}' in text
    assert "helper <- shout ok " in text
    assert "step 1" in text and "passthrough" in text  # rendered by the live progress table


async def test_terminal_display_renders_streamed_text_as_markdown() -> None:
    console = recording_console()
    async with Context.create(quiet_settings()) as ctx:
        detach = start_display(ctx, quiet=False, stream=console)
        llm = AugmentedLLM(create_provider("passthrough"), name="writer", events=ctx.events)
        async for _ in llm.stream("# Title\n\nsome **bold** text"):
            pass
        detach()
    text = console.export_text()
    assert "some **bold** text" in text  # the live part shows the raw stream's tail...
    printed = text.split("writer ──")[-1]  # ...and the turn ends with the reply as markdown
    assert text.count("writer ──") == 1
    assert "Title" in printed and "#" not in printed
    assert "some bold text" in printed


async def test_terminal_display_switches() -> None:
    console = recording_console()
    settings = quiet_settings(show_tools=False, show_chat=False, progress_display=False)
    async with Context.create(settings) as ctx:
        detach = start_display(ctx, quiet=False, stream=console)
        await run_tool_turn(ctx)
        detach()
    assert console.export_text() == ""
    console = recording_console()
    async with Context.create(quiet_settings(progress_display=False)) as ctx:
        detach = start_display(ctx, quiet=False, stream=console)
        ctx.events.publish(AgentStarted(agent="helper"))
        assert console._live_stack == []  # no live part
        ctx.events.publish(ToolCallStarted(agent="helper", tool="shout", call_id="1"))
        ctx.events.publish(AgentFinished(agent="helper"))
        detach()
    assert console.export_text().strip() == "helper -> shout"


async def test_tty_is_detected_from_the_stream() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    async with Context.create(quiet_settings()) as ctx:
        detach = start_display(ctx, quiet=False, stream=stream)
        ctx.events.publish(AgentStarted(agent="helper"))
        ctx.events.publish(ToolCallStarted(agent="helper", tool="shout", call_id="1"))
        ctx.events.publish(AgentFinished(agent="helper"))
        detach()
    assert "helper -> shout" in stream.getvalue()
    assert "[helper] calling tool" not in stream.getvalue()


def test_plain_progress_lines_are_throttled_per_source_but_keep_first_and_final() -> None:
    from fastagent.config import LoggerSettings
    from fastagent.ui.display import PlainDisplay

    now = [0.0]
    out = io.StringIO()
    display = PlainDisplay(out, LoggerSettings(), progress_interval=1.0, clock=lambda: now[0])
    for step in range(1, 1001):
        now[0] = step * 0.01  # 1,000 reports over 10 s
        display.handle(ProgressUpdate(source="srv", progress=step, total=1000))
        display.handle(ProgressUpdate(source="other", progress=step, total=None))
    lines = out.getvalue().splitlines()
    srv = [line for line in lines if line.startswith("[srv]")]
    other = [line for line in lines if line.startswith("[other]")]
    assert srv[0] == "[srv] progress 1/1000" and srv[-1] == "[srv] progress 1000/1000"
    assert 10 <= len(srv) <= 12
    assert 10 <= len(other) <= 11


def test_live_display_stays_off_screen_while_paused() -> None:
    from fastagent.config import LoggerSettings
    from fastagent.events import (
        AgentStarted,
        ModelRequest,
        UserInputFinished,
        UserInputRequested,
    )
    from fastagent.ui.display import LiveDisplay

    console = recording_console()
    display = LiveDisplay(console, LoggerSettings())
    display.handle(AgentStarted(agent="a"))
    assert console._live_stack != []  # busy: the live part is up
    with display.paused():
        assert console._live_stack == [] and display.is_paused
        display.handle(ModelRequest(agent="a", model="m", iteration=1))
        assert console._live_stack == []  # events do not bring it back while paused
        display.handle(UserInputRequested(kind="elicitation", server="srv"))  # pauses nest
        display.handle(UserInputFinished(kind="elicitation", server="srv"))
        assert console._live_stack == []
    assert not display.is_paused
    display.handle(ModelRequest(agent="a", model="m", iteration=2))
    assert console._live_stack != []  # the next event after the pause redraws it
    display.close()
    assert console._live_stack == []

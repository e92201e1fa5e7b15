from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fastagent.exceptions import UnknownAgentError, UserError
from fastagent.history import load_history, save_history
from fastagent.messages import EmbeddedResource, Message, ResourceContents
from fastagent.ui.commands import (
    COMMANDS,
    Command,
    DirectMessage,
    parse_input,
    run_command,
)

from .conftest import Recorder, echo, priced, with_tools


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", None),
        ("   \n ", None),
        ("hello there ", "hello there"),
        ("/help", Command("help")),
        ("  /AGENT  writer ", Command("agent", "writer")),
        ('/prompt greet {"name": "Ada"}', Command("prompt", 'greet {"name": "Ada"}')),
        ("exit", Command("exit")),
        ("QUIT", Command("exit")),
        ("@writer draft a haiku", DirectMessage("writer", "draft a haiku")),
        ("@writer line one\nline two", DirectMessage("writer", "line one\nline two")),
        ("@writer", DirectMessage("writer", "")),
        ("/", "/"),
        ("@ not a name", "@ not a name"),
        ("multi\nline", "multi\nline"),
    ],
)
def test_parse_input(line: str, expected: object) -> None:
    assert parse_input(line) == expected


async def run(recorder_session: Any, line: str) -> None:
    parsed = parse_input(line)
    assert isinstance(parsed, Command)
    await run_command(recorder_session, parsed)


async def test_help_lists_every_command_and_the_keys() -> None:
    rec = Recorder()
    await run(rec.session(echo()), "/help")
    for spec in COMMANDS.values():
        assert spec.usage in rec.text
    assert "@AGENT TEXT" in rec.text
    assert "Alt-Enter (or Esc then Enter) starts a new line" in rec.text


async def test_unknown_command_suggests_the_closest() -> None:
    rec = Recorder()
    with pytest.raises(UserError) as caught:
        await run(rec.session(echo()), "/agnts")
    assert caught.value.message == "unknown command /agnts"
    assert caught.value.hint == "did you mean /agents?"
    with pytest.raises(UserError) as other:
        await run(rec.session(echo()), "/zzz")
    assert other.value.hint == "type /help to list the commands"


async def test_agents_marks_the_current_one() -> None:
    rec = Recorder()
    session = rec.session(echo("a", instruction="Answer briefly."), priced("b"), current="b")
    await run(session, "/agents")
    assert rec.lines == [
        "  a  [passthrough]  Answer briefly.",
        "* b  [anthropic.claude-sonnet-4-5]",
    ]


async def test_agent_switches_and_rejects_unknown_names() -> None:
    rec = Recorder()
    session = rec.session(echo("alpha"), echo("beta"))
    await run(session, "/agent beta")
    assert session.current == "beta"
    assert rec.lines[-1] == "talking to beta [passthrough]"
    await run(session, "/agent")
    assert rec.lines[-1] == "talking to beta [passthrough]"
    with pytest.raises(UnknownAgentError) as caught:
        await run(session, "/agent alpah")
    assert caught.value.hint == "did you mean 'alpha'?"
    assert session.current == "beta"


async def test_tools_lists_the_agents_tools() -> None:
    rec = Recorder()
    session = rec.session(with_tools(), echo())
    await run(session, "/tools")
    assert rec.lines == ["  shout  Return TEXT in capitals."]
    session.switch("echo")
    await run(session, "/tools")
    assert rec.lines[-1] == "echo has no tools"


@pytest.mark.parametrize("line", ["/prompts", "/prompt greet", "/resources", "/attach file:///x"])
async def test_mcp_commands_need_an_agent_with_servers(line: str) -> None:
    rec = Recorder()
    with pytest.raises(UserError) as caught:
        await run(rec.session(echo()), line)
    assert caught.value.message.startswith("agent 'echo' has no MCP servers, so it cannot ")
    assert "servers=[...]" in (caught.value.hint or "")


@pytest.mark.parametrize("line", ["/prompts", "/prompt greet", "/resources", "/attach file:///x"])
async def test_mcp_commands_say_not_available_for_a_workflow(line: str) -> None:
    from fastagent.agents.workflows.chain import ChainAgent

    rec = Recorder()
    chain = ChainAgent("pipeline", [echo()])
    with pytest.raises(UserError) as caught:
        await run(rec.session(chain, echo()), line)
    assert caught.value.message == f"{line.split()[0]} is not available for pipeline"


class Prompt:
    def __init__(self, name: str, description: str, arguments: list[Any], server: str) -> None:
        self.name, self.description, self.arguments, self.server = (
            name,
            description,
            arguments,
            server,
        )


class Argument:
    def __init__(self, name: str, required: bool) -> None:
        self.name, self.required = name, required


class Resource:
    def __init__(self, uri: str, name: str) -> None:
        self.uri, self.name = uri, name


class McpEcho:
    """An echo agent with the MCP methods the commands look for."""

    def __init__(self) -> None:
        self.agent = echo("mcp")
        self.applied: list[tuple[str, dict[str, Any]]] = []
        self.attached: list[str] = []

    def install(self) -> Any:
        agent: Any = self.agent
        agent.list_prompts = self.list_prompts
        agent.apply_prompt = self.apply_prompt
        agent.list_resources = self.list_resources
        agent.attach = self.attach  # a plain function works too
        return agent

    def attach(self, uri: str) -> EmbeddedResource:
        self.attached.append(uri)
        return EmbeddedResource(resource=ResourceContents(uri=uri, text="# Notes\nbuy milk"))

    async def list_prompts(self) -> list[Prompt]:
        args = [Argument("name", True), Argument("tone", False)]
        return [Prompt("greet", "Say hello", args, "demo")]

    async def apply_prompt(self, name: str, arguments: dict[str, Any]) -> Message:
        self.applied.append((name, arguments))
        return Message.assistant(f"applied {name}")

    async def list_resources(self) -> dict[str, list[Resource]]:
        return {"files": [Resource("file:///notes.md", "notes")]}


async def test_mcp_commands_call_the_agents_methods() -> None:
    fake = McpEcho()
    rec = Recorder()
    session = rec.session(fake.install())
    await run(session, "/prompts")
    assert rec.lines == ["  demo/greet (name, tone?)  Say hello"]
    await run(session, '/prompt greet {"name": "Ada"}')
    assert fake.applied == [("greet", {"name": "Ada"})]
    assert rec.replies == [("mcp", "applied greet")]
    await run(session, "/resources")
    assert rec.lines[-1] == "  files/file:///notes.md (notes)"
    await run(session, "/attach file:///notes.md")
    assert fake.attached == ["file:///notes.md"]
    assert rec.lines[-1] == "attached file:///notes.md; it goes with your next message"


async def test_attached_resource_goes_with_the_next_message_only() -> None:
    fake = McpEcho()
    rec = Recorder()
    session = rec.session(fake.install())
    await run(session, "/attach file:///notes.md")
    await session.send("mcp", "summarize")
    await session.send("mcp", "thanks")
    sent = [m for m in fake.agent.history if m.role == "user"]
    assert [m.text for m in sent] == ["summarize\n# Notes\nbuy milk", "thanks"]
    assert isinstance(sent[0].content[1], EmbeddedResource)
    assert session.attachments == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/prompt", "/prompt needs a prompt name"),
        ("/prompt greet {bad", "prompt arguments are not valid JSON: Expecting property name"),
        ("/prompt greet [1]", "prompt arguments must be a JSON object"),
        ("/attach", "/attach needs a resource URI"),
        ("/save", "/save needs a file name"),
        ("/load", "/load needs a file name"),
    ],
)
async def test_bad_arguments_are_user_errors(line: str, message: str) -> None:
    rec = Recorder()
    with pytest.raises(UserError) as caught:
        await run(rec.session(McpEcho().install()), line)
    assert caught.value.message.startswith(message)
    assert caught.value.hint


async def test_history_save_clear_load_round_trip(tmp_path: Path) -> None:
    agent = echo()
    await agent.send("first")
    await agent.send("second")
    rec = Recorder()
    session = rec.session(agent)
    await run(session, "/history")
    assert rec.lines == ["user: first", "assistant: first", "user: second", "assistant: second"]
    target = tmp_path / "chat.json"
    await run(session, f"/save {target}")
    assert rec.lines[-1] == f"saved 4 message(s) of echo to {target}"
    assert [m.text for m in load_history(target)] == ["first", "first", "second", "second"]
    await run(session, "/clear")
    assert agent.history == []
    assert rec.lines[-1] == "cleared the conversation of echo"
    await run(session, "/history")
    assert rec.lines[-1] == "echo has no conversation yet"
    await run(session, f"/load {target}")
    assert rec.lines[-1] == f"loaded 4 message(s) from {target} into echo"
    assert [m.text for m in agent.history] == ["first", "first", "second", "second"]


async def test_load_replaces_the_conversation_and_reports_unreadable_files(
    tmp_path: Path,
) -> None:
    agent = echo()
    await agent.send("old")
    saved = tmp_path / "chat.md"
    save_history(saved, [Message.user("from file"), Message.assistant("ok")])
    rec = Recorder()
    session = rec.session(agent)
    await run(session, f"/load {saved}")
    assert [m.text for m in agent.history] == ["from file", "ok"]
    with pytest.raises(UserError) as caught:
        await run(session, f"/load {tmp_path / 'missing.json'}")
    assert caught.value.message.startswith(f"cannot read {tmp_path / 'missing.json'}: ")
    with pytest.raises(UserError) as unwritable:
        await run(session, f"/save {saved}/inside.json")
    assert unwritable.value.message.startswith(f"cannot write {saved}/inside.json")


async def test_usage_and_model() -> None:
    agent = priced()
    rec = Recorder()
    session = rec.session(agent)
    await run(session, "/usage")
    assert rec.lines[-1] == "no model calls yet"
    await agent.send("x" * 400)
    await run(session, "/usage")
    table = rec.lines[-1]
    assert "writer  anthropic.claude-sonnet-4-5" in table
    assert "$" in table.splitlines()[2]
    await run(session, "/model")
    assert rec.lines[-1] == "writer: anthropic.claude-sonnet-4-5"


async def test_exit_and_quit_finish_the_session() -> None:
    for line in ("/exit", "/quit", "exit"):
        rec = Recorder()
        session = rec.session(echo())
        await run(session, line)
        assert session.finished


def test_commands_have_usage_and_help() -> None:
    assert all(spec.usage.startswith("/" + name) and spec.help for name, spec in COMMANDS.items())
    assert set(COMMANDS) >= {
        "help",
        "agents",
        "agent",
        "tools",
        "prompts",
        "prompt",
        "resources",
        "attach",
        "history",
        "save",
        "load",
        "clear",
        "usage",
        "model",
        "exit",
    }

"""Tool approval and hooks on a real MCP server: deny, modify, ask, always, never."""

from __future__ import annotations

from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.events import UserInputFinished, UserInputRequested
from fastagent.messages import TextContent, ToolCall, ToolResult
from fastagent.runtime import RunOptions
from fastagent.tools.approval import ApprovalRequest, Deny, Modify

from .conftest import settings
from .conftest_mcp import fixture_server, no_orphans

pytestmark = pytest.mark.usefixtures("no_orphans")
_ = no_orphans


def call(message: str) -> str:
    return '***CALL_TOOL fixture__echo {"message": "' + message + '"}'


def make_app(**server: Any) -> FastAgent:
    return FastAgent(
        "approval-test",
        parse_cli_args=False,
        settings=settings(
            mcp={"servers": {"fixture": {**fixture_server(), **server}}},
            sessions={"enabled": False},
            default_model="passthrough",
        ),
    )


class Guardrail:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def before_tool_call(self, call: ToolCall) -> Deny | Modify | None:
        self.seen.append((call.name, dict(call.arguments)))
        if call.arguments.get("message") == "secret":
            return Deny("secrets stay home")
        if call.arguments.get("message") == "shout":
            return Modify({"message": "SHOUTED"})
        return None

    async def after_tool_call(self, call: ToolCall, result: ToolResult) -> ToolResult:
        if "SHOUTED" in result.text:
            checked = TextContent(text=result.text + " (checked)")
            return result.model_copy(update={"content": [checked]})
        return result


async def test_hooks_deny_modify_and_rewrite_results() -> None:
    guard = Guardrail()
    fast = make_app()
    fast.agent("a", servers=["fixture"], hooks=[guard])
    async with fast.run(RunOptions(quiet=True)) as app:
        assert await app.a.send(call("hi")) == "echo: hi"
        denied = await app.a.send(call("secret"))
        assert denied == "tool 'fixture__echo' was denied: secrets stay home"
        assert await app.a.send(call("shout")) == "echo: SHOUTED (checked)"
        results = [r for m in app.a.history for r in m.tool_results]
        assert [r.is_error for r in results] == [False, True, False]
    assert guard.seen == [
        ("fixture__echo", {"message": "hi"}),
        ("fixture__echo", {"message": "secret"}),
        ("fixture__echo", {"message": "shout"}),
    ]


async def test_ask_uses_the_injected_approver_and_always_is_remembered() -> None:
    asked: list[ApprovalRequest] = []
    answers = iter(["no", "always"])
    events: list[object] = []

    def approver(request: ApprovalRequest) -> str:
        asked.append(request)
        return next(answers)

    fast = make_app()
    fast.agent("a", servers=["fixture"], approve={"fixture__add*": "always", "*": "ask"})
    async with fast.run(RunOptions(quiet=True, approver=approver)) as app:
        app.runtime.events.subscribe(events.append, UserInputRequested)
        app.runtime.events.subscribe(events.append, UserInputFinished)
        assert await app.a.send(call("one")) == (
            "tool 'fixture__echo' was denied: the user declined it"
        )
        assert await app.a.send(call("two")) == "echo: two"
        assert await app.a.send(call("three")) == "echo: three"  # always: not asked again
    assert [(r.agent, r.tool, r.arguments) for r in asked] == [
        ("a", "fixture__echo", {"message": "one"}),
        ("a", "fixture__echo", {"message": "two"}),
    ]
    assert [type(e).__name__ for e in events] == ["UserInputRequested", "UserInputFinished"] * 2


async def test_ask_without_an_approver_and_never_are_error_results() -> None:
    fast = make_app(approve="ask")
    fast.agent("asks", servers=["fixture"])
    fast.agent("refuses", servers=["fixture"], approve={"echo": "never"})
    async with fast.run(RunOptions(quiet=True)) as app:
        assert await app.asks.send(call("x")) == (
            "tool 'fixture__echo' was denied: it needs the user's approval and nothing can ask "
            "(no terminal and no approval handler)"
        )
        assert await app.refuses.send(call("x")) == (
            "tool 'fixture__echo' was denied: the approval policy never allows this tool"
        )


def test_a_bad_decision_is_a_clear_error() -> None:
    fast = make_app()
    with pytest.raises(Exception, match="approve: 'maybe' for '\\*' is not one of always"):
        fast.agent("a", approve="maybe")

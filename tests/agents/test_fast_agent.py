from __future__ import annotations

import json

import pytest

from fastagent import FastAgent
from fastagent.agents import Agent, AgentDeclaration
from fastagent.agents.model_choice import FALLBACK_NOTICE
from fastagent.cli.script_args import CliOptions
from fastagent.exceptions import AgentGraphError, UnknownAgentError, UnknownModelError, UserError
from fastagent.llm import RequestParams
from fastagent.runtime import current_context
from fastagent.tools import FunctionTool

from .conftest import make_app, settings


def call_tool(name: str, **arguments: object) -> str:
    return f"***CALL_TOOL {name} {json.dumps(arguments)}"


# -- decorators -----------------------------------------------------------------------------


def test_agent_decorator_returns_the_function_unchanged() -> None:
    fast = make_app()

    async def main() -> None: ...

    assert fast.agent("a", "Do a.")(main) is main
    assert fast.agent(main) is main  # plain @fast.agent
    assert [s.name for s in fast.declarations] == ["a", "default"]
    spec = fast.declarations[0]
    assert isinstance(spec, AgentDeclaration)
    assert spec.instruction == "Do a."
    assert spec.source.startswith("test_fast_agent.py:")


def test_tool_decorator_makes_a_callable_function_tool() -> None:
    fast = make_app()

    @fast.tool
    def double(x: int) -> int:
        """Double a number."""
        return 2 * x

    @fast.tool(name="triple_it", description="Triple.")
    def triple(x: int) -> int:
        return 3 * x

    assert isinstance(double, FunctionTool) and double(4) == 8
    assert triple.definition.name == "triple_it"
    assert triple.definition.description == "Triple."
    assert fast.tools == ["double", "triple_it"]


async def test_tools_resolve_by_name_object_original_function_and_plain_callable() -> None:
    fast = make_app()

    def shout(text: str) -> str:
        return text.upper()

    registered = fast.tool(shout)

    def whisper(text: str) -> str:
        return text.lower()

    fast.agent("by_name", tools=["shout"])
    fast.agent("by_object", tools=[registered])
    fast.agent("by_function", tools=[shout])
    fast.agent("plain", tools=[whisper])
    async with fast.run() as app:
        for name in ("by_name", "by_object", "by_function"):
            assert app[name].llm.tools is not None
            assert app[name].llm.tools.get("shout") is registered
            assert await app[name].send(call_tool("shout", text="hey")) == "HEY"
        assert await app.plain.send(call_tool("whisper", text="HEY")) == "hey"


# -- running and access ---------------------------------------------------------------------


async def test_app_sends_to_the_first_agent_by_default() -> None:
    fast = make_app()
    fast.agent("first")
    fast.agent("second")
    async with fast.run() as app:
        assert await app.send("hi") == "hi"
        assert app.default is app.first
        assert len(app.first.history) == 2
        assert app.second.history == []


async def test_agent_marked_default_wins_and_cli_agent_wins_over_it() -> None:
    fast = make_app()
    fast.agent("first")
    fast.agent("chosen", default=True)
    async with fast.run() as app:
        assert app.default.name == "chosen"
    cli = FastAgent("t", argv=["--agent", "first"], settings=settings())
    cli.agent("first")
    cli.agent("chosen", default=True)
    async with cli.run() as app:
        assert app.default.name == "first"
        await app.send("x")
        assert app.first.history and not app.chosen.history


async def test_attribute_item_and_container_access() -> None:
    fast = make_app()
    fast.agent("researcher")
    fast.agent("writer")
    async with fast.run() as app:
        assert isinstance(app.researcher, Agent)
        assert app["writer"] is app.writer
        assert "writer" in app and "nobody" not in app
        assert list(app) == ["researcher", "writer"] and len(app) == 2
        assert list(app.agents) == ["researcher", "writer"]
        assert await app.send("to writer", agent="writer") == "to writer"
        with pytest.raises(UnknownAgentError) as caught:
            app["reseacher"]
        assert "researcher, writer" in caught.value.message
        assert caught.value.hint == "did you mean 'researcher'?"
        with pytest.raises(UnknownAgentError, match="unknown agent 'nobody'"):
            _ = app.nobody
        assert not hasattr(app, "nobody")
        assert app.context is current_context()


async def test_app_without_agents_has_no_default() -> None:
    async with make_app().run() as app:
        with pytest.raises(UnknownAgentError, match="no agents"):
            await app.send("hi")
        # `default` raising an AttributeError must not turn into "unknown agent 'default'"
        with pytest.raises(UnknownAgentError) as caught:
            _ = app.default
        assert caught.value.message == "this app has no agents"


async def test_unknown_agent_is_public_an_attribute_error_and_says_the_hint() -> None:
    import fastagent

    assert fastagent.UnknownAgentError is UnknownAgentError
    fast = make_app()
    fast.agent("writer")
    async with fast.run() as app:
        for access in (lambda: app.wrtier, lambda: app["wrtier"]):
            with pytest.raises(AttributeError) as caught:
                access()
            error = caught.value
            assert isinstance(error, UnknownAgentError) and isinstance(error, UserError)
            assert error.message == "unknown agent 'wrtier' (agents: writer)"
            assert error.hint == "did you mean 'writer'?"
            assert str(error) == f"{error.message}\nhint: did you mean 'writer'?"
            assert error.agent == error.name == "wrtier"
        assert getattr(app, "wrtier", None) is None
        assert app.writer is app["writer"]


async def test_usage_per_agent() -> None:
    fast = make_app()
    fast.agent("a")
    fast.agent("b")
    async with fast.run() as app:
        await app.a.send("one")
        await app.a.send("two")
        assert app.usage["a"].requests == 2
        assert app.usage["b"].requests == 0
        assert app.context.usage["a"].requests == 2


async def test_request_params_and_use_history_apply() -> None:
    fast = make_app()
    fast.agent("forgetful", use_history=False, request_params={"max_iterations": 3})
    fast.agent("tuned", request_params=RequestParams(temperature=0.5))
    async with fast.run() as app:
        await app.forgetful.send("hi")
        assert app.forgetful.history == []
        assert app.forgetful.llm.params.max_iterations == 3
        assert app.tuned.llm.params.temperature == 0.5
        assert app.tuned.llm.params.use_history is True


async def test_context_is_closed_when_the_body_raises() -> None:
    fast = make_app()
    fast.agent("a")
    closed: list[str] = []
    with pytest.raises(RuntimeError, match="boom"):
        async with fast.run() as app:
            app.context.push_cleanup(lambda: closed.append("closed"))
            raise RuntimeError("boom")
    assert closed == ["closed"]
    with pytest.raises(UserError, match="no open fastagent Runtime"):
        current_context()


async def test_context_is_closed_when_building_fails() -> None:
    fast = make_app()
    fast.agent("a", model="no-such-provider")
    with pytest.raises(UnknownModelError, match="no-such-provider"):
        async with fast.run():
            pytest.fail("the body must not run")
    with pytest.raises(UserError):
        current_context()


def test_settings_and_config_path_together_are_refused() -> None:
    with pytest.raises(UserError, match="both settings and config_path"):
        FastAgent("x", settings=settings(), config_path="fastagent.yaml", parse_cli_args=False)


def test_an_imported_app_reads_another_programs_command_line_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Made in an imported module (this test's), the command line is pytest's: its -m is a
    # marker and -x a pytest flag, neither a message nor an error. (A script run as the main
    # program reads sys.argv: tests/agents/test_scripts.py.)
    monkeypatch.setattr("sys.argv", ["pytest", "-m", "slow", "-x", "--model", "x"])
    assert FastAgent("x").options == CliOptions()
    assert FastAgent("x", parse_cli_args=False).options == CliOptions()
    given = FastAgent("x", parse_cli_args=False, argv=["--model", "x", "-m", "hi"])
    assert given.options == CliOptions(model="x", message="hi")


# -- model selection ------------------------------------------------------------------------


async def test_model_precedence_cli_then_agent_then_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = FastAgent(
        "t",
        argv=[],
        settings=settings(default_model="cfg", model_aliases={"cfg": "passthrough.from-config"}),
    )
    fast.agent("own", model="passthrough.own")
    fast.agent("configured")
    async with fast.run() as app:
        assert app.own.model == "passthrough.own"
        assert app.own.llm.provider.model == "own"
        assert app.configured.model == "cfg"
        assert app.configured.llm.provider.model == "from-config"
    cli = FastAgent("t", argv=["--model", "passthrough.cli"], settings=settings(default_model="x"))
    cli.agent("own", model="passthrough.own")
    async with cli.run() as app:
        assert app.own.llm.provider.model == "cli"
    assert FALLBACK_NOTICE not in capsys.readouterr().err


async def test_builtin_default_prints_one_notice_unless_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = make_app()
    fast.agent("a")
    fast.agent("b")
    async with fast.run() as app:
        assert app.a.model == "passthrough"
    assert capsys.readouterr().err.count(FALLBACK_NOTICE) == 1
    quiet = FastAgent("t", parse_cli_args=False, settings=settings(), quiet=True)
    quiet.agent("a")
    async with quiet.run():
        pass
    assert FALLBACK_NOTICE not in capsys.readouterr().err


# -- one-shot --message ---------------------------------------------------------------------


async def test_message_flag_answers_and_exits_zero_without_running_the_body(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = FastAgent("t", argv=["--message", "ping", "--agent", "b"], settings=settings())
    fast.agent("a")
    fast.agent("b", instruction="B.")
    closed: list[bool] = []
    with pytest.raises(SystemExit) as exited:
        async with fast.run():
            closed.append(False)
    assert exited.value.code == 0
    assert closed == []
    assert capsys.readouterr().out == "ping\n"
    with pytest.raises(UserError):
        current_context()


async def test_message_flag_reports_errors_and_exits_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = FastAgent(
        "t", argv=["--message", "***RAISE RateLimitError slow down"], settings=settings()
    )
    fast.agent("a")
    with pytest.raises(SystemExit) as exited:
        async with fast.run():
            pass
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "error: slow down" in err
    assert "Traceback" not in err


async def test_graph_errors_raise_before_any_model_is_built() -> None:
    fast = make_app()
    fast.agent("a", model="no-such-provider", agents=["missing"])
    with pytest.raises(AgentGraphError, match="unknown agent 'missing'"):
        async with fast.run():
            pass


# -- agents as tools ------------------------------------------------------------------------


async def test_agents_as_tools_through_the_real_tool_loop() -> None:
    fast = make_app()

    @fast.tool
    def add(a: int, b: int) -> int:
        return a + b

    fast.agent("calculator", "You add.", tools=[add])
    fast.agent("researcher", "You research.")
    fast.agent("writer", "You write.", agents=["researcher", "calculator"], default=True)
    async with fast.run() as app:
        assert app.writer.llm.tools is not None
        assert app.writer.llm.tools.names() == ["researcher", "calculator"]
        assert await app.send(call_tool("researcher", message="find MCP")) == "find MCP"
        assert app.researcher.history[0].text == "find MCP"
        nested = call_tool("calculator", message=call_tool("add", a=2, b=3))
        assert await app.send(nested) == "5"
        assert app.usage["calculator"].requests == 2
        assert app.usage["writer"].requests == 4
        bad = await app.send(call_tool("researcher", text="wrong argument"))
        assert "needs a 'message' string argument" in bad

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fastagent.exceptions import UserError
from fastagent.history import save_history
from fastagent.llm.augmented import AugmentedLLM
from fastagent.messages import StopReason
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.scenarios.loader import load_scenario
from fastagent.scenarios.runner import run, scripted_messages
from fastagent.scenarios.scenario_file import ScriptedTurn
from fastagent.tools import FunctionTool, ToolSet

from .conftest import WriteScenario

WEATHER = """
name: weather
agent:
  instruction: You answer weather questions.
  tools: [{tools}:get_weather]
turns:
  - tool_calls: [{{name: get_weather, arguments: {{city: {city}}}}}]
  - text: It is sunny in Paris.
inputs:
  - What's the weather in Paris?
expect:
{expect}
"""


def weather(write: WriteScenario, tools: str, expect: str, city: str = "Paris") -> Path:
    return write(WEATHER.format(tools=tools, city=city, expect=expect))


async def test_passing_scenario_runs_the_real_tool(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    path = weather(
        write_scenario,
        tools_module,
        "  final_text_contains: sunny\n"
        "  tools_called: [{name: get_weather, arguments: {city: Paris}}]\n"
        "  tool_results_contain: ['22']\n"
        "  no_tool_errors: true\n",
    )
    result = await run(load_scenario(path))
    assert result.failures == []
    assert result.passed
    assert result.name == "weather"
    assert result.source == str(path)
    assert result.duration > 0
    assert [m.role for m in result.transcript] == ["user", "assistant", "user", "assistant"]
    [call] = result.transcript[1].tool_calls
    assert (call.id, call.name, call.arguments) == ("call_1_1", "get_weather", {"city": "Paris"})
    [tool_result] = result.transcript[2].tool_results
    assert tool_result.text == "Paris: sunny, 22 C"
    assert tool_result.call_id == "call_1_1"
    assert [r.text for r in result.replies] == ["It is sunny in Paris."]
    assert "passed" in result.report()


@pytest.mark.parametrize(
    ("expect", "failure"),
    [
        (
            "  final_text_contains: rainy",
            "expected the final reply to contain 'rainy'; it was 'It is sunny in Paris.'",
        ),
        (
            "  final_text_equals: It is sunny.",
            "expected the final reply to be 'It is sunny.'; it was 'It is sunny in Paris.'",
        ),
        (
            "  final_text_matches: '^Sunny'",
            "expected the final reply to match /^Sunny/; it was 'It is sunny in Paris.'",
        ),
        (
            "  tools_called: [{name: get_weather, arguments: {city: Paris}}]",
            "expected a call to get_weather with {'city': 'Paris'}; "
            "calls were: get_weather({'city': 'Berlin'})",
        ),
        (
            "  tool_results_contain: ['22']",
            "expected a tool result containing '22'; "
            "tool results were: get_weather: 'Berlin: cloudy, 17 C'",
        ),
    ],
)
async def test_failing_expectations_say_what_happened(
    write_scenario: WriteScenario, tools_module: str, expect: str, failure: str
) -> None:
    path = weather(write_scenario, tools_module, expect, city="Berlin")
    result = await run(load_scenario(path))
    assert not result.passed
    assert result.failures == [failure]
    assert result.report().splitlines() == [
        f"scenario 'weather' ({path}) failed",
        f"  - {failure}",
    ]


async def test_tool_error_fails_no_tool_errors(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    path = weather(write_scenario, tools_module, "  no_tool_errors: true", city="Tokyo")
    result = await run(load_scenario(path))
    assert result.failures == [
        "expected no tool errors; get_weather returned an error: "
        "\"tool 'get_weather' failed: ValueError: no forecast for Tokyo\""
    ]


async def test_exhaustion_is_a_failure_not_a_crash(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    path = write_scenario(
        f"""
        agent: {{tools: ['{tools_module}:get_weather']}}
        turns:
          - tool_calls: [{{name: get_weather, arguments: {{city: Paris}}}}]
        inputs: ['Weather in Paris?']
        expect: {{final_text_contains: sunny}}
        """
    )
    result = await run(load_scenario(path))
    assert result.failures == [
        "the model was called more often than there are scripted turns: all 1 turn(s) were "
        "used before input 1 ('Weather in Paris?') was answered "
        "(tool calls so far: get_weather({'city': 'Paris'})); add the missing turn(s)"
    ]
    assert result.replies == []
    # the partial turn is still in the transcript, tool result included
    assert [m.role for m in result.transcript] == ["user", "assistant", "user"]
    assert result.transcript[2].tool_results[0].text == "Paris: sunny, 22 C"


async def test_second_input_without_turns_is_exhaustion(write_scenario: WriteScenario) -> None:
    path = write_scenario("turns: [{text: one}]\ninputs: [a, b]\n")
    result = await run(load_scenario(path))
    assert len(result.failures) == 1
    assert "before input 2 ('b') was answered" in result.failures[0]
    assert [r.text for r in result.replies] == ["one"]


async def test_left_over_turns_fail_unless_allowed(write_scenario: WriteScenario) -> None:
    path = write_scenario("turns: [{text: one}, {text: two}]\ninputs: [a]\n")
    result = await run(load_scenario(path))
    assert result.failures == [
        "expected every scripted turn to be used; 1 of 2 were left over "
        "(the model was called 1 time(s))"
    ]
    allowed = write_scenario(
        "turns: [{text: one}, {text: two}]\ninputs: [a]\nexpect: {all_turns_used: false}\n",
        "allowed.yaml",
    )
    assert (await run(load_scenario(allowed))).passed


async def test_several_inputs_share_the_conversation(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    path = write_scenario(
        f"""
        agent:
          tools: ['{tools_module}:get_weather', '{tools_module}:add']
        turns:
          - tool_calls:
              - {{name: get_weather, arguments: {{city: Paris}}}}
              - {{name: get_weather, arguments: {{city: Berlin}}, id: mine}}
          - text: Paris is warmer.
          - tool_calls: [{{name: add, arguments: {{a: 22, b: 17}}}}]
          - text: Together 39.
        inputs: [Compare Paris and Berlin, Add the temperatures]
        expect:
          final_text_equals: Together 39.
          tools_called: [get_weather, {{name: get_weather, arguments: {{city: Berlin}}}}, add]
          tool_results_contain: ['cloudy', '39']
        """
    )
    result = await run(load_scenario(path))
    assert result.failures == []
    assert [m.role for m in result.transcript] == ["user", "assistant", "user", "assistant"] * 2
    assert [c.id for c in result.transcript[1].tool_calls] == ["call_1_1", "mine"]
    assert [r.text for r in result.replies] == ["Paris is warmer.", "Together 39."]


async def test_max_iterations_message_ends_the_transcript(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    path = write_scenario(
        f"""
        agent:
          tools: ['{tools_module}:add']
          request_params: {{max_iterations: 1}}
        turns: [{{tool_calls: [{{name: add, arguments: {{a: 1, b: 2}}}}]}}]
        inputs: [add]
        expect: {{final_text_contains: stopped after 1 iterations}}
        """
    )
    result = await run(load_scenario(path))
    assert result.failures == []
    assert result.transcript[-1].stop_reason is StopReason.MAX_ITERATIONS


async def test_recording_of_a_passthrough_run_replays_as_a_scenario(
    write_scenario: WriteScenario, tools_module: str, tmp_path: Path
) -> None:
    sys.path.insert(0, str(tmp_path))
    try:
        module = __import__(tools_module)
    finally:
        sys.path.remove(str(tmp_path))
    llm = AugmentedLLM(PassthroughProvider(), tools=ToolSet([FunctionTool(module.get_weather)]))
    await llm.generate('***CALL_TOOL get_weather {"city": "Berlin"}')
    recorded = llm.memory.messages()
    save_history(tmp_path / "runs" / "weather.json", recorded)

    path = write_scenario(
        f"""
        agent: {{tools: ['{tools_module}:get_weather']}}
        recording: runs/weather.json
        inputs: ['Weather in Berlin?']
        expect:
          final_text_contains: cloudy
          tools_called: [{{name: get_weather, arguments: {{city: Berlin}}}}]
          tool_results_contain: '17 C'
        """
    )
    result = await run(load_scenario(path))
    assert result.failures == []
    assert result.replies[0].text == recorded[-1].text == "Berlin: cloudy, 17 C"
    assert result.transcript[1].tool_calls == recorded[1].tool_calls


async def test_missing_recording_is_a_user_error(write_scenario: WriteScenario) -> None:
    path = write_scenario("recording: runs/none.json\ninputs: [hi]\n")
    with pytest.raises(UserError, match="cannot read the playback history file"):
        await run(load_scenario(path))


async def test_passthrough_scenario_and_provider_errors(write_scenario: WriteScenario) -> None:
    echo = write_scenario(
        "model: passthrough\ninputs: [hello]\nexpect: {final_text_equals: hello}\n"
    )
    assert (await run(load_scenario(echo))).passed
    raising = write_scenario(
        "model: passthrough\ninputs: ['***RAISE RateLimitError slow down']\n", "raise.yaml"
    )
    result = await run(load_scenario(raising))
    assert result.failures == [
        "input 1 ('***RAISE RateLimitError slow down') failed: RateLimitError: slow down"
    ]


async def test_tool_import_errors_name_the_key(
    write_scenario: WriteScenario, tools_module: str
) -> None:
    cases = {
        "no_such_module_xyz:f": "agent.tools[0]: cannot import 'no_such_module_xyz'",
        f"{tools_module}:get_wether": (
            f"agent.tools[0]: '{tools_module}' has no attribute 'get_wether' "
            "(did you mean 'get_weather'?)"
        ),
        f"{tools_module}:TOOLS_SOURCE_MISSING": "has no attribute",
    }
    for index, (path_text, message) in enumerate(cases.items()):
        path = write_scenario(
            f"agent: {{tools: ['{path_text}']}}\nturns: [{{text: hi}}]\ninputs: [hi]\n",
            f"bad{index}.yaml",
        )
        with pytest.raises(UserError) as caught:
            await run(load_scenario(path))
        assert message in caught.value.message
        assert caught.value.message.startswith(str(path))


async def test_non_callable_tool_is_rejected(write_scenario: WriteScenario, tmp_path: Path) -> None:
    (tmp_path / "scenario_consts_mod.py").write_text("LIMIT = 3\n")
    path = write_scenario(
        "agent: {tools: ['scenario_consts_mod:LIMIT']}\nturns: [{text: hi}]\ninputs: [hi]\n"
    )
    with pytest.raises(UserError, match="is a int, not a tool or a function"):
        await run(load_scenario(path))


async def test_servers_without_mcp_support_is_a_clear_error(
    write_scenario: WriteScenario, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "fastagent.mcp.registry", None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    path = write_scenario("agent: {servers: [fetch]}\nturns: [{text: hi}]\ninputs: [hi]\n")
    with pytest.raises(UserError) as caught:
        await run(load_scenario(path))
    assert "agent.servers: names MCP server(s) fetch, but MCP support is not available" in (
        caught.value.message
    )
    assert caught.value.hint == (
        "install fastagent[mcp], or remove agent.servers from the scenario"
    )


def test_scripted_messages_are_assistant_turns_with_ids() -> None:
    turns = [
        ScriptedTurn.model_validate({"tool_calls": [{"name": "a"}, {"name": "b", "id": "x"}]}),
        ScriptedTurn.model_validate({"text": "done"}),
    ]
    first, second = scripted_messages(turns)
    assert first.role == "assistant"
    assert first.stop_reason is StopReason.TOOL_USE
    assert [c.id for c in first.tool_calls] == ["call_1_1", "x"]
    assert second.text == "done"
    assert second.stop_reason is StopReason.END_TURN

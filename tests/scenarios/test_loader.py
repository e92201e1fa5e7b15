from __future__ import annotations

from pathlib import Path

import pytest

from fastagent.exceptions import ConfigFileError, ConfigValidationError, UserError
from fastagent.scenarios.loader import find_scenario_files, is_scenario_file, load_scenario

from .conftest import WriteScenario


def test_loads_a_full_scenario_with_short_forms(write_scenario: WriteScenario) -> None:
    path = write_scenario(
        """
        name: weather
        agent:
          instruction: You answer weather questions.
          tools: [tools:get_weather]
        turns:
          - tool_calls: [{name: get_weather, arguments: {city: Paris}}]
          - text: Sunny.
        inputs: What's the weather?
        expect:
          final_text_contains: Sunny
          tools_called: [get_weather, {name: get_weather, arguments: {city: Paris}}]
          tool_results_contain: "22"
        """
    )
    scenario = load_scenario(path)
    assert scenario.name == "weather"
    assert scenario.source == str(path)
    assert scenario.model == "playback"
    assert scenario.inputs == ["What's the weather?"]
    assert scenario.agent.tools == ["tools:get_weather"]
    assert scenario.turns is not None and scenario.turns[0].tool_calls[0].arguments == {
        "city": "Paris"
    }
    assert scenario.expect.final_text_contains == ["Sunny"]
    assert scenario.expect.tool_results_contain == ["22"]
    assert [c.name for c in scenario.expect.tools_called] == ["get_weather", "get_weather"]
    assert scenario.expect.tools_called[0].arguments is None
    assert scenario.expect.all_turns_used is True


def test_agent_name_short_form_with_app(write_scenario: WriteScenario) -> None:
    path = write_scenario("app: agent.py\nagent: writer\nturns: [{text: hi}]\ninputs: [hi]\n")
    scenario = load_scenario(path)
    assert scenario.app == "agent.py"
    assert scenario.agent.name == "writer"


def test_unknown_key_names_file_dotted_key_line_and_suggestion(
    write_scenario: WriteScenario,
) -> None:
    path = write_scenario(
        """
        turns:
          - text: hi
        inputs: [hi]
        expect:
          final_text_contain: hi
        """
    )
    with pytest.raises(ConfigValidationError) as caught:
        load_scenario(path)
    assert caught.value.message == (
        f"{path}: line 5: unknown key 'expect.final_text_contain' "
        "(did you mean 'final_text_contains'?)"
    )
    assert caught.value.problems == [
        (str(path), "expect.final_text_contain", 5, caught.value.message.split(": ", 2)[2])
    ]
    assert caught.value.hint == "fix the keys named above (a misspelt key gets a did-you-mean)"


def test_every_problem_is_reported_in_line_order(write_scenario: WriteScenario) -> None:
    path = write_scenario(
        """
        agent:
          instrction: hi
          tools: [no_colon]
        turns:
          - {}
        inputs: []
        expect:
          tools_called: [{nam: x}]
          final_text_matches: "("
        """
    )
    with pytest.raises(ConfigValidationError) as caught:
        load_scenario(path)
    lines = caught.value.message.splitlines()
    assert lines == [
        f"{path}: line 2: unknown key 'agent.instrction' (did you mean 'instruction'?)",
        f"{path}: line 3: agent.tools: 'no_colon' is not an import path; write 'module:attr', "
        "e.g. 'my_tools:get_weather'",
        f"{path}: line 5: turns[0]: a turn needs 'text', 'tool_calls' or both",
        f"{path}: line 6: inputs: List should have at least 1 item after validation, not 0",
        f"{path}: line 8: expect.tools_called[0].name: Field required",
        f"{path}: line 8: unknown key 'expect.tools_called[0].nam' (did you mean 'name'?)",
        f"{path}: line 9: expect.final_text_matches: not a valid regular expression: "
        "missing ), unterminated subpattern at position 0",
    ]


def test_agent_of_wrong_type_is_one_clear_problem(write_scenario: WriteScenario) -> None:
    path = write_scenario("agent: 5\nturns: []\ninputs: [hi]\n")
    with pytest.raises(ConfigValidationError) as caught:
        load_scenario(path)
    assert caught.value.message == (
        f"{path}: line 1: agent: must be a mapping (an inline agent) or an agent name"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inputs: [hi]\n", "a playback scenario needs 'turns' or 'recording'"),
        (
            "turns: [{text: a}]\nrecording: run.json\ninputs: [hi]\n",
            "line 2: 'turns' and 'recording' are both set; keep one",
        ),
        (
            "model: passthrough\nturns: [{text: a}]\ninputs: [hi]\n",
            "line 2: 'turns' is only used with model: playback (passthrough echoes)",
        ),
        (
            "app: agent.py\nagent: {name: a, tools: ['m:f']}\nturns: []\ninputs: [hi]\n",
            "line 2: agent.tools cannot be set with 'app'",
        ),
        ("model: gpt\nturns: []\ninputs: [hi]\n", "model: Input should be 'playback' or"),
    ],
)
def test_contradictions_and_bad_values(
    write_scenario: WriteScenario, text: str, expected: str
) -> None:
    path = write_scenario(text)
    with pytest.raises(ConfigValidationError) as caught:
        load_scenario(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_invalid_yaml_and_missing_file(write_scenario: WriteScenario, tmp_path: Path) -> None:
    path = write_scenario("inputs: [What's up?]\nturns: []\n")
    with pytest.raises(ConfigFileError) as caught:
        load_scenario(path)
    assert caught.value.line == 1
    with pytest.raises(ConfigFileError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_is_scenario_file_looks_for_top_level_keys(write_scenario: WriteScenario) -> None:
    assert is_scenario_file(write_scenario("turns: []\n", "a.yaml"))
    assert is_scenario_file(write_scenario("recording: r.json\n", "b.yml"))
    assert is_scenario_file(write_scenario("model: passthrough\ninputs: [x]\n", "c.yaml"))
    assert not is_scenario_file(write_scenario("default_model: sonnet\n", "fastagent.yaml"))
    assert not is_scenario_file(write_scenario("agent:\n  turns: []\n", "nested.yaml"))
    assert not is_scenario_file(write_scenario("turns: []\n", "notes.txt"))


def test_find_scenario_files_recurses_and_skips_others(
    write_scenario: WriteScenario, tmp_path: Path
) -> None:
    first = write_scenario("turns: []\n", "suite/a.yaml")
    second = write_scenario("recording: r.json\n", "suite/deeper/b.yml")
    write_scenario("default_model: sonnet\n", "suite/fastagent.yaml")
    write_scenario("turns: []\n", "suite/.hidden/c.yaml")
    explicit = write_scenario("whatever: 1\n", "explicit.yaml")
    found = find_scenario_files([tmp_path / "suite", explicit, first])
    assert found == [first, second, explicit]


def test_find_scenario_files_rejects_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file or folder"):
        find_scenario_files([tmp_path / "nope"])

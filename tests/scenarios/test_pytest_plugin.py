from __future__ import annotations

import textwrap

import pytest

PLUGIN = ("-p", "fastagent.scenarios.pytest_plugin", "-p", "no:cacheprovider")


def write(pytester: pytest.Pytester, name: str, text: str) -> None:
    (pytester.path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    write(
        pytester,
        "demo_tools.py",
        '''
        def shout(text: str) -> str:
            """Upper-case a text."""
            return text.upper()
        ''',
    )
    write(
        pytester,
        "scenario_pass.yaml",
        """
        name: shouting works
        agent: {tools: ['demo_tools:shout']}
        turns:
          - tool_calls: [{name: shout, arguments: {text: hi}}]
          - text: HI
        inputs: [shout hi]
        expect: {final_text_equals: HI, tool_results_contain: HI}
        """,
    )
    write(
        pytester,
        "scenario_fail.yml",
        """
        name: wrong expectation
        turns: [{text: hello}]
        inputs: [hi]
        expect: {final_text_contains: goodbye}
        """,
    )
    write(pytester, "scenario_invalid.yaml", "turns: [{text: a}]\ninputs: [hi]\nexpekt: {}\n")
    write(pytester, "other.yaml", "turns: [{text: a}]\ninputs: [hi]\n")
    return pytester


def test_collects_only_scenario_files(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*PLUGIN, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "scenario_fail.yml::wrong expectation",
            "scenario_invalid.yaml::scenario_invalid",
            "scenario_pass.yaml::shouting works",
        ]
    )
    assert "other.yaml" not in result.stdout.str()


def test_runs_scenarios_and_reports_failures_without_tracebacks(
    suite: pytest.Pytester,
) -> None:
    result = suite.runpytest(*PLUGIN, "-q")
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "scenario 'wrong expectation' failed:",
            "- expected the final reply to contain 'goodbye'; it was 'hello'",
            "error: *scenario_invalid.yaml: line 3: unknown key 'expekt' (did you mean 'expect'?)",
            "hint: fix the keys named above (a misspelt key gets a did-you-mean)",
        ]
    )
    assert "Traceback" not in output
    assert "runner.py" not in output


def test_without_the_plugin_nothing_is_collected(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED

from __future__ import annotations

from pathlib import Path

import pytest

from fastagent.exceptions import UnknownAgentError, UserError
from fastagent.scenarios.loader import load_scenario
from fastagent.scenarios.runner import run

from .conftest import WriteScenario

APP = """
from fastagent import FastAgent
from fastagent.config import Settings

from {tools} import get_weather

fast = FastAgent("demo", settings=Settings.model_validate({{"logger": {{"type": "none"}}}}))
fast.tool(get_weather)


@fast.agent("helper", "You help.")
@fast.agent("forecaster", "You forecast.", tools=["get_weather"], default=True)
async def main() -> None:
    raise RuntimeError("main must not run")


if __name__ == "__main__":
    raise SystemExit("the script's main code must not run")
"""

SCENARIO = """
app: {app}
{agent}
turns:
  - tool_calls: [{{name: get_weather, arguments: {{city: Berlin}}}}]
  - text: Cloudy.
inputs: ['Weather?']
expect:
  final_text_equals: Cloudy.
  tools_called: [{{name: get_weather, arguments: {{city: Berlin}}}}]
  tool_results_contain: 17 C
"""


@pytest.fixture
def app_script(tmp_path: Path, tools_module: str) -> Path:
    script = tmp_path / "agent.py"
    script.write_text(APP.format(tools=tools_module), encoding="utf-8")
    return script


@pytest.mark.parametrize("agent", ["agent: forecaster", "", "agent: {name: forecaster}"])
async def test_app_agent_runs_on_the_scripted_turns(
    write_scenario: WriteScenario, app_script: Path, agent: str
) -> None:
    path = write_scenario(SCENARIO.format(app=app_script.name, agent=agent))
    result = await run(load_scenario(path))
    assert result.failures == []
    assert result.transcript[2].tool_results[0].text == "Berlin: cloudy, 17 C"


async def test_app_with_explicit_variable(write_scenario: WriteScenario, app_script: Path) -> None:
    path = write_scenario(SCENARIO.format(app="agent.py:fast", agent="agent: forecaster"))
    assert (await run(load_scenario(path))).passed


async def test_unknown_app_agent(write_scenario: WriteScenario, app_script: Path) -> None:
    path = write_scenario(SCENARIO.format(app="agent.py", agent="agent: writer"))
    with pytest.raises(UnknownAgentError):
        await run(load_scenario(path))


@pytest.mark.parametrize(
    ("source", "reference", "message"),
    [
        ("x = 1\n", "other.py", "defines no FastAgent app"),
        (
            "from fastagent import FastAgent\n"
            "a = FastAgent('a', parse_cli_args=False)\nb = FastAgent('b', parse_cli_args=False)\n",
            "other.py",
            "defines several FastAgent apps (a, b)",
        ),
        ("x = 1\n", "other.py:fast", "other.py has no FastAgent app named 'fast'"),
        ("raise SystemExit(3)\n", "other.py", "importing other.py exited (SystemExit 3)"),
        ("1 / 0\n", "other.py", "importing other.py failed: ZeroDivisionError"),
        (  # inside the running loop, the bare asyncio.run of a script is refused by name
            "import asyncio\nasync def main() -> None: ...\nasyncio.run(main())\n",
            "other.py",
            "other.py runs its main code when imported (asyncio.run(...) at module level)",
        ),
        (  # a fastagent error's message, without its own hint line (ours follows)
            "from fastagent.exceptions import UserError\nraise UserError('bad', hint='inner')\n",
            "other.py",
            "importing other.py failed: UserError: bad",
        ),
        ("", "missing.py", "does not exist"),
    ],
)
async def test_app_problems_are_user_errors(
    write_scenario: WriteScenario, tmp_path: Path, source: str, reference: str, message: str
) -> None:
    (tmp_path / "other.py").write_text(source, encoding="utf-8")
    path = write_scenario(SCENARIO.format(app=reference, agent=""))
    with pytest.raises(UserError) as caught:
        await run(load_scenario(path))
    assert message in caught.value.message
    assert caught.value.message.startswith(f"{path}, app: ")
    assert "\n" not in caught.value.message and str(caught.value).count("hint: ") == 1

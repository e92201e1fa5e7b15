from __future__ import annotations

import pytest

from fastagent.agents import Agent, AgentTool
from fastagent.exceptions import ToolError
from fastagent.llm import AugmentedLLM
from fastagent.providers import create_provider


def helper() -> Agent:
    llm = AugmentedLLM(create_provider("passthrough"), instruction="You research.\nDetails.")
    return Agent("researcher", llm)


def test_definition_has_one_required_message_argument() -> None:
    definition = AgentTool(helper()).definition
    assert definition.name == "researcher"
    assert "researcher" in definition.description
    assert "You research." in definition.description
    assert "Details." not in definition.description
    assert definition.input_schema["required"] == ["message"]
    assert definition.input_schema["properties"]["message"]["type"] == "string"


def test_description_can_be_given() -> None:
    assert AgentTool(helper(), description="Finds facts.").definition.description == "Finds facts."


async def test_call_sends_the_message_and_returns_the_reply() -> None:
    agent = helper()
    result = await AgentTool(agent).call({"message": "find MCP"}, call_id="c1")
    assert result.text == "find MCP"
    assert result.call_id == "c1"
    assert result.tool_name == "researcher"
    assert not result.is_error
    assert agent.history[0].text == "find MCP"


async def test_call_without_a_message_string_raises_tool_error() -> None:
    with pytest.raises(ToolError, match="needs a 'message' string"):
        await AgentTool(helper()).call({"message": 3}, call_id="c1")

"""The schema of a scenario file: agent setup, scripted model turns, inputs, expectations.

Every model forbids unknown keys, so a misspelt key is reported (with its line and a
suggestion) instead of being silently ignored. Short forms are accepted where they read
naturally: ``agent: researcher`` for ``agent: {name: researcher}``, ``tools_called:
[get_weather]`` for ``[{name: get_weather}]``, and a single string wherever a list of strings
is expected.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

__all__ = [
    "AgentSetup",
    "Expectations",
    "ExpectedToolCall",
    "Scenario",
    "ScriptedToolCall",
    "ScriptedTurn",
]

_CONFIG = ConfigDict(extra="forbid", defer_build=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class AgentSetup(BaseModel):
    """The agent under test: inline, or (with the scenario's ``app``) an agent of that app.

    Attributes:
        name: The agent's name; with ``app``, which agent of the app to test (its default
            agent when omitted).
        instruction: The system prompt (inline agents only).
        tools: ``"module:attr"`` import paths of tools or plain functions (inline only).
        servers: MCP server names from the config's ``mcp.servers`` (inline only).
        request_params: Request parameters such as ``max_iterations`` (inline only).
    """

    model_config = _CONFIG

    name: str | None = None
    instruction: str | None = None
    tools: list[str] = Field(default_factory=list)
    servers: list[str] = Field(default_factory=list)
    request_params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _name_only(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        if value is not None and not isinstance(value, dict):
            raise ValueError("must be a mapping (an inline agent) or an agent name")
        return value

    @field_validator("tools")
    @classmethod
    def _import_paths(cls, tools: list[str]) -> list[str]:
        for path in tools:
            module, sep, attr = path.partition(":")
            if not (module and sep and attr):
                raise ValueError(
                    f"'{path}' is not an import path; write 'module:attr', "
                    "e.g. 'my_tools:get_weather'"
                )
        return tools


class ScriptedToolCall(BaseModel):
    """A tool call in a scripted model turn.

    Attributes:
        name: The tool the model calls.
        arguments: Its arguments.
        id: The call id; generated (``call_<turn>_<n>``) when omitted.
    """

    model_config = _CONFIG

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class ScriptedTurn(BaseModel):
    """One scripted model reply: text, tool calls, or both.

    Attributes:
        text: What the model says.
        tool_calls: The tools it calls.
    """

    model_config = _CONFIG

    text: str | None = None
    tool_calls: list[ScriptedToolCall] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> ScriptedTurn:
        if self.text is None and not self.tool_calls:
            raise ValueError("a turn needs 'text', 'tool_calls' or both")
        return self


class ExpectedToolCall(BaseModel):
    """A tool call the agent must make.

    Attributes:
        name: The tool's name.
        arguments: Arguments the call must have (a subset match: other arguments may be
            present); None accepts any arguments.
    """

    model_config = _CONFIG

    name: str
    arguments: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_only(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class Expectations(BaseModel):
    """What must be true once every input was answered.

    Attributes:
        final_text_contains: Texts the last reply must contain.
        final_text_equals: The exact last reply (surrounding whitespace ignored).
        final_text_matches: A regular expression the last reply must match (``re.search``).
        tools_called: Calls that must appear, in this order (others may come in between).
        tool_results_contain: Texts that must each appear in some tool result.
        no_tool_errors: No tool call may end in an error.
        all_turns_used: Every scripted (or recorded) model turn must be played.
    """

    model_config = _CONFIG

    final_text_contains: list[str] = Field(default_factory=list)
    final_text_equals: str | None = None
    final_text_matches: str | None = None
    tools_called: list[ExpectedToolCall] = Field(default_factory=list)
    tool_results_contain: list[str] = Field(default_factory=list)
    no_tool_errors: bool = False
    all_turns_used: bool = True

    @field_validator("final_text_contains", "tool_results_contain", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("final_text_matches")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern


class Scenario(BaseModel):
    """One scenario file.

    Attributes:
        name: What the scenario checks (the file name when omitted).
        description: Longer notes; not used by the runner.
        agent: The agent under test.
        app: A FastAgent script (path relative to the scenario file), optionally with the
            variable holding the app: ``agent.py`` or ``agent.py:fast``.
        model: ``playback`` replays `turns` or `recording`; ``passthrough`` echoes.
        turns: The scripted model replies, played in order.
        recording: A history file (relative to the scenario file) whose assistant turns are
            replayed instead of `turns`.
        inputs: The user messages, sent one after the other.
        expect: What must hold at the end.
    """

    model_config = _CONFIG

    name: str | None = None
    description: str | None = None
    agent: AgentSetup = Field(default_factory=AgentSetup)
    app: str | None = None
    model: Literal["playback", "passthrough"] = "playback"
    turns: list[ScriptedTurn] | None = None
    recording: str | None = None
    inputs: list[str] = Field(min_length=1)
    expect: Expectations = Field(default_factory=Expectations)

    _source: str | None = PrivateAttr(default=None)

    @field_validator("inputs", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return _as_list(value)

    @property
    def source(self) -> str | None:
        """The file the scenario was read from, when it was read from one."""
        return self._source

    def with_source(self, path: str) -> Scenario:
        """Remember the file the scenario came from (relative paths resolve against it)."""
        self._source = path
        return self

"""Agents declared in ``fastagent.yaml``, so a simple agent needs no Python.

```yaml
agents:
  helper:
    instruction: You answer in one sentence.
    model: sonnet
    servers: [fetch]
    tools: [get_weather]      # names of @fast.tool functions
    agents: [researcher]      # other agents, offered as tools
  post:
    type: chain               # chain, parallel, router, orchestrator, evaluator_optimizer
    sequence: [helper, writer]
```

An entry without ``type:`` (or ``type: agent``) is validated by `AgentDeclaration`; a
workflow entry by the model for its type in
`fastagent.agents.workflows.declarations.WORKFLOW_DECLARATIONS`, whose keys are the
decorator's keyword arguments. Problems name the config key (``agents.helper.instruction``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fastagent.agents.spec import DEFAULT_INSTRUCTION, BasicAgentSpec
from fastagent.agents.workflows.declarations import WORKFLOW_DECLARATIONS, WorkflowDeclaration
from fastagent.exceptions import ConfigValidationError, UserError

if TYPE_CHECKING:
    from fastagent.agents.spec import AgentSpec

__all__ = ["AgentDeclaration", "specs_from_config"]


class AgentDeclaration(BaseModel):
    """One agent under the config's ``agents:`` key.

    Attributes:
        instruction: The system prompt.
        model: The model string; the config's ``default_model`` when omitted.
        servers: MCP server names (keys of ``mcp.servers``).
        tools: Names of ``@fast.tool`` functions of the app.
        agents: Other agents it may call as tools.
        use_history: Keep the conversation between sends.
        default: Make it the app's default agent.
        request_params: Default request parameters (``max_tokens``, ``temperature``, ...).
        type: Always ``agent`` (the default); workflows have their own types.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    instruction: str = DEFAULT_INSTRUCTION
    model: str | None = None
    servers: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)
    use_history: bool = True
    default: bool = False
    request_params: dict[str, Any] = Field(default_factory=dict)
    type: Literal["agent"] = "agent"


def specs_from_config(
    agents: Mapping[str, Any], *, config_file: Path | None = None
) -> list[AgentSpec]:
    """Validate the config's ``agents:`` mapping and turn it into agent specs.

    Args:
        agents: ``settings.agents``.
        config_file: The file it came from, named in errors.

    Raises:
        ConfigValidationError: Listing every invalid key as ``agents.<name>.<key>``.
    """
    where = str(config_file) if config_file is not None else "configuration"
    specs: list[AgentSpec] = []
    problems: list[tuple[str, str, int | None, str]] = []
    for name, raw in agents.items():
        prefix = f"agents.{name}"
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            problems.append((where, prefix, None, f"{prefix}: must be a mapping of settings"))
            continue
        kind = raw.get("type", "agent")
        model = _declaration_model(kind)
        if model is None:
            key = f"{prefix}.type"
            valid = ", ".join(["agent", *WORKFLOW_DECLARATIONS])
            problems.append((where, key, None, f"{key}: unknown type {kind!r} (valid: {valid})"))
            continue
        try:
            declared = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_problems(exc, prefix, where, model))
            continue
        source = f"{where}: {prefix}"
        if isinstance(declared, WorkflowDeclaration):
            try:
                specs.append(declared.to_spec(str(name), source))
            except UserError as exc:
                problems.append((where, prefix, None, f"{prefix}: {exc.message}"))
            continue
        assert isinstance(declared, AgentDeclaration)
        params_problem = _request_params_problem(declared.request_params)
        if params_problem is not None:
            key = f"{prefix}.request_params"
            problems.append((where, key, None, f"{key}: {params_problem}"))
            continue
        specs.append(
            BasicAgentSpec(
                name=str(name),
                instruction=declared.instruction,
                servers=tuple(declared.servers),
                tools=tuple(declared.tools),
                agents=tuple(declared.agents),
                model=declared.model,
                use_history=declared.use_history,
                request_params=declared.request_params or None,
                default=declared.default,
                source=source,
            )
        )
    if problems:
        raise ConfigValidationError(
            "\n".join(f"{w}: {text}" for w, _key, _line, text in problems),
            problems=problems,
            hint="fix the agents: entries named above; docs/agents.md lists their keys",
        )
    return specs


def _declaration_model(kind: object) -> type[BaseModel] | None:
    if kind == "agent":
        return AgentDeclaration
    return WORKFLOW_DECLARATIONS.get(kind) if isinstance(kind, str) else None


def _request_params_problem(params: dict[str, Any]) -> str | None:
    from fastagent.exceptions import UserError
    from fastagent.llm.params import RequestParams

    try:
        RequestParams().merged(params)
    except UserError as exc:
        return f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    return None


def _problems(
    error: ValidationError, prefix: str, where: str, model: type[BaseModel]
) -> list[tuple[str, str, int | None, str]]:
    found: list[tuple[str, str, int | None, str]] = []
    allowed = ", ".join(model.model_fields)
    for detail in error.errors(include_url=False):
        key = prefix + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in detail["loc"]
        )
        if detail["type"] == "extra_forbidden":
            text = f"unknown key '{key}' (valid keys: {allowed})"
        else:
            text = f"{key}: {detail['msg']}"
        found.append((where, key, None, text))
    return found

"""What several providers' wire conversions do the same way.

The text a model is sent in place of content its API cannot take, the forced tool that gets
structured output from APIs without a native schema mode (Anthropic, Bedrock), the check of
tool arguments streamed as JSON fragments, and the reading of what a provider kept in
``Message.provider_data``. Pure functions, no SDK import.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import ModelOutputError
from fastagent.messages import StopReason

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastagent.messages import Message, ResourceLink, ToolCall

__all__ = [
    "STRUCTURED_TOOL_NAME",
    "forced_tool_schema",
    "forced_tool_stop",
    "kept_list",
    "resource_link_text",
    "resource_text",
    "streamed_arguments",
    "unsent_resource_text",
]

STRUCTURED_TOOL_NAME: Final = "structured_output"
"""The tool forced on the model to get structured output; its input is the answer."""


def resource_text(uri: str, text: str) -> str:
    """An embedded text resource as the text sent to the model."""
    return f'<resource uri="{uri}">\n{text}\n</resource>'


def unsent_resource_text(uri: str, mime_type: str | None) -> str:
    """What the model is told in place of a binary resource its API cannot take."""
    return (
        f"[binary resource {uri} ({mime_type or 'unknown type'}) not sent: "
        "unsupported by this model]"
    )


def resource_link_text(link: ResourceLink) -> str:
    """A resource link as the text sent to the model."""
    described = f": {link.description}" if link.description else ""
    return f"[resource link {link.name} <{link.uri}>{described}]"


def forced_tool_schema(response_format: Any) -> dict[str, Any] | None:
    """The input schema of the forced structured-output tool (None: no response format).

    Args:
        response_format: A JSON schema dict, a pydantic model class, or None.
    """
    if response_format is None:
        return None
    if isinstance(response_format, dict):
        schema = dict(response_format)
    else:
        schema = response_format.model_json_schema()
    schema.setdefault("type", "object")
    return schema


def forced_tool_stop(
    stop: StopReason, *, structured: bool, calls: Sequence[ToolCall]
) -> StopReason:
    """The stop reason of a reply whose forced tool input became its text: the turn ended."""
    if structured and stop is StopReason.TOOL_USE and not calls:
        return StopReason.END_TURN
    return stop


def streamed_arguments(raw: str, *, provider: str, tool: object) -> dict[str, Any] | None:
    """The arguments of a tool call streamed as JSON fragments (None: nothing was streamed).

    Args:
        raw: The fragments joined.
        provider: The provider's name, for the error.
        tool: The tool's name, for the error.

    Raises:
        ModelOutputError: The arguments are not JSON, or not a JSON object.
    """
    if not raw.strip():
        return None
    hint = "retry the request; if it persists, report the model's output"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ModelOutputError(
            f"{provider} streamed invalid JSON arguments for tool '{tool}': {exc.msg}",
            raw=raw,
            hint=hint,
        ) from None
    if not isinstance(value, dict):
        raise ModelOutputError(
            f"{provider} streamed non-object arguments for tool '{tool}'", raw=raw, hint=hint
        )
    return value


def kept_list(message: Message, provider: str, key: str) -> list[Any] | None:
    """The list a provider kept in ``message.provider_data[provider][key]``.

    Returns:
        The list, or None when it is absent or malformed (the data may come from a file).
    """
    entry = (message.provider_data or {}).get(provider)
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, list) else None

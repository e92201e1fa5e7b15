"""What several providers' wire conversions do the same way.

The text a model is sent in place of content its API cannot take, the forced tool that gets
structured output from APIs without a native schema mode (Anthropic, Bedrock), the check of
tool arguments streamed as JSON fragments, and the reading of what a provider kept in
``Message.provider_data``. Pure functions, no SDK import.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Final

from fastagent.messages import StopReason, ToolCall

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastagent.messages import Message, ResourceLink

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

_log = logging.getLogger("fastagent.providers")

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

    Fragments that do not make a JSON object (invalid JSON, a list, a string) are kept
    verbatim under `ToolCall.INVALID_ARGUMENTS_KEY`: the tool set answers that call with an
    error result the model can read, and the tool is not run.

    Args:
        raw: The fragments joined.
        provider: The provider's name, for the log line.
        tool: The tool's name, for the log line.
    """
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return value
    _log.debug("%s: the arguments streamed for tool %r are not a JSON object", provider, tool)
    return {ToolCall.INVALID_ARGUMENTS_KEY: raw}


def kept_list(message: Message, provider: str, key: str) -> list[Any] | None:
    """The list a provider kept in ``message.provider_data[provider][key]``.

    Returns:
        The list, or None when it is absent or malformed (the data may come from a file).
    """
    entry = (message.provider_data or {}).get(provider)
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, list) else None

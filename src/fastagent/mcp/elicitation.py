"""Answering a server's ``elicitation/create`` (form mode) by asking the user.

A server may ask the user for a few values described by a flat JSON schema (strings with an
optional format, numbers, integers, booleans, single and multiple choice). An `Elicitor`
collects them; it is injected by the face that owns the user's attention (the terminal's is
`fastagent.ui.elicitation.TerminalElicitor`), so this package never reads a terminal.

Policy lives in `elicitation_callback`, from the server's ``elicitation.mode``: ``decline``
always declines, ``prompt`` always asks, and ``auto`` asks when the elicitor is interactive
(a terminal is attached) and otherwise declines, logging
"declined elicitation from server X (non-interactive)". Whoever answered, an accepted form
gets the schema's defaults for the fields it left out (SEP-1034).

URL mode (the server asks the user to visit a URL, e.g. to sign in to a third party) goes to
the elicitor's ``elicit_url`` when it has one (the terminal's shows the URL and opens it in a
browser if the user agrees); an elicitor without it declines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from fastagent.logging import get_logger

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import ClientRequestContext, ElicitationFnT

    from fastagent.config.mcp_settings import ElicitationSettings

__all__ = [
    "Action",
    "ElicitationAnswer",
    "Elicitor",
    "FieldValue",
    "UrlElicitor",
    "apply_defaults",
    "as_field_value",
    "elicitation_callback",
]

_log = get_logger("mcp.elicitation")

Action = Literal["accept", "decline", "cancel"]
"""How the user answered an elicitation."""

FieldValue = str | int | float | bool | list[str] | None
"""One field's value in an accepted answer."""


@dataclass(frozen=True, slots=True)
class ElicitationAnswer:
    """The user's answer to an elicitation.

    Attributes:
        action: ``accept`` (values given), ``decline`` (refused) or ``cancel`` (dismissed).
        content: The values by field name, when accepted.
    """

    action: Action
    content: dict[str, FieldValue] | None = None


@runtime_checkable
class Elicitor(Protocol):
    """Asks the user for the values a server requests."""

    @property
    def interactive(self) -> bool:
        """Whether a user can answer now (``auto`` mode declines when not)."""
        ...

    async def elicit(
        self, server_name: str, message: str, schema: Mapping[str, Any]
    ) -> ElicitationAnswer:
        """Ask for the fields of `schema`, introduced by the server's `message`."""
        ...


@runtime_checkable
class UrlElicitor(Protocol):
    """An `Elicitor` that also handles URL-mode requests."""

    async def elicit_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
        """Show `url` (and the server's `message`), open it if the user agrees.

        Returns:
            ``accept`` when the user agreed to visit it, ``decline`` when refused,
            ``cancel`` when dismissed.
        """
        ...


def as_field_value(value: Any) -> FieldValue:
    """`value` (a schema default or a parsed answer) as a field value of an answer."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def apply_defaults(
    schema: Mapping[str, Any], content: Mapping[str, FieldValue] | None
) -> dict[str, FieldValue]:
    """`content` with each field it leaves out set to the schema's default, when there is one."""
    filled: dict[str, FieldValue] = dict(content or {})
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, spec in properties.items():
            if name not in filled and isinstance(spec, Mapping) and "default" in spec:
                filled[name] = as_field_value(spec["default"])
    return filled


def elicitation_callback(
    server_name: str, settings: ElicitationSettings, elicitor: Elicitor | None
) -> ElicitationFnT:
    """The SDK elicitation callback for one server, applying its ``elicitation.mode``.

    Args:
        server_name: The server's configured name.
        settings: Its ``elicitation`` settings.
        elicitor: Who asks the user; None declines every request.
    """

    async def on_elicit(
        context: ClientRequestContext, params: mcp_types.ElicitRequestParams
    ) -> mcp_types.ElicitResult | mcp_types.ErrorData:
        import mcp_types

        def decline(why: str) -> mcp_types.ElicitResult:
            _log.warning("declined elicitation from server %s (%s)", server_name, why)
            return mcp_types.ElicitResult(action="decline")

        if settings.mode == "decline":
            return decline("elicitation.mode is decline")
        if elicitor is None or (settings.mode == "auto" and not elicitor.interactive):
            return decline("non-interactive")
        if isinstance(params, mcp_types.ElicitRequestURLParams):
            if not isinstance(elicitor, UrlElicitor):
                return decline("the elicitor cannot show a URL")
            try:
                answer = await elicitor.elicit_url(server_name, params.message, params.url)
            except Exception:
                _log.exception("URL elicitation from server %s failed; cancelled", server_name)
                return mcp_types.ElicitResult(action="cancel")
            _log.info("URL elicitation from server %s: %s", server_name, answer.action)
            return mcp_types.ElicitResult(action=answer.action)
        try:
            answer = await elicitor.elicit(server_name, params.message, params.requested_schema)
        except Exception:
            _log.exception("elicitation from server %s failed; cancelled", server_name)
            return mcp_types.ElicitResult(action="cancel")
        if answer.action != "accept":
            return mcp_types.ElicitResult(action=answer.action)
        content = apply_defaults(params.requested_schema, answer.content)
        return mcp_types.ElicitResult(action="accept", content=content)

    return on_elicit

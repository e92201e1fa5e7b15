"""The passthrough provider: a scriptable echo model for tests and demos.

It replies with the text of the last user message, or, when that message carries tool
results, with the results' text joined by newlines. A user message starting with a command
scripts the reply instead:

- ``***FIXED_RESPONSE <text>``: reply `<text>` now and for every later turn.
- ``***CALL_TOOL <name> [json object]``: reply with one call of tool `<name>`.
- ``***RAISE <ErrorName> [message]``: raise that provider error from
  `fastagent.exceptions` (e.g. ``RateLimitError``), to test error paths.

Token usage is estimated as ``len(text) // 4`` (at least 1), so usage totals are testable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from fastagent import exceptions
from fastagent.exceptions import ProviderError, UserError
from fastagent.messages import (
    Message,
    StopReason,
    ToolCall,
    Usage,
    text_of,
)
from fastagent.providers.base import BaseProvider, CompletionRequest

__all__ = [
    "CALL_TOOL",
    "FIXED_RESPONSE",
    "RAISABLE_ERRORS",
    "RAISE",
    "PassthroughProvider",
    "estimate_tokens",
    "estimate_tokens_for_length",
]

FIXED_RESPONSE: Final = "***FIXED_RESPONSE"
CALL_TOOL: Final = "***CALL_TOOL"
RAISE: Final = "***RAISE"

_HTTP_STATUS: Final[dict[str, int]] = {
    "ProviderHTTPError": 500,
    "AuthenticationError": 401,
    "RateLimitError": 429,
    "BadRequestError": 400,
    "ContextWindowError": 400,
    "ContextWindowExceededError": 400,
    "ProviderServerError": 500,
}
_PLAIN_ERRORS: Final = (
    "ProviderError",
    "ProviderTimeoutError",
    "ProviderConnectionError",
)
RAISABLE_ERRORS: Final[tuple[str, ...]] = tuple(sorted((*_HTTP_STATUS, *_PLAIN_ERRORS)))
"""The error class names ``***RAISE`` accepts."""


def estimate_tokens(text: str) -> int:
    """A rough token count: a quarter of the characters, at least 1."""
    return estimate_tokens_for_length(len(text))


def estimate_tokens_for_length(chars: int) -> int:
    """`estimate_tokens` for a text of `chars` characters."""
    return max(1, chars // 4)


class PassthroughProvider(BaseProvider):
    """Echoes the conversation back, scripted by ``***`` commands (see the module docs).

    Args:
        model: The model name to report (default "passthrough").
        fixed_response: Reply this text to every turn, as if sent ``***FIXED_RESPONSE``.
    """

    name = "passthrough"

    def __init__(self, model: str = "passthrough", *, fixed_response: str | None = None) -> None:
        super().__init__(model)
        self.fixed_response = fixed_response
        self._counted = _PrefixCounter()

    async def complete(self, request: CompletionRequest) -> Message:
        """Reply to the last user message (see the module docs for the commands)."""
        last = _last_user_message(request.messages)
        reply = self._reply(last)
        reply.usage = Usage(
            input_tokens=estimate_tokens_for_length(
                self._counted.chars(request.messages) + len(request.system or "")
            ),
            output_tokens=estimate_tokens(_reply_text(reply)),
            requests=1,
        )
        reply.model = self.model
        reply.timestamp = datetime.now(UTC)
        return reply

    def _reply(self, last: Message | None) -> Message:
        if last is None:
            return Message.assistant(self.fixed_response or "")
        if not last.tool_results:
            text = last.text
            command, _, rest = text.strip().partition(" ")
            handler = self._commands.get(command)
            if handler is not None:
                return handler(self, rest.strip())
            if self.fixed_response is not None:
                return Message.assistant(self.fixed_response)
            return Message.assistant(text)
        if self.fixed_response is not None:
            return Message.assistant(self.fixed_response)
        return Message.assistant("\n".join(r.text for r in last.tool_results))

    def _fixed(self, text: str) -> Message:
        self.fixed_response = text
        return Message.assistant(text)

    def _call_tool(self, rest: str) -> Message:
        name, _, raw_args = rest.partition(" ")
        if not name:
            return Message.assistant(f"{CALL_TOOL} needs a tool name: {CALL_TOOL} <name> [json]")
        raw_args = raw_args.strip()
        try:
            arguments = json.loads(raw_args) if raw_args else {}
        except json.JSONDecodeError as exc:
            return Message.assistant(
                f"{CALL_TOOL} {name}: the arguments are not valid JSON ({exc.msg} at "
                f'column {exc.colno}); write them as a JSON object, e.g. {{"x": 1}}'
            )
        if not isinstance(arguments, dict):
            return Message.assistant(
                f"{CALL_TOOL} {name}: the arguments must be a JSON object, "
                f"not {type(arguments).__name__}"
            )
        call = ToolCall(id=f"call_{uuid.uuid4().hex[:16]}", name=name, arguments=arguments)
        return Message.assistant(tool_calls=[call], stop_reason=StopReason.TOOL_USE)

    def _raise(self, rest: str) -> Message:
        error_name, _, text = rest.partition(" ")
        if error_name not in RAISABLE_ERRORS:
            raise UserError(
                f"{RAISE}: unknown error '{error_name}'",
                hint=f"use one of: {', '.join(RAISABLE_ERRORS)}",
            )
        message = text.strip() or f"simulated {error_name} from the passthrough model"
        error_cls = getattr(exceptions, error_name)
        error: ProviderError
        if error_name in _HTTP_STATUS:
            error = error_cls(
                message,
                status_code=_HTTP_STATUS[error_name],
                provider=self.name,
                hint="raised on purpose by the passthrough model's ***RAISE command",
            )
        else:
            error = error_cls(
                message,
                provider=self.name,
                hint="raised on purpose by the passthrough model's ***RAISE command",
            )
        raise error

    _commands: Final[dict[str, Callable[[PassthroughProvider, str], Message]]] = {
        FIXED_RESPONSE: _fixed,
        CALL_TOOL: _call_tool,
        RAISE: _raise,
    }


def _last_user_message(messages: list[Message]) -> Message | None:
    for message in reversed(messages):
        if message.role == "user":
            return message
    return None


def _message_chars(message: Message) -> int:
    chars = len(text_of(message.content))
    for result in message.tool_results:
        chars += len(result.text)
    for call in message.tool_calls:
        chars += len(call.name) + len(json.dumps(call.arguments))
    return chars


class _PrefixCounter:
    """Character counts of a growing conversation, recounting only the new messages.

    The tool loop resends the same message objects with new ones appended, so only the
    messages after the prefix shared with the previous request are counted.
    """

    __slots__ = ("_messages", "_totals")

    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._totals: list[int] = []

    def chars(self, messages: list[Message]) -> int:
        seen, totals = self._messages, self._totals
        shared = min(len(seen), len(messages))
        # list equality tests identity first, element by element, at C speed
        if messages[:shared] != seen[:shared]:
            shared = next(i for i, (m, s) in enumerate(zip(messages, seen, strict=False)) if m != s)
        del seen[shared:], totals[shared:]
        running = totals[-1] if totals else 0
        for message in messages[shared:]:
            running += _message_chars(message)
            seen.append(message)
            totals.append(running)
        return running


def _reply_text(reply: Message) -> str:
    calls = "".join(c.name + json.dumps(c.arguments) for c in reply.tool_calls)
    return text_of(reply.content) + calls

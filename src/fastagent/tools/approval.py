"""Tool approval and hooks: who may run which tool call, and what it runs with.

A `ToolGuard` sits in a `ToolSet` and sees every call:

1. each hook's ``before_tool_call(call)`` may return `Allow` (or None), `Deny(reason)` or
   `Modify(arguments)` (the call goes on with new arguments);
2. the `ApprovalPolicy` decides ``always`` (run it), ``never`` (deny it) or ``ask``: the
   injected `Approver` is asked and answers ``yes``, ``no`` or ``always`` (yes, and do not ask
   again for this tool during the run); with no approver, ``ask`` is a denial that says so;
3. the tool runs; each hook's ``after_tool_call(call, result)`` may return another result.

A denial is an error result the model reads (``tool 'x' was denied: reason``), never an
exception. Hooks may be plain or async functions; a hook that raises denies the call (before)
or turns the result into an error (after), naming the hook.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Final, Literal

from fastagent.messages import ToolCall, ToolResult

if TYPE_CHECKING:
    from fastagent.events import EventBus

__all__ = [
    "DECISIONS",
    "Allow",
    "ApprovalPolicy",
    "ApprovalRequest",
    "Approver",
    "Decision",
    "Deny",
    "Modify",
    "ToolGuard",
]

Decision = Literal["always", "never", "ask"]
"""What a policy says about a tool: run it, refuse it, or ask the user."""

DECISIONS: Final = ("always", "never", "ask")

_log = logging.getLogger("fastagent.tools")
_WORDS: Final = frozenset({"y", "yes", "n", "no", "a", "always"})


@dataclass(frozen=True, slots=True)
class Allow:
    """A hook lets the call go on unchanged."""


@dataclass(frozen=True, slots=True)
class Deny:
    """A hook refuses the call; the model reads `reason`."""

    reason: str


@dataclass(frozen=True, slots=True)
class Modify:
    """A hook lets the call go on with these arguments instead."""

    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A tool call waiting for the user's yes or no.

    Attributes:
        agent: The agent calling it.
        tool: The tool's name as the model calls it (``server__tool`` for MCP tools).
        arguments: The arguments it will run with.
        call_id: The model's call id.
    """

    agent: str
    tool: str
    arguments: dict[str, Any]
    call_id: str


Approver = Callable[[ApprovalRequest], "str | Awaitable[str]"]
"""Answers an `ApprovalRequest` with ``yes``, ``no`` or ``always``; any other text is a no,
and the model reads it as the reason."""


class ApprovalPolicy:
    """Which tools run without asking: rules of glob pattern -> decision, first match wins.

    Patterns match the tool's name as the model calls it (``fs__delete_file``) or, for tools
    of a source, the name after ``__`` (``delete_file``).

    Args:
        rules: A decision for every tool (``"ask"``), or patterns to decisions
            (``{"fs__read_*": "always", "*": "ask"}``), in order; None: no rules.
        fallback: Per source (MCP server) name, its own policy, used when no rule matched.
        default: The decision when nothing matched.

    Raises:
        ValueError: A decision is not ``always``, ``never`` or ``ask``.
    """

    def __init__(
        self,
        rules: str | Mapping[str, str] | None = None,
        *,
        fallback: Mapping[str, ApprovalPolicy] | None = None,
        default: Decision = "always",
    ) -> None:
        self.rules: list[tuple[str, Decision]] = list(_rules(rules))
        self.fallback = dict(fallback or {})
        self.default: Decision = default

    def decide(self, tool: str, source: str | None = None) -> Decision:
        """The decision for `tool` (from `source`, when it comes from one)."""
        bare = tool.split("__", 1)[1] if "__" in tool else tool
        for pattern, decision in self.rules:
            if fnmatchcase(tool, pattern) or fnmatchcase(bare, pattern):
                return decision
        policy = self.fallback.get(source) if source is not None else None
        if policy is not None:
            return policy.decide(tool)
        return self.default

    @property
    def empty(self) -> bool:
        """Whether it always says the default (so no call needs checking)."""
        return not self.rules and not self.fallback and self.default == "always"


def _rules(rules: str | Mapping[str, str] | None) -> Iterable[tuple[str, Decision]]:
    if rules is None:
        return []
    items = [("*", rules)] if isinstance(rules, str) else list(rules.items())
    checked: list[tuple[str, Decision]] = []
    for pattern, decision in items:
        if decision not in DECISIONS:
            raise ValueError(
                f"approve: {decision!r} for {pattern!r} is not one of always, never, ask"
            )
        checked.append((pattern, decision))  # type: ignore[arg-type]
    return checked


class ToolGuard:
    """Applies hooks and an approval policy to every call of a `ToolSet`.

    Args:
        policy: Which tools need the user's approval.
        approver: Asks the user; None: ``ask`` denies (nothing can ask).
        hooks: Objects with ``before_tool_call`` and/or ``after_tool_call`` methods, in order.
        events: Where `UserInputRequested` / `UserInputFinished` are published around
            asking (so a live display pauses).
        agent: The agent's name.
    """

    def __init__(
        self,
        policy: ApprovalPolicy | None = None,
        *,
        approver: Approver | None = None,
        hooks: Iterable[Any] = (),
        events: EventBus | None = None,
        agent: str = "",
    ) -> None:
        self.policy = policy if policy is not None else ApprovalPolicy()
        self.approver = approver
        self.hooks = list(hooks)
        self.events = events
        self.agent = agent
        self._approved: set[str] = set()

    async def before(self, call: ToolCall, source: str | None = None) -> ToolCall | ToolResult:
        """The call to run (maybe with new arguments), or the error result denying it."""
        for hook in self.hooks:
            method = getattr(hook, "before_tool_call", None)
            if method is None:
                continue
            try:
                verdict = await _maybe_await(method(call))
            except Exception as exc:
                _log.debug("before_tool_call hook raised", exc_info=exc)
                return _denied(call, f"hook {_name(hook)} failed: {type(exc).__name__}: {exc}")
            if isinstance(verdict, Deny):
                return _denied(call, verdict.reason)
            if isinstance(verdict, Modify):
                call = call.model_copy(update={"arguments": dict(verdict.arguments)})
        decision = self.policy.decide(call.name, source)
        if decision == "never":
            return _denied(call, "the approval policy never allows this tool")
        if decision == "ask" and call.name not in self._approved:
            answer = await self._ask(call)
            if answer == "always":
                self._approved.add(call.name)
            elif answer != "yes":
                return _denied(call, answer)
        return call

    async def after(self, call: ToolCall, result: ToolResult) -> ToolResult:
        """The result after every hook's ``after_tool_call``."""
        for hook in self.hooks:
            method = getattr(hook, "after_tool_call", None)
            if method is None:
                continue
            try:
                changed = await _maybe_await(method(call, result))
            except Exception as exc:
                _log.debug("after_tool_call hook raised", exc_info=exc)
                return ToolResult.error(
                    call.id,
                    f"hook {_name(hook)} failed on the result of '{call.name}': "
                    f"{type(exc).__name__}: {exc}",
                    tool_name=call.name,
                )
            if isinstance(changed, ToolResult):
                result = changed
        return result

    async def _ask(self, call: ToolCall) -> str:
        """``yes``, ``always``, or the reason for a no."""
        if self.approver is None:
            return (
                "it needs the user's approval and nothing can ask "
                "(no terminal and no approval handler)"
            )
        from fastagent.events import UserInputFinished, UserInputRequested

        request = ApprovalRequest(self.agent, call.name, dict(call.arguments), call.id)
        if self.events is not None:
            self.events.publish(UserInputRequested(agent=self.agent, kind="approval"))
        try:
            answer = str(await _maybe_await(self.approver(request))).strip()
        finally:
            if self.events is not None:
                self.events.publish(UserInputFinished(agent=self.agent, kind="approval"))
        answer = answer if answer.lower() not in _WORDS else answer.lower()
        if answer in ("y", "yes"):
            return "yes"
        if answer in ("a", "always"):
            return "always"
        if answer in ("", "n", "no"):
            return "the user declined it"
        return answer  # the approver's reason for a no


def _denied(call: ToolCall, reason: str) -> ToolResult:
    return ToolResult.error(
        call.id, f"tool '{call.name}' was denied: {reason}", tool_name=call.name
    )


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _name(hook: Any) -> str:
    return getattr(hook, "__qualname__", None) or type(hook).__qualname__

"""Request parameters for model calls: `RequestParams`.

A frozen dataclass that remembers which fields were set explicitly, so layers can be merged:
agent defaults, then per-call overrides, each overriding only what it actually sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["REASONING_LEVELS", "RequestParams"]

REASONING_LEVELS: Final = ("minimal", "low", "medium", "high")
"""The accepted values of `RequestParams.reasoning`."""

_UNSET: Any = object()


@dataclass(frozen=True, slots=True, init=False)
class RequestParams:
    """How to call the model, and how the tool loop behaves.

    Every argument is keyword-only and optional; only the arguments actually passed count as
    "set", and only set fields override in `merged`.

    Attributes:
        model: Model name override, or None for the provider's model.
        max_tokens: Maximum output tokens per model call.
        temperature: Sampling temperature.
        stop_sequences: Sequences that end the model's output.
        max_iterations: Most model calls one turn of the tool loop may make.
        parallel_tool_calls: Run several tool calls of one reply concurrently.
        use_history: Send and store the conversation history; when False only the prompt and
            the new messages are sent, and the turn is not stored.
        reasoning: Reasoning effort: "minimal", "low", "medium" or "high".
        response_format: A pydantic model class or a JSON schema dict the reply must match.
        timeout: Seconds to wait for one model call.
        tool_choice: "auto", "none", "required" or the name of one tool.
    """

    model: str | None
    max_tokens: int | None
    temperature: float | None
    stop_sequences: tuple[str, ...]
    max_iterations: int
    parallel_tool_calls: bool
    use_history: bool
    reasoning: str | None
    response_format: type[BaseModel] | dict[str, Any] | None
    timeout: float | None
    tool_choice: str | None
    explicit: frozenset[str] = field(compare=False, repr=False)

    def __init__(
        self,
        *,
        model: str | None = _UNSET,
        max_tokens: int | None = _UNSET,
        temperature: float | None = _UNSET,
        stop_sequences: tuple[str, ...] = _UNSET,
        max_iterations: int = _UNSET,
        parallel_tool_calls: bool = _UNSET,
        use_history: bool = _UNSET,
        reasoning: str | None = _UNSET,
        response_format: type[BaseModel] | dict[str, Any] | None = _UNSET,
        timeout: float | None = _UNSET,
        tool_choice: str | None = _UNSET,
    ) -> None:
        given: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stop_sequences": stop_sequences,
            "max_iterations": max_iterations,
            "parallel_tool_calls": parallel_tool_calls,
            "use_history": use_history,
            "reasoning": reasoning,
            "response_format": response_format,
            "timeout": timeout,
            "tool_choice": tool_choice,
        }
        explicit = frozenset(k for k, v in given.items() if v is not _UNSET)
        values = {k: (_DEFAULTS[k] if v is _UNSET else v) for k, v in given.items()}
        values["stop_sequences"] = tuple(values["stop_sequences"])
        _validate(values)
        setter = object.__setattr__
        for key, value in values.items():
            setter(self, key, value)
        setter(self, "explicit", explicit)

    def merged(self, overrides: RequestParams | Mapping[str, Any] | None) -> RequestParams:
        """These parameters with the explicitly set fields of `overrides` applied on top.

        Args:
            overrides: Another `RequestParams` (only its explicitly set fields count), a
                mapping of field names to values, or None.

        Returns:
            A new `RequestParams`; `self` is unchanged. Fields set in either are "set".

        Raises:
            UserError: A mapping names an unknown field, or a value is invalid.
        """
        if overrides is None:
            return self
        if isinstance(overrides, RequestParams):
            if not overrides.explicit:
                return self
            updates = {k: getattr(overrides, k) for k in overrides.explicit}
        else:
            unknown = sorted(set(overrides) - set(_DEFAULTS))
            if unknown:
                raise UserError(
                    f"unknown request parameter(s): {', '.join(unknown)}",
                    hint=f"valid parameters: {', '.join(_DEFAULTS)}",
                )
            updates = dict(overrides)
        current = {k: getattr(self, k) for k in self.explicit}
        return RequestParams(**{**current, **updates})

    def to_dict(self, *, explicit_only: bool = False) -> dict[str, Any]:
        """The fields as a dict (only the explicitly set ones when `explicit_only`)."""
        names = self.explicit if explicit_only else _DEFAULTS.keys()
        return {k: getattr(self, k) for k in _DEFAULTS if k in names}


_DEFAULTS: Final[dict[str, Any]] = {
    "model": None,
    "max_tokens": None,
    "temperature": None,
    "stop_sequences": (),
    "max_iterations": 20,
    "parallel_tool_calls": True,
    "use_history": True,
    "reasoning": None,
    "response_format": None,
    "timeout": None,
    "tool_choice": None,
}

assert set(_DEFAULTS) == {f.name for f in fields(RequestParams)} - {"explicit"}


def _validate(values: dict[str, Any]) -> None:
    iterations = values["max_iterations"]
    if not isinstance(iterations, int) or iterations < 1:
        raise UserError(
            f"max_iterations must be a positive integer, got {iterations!r}",
            hint="set max_iterations to 1 or more",
        )
    reasoning = values["reasoning"]
    if reasoning is not None and reasoning not in REASONING_LEVELS:
        raise UserError(
            f"unknown reasoning level {reasoning!r}",
            hint=f"use one of: {', '.join(REASONING_LEVELS)}",
        )
    max_tokens = values["max_tokens"]
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise UserError(
            f"max_tokens must be a positive integer, got {max_tokens!r}",
            hint="set max_tokens to 1 or more, or leave it unset",
        )
    timeout = values["timeout"]
    if timeout is not None and timeout <= 0:
        raise UserError(
            f"timeout must be positive, got {timeout!r}",
            hint="set timeout to a number of seconds above 0, or leave it unset",
        )

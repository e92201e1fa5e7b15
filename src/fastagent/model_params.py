"""`ModelParams`: how one model call is made, as every provider reads it.

A frozen dataclass that remembers which fields were set explicitly, so layers can be merged:
provider defaults, agent defaults, then per-call overrides, each overriding only what it
actually sets. It lives on the ground floor, beside `fastagent.messages`, so providers read
it without importing the tool loop; the loop's `fastagent.llm.params.RequestParams` extends
it with its own knobs (``max_iterations``, ``use_history``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final, Self

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["REASONING_LEVELS", "UNSET", "ModelParams"]

REASONING_LEVELS: Final = ("minimal", "low", "medium", "high")
"""The accepted values of `ModelParams.reasoning`."""

UNSET: Any = object()
"""The default of every constructor argument: "not given", so the field is not explicit."""


@dataclass(frozen=True, slots=True, init=False)
class ModelParams:
    """How to call the model.

    Every argument is keyword-only and optional; only the arguments actually passed count as
    "set", and only set fields override in `merged`.

    Attributes:
        model: Model name override, or None for the provider's model.
        max_tokens: Maximum output tokens per model call.
        temperature: Sampling temperature.
        stop_sequences: Sequences that end the model's output.
        parallel_tool_calls: Let the model ask for several tool calls in one reply (and the
            tool loop run them concurrently).
        reasoning: Reasoning effort: "minimal", "low", "medium" or "high".
        response_format: A pydantic model class or a JSON schema dict the reply must match.
        timeout: Seconds to wait for one model call.
        tool_choice: "auto", "none", "required" or the name of one tool.
        explicit: The names of the fields set explicitly.
    """

    model: str | None
    max_tokens: int | None
    temperature: float | None
    stop_sequences: tuple[str, ...]
    parallel_tool_calls: bool
    reasoning: str | None
    response_format: type[BaseModel] | dict[str, Any] | None
    timeout: float | None
    tool_choice: str | None
    explicit: frozenset[str] = field(compare=False, repr=False)

    def __init__(
        self,
        *,
        model: str | None = UNSET,
        max_tokens: int | None = UNSET,
        temperature: float | None = UNSET,
        stop_sequences: tuple[str, ...] = UNSET,
        parallel_tool_calls: bool = UNSET,
        reasoning: str | None = UNSET,
        response_format: type[BaseModel] | dict[str, Any] | None = UNSET,
        timeout: float | None = UNSET,
        tool_choice: str | None = UNSET,
    ) -> None:
        self._assign(
            model=model,
            max_tokens=max_tokens,
            temperature=temperature,
            stop_sequences=stop_sequences,
            parallel_tool_calls=parallel_tool_calls,
            reasoning=reasoning,
            response_format=response_format,
            timeout=timeout,
            tool_choice=tool_choice,
        )

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field's default value, by name, in field order."""
        return dict(_DEFAULTS)

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> None:
        """Check field values (a subclass adds its own checks).

        Raises:
            UserError: A value is invalid (the message names the field).
        """
        _validate(values)

    def _assign(self, **given: Any) -> None:
        defaults = self.defaults()
        explicit = frozenset(k for k, v in given.items() if v is not UNSET)
        values = {k: (defaults[k] if v is UNSET else v) for k, v in given.items()}
        values["stop_sequences"] = tuple(values["stop_sequences"])
        self.check(values)
        setter = object.__setattr__
        for key, value in values.items():
            setter(self, key, value)
        setter(self, "explicit", explicit)

    def merged(self, overrides: ModelParams | Mapping[str, Any] | None) -> Self:
        """These parameters with the explicitly set fields of `overrides` applied on top.

        Args:
            overrides: Other parameters (only their explicitly set fields that this class
                has count), a mapping of field names to values, or None.

        Returns:
            A new instance of this class; `self` is unchanged. Fields set in either are "set".

        Raises:
            UserError: A mapping names an unknown field, or a value is invalid.
        """
        if overrides is None:
            return self
        known = self.defaults()
        if isinstance(overrides, ModelParams):
            updates = {k: getattr(overrides, k) for k in overrides.explicit if k in known}
            if not updates:
                return self
        else:
            unknown = sorted(set(overrides) - set(known))
            if unknown:
                raise UserError(
                    f"unknown request parameter(s): {', '.join(unknown)}",
                    hint=f"valid parameters: {', '.join(known)}",
                )
            updates = dict(overrides)
        current = {k: getattr(self, k) for k in self.explicit}
        return type(self)(**{**current, **updates})

    def to_dict(self, *, explicit_only: bool = False) -> dict[str, Any]:
        """The fields as a dict (only the explicitly set ones when `explicit_only`)."""
        names = self.explicit if explicit_only else self.defaults().keys()
        return {k: getattr(self, k) for k in self.defaults() if k in names}


_DEFAULTS: Final[dict[str, Any]] = {
    "model": None,
    "max_tokens": None,
    "temperature": None,
    "stop_sequences": (),
    "parallel_tool_calls": True,
    "reasoning": None,
    "response_format": None,
    "timeout": None,
    "tool_choice": None,
}

assert set(_DEFAULTS) == {f.name for f in fields(ModelParams)} - {"explicit"}


def _validate(values: Mapping[str, Any]) -> None:
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

"""Request parameters of the tool loop: `RequestParams`.

`RequestParams` is `fastagent.model_params.ModelParams` (how the model is called, which is
what providers read) plus the tool loop's own knobs: ``max_iterations`` and ``use_history``.
Like its base it remembers which fields were set explicitly, so layers can be merged: agent
defaults, then per-call overrides, each overriding only what it actually sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import UserError
from fastagent.model_params import REASONING_LEVELS, UNSET, ModelParams

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["REASONING_LEVELS", "RequestParams"]


@dataclass(frozen=True, slots=True, init=False)
class RequestParams(ModelParams):
    """How to call the model (`ModelParams`), and how the tool loop behaves.

    Every argument is keyword-only and optional; only the arguments actually passed count as
    "set", and only set fields override in `merged`.

    Attributes:
        max_iterations: Most model calls one turn of the tool loop may make.
        use_history: Send and store the conversation history; when False only the prompt and
            the new messages are sent, and the turn is not stored.
    """

    max_iterations: int
    use_history: bool

    def __init__(
        self,
        *,
        model: str | None = UNSET,
        max_tokens: int | None = UNSET,
        temperature: float | None = UNSET,
        stop_sequences: tuple[str, ...] = UNSET,
        max_iterations: int = UNSET,
        parallel_tool_calls: bool = UNSET,
        use_history: bool = UNSET,
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
            max_iterations=max_iterations,
            parallel_tool_calls=parallel_tool_calls,
            use_history=use_history,
            reasoning=reasoning,
            response_format=response_format,
            timeout=timeout,
            tool_choice=tool_choice,
        )

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field's default value, by name."""
        return {**ModelParams.defaults(), **_LOOP_DEFAULTS}

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> None:
        """Check field values.

        Raises:
            UserError: A value is invalid (the message names the field).
        """
        iterations = values["max_iterations"]
        if not isinstance(iterations, int) or iterations < 1:
            raise UserError(
                f"max_iterations must be a positive integer, got {iterations!r}",
                hint="set max_iterations to 1 or more",
            )
        ModelParams.check(values)


_LOOP_DEFAULTS: Final[dict[str, Any]] = {"max_iterations": 20, "use_history": True}

assert set(RequestParams.defaults()) == {f.name for f in fields(RequestParams)} - {"explicit"}

"""`RoutingDecision`: the structured answer of a router's model.

It lives apart from `router`, so declaring a router does not import pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["RoutingDecision"]


class RoutingDecision(BaseModel):
    """The routing model's answer.

    Attributes:
        agent: The name of the chosen agent.
        confidence: How sure the model is.
        reasoning: Why it chose that agent, in a sentence.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    agent: str
    confidence: Literal["high", "medium", "low"]
    reasoning: str

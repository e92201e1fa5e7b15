"""The structured value of each triaged ticket (``--schema triage_schema:Triage``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Triage(BaseModel):
    """A support ticket's triage."""

    priority: int = Field(ge=1, le=3, description="1 urgent, 2 normal, 3 low")
    summary: str = Field(description="the ticket in one line")

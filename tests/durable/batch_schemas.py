"""The ``--schema`` model of the batch tests (``--schema batch_schemas:Ticket``)."""

from __future__ import annotations

from pydantic import BaseModel


class Ticket(BaseModel):
    """A ticket's triage: the answer every row must match."""

    priority: int
    summary: str

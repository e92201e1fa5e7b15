"""The usage summary: tokens, model calls and cost per agent, as text or a rich table.

Shown by ``/usage`` in the interactive prompt and at the end of a run. Prices come from the
model catalogue (`fastagent.providers.model_catalogue`); a model it does not price shows ``-``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from fastagent.messages import Usage
    from fastagent.providers.model_catalogue import ModelInfo

__all__ = [
    "UsageRow",
    "format_cost",
    "print_usage_summary",
    "usage_renderable",
    "usage_rows",
    "usage_table",
]

_HEADERS = ("agent", "model", "calls", "input", "output", "total", "cost")


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One line of the summary.

    Attributes:
        agent: The agent's name (``total`` for the sum).
        model: The model it used, or ``-``.
        usage: Tokens and model calls.
        cost: US dollars, or None when the model has no known price.
    """

    agent: str
    model: str
    usage: Usage
    cost: float | None

    def cells(self) -> tuple[str, ...]:
        """The row as text cells, in `usage_table` column order."""
        usage = self.usage
        return (
            self.agent,
            self.model,
            str(usage.requests),
            f"{usage.input_tokens:,}",
            f"{usage.output_tokens:,}",
            f"{usage.total_tokens:,}",
            format_cost(self.cost),
        )


def format_cost(cost: float | None) -> str:
    """Dollars with four decimals (``$0.0123``), or ``-`` when unknown."""
    return "-" if cost is None else f"${cost:.4f}"


def usage_rows(source: Any) -> list[UsageRow]:
    """The summary rows of an `AgentApp`, a `Context`, or a mapping of agents by name.

    For agents the model and price come from the agent's provider (or its model string).
    A `Context`'s totals only know agent names, so its rows show ``-`` for model and cost.

    Args:
        source: `AgentApp`, `Context`, or ``Mapping[str, BaseAgent]``.

    Returns:
        One row per agent that made model calls, then a ``total`` row.
    """
    rows: list[UsageRow] = []
    agents = _agents_of(source)
    if agents is not None:
        for name, agent in agents.items():
            usage = agent.usage
            if not _spent(usage):
                continue
            info = _info_for_agent(agent)
            rows.append(
                UsageRow(name, str(getattr(agent, "model", "-")), usage, _cost(info, usage))
            )
    else:
        totals: Mapping[str, Usage] = source.usage
        for name, usage in totals.items():
            rows.append(UsageRow(name, "-", usage, None))
    return [*rows, _total_row(rows)]


def usage_table(source: Any) -> str:
    """The summary as aligned plain text (see `usage_rows` for what `source` may be).

    Returns ``no model calls yet`` when nothing was spent.
    """
    rows = usage_rows(source)
    return _text_table(rows) if _spent(rows[-1].usage) else "no model calls yet"


def usage_renderable(rows: Iterable[UsageRow]) -> Table:
    """The summary as a rich `Table` (imports rich)."""
    from rich.table import Table

    table = Table(title="Usage", title_justify="left", show_edge=False, pad_edge=False)
    for index, header in enumerate(_HEADERS):
        table.add_column(header, justify="left" if index < 2 else "right")
    row_list = list(rows)
    for position, row in enumerate(row_list):
        last = position == len(row_list) - 1
        table.add_row(
            *row.cells(), style="bold" if last else None, end_section=position == len(row_list) - 2
        )
    return table


def print_usage_summary(
    source: Any, *, console: Console | None = None, stream: TextIO | None = None
) -> bool:
    """Print the usage summary of `source` (an `AgentApp`, a `Context`, or agents by name).

    Nothing is printed when no model call was made. With `console` a rich table is printed;
    otherwise plain text goes to `stream` (standard error by default).

    Returns:
        Whether a summary was printed.
    """
    rows = usage_rows(source)
    if not _spent(rows[-1].usage):
        return False
    if console is not None:
        console.print(usage_renderable(rows))
        return True
    out = stream if stream is not None else sys.stderr
    out.write(_text_table(rows) + "\n")
    out.flush()
    return True


def _spent(usage: Usage) -> bool:
    return usage.requests > 0 or usage.total_tokens > 0


def _agents_of(source: Any) -> Mapping[str, Any] | None:
    agents = getattr(source, "agents", None)
    if isinstance(agents, Mapping):
        return agents
    if isinstance(source, Mapping):
        return source
    return None


def _info_for_agent(agent: Any) -> ModelInfo | None:
    from fastagent.providers.model_catalogue import lookup

    provider = getattr(getattr(agent, "llm", None), "provider", None)
    name, model = getattr(provider, "name", None), getattr(provider, "model", None)
    if isinstance(name, str) and isinstance(model, str):
        info = lookup(name, model)
        return info if info.known else None
    model_string = getattr(agent, "model", None)
    if isinstance(model_string, str) and "." in model_string:
        provider_name, _, model_id = model_string.partition(".")
        info = lookup(provider_name, model_id)
        return info if info.known else None
    return None


def _cost(info: ModelInfo | None, usage: Usage) -> float | None:
    if info is None or (info.input_price == 0.0 and info.output_price == 0.0):
        return None
    from fastagent.providers.model_catalogue import cost

    return cost(info, usage)


def _total_row(rows: list[UsageRow]) -> UsageRow:
    from fastagent.messages import Usage

    total = Usage()
    for row in rows:
        total = total + row.usage
    known = [row.cost for row in rows if row.cost is not None]
    # Agents without a price add nothing: the total is then a lower bound.
    return UsageRow("total", "", total, sum(known) if known else None)


def _text_table(rows: list[UsageRow]) -> str:
    cells = [_HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_HEADERS))]

    def line(values: tuple[str, ...]) -> str:
        parts = [
            value.ljust(width) if index < 2 else value.rjust(width)
            for index, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    body = [line(values) for values in cells[1:-1]]
    return "\n".join([line(_HEADERS), rule, *body, rule, line(cells[-1])])

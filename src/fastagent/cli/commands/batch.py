"""``fastagent batch SCRIPT DATA -o OUT.jsonl``: one durable agent turn per row of a dataset.

The work is in `fastagent.cli.batch_run`; this module only declares the command line.
"""

from __future__ import annotations

import argparse
from typing import Any

from fastagent.cli.commands import SCRIPT_IMPORTED

__all__ = ["register", "run"]

_EPILOG = """\
examples:
  fastagent batch agent.py prompts.jsonl -o answers.jsonl
  fastagent batch agent.py tickets.csv -o out.jsonl --template "Summarize: {text}" --id-field ticket
  fastagent batch agent.py rows.jsonl -o out.jsonl --concurrency 16 --rate 60/min
  fastagent batch agent.py tickets.jsonl -o out.jsonl --schema schemas:Ticket
  fastagent batch agent.py rows.jsonl -o out.jsonl --no-work   # workers elsewhere run the rows

Re-running the same command resumes: finished rows are not sent again (docs/batch.md).
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``batch`` subcommand."""
    parser = subparsers.add_parser(
        "batch",
        help="run an agent over every row of a JSONL/CSV file, durably (resumable)",
        description=(
            "Send every row of DATA to an agent of SCRIPT, each row as one durable workflow "
            "(the embedded SQLite database unless durable: says otherwise), and write one "
            "JSON line per row to OUT in input order. Re-running resumes."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "script",
        metavar="SCRIPT",
        help=f"the FastAgent script (agent.py), {SCRIPT_IMPORTED}",
    )
    parser.add_argument("data", metavar="DATA", help="the rows: a .jsonl or .csv file")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.jsonl")
    parser.add_argument("--agent", metavar="NAME", help="the agent (default: the app's)")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--field", metavar="FIELD", help="the row field sent (default: prompt)")
    text.add_argument("--template", metavar="TEXT", help='e.g. "Summarize: {text}"')
    parser.add_argument(
        "--id-field",
        metavar="FIELD",
        help="the row field holding its id, required in every row "
        "(default: id when a row has it, else the row's number)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="rows in flight in this process (default 8)",
    )
    parser.add_argument(
        "--rate",
        metavar="N/PERIOD",
        help="at most N row starts per period, over all workers (--no-durable: this process)",
    )
    parser.add_argument("--queue", metavar="NAME", help="the durable queue (default: batch)")
    parser.add_argument(
        "--no-work",
        dest="work",
        action="store_false",
        help="only enqueue and collect: `fastagent worker` processes run the rows",
    )
    parser.add_argument(
        "--schema",
        metavar="MODULE:Model",
        help="a pydantic model: each row's reply is parsed into it (the line's value)",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run the rows that failed before again"
    )
    parser.add_argument(
        "--no-durable",
        dest="durable",
        action="store_false",
        help="no durable engine: nothing recorded, no resume (benchmarks, throwaway runs)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the batch; 0 when every row succeeded, 1 when some failed."""
    import asyncio

    from fastagent.cli.batch_run import BatchOptions, run_batch

    options = BatchOptions(
        script=args.script,
        data=args.data,
        output=args.output,
        agent=args.agent,
        field=args.field,
        template=args.template,
        id_field=args.id_field or "id",
        require_id=args.id_field is not None,
        concurrency=args.concurrency,
        rate=args.rate,
        retry_failed=args.retry_failed,
        schema=args.schema,
        durable=args.durable,
        queue=args.queue,
        work=args.work,
        config=args.config,
        quiet=args.quiet,
    )
    # A stop (Ctrl-C, SIGTERM) is reported by run_batch: what is kept and how to resume.
    return asyncio.run(run_batch(options))

"""``fastagent durable list|show|steps|cancel|resume|recover``: inspect and steer workflows.

Reads the ``durable:`` database of the config (the embedded SQLite file by default).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["STATUSES", "register", "run"]

_EPILOG = """\
examples:
  fastagent durable list --status PENDING
  fastagent durable steps ticket-42
  fastagent durable recover --executor worker-a     (a dead worker's work, to live workers)
"""


STATUSES = (
    "PENDING",
    "ENQUEUED",
    "SUCCESS",
    "ERROR",
    "CANCELLED",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED",
)
"""The workflow statuses ``durable list --status`` filters on (any case)."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1")
    return value


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``durable`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "durable",
        help="list, inspect, cancel, resume and recover durable workflows",
        description="Inspect and steer the durable workflows of the config's database.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the workflows, newest first",
        description="List the durable workflows, newest first: id, status, executor id and "
        "application version, one per line (tab-separated).",
    )
    listing.add_argument(
        "--status",
        type=str.upper,
        choices=STATUSES,
        metavar="STATUS",
        help=f"only workflows with this status: {', '.join(STATUSES)}",
    )
    listing.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="at most N (default 50)"
    )
    for name, text, description in _ACTIONS:
        action = actions.add_parser(name, help=text, description=description)
        action.add_argument(
            "id",
            metavar="ID",
            help="the workflow id: the key of a turn (ticket-42), a batch row's "
            "batch-<hash>-<row id> (fastagent durable list shows them)",
        )
    recover = actions.add_parser(
        "recover",
        help="hand a dead executor's pending work on",
        description="Hand the pending workflows of an executor that is really gone to the "
        "live workers (fastagent worker SCRIPT), which resume them from their last step.",
    )
    recover.add_argument(
        "--executor", required=True, metavar="ID", help="the dead process's executor id"
    )


_ACTIONS = (
    (
        "show",
        "one workflow: status, input, output or error (JSON)",
        "Print one workflow as JSON: status, executor, input (the conversation and the new "
        "message), output (the final message and the turn) or error.",
    ),
    (
        "steps",
        "the recorded steps of a workflow",
        "List the recorded steps of a workflow: number, name (model MODEL, tool TOOL) and "
        "done or its error.",
    ),
    (
        "cancel",
        "cancel a workflow (it stops at its next step)",
        "Cancel a pending or enqueued workflow: it stops at its next step and is not "
        "recovered (fastagent durable resume ID takes it up again).",
    ),
    (
        "resume",
        "resume a cancelled or stranded workflow on a live worker",
        "Put a cancelled or stranded workflow back on the queue: a running fastagent worker "
        "(or a batch waiting for its rows) resumes it from its last recorded step.",
    ),
)


def run(args: argparse.Namespace) -> int:
    """Run one action; prints its result on stdout."""
    import json
    import sys

    from fastagent.config import load_config
    from fastagent.config.durable_settings import DurableSettings
    from fastagent.durable import admin
    from fastagent.durable.errors import require_dbos

    settings = load_config(args.config).settings.durable or DurableSettings()
    require_dbos("fastagent durable", hint="pip install 'fastagent[durable]'")
    url = settings.database_url()
    action = args.action
    if action == "list":
        rows = admin.list_workflows(url, status=args.status, limit=args.limit)
        for row in rows:
            print(f"{row['id']}\t{row['status']}\t{row['executor']}\t{row['version']}")
        if not rows:
            status = f" with status {args.status}" if args.status else ""
            print(f"durable list: no workflows{status} in {url}", file=sys.stderr)
    elif action == "show":
        print(json.dumps(admin.show(url, args.id), indent=2, default=str))
    elif action == "steps":
        for step in admin.steps(url, args.id):
            state = "error: " + step["error"] if step["error"] else "done"
            print(f"{step['step']}\t{step['name']}\t{state}")
    elif action == "cancel":
        admin.cancel(url, args.id)
        print(f"cancelled {args.id}")
    elif action == "resume":
        admin.resume(url, args.id)
        print(f"resumed {args.id}: a running worker (fastagent worker SCRIPT) continues it")
    else:
        ids = admin.recover(url, args.executor)
        print(f"handed {len(ids)} pending workflow(s) of {args.executor} to the workers")
    return 0

"""``fastagent durable list|show|steps|cancel|resume|recover``: inspect and steer workflows.

Reads the ``durable:`` database of the config (the embedded SQLite file by default).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register", "run"]

_EPILOG = """\
examples:
  fastagent durable list --status PENDING
  fastagent durable steps ticket-42
  fastagent durable recover --executor worker-a     (a dead worker's work, to live workers)
"""


_STATUSES = (
    "PENDING",
    "ENQUEUED",
    "SUCCESS",
    "ERROR",
    "CANCELLED",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED",
)


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
    listing = actions.add_parser("list", help="the workflows, newest first")
    listing.add_argument(
        "--status",
        type=str.upper,
        choices=_STATUSES,
        metavar="STATUS",
        help=f"only these ({', '.join(_STATUSES)}; any case)",
    )
    listing.add_argument("--limit", type=_positive, default=50, help="at most N (default 50)")
    for name, text in (
        ("show", "one workflow: status, input, output or error (JSON)"),
        ("steps", "the recorded steps of a workflow"),
        ("cancel", "cancel a workflow (it stops at its next step)"),
        ("resume", "resume a cancelled or stranded workflow on a live worker"),
    ):
        actions.add_parser(name, help=text).add_argument("id", metavar="ID")
    recover = actions.add_parser("recover", help="hand a dead executor's pending work on")
    recover.add_argument("--executor", required=True, metavar="ID", help="its executor id")


def run(args: argparse.Namespace) -> int:
    """Run one action; prints its result on stdout."""
    import json

    from fastagent.config import load_config
    from fastagent.config.durable_settings import DurableSettings
    from fastagent.durable import admin

    settings = load_config(args.config).settings.durable or DurableSettings()
    url = settings.database_url()
    action = args.action
    if action == "list":
        for row in admin.list_workflows(url, status=args.status, limit=args.limit):
            print(f"{row['id']}\t{row['status']}\t{row['executor']}\t{row['version']}")
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

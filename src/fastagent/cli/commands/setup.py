"""``fastagent setup [DIR]``: scaffold a starter project.

Writes ``fastagent.yaml``, ``fastagent.secrets.yaml`` and ``agent.py`` from the templates in
`fastagent.cli.templates`, and makes sure ``.gitignore`` lists the secrets file. Existing
files are never overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["STARTER_FILES", "ScaffoldResult", "ensure_gitignored", "register", "run", "scaffold"]

STARTER_FILES: dict[str, str] = {
    "fastagent.yaml": "fastagent.yaml",
    "fastagent.secrets.yaml": "fastagent.secrets.yaml",
    "agent.py": "agent.py.tmpl",
}
"""Each file ``setup`` writes, mapped to its template in `fastagent.cli.templates`."""

_SECRETS_FILE = "fastagent.secrets.yaml"
_DESCRIPTIONS = {
    "fastagent.yaml": "configuration: default model, MCP servers, logging",
    "fastagent.secrets.yaml": "API keys (git-ignored)",
    "agent.py": "a starter agent",
}

GitignoreChange = Literal["created", "updated", "unchanged"]


class ScaffoldResult(NamedTuple):
    """What `scaffold` did.

    Attributes:
        directory: The project directory.
        written: Names of the files written, in `STARTER_FILES` order.
        overwritten: The subset of ``written`` that existed before (only with ``force``).
        gitignore: Whether ``.gitignore`` was created, updated or already listed the secrets.
    """

    directory: Path
    written: list[str]
    overwritten: list[str]
    gitignore: GitignoreChange


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``setup`` subcommand.

    Args:
        subparsers: The ``fastagent`` subparsers.
    """
    parser = subparsers.add_parser(
        "setup",
        help="scaffold a starter project (config, secrets, agent.py)",
        description=(
            "Create fastagent.yaml, fastagent.secrets.yaml and agent.py in DIR, and add the "
            "secrets file to .gitignore. Existing files are kept unless --force is given."
        ),
    )
    parser.add_argument(
        "directory", nargs="?", default=".", metavar="DIR", help="project directory (default: .)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace) -> int:
    """Scaffold the project and print what was created and what to do next.

    Args:
        args: Parsed arguments with ``directory`` and ``force``.

    Returns:
        0 on success.

    Raises:
        UserError: The directory is not usable, or files exist and ``--force`` was not given.
    """
    import shlex
    from pathlib import Path

    from fastagent.cli.console import make_console

    result = scaffold(Path(args.directory), force=args.force)
    console = make_console(args)
    console.print(f"Created a fastagent project in [bold]{_escape(str(result.directory))}[/]:")
    width = max(len(name) for name in STARTER_FILES)
    for name in result.written:
        note = " (overwritten)" if name in result.overwritten else ""
        console.print(f"  [green]{name:<{width}}[/]  {_DESCRIPTIONS[name]}{note}")
    if result.gitignore != "unchanged":
        console.print(
            f"  [green]{'.gitignore':<{width}}[/]  {result.gitignore}: ignores {_SECRETS_FILE}"
        )
    cd = "" if args.directory in (".", "./") else f"cd {_escape(shlex.quote(args.directory))} && "
    console.print()
    console.print(f"Next: [bold]{cd}python agent.py[/]  (then set default_model in fastagent.yaml)")
    return 0


def scaffold(directory: Path, *, force: bool = False) -> ScaffoldResult:
    """Write the starter files into ``directory``, creating it if needed.

    Args:
        directory: The project directory.
        force: Overwrite starter files that already exist.

    Returns:
        What was written.

    Raises:
        UserError: ``directory`` is a file or cannot be created, or a starter file exists and
            ``force`` is False (the error names every such file).
    """
    from importlib.resources import files

    from fastagent.exceptions import UserError

    if directory.exists() and not directory.is_dir():
        raise UserError(
            f"{directory} exists and is not a directory",
            hint="give setup a new or an existing directory",
        )
    existing = [name for name in STARTER_FILES if (directory / name).exists()]
    if existing and not force:
        raise UserError(
            f"refusing to overwrite existing file(s) in {directory}: {', '.join(existing)}",
            hint="re-run with --force to overwrite them, or choose another directory",
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        templates = files("fastagent.cli.templates")
        for name, template in STARTER_FILES.items():
            text = templates.joinpath(template).read_text(encoding="utf-8")
            (directory / name).write_text(text, encoding="utf-8")
        gitignore = ensure_gitignored(directory, _SECRETS_FILE)
    except OSError as exc:
        raise UserError(
            f"cannot write the project in {directory}: {exc.strerror or exc}",
            hint="check the directory's permissions, or choose another directory",
        ) from exc
    return ScaffoldResult(directory.resolve(), list(STARTER_FILES), existing, gitignore)


def ensure_gitignored(directory: Path, entry: str) -> GitignoreChange:
    """Make ``directory/.gitignore`` list ``entry``, exactly once.

    Args:
        directory: Holds the ``.gitignore``.
        entry: A file name relative to ``directory``.

    Returns:
        ``created`` (new file), ``updated`` (entry appended) or ``unchanged``.
    """
    path = directory / ".gitignore"
    if not path.exists():
        path.write_text(f"{entry}\n", encoding="utf-8")
        return "created"
    text = path.read_text(encoding="utf-8")
    if any(line.strip() in (entry, f"/{entry}") for line in text.splitlines()):
        return "unchanged"
    separator = "" if text == "" or text.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}{entry}\n")
    return "updated"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

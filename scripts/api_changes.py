"""Report breaking changes to fastagent's public API and whether CHANGELOG.md lists them.

Runs ``griffe check`` of ``src/fastagent`` against a git ref and prints one line per
breaking change, marked ``listed`` when CHANGELOG.md's Unreleased section names the changed
object (its name, dotted path or file) and ``NOT IN CHANGELOG`` otherwise. Exit status is 0
unless ``--strict`` is given and a change is not listed, or griffe itself fails.

Usage: python scripts/api_changes.py [--against REF] [--strict]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(?P<file>[^:]+):\d+: (?P<object>[^:]+): (?P<message>.*)$")


def git(*args: str) -> str:
    """Run git in the repository and return its stripped output ('' on failure)."""
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def default_ref() -> str:
    """The previous commit on main: HEAD's first parent on main, else the merge base."""
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    if branch in ("main", "HEAD"):
        return git("rev-parse", "--verify", "--quiet", "HEAD^1")
    return git("merge-base", "HEAD", "main") or git("rev-parse", "--verify", "--quiet", "HEAD^1")


def unreleased(changelog: str) -> str:
    """The text of the changelog's first section (``## Unreleased``, or the newest release)."""
    parts = re.split(r"^## ", changelog, flags=re.M)
    return parts[1] if len(parts) > 1 else changelog


def names_for(file: str, obj: str) -> list[str]:
    """The spellings a changelog may use for a changed object."""
    module = file.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    dotted = module.replace("/", ".")
    if obj == "<module>":
        return [dotted, file.removeprefix("src/"), module.split("/")[-1] + ".py"]
    obj = obj.split("(")[0]  # a parameter change names its function: `f(param)`
    obj = obj.removesuffix(".__init__")  # ... and a constructor's, its class
    *owner, name = obj.split(".")
    # a member by its qualified name, `.name`, or its bare name in backticks
    return [obj, f"{dotted}.{obj}", f".{name}", f"`{name}`"] if owner else [obj, f"{dotted}.{obj}"]


def main() -> int:
    """Run the check and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="git ref to compare with (default: previous main)")
    parser.add_argument("--strict", action="store_true", help="fail on an unlisted change")
    args = parser.parse_args()
    ref = args.against or default_ref()
    if not ref:
        print("api-changes: no previous commit to compare with (shallow or first commit)")
        return 0
    short = git("rev-parse", "--short", ref) or ref
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "griffe",
            "check",
            "fastagent",
            "--search",
            "src",
            "--against",
            ref,
            "--format",
            "oneline",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr  # griffe writes its findings to stderr
    changes = [m for line in output.splitlines() if (m := LINE.match(line.strip()))]
    if done.returncode not in (0, 1) or (done.returncode == 1 and not changes):
        print(f"api-changes: griffe check failed:\n{output}", file=sys.stderr)
        return 2
    listed_text = unreleased((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    print(f"== breaking changes to the public API since {short}: {len(changes)}")
    unlisted = 0
    for change in changes:
        names = names_for(change["file"], change["object"])
        listed = any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", listed_text) for n in names)
        unlisted += not listed
        mark = "listed" if listed else "NOT IN CHANGELOG"
        print(f"  [{mark}] {change['file']}: {change['object']}: {change['message']}")
    if unlisted:
        print(f"== {unlisted} breaking change(s) not listed in CHANGELOG.md (Unreleased)")
    return 1 if args.strict and unlisted else 0


if __name__ == "__main__":
    sys.exit(main())

"""Commands that are durable by themselves, without the durable extra: the command is named.

``fastagent batch``, ``worker`` and ``durable`` turn durability on without a ``durable:``
section, so the error must not blame one (nor tell the user to remove it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

APP = "from fastagent import FastAgent\nfast = FastAgent('a')\nfast.agent('a', 'x')\n"


@pytest.fixture
def no_dbos(tmp_path: Path) -> str:
    """A folder for PYTHONPATH whose ``dbos`` fails to import, as when it is not installed."""
    blocker = tmp_path / "blocker" / "dbos"
    blocker.mkdir(parents=True)
    blocker.joinpath("__init__.py").write_text("raise ImportError('dbos is not installed')\n")
    return str(blocker.parent)


@pytest.mark.parametrize(
    ("args", "command", "hint"),
    [
        (
            ["batch", "app.py", "rows.jsonl", "-o", "out.jsonl"],
            "fastagent batch",
            "pip install 'fastagent[durable]', or run without durability: --no-durable",
        ),
        (["worker", "app.py"], "fastagent worker", "pip install 'fastagent[durable]'"),
        (["durable", "list"], "fastagent durable", "pip install 'fastagent[durable]'"),
    ],
)
def test_the_command_not_a_durable_section_is_named(
    run_cli: Any, project: Path, no_dbos: str, args: list[str], command: str, hint: str
) -> None:
    project.joinpath("app.py").write_text(APP)
    project.joinpath("rows.jsonl").write_text('{"id": "1", "prompt": "hi"}\n')
    result = run_cli(*args, PYTHONPATH=no_dbos)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"error: {command} needs the dbos package (the durable extra), which is not installed\n"
        f"hint: {hint}\n"
    )
    assert not (project / ".fastagent").exists()


def test_a_batch_without_durability_runs_without_the_extra(
    run_cli: Any, project: Path, no_dbos: str
) -> None:
    project.joinpath("app.py").write_text(APP)
    project.joinpath("rows.jsonl").write_text('{"id": "1", "prompt": "hi"}\n')
    result = run_cli(
        "batch", "app.py", "rows.jsonl", "-o", "out.jsonl", "--no-durable", PYTHONPATH=no_dbos
    )
    assert result.returncode == 0, result.stderr
    assert '"id": "1"' in project.joinpath("out.jsonl").read_text()

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fastagent.cli.commands.setup import STARTER_FILES, ensure_gitignored, scaffold
from fastagent.cli.main import main
from fastagent.config import load_config
from fastagent.exceptions import UserError

AGENT_PY = '''"""A starter fastagent agent. Run: python agent.py"""
import asyncio
from fastagent import FastAgent

fast = FastAgent("starter")

@fast.agent(instruction="You are a helpful assistant.")
async def main() -> None:
    async with fast.run() as app:
        print(await app.send("Hello from fastagent!"))

if __name__ == "__main__":
    asyncio.run(main())
'''


def test_setup_creates_the_starter_project(run_cli: Any, project: Path) -> None:
    result = run_cli("setup", "my-agent")
    assert result.returncode == 0, result.stderr
    target = project / "my-agent"
    assert sorted(p.name for p in target.iterdir()) == sorted([*STARTER_FILES, ".gitignore"])
    assert (target / "agent.py").read_text(encoding="utf-8") == AGENT_PY
    assert (target / ".gitignore").read_text(encoding="utf-8") == "fastagent.secrets.yaml\n"
    for name in (*STARTER_FILES, ".gitignore"):
        assert name in result.stdout
    assert "Next: cd my-agent && python agent.py" in result.stdout
    assert result.stderr == ""


def test_setup_defaults_to_the_working_directory(run_cli: Any, project: Path) -> None:
    result = run_cli("setup", "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert all((project / name).is_file() for name in STARTER_FILES)


def test_setup_refuses_to_overwrite(run_cli: Any, project: Path) -> None:
    (project / "agent.py").write_text("# mine\n", encoding="utf-8")
    (project / "fastagent.yaml").write_text("default_model: sonnet\n", encoding="utf-8")
    result = run_cli("setup")
    assert result.returncode == 1
    first, hint = result.stderr.splitlines()
    assert first.startswith("error: refusing to overwrite")
    assert "fastagent.yaml" in first and "agent.py" in first
    assert "fastagent.secrets.yaml" not in first
    assert hint.startswith("hint:") and "--force" in hint
    assert "Traceback" not in result.stderr
    assert (project / "agent.py").read_text(encoding="utf-8") == "# mine\n"
    assert not (project / "fastagent.secrets.yaml").exists()


def test_force_overwrites(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "agent.py").write_text("# mine\n", encoding="utf-8")
    assert main(["setup", str(project), "--force", "--no-color"]) == 0
    assert (project / "agent.py").read_text(encoding="utf-8") == AGENT_PY
    assert "agent.py                a starter agent (overwritten)" in capsys.readouterr().out


def test_gitignore_entry_is_added_once(project: Path) -> None:
    (project / ".gitignore").write_text("*.pyc\n.venv", encoding="utf-8")
    first = scaffold(project)
    second = scaffold(project, force=True)
    assert (first.gitignore, second.gitignore) == ("updated", "unchanged")
    assert (project / ".gitignore").read_text(encoding="utf-8") == (
        "*.pyc\n.venv\nfastagent.secrets.yaml\n"
    )


@pytest.mark.parametrize("line", ["fastagent.secrets.yaml", "/fastagent.secrets.yaml  "])
def test_existing_gitignore_entry_is_recognised(tmp_path: Path, line: str) -> None:
    original = f"build/\n{line}\n"
    (tmp_path / ".gitignore").write_text(original, encoding="utf-8")
    assert ensure_gitignored(tmp_path, "fastagent.secrets.yaml") == "unchanged"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == original


def test_setup_into_a_file_is_a_user_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("", encoding="utf-8")
    with pytest.raises(UserError, match=r"notes\.txt exists and is not a directory") as info:
        scaffold(target)
    assert info.value.hint


def test_nested_directory_is_created(tmp_path: Path) -> None:
    result = scaffold(tmp_path / "a" / "b")
    assert result.directory == (tmp_path / "a" / "b").resolve()
    assert result.written == list(STARTER_FILES) and result.overwritten == []


def test_generated_config_loads(project: Path) -> None:
    scaffold(project)
    loaded = load_config(cwd=project, env={}, user_config_dir=project / "no-user-config")
    assert loaded.config_file == project / "fastagent.yaml"
    assert loaded.secrets_file == project / "fastagent.secrets.yaml"
    assert loaded.settings.default_model == "passthrough"
    assert loaded.settings.mcp.servers == {}
    assert loaded.settings.anthropic.api_key is None


def uncomment_block(text: str, first_line: str) -> str:
    """Uncomment `first_line` and the indented comment lines right after it."""
    lines = text.splitlines()
    start = lines.index(first_line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("#   "):
        end += 1
    lines[start:end] = [line[2:] for line in lines[start:end]]
    return "\n".join(lines) + "\n"


def test_the_commented_examples_are_valid_once_uncommented(project: Path) -> None:
    scaffold(project)
    config = project / "fastagent.yaml"
    config.write_text(uncomment_block(config.read_text("utf-8"), "# mcp:"), encoding="utf-8")
    secrets = project / "fastagent.secrets.yaml"
    text = uncomment_block(secrets.read_text("utf-8"), "# openai:")
    secrets.write_text(text.replace("<your OpenAI API key>", "sk-test"), encoding="utf-8")

    loaded = load_config(cwd=project, env={}, user_config_dir=project / "no-user-config")
    server = loaded.settings.mcp.servers["everything"]
    assert (server.transport, server.command) == ("stdio", "npx")
    assert server.args == ["-y", "@modelcontextprotocol/server-everything"]
    assert loaded.settings.openai.api_key is not None
    assert loaded.sources["openai.api_key"] == "secrets"


def test_agent_template_is_valid_python(project: Path) -> None:
    scaffold(project)
    compile((project / "agent.py").read_text(encoding="utf-8"), "agent.py", "exec")

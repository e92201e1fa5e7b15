"""Small things a new user trips over: model typos, and hints a pip user can follow."""

from __future__ import annotations

from pathlib import Path

from .conftest import CliRunner


def test_model_typo_suggestions_are_distinct(run_cli: CliRunner) -> None:
    result = run_cli("go", "--model", "gpt4o", "-m", "hi")
    assert result.returncode == 1
    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint: "))
    suggested = hint.removeprefix("hint: did you mean ").split("?")[0].split(" or ")
    assert suggested[0] == "gpt-4o"
    assert len(suggested) == len(set(suggested)), hint
    followed = run_cli("go", "--model", "gpt-4o", "-m", "hi")
    assert "unknown model" not in followed.stderr


def test_reasoning_level_typo_gets_a_suggestion(run_cli: CliRunner) -> None:
    result = run_cli("go", "--model", "o3.hihg", "-m", "hi")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: model 'o3.hihg': unknown reasoning level 'hihg'",
        "hint: did you mean o3.high? levels: minimal, low, medium, high",
    ]
    followed = run_cli("go", "--model", "o3.high", "-m", "hi")
    # The model is now known (o3 is served by the Responses API, ADR 0015); what is missing
    # is the key (no network is touched).
    assert followed.stderr.splitlines() == [
        "error: no API key for provider 'responses'",
        "hint: set OPENAI_API_KEY, or openai.api_key in fastagent.secrets.yaml",
    ]


def test_config_hints_point_at_commands_not_repository_docs(
    run_cli: CliRunner, project: Path
) -> None:
    (project / "fastagent.yaml").write_text("logger:\n  levl: debug\n", encoding="utf-8")
    result = run_cli("config", "validate")
    assert result.returncode == 1
    assert "docs/" not in result.stderr
    assert "hint: fix the keys named above; fastagent config show lists every setting" in (
        result.stderr
    )
    (project / "fastagent.yaml").write_text("logger:\n  level: debug\n", encoding="utf-8")
    shown = run_cli("config", "show")
    assert shown.returncode == 0
    assert any(
        line.split()[:2] == ["logger.level", '"debug"'] for line in shown.stdout.splitlines()
    )
    (project / "fastagent.yaml").write_text("agents:\n  a:\n    modle: x\n", encoding="utf-8")
    agents = run_cli("config", "validate")
    assert agents.returncode == 1 and "docs/" not in agents.stderr

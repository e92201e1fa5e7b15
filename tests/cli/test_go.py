from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastagent.agents.model_choice import FALLBACK_NOTICE
from fastagent.cli.commands import COMMAND_MODULES

from ..conftest import without_progress
from .conftest import CliRunner, clean_env


def _chat(project: Path, home: Path, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``fastagent go ARGS`` in `project` with `lines` typed on standard input."""
    return subprocess.run(
        [sys.executable, "-m", "fastagent", "go", *args],
        cwd=project,
        env=clean_env(home),
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_one_shot_prints_the_reply_and_notes_the_fallback(run_cli: CliRunner) -> None:
    result = run_cli("go", "-m", "hello there")
    assert (result.returncode, result.stdout) == (0, "hello there\n"), result.stderr
    assert without_progress(result.stderr) == FALLBACK_NOTICE + "\n"


def test_quiet_and_model_silence_the_notice(run_cli: CliRunner) -> None:
    quiet = run_cli("go", "--message", "hi", "--quiet")
    assert (quiet.returncode, quiet.stdout, without_progress(quiet.stderr)) == (0, "hi\n", "")
    chosen = run_cli("go", "--model", "passthrough", "-m", "hi")
    assert (chosen.returncode, chosen.stdout, without_progress(chosen.stderr)) == (0, "hi\n", "")


def test_prompt_file_sends_the_file_text(run_cli: CliRunner, project: Path) -> None:
    (project / "task.md").write_text("Summarize\nthis file.\n", encoding="utf-8")
    result = run_cli("go", "--prompt-file", "task.md", "--quiet")
    assert (result.returncode, result.stdout) == (0, "Summarize\nthis file.\n\n"), result.stderr


def test_missing_prompt_file_is_a_clean_error(run_cli: CliRunner) -> None:
    result = run_cli("go", "--prompt-file", "missing.md")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot read --prompt-file missing.md: ")
    assert "hint: pass the path of a UTF-8 text file" in result.stderr


def test_message_and_prompt_file_exclude_each_other(run_cli: CliRunner) -> None:
    result = run_cli("go", "-m", "a", "--prompt-file", "b")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_chat_loop_over_stdin(project: Path, tmp_path: Path) -> None:
    result = _chat(project, tmp_path, "one\n\ntwo\n/exit\nnever sent\n", "--quiet")
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (
        0,
        "one\ntwo\n",
        "",
    )


def test_agent_from_config_is_used(run_cli: CliRunner, project: Path) -> None:
    (project / "fastagent.yaml").write_text(
        "agents:\n  helper:\n    instruction: Help.\n    model: passthrough\n", encoding="utf-8"
    )
    result = run_cli("go", "--agent", "helper", "-m", "hi")
    # helper names its own model, so nothing falls back to the built-in default
    outcome = (result.returncode, result.stdout, without_progress(result.stderr))
    assert outcome == (0, "hi\n", "")
    refused = run_cli("go", "--agent", "helper", "--instruction", "Other.", "-m", "hi")
    assert refused.returncode == 1
    assert "error: agent 'helper' is declared in fastagent.yaml" in refused.stderr
    assert "hint: edit agents.helper in fastagent.yaml" in refused.stderr


_TWO_AGENTS = """\
agents:
  draft:
    instruction: Draft.
    model: passthrough
  polished_post:
    type: chain
    sequence: [draft]
    default: true
"""


def test_go_talks_to_the_declared_default_agent(run_cli: CliRunner, project: Path) -> None:
    (project / "fastagent.yaml").write_text(_TWO_AGENTS, encoding="utf-8")
    result = run_cli("go", "-m", "hi")
    # The chain over draft answered: its model is passthrough, so nothing falls back.
    outcome = (result.returncode, result.stdout, without_progress(result.stderr))
    assert outcome == (0, "hi\n", "")


def test_unknown_agent_is_an_error_with_did_you_mean(run_cli: CliRunner, project: Path) -> None:
    (project / "fastagent.yaml").write_text(_TWO_AGENTS, encoding="utf-8")
    result = run_cli("go", "--agent", "polishd_post", "-m", "hi")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "error: unknown agent 'polishd_post' (agents: draft, polished_post)",
        "hint: did you mean 'polished_post'? to define a new agent named 'polishd_post', "
        "also pass --instruction TEXT",
    ]
    # Following the hint's second half defines the agent.
    defined = run_cli("go", "--agent", "polishd_post", "--instruction", "Be brief.", "-m", "ok")
    assert (defined.returncode, defined.stdout) == (0, "ok\n"), defined.stderr
    (project / "fastagent.yaml").unlink()
    nothing_declared = run_cli("go", "--agent", "helper", "-m", "hi")
    assert nothing_declared.returncode == 1
    assert nothing_declared.stderr.splitlines() == [
        "error: unknown agent 'helper' (the config declares no agents)",
        "hint: to define a new agent named 'helper', also pass --instruction TEXT",
    ]


def test_named_go_agent_and_unknown_server(run_cli: CliRunner) -> None:
    named = run_cli("go", "--agent", "mine", "--instruction", "Be brief.", "-m", "ok", "-q")
    assert (named.returncode, named.stdout) == (0, "ok\n"), named.stderr
    result = run_cli("go", "--servers", "fetch, time", "-m", "hi")
    assert result.returncode == 1
    # The names came from --servers, so the error names the flag (see test_hints.py).
    assert result.stderr.splitlines() == [
        "error: --servers: unknown MCP server 'fetch' (configured: none)",
        "hint: --servers names servers declared under mcp.servers (no config file); "
        "--url, --npx or --uvx add one for this run",
    ]


def test_unknown_model_is_a_clean_error(run_cli: CliRunner) -> None:
    result = run_cli("go", "--model", "no-such-model", "-m", "hi")
    assert result.returncode == 1
    assert "error: unknown model 'no-such-model'" in result.stderr
    assert "Traceback" not in result.stderr


def test_provider_failure_is_a_clean_error(run_cli: CliRunner) -> None:
    result = run_cli("go", "-q", "-m", "***RAISE ProviderServerError upstream down")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("error: upstream down\n")


def test_go_is_listed_and_its_module_imports_only_the_standard_library(
    run_cli: CliRunner, run_python: CliRunner
) -> None:
    assert "go " in run_cli("--help").stdout
    probe = run_python(
        "import sys, fastagent.cli.commands.go\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'rich')"
        " or m.startswith(('fastagent.agents', 'fastagent.config', 'asyncio'))]\n"
        "print(heavy)"
    )
    assert probe.stdout.strip() == "[]", probe.stderr


# What a passthrough one-shot never needs: MCP, provider SDKs, durability, tracing, serving,
# the HTTP stack, and of our own code the modules that only servers, other providers,
# workflows and history files use. A module list, not a timing (docs/benchmarks.md times it).
_NOT_IN_A_ONE_SHOT = (
    "mcp",
    "anthropic",
    "openai",
    "google",
    "boto3",
    "botocore",
    "azure",
    "dbos",
    "sqlalchemy",
    "opentelemetry",
    "httpx",
    "anyio",
    "uvicorn",
    "starlette",
    "prompt_toolkit",
    "dotenv",
    "fastagent.mcp.registry",
    "fastagent.mcp.connection",
    "fastagent.durable",
    "fastagent.telemetry",
    "fastagent.serve",
    "fastagent.scenarios",
    "fastagent.providers.anthropic",
    "fastagent.providers.openai",
    "fastagent.providers.google",
    "fastagent.providers.bedrock",
    "fastagent.agents.workflows.chain",
    "fastagent.agents.workflows.declarations",
    "fastagent.history.json_format",
    "fastagent.history.yaml_format",
    "fastagent.history.text_format",
    # Only the invoked command is imported and registered.
    *(f"fastagent.cli.commands.{name}" for name in COMMAND_MODULES if name != "go"),
)


def test_a_passthrough_one_shot_imports_only_what_it_uses(
    run_python: CliRunner, project: Path
) -> None:
    listing = project / "modules.txt"
    result = run_python(
        "import sys\n"
        "from fastagent.cli.main import main\n"
        "code = main(['go', '--model', 'passthrough', '-m', 'hi'])\n"
        "open(sys.argv[1], 'w').write('\\n'.join(sorted(sys.modules)))\n"
        "sys.exit(code)\n",
        str(listing),
    )
    assert (result.returncode, result.stdout) == (0, "hi\n"), result.stderr
    modules = set(listing.read_text().split())
    assert "fastagent.providers.passthrough" in modules  # the probe saw the whole run
    assert list(project.glob(".fastagent/sessions/*/history.jsonl"))  # and its session
    loaded = sorted(
        m for m in modules if any(m == n or m.startswith(n + ".") for n in _NOT_IN_A_ONE_SHOT)
    )
    assert loaded == []


def test_a_chat_command_given_an_argument_it_does_not_take_says_so(
    project: Path, tmp_path: Path
) -> None:
    """`/model sonnet` used to print the model and keep it: refused, and the hint works."""

    def chat(*args: str, lines: str) -> subprocess.CompletedProcess[str]:
        return _chat(project, tmp_path, lines, *args)

    playback = project / "reply.json"
    from fastagent.history import save_history
    from fastagent.messages import Message

    save_history(playback, [Message.user("q"), Message.assistant("played back")])
    first = chat("--model", "passthrough", lines="plan a trip\n/model playback\n/exit\n")
    assert first.returncode == 0, first.stderr
    assert "error: /model takes no argument (got 'playback')" in first.stderr
    hint = next(line for line in first.stderr.splitlines() if line.startswith("hint: "))
    assert "fastagent go --model MODEL --resume" in hint
    # Follow the hint: leave, and continue the conversation on the other model.
    again = chat("--model", f"playback?file={playback}", "--resume", lines="next\n/model\n")
    assert again.returncode == 0, again.stderr
    assert "played back" in again.stdout
    assert f"agent: playback?file={playback}" in again.stdout


def test_a_chat_without_servers_hints_at_servers_and_the_hint_works(
    project: Path, tmp_path: Path
) -> None:
    units = Path(__file__).resolve().parents[2] / "examples" / "units_server.py"
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n      command: {sys.executable}\n      args: ['{units}']\n",
        encoding="utf-8",
    )

    def chat(*args: str) -> subprocess.CompletedProcess[str]:
        return _chat(project, tmp_path, "/prompts\n/tools\n", "--model", "passthrough", *args)

    bare = chat()
    assert "error: agent 'agent' has no MCP servers, so it cannot list prompts" in bare.stderr
    assert (
        "hint: leave with /exit and start the chat with servers: fastagent go --servers NAME"
        in (bare.stderr)
    )
    followed = chat("--servers", "units")
    assert followed.returncode == 0, followed.stderr
    assert "error:" not in followed.stderr, followed.stderr
    assert "agent has no prompts" in followed.stdout
    assert "units__km_to_miles" in followed.stdout


def test_configured_servers_none_attached_get_one_notice_and_its_hint_works(
    run_cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    """Without --servers the model saw only "no tools are available"; now the user is told."""
    units = Path(__file__).resolve().parents[2] / "examples" / "units_server.py"
    server = f"      command: {sys.executable}\n      args: ['{units}']\n"
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n{server}    metric:\n{server}", encoding="utf-8"
    )
    notice = (
        "2 MCP servers are configured (units, metric) but none is attached; "
        "attach them with --servers units,metric"
    )
    one_shot = run_cli("go", "--model", "passthrough", "-m", "hi")
    assert (one_shot.returncode, one_shot.stdout) == (0, "hi\n"), one_shot.stderr
    assert without_progress(one_shot.stderr) == notice + "\n"
    quiet = run_cli("go", "--model", "passthrough", "-m", "hi", "-q")
    assert (quiet.returncode, without_progress(quiet.stderr)) == (0, "")

    def chat(*args: str) -> subprocess.CompletedProcess[str]:
        return _chat(project, tmp_path, "/tools\n/exit\n", "--model", "passthrough", *args)

    bare = chat()
    assert bare.returncode == 0, bare.stderr
    assert without_progress(bare.stderr).splitlines().count(notice) == 1
    # Follow the hint: both servers attached, their tools listed, no notice.
    followed = chat("--servers", "units,metric")
    assert followed.returncode == 0, followed.stderr
    assert notice not in followed.stderr
    assert "units__km_to_miles" in followed.stdout
    assert "metric__km_to_miles" in followed.stdout


def test_a_config_agent_with_its_own_servers_gets_no_unattached_notice(
    run_cli: CliRunner, project: Path
) -> None:
    units = Path(__file__).resolve().parents[2] / "examples" / "units_server.py"
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n      command: {sys.executable}\n"
        f"      args: ['{units}']\n"
        "agents:\n  helper:\n    instruction: Help.\n    model: passthrough\n"
        "    servers: [units]\n    default: true\n",
        encoding="utf-8",
    )
    result = run_cli("go", "-m", "hi")
    outcome = (result.returncode, result.stdout, without_progress(result.stderr))
    assert outcome == (0, "hi\n", "")

"""Real scripts in subprocesses: CLI flags of any script, the examples, the setup template."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastagent.agents.model_choice import FALLBACK_NOTICE
from fastagent.cli.commands.setup import scaffold
from process_helpers import run_offline

from ..conftest import without_progress

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from fastagent import FastAgent

    fast = FastAgent("script")

    @fast.tool
    def shout(text: str) -> str:
        return text.upper()

    @fast.agent("first", "First.", tools=[shout])
    @fast.agent("second", "Second.", model="passthrough.second")
    async def main() -> None:
        async with fast.run() as app:
            print("body ran:", await app.send("from body"), app.default.model)

    if __name__ == "__main__":
        asyncio.run(main())
    """
)


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_offline(argv, cwd)


def test_script_body_runs_without_flags(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(["agent.py"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "body ran: from body passthrough\n"
    assert without_progress(result.stderr) == FALLBACK_NOTICE + "\n"


def test_message_agent_model_and_quiet_flags(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(
        ["agent.py", "--agent", "first", "--message", '***CALL_TOOL shout {"text": "hey"}'],
        project,
    )
    assert (result.returncode, result.stdout) == (0, "HEY\n"), result.stderr
    assert FALLBACK_NOTICE in result.stderr
    quiet = run(["agent.py", "--agent", "second", "--message", "hi", "--quiet"], project)
    assert (quiet.returncode, quiet.stdout, without_progress(quiet.stderr)) == (0, "hi\n", "")
    # --model wins over every agent's own model, so nothing falls back
    forced = run(["agent.py", "--model", "passthrough.cli", "--message", "x"], project)
    assert (forced.returncode, forced.stdout, without_progress(forced.stderr)) == (0, "x\n", "")


def test_unknown_agent_flag_is_a_clean_error(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(["agent.py", "--agent", "thrid", "--message", "hi", "--quiet"], project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error: invalid agent graph (1 problem(s)):" in result.stderr
    assert "--agent 'thrid' names no agent (agents: first, second)" in result.stderr
    assert "Traceback" not in result.stderr


def test_hello_example(project: Path) -> None:
    result = run([str(EXAMPLES / "hello.py"), "--message", "Hi there", "--quiet"], project)
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (
        0,
        "Hi there\n",
        "",
    )


def test_hello_example_chats_over_stdin(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "hello.py"), "--quiet"],
        cwd=project,
        input="first\nsecond\n/exit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "first\nsecond\n"), result.stderr


def test_tools_example_runs_offline(project: Path) -> None:
    result = run([str(EXAMPLES / "tools.py")], project)
    assert result.returncode == 0, result.stderr
    # The third answer comes from units_server.py, an MCP server started as a subprocess.
    assert result.stdout == "Sunny and 22°C in Paris\n71.6\n26.22\nmodel calls: 6\n"
    call = '***CALL_TOOL get_weather {"city": "Oslo"}'
    one_shot = run([str(EXAMPLES / "tools.py"), "--message", call], project)
    assert (one_shot.returncode, one_shot.stdout) == (0, "Sunny and 22°C in Oslo\n")


def test_setup_template_runs(project: Path) -> None:
    scaffold(project)
    result = run(["agent.py"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fastagent!\n"


# -- errors and flags of a script, as the CLI shows them (issue 12, items 5 and 6) ------------

FAILING = textwrap.dedent(
    """
    import asyncio
    from fastagent import FastAgent

    fast = FastAgent("script")

    @fast.agent("writer", "Write.", model=MODEL)
    WORKFLOW
    async def main() -> None:
        async with fast.run() as app:
            print("reply:", await BODY)

    if __name__ == "__main__":
        asyncio.run(main())
    """
)


def failing_script(
    project: Path,
    body: str = 'app.send("hi")',
    *,
    model: str = "passthrough",
    workflow: str = "",
) -> str:
    text = FAILING.replace("MODEL", repr(model)).replace("WORKFLOW", workflow)
    (project / "agent.py").write_text(text.replace("BODY", body), encoding="utf-8")
    return "agent.py"


UNKNOWN_AGENT = "error: unknown agent 'wrtier' (agents: writer)\nhint: did you mean 'writer'?\n"


@pytest.mark.parametrize("body", ['app.wrtier.send("hi")', 'app["wrtier"].send("hi")'])
def test_unknown_agent_in_the_body_is_error_and_hint_without_traceback(
    project: Path, body: str
) -> None:
    result = run([failing_script(project, body)], project)
    assert (result.returncode, result.stdout) == (1, "")
    assert without_progress(result.stderr) == UNKNOWN_AGENT


def test_graph_error_is_error_and_hint(project: Path) -> None:
    chain = '@fast.chain("post", sequence=["writer", "editr"])'
    result = run([failing_script(project, workflow=chain)], project)
    assert (result.returncode, result.stdout) == (1, "")
    assert without_progress(result.stderr) == (
        "error: invalid agent graph (1 problem(s)):\n"
        "  - chain 'post' uses unknown agent 'editr'\n"
        "hint: fix the agent names and workflow members listed above\n"
    )


@pytest.mark.parametrize("flags", [[], ["-m", "hi"]], ids=["body", "message"])
def test_missing_api_key_is_error_and_hint(project: Path, flags: list[str]) -> None:
    result = run([failing_script(project, model="sonnet"), *flags], project)
    assert (result.returncode, result.stdout) == (1, "")
    assert without_progress(result.stderr) == (
        "error: no API key for provider 'anthropic'\n"
        "hint: set ANTHROPIC_API_KEY, or anthropic.api_key in fastagent.secrets.yaml\n"
    )


@pytest.mark.parametrize("verbose", ["-v", "--verbose"])
def test_verbose_shows_the_traceback_then_error_and_hint(project: Path, verbose: str) -> None:
    result = run([failing_script(project, 'app.wrtier.send("hi")'), verbose], project)
    assert (result.returncode, result.stdout) == (1, "")
    stderr = without_progress(result.stderr)
    assert stderr.startswith("Traceback (most recent call last):\n")
    assert "fastagent.exceptions.UnknownAgentError: unknown agent 'wrtier'" in stderr
    assert stderr.endswith(UNKNOWN_AGENT)


def test_an_error_of_the_app_constructor_is_error_and_hint(project: Path) -> None:
    # FastAgent(...) itself refuses its arguments: the script's error display is already on.
    (project / "agent.py").write_text(
        textwrap.dedent(
            """
            from fastagent import FastAgent
            from fastagent.config import Settings

            fast = FastAgent("both", settings=Settings(), config_path="fastagent.yaml")
            """
        ),
        encoding="utf-8",
    )
    result = run(["agent.py"], project)
    assert (result.returncode, result.stdout) == (1, "")
    assert without_progress(result.stderr) == (
        "error: FastAgent('both') got both settings and config_path\n"
        "hint: pass ready settings, or config_path to load them with\n"
    )


def test_an_exception_of_the_scripts_own_keeps_pythons_traceback(project: Path) -> None:
    result = run([failing_script(project, "asyncio.sleep(1 / 0)")], project)
    assert result.returncode == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert result.stderr.endswith("ZeroDivisionError: division by zero\n")
    assert "error:" not in result.stderr


SCRIPT_FLAGS = (
    "-m/--message, -q/--quiet, -a/--agent, --model, -v/--verbose, -h/--help; "
    "put its own arguments after --"
)


@pytest.mark.parametrize(
    ("flag", "guess"),
    [("--mesage", "did you mean '--message'? "), ("--agnet", "did you mean '--agent'? ")],
)
def test_unknown_flag_is_refused_before_anything_runs(project: Path, flag: str, guess: str) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(["agent.py", flag, "hi"], project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: agent.py: unknown flag '{flag}'\nhint: {guess}a script takes {SCRIPT_FLAGS}\n"
    )


def test_short_flags_of_go(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(
        ["agent.py", "-a", "first", "-q", "-m", '***CALL_TOOL shout {"text": "hey"}'], project
    )
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (0, "HEY\n", "")
    forced = run(["agent.py", "--model", "passthrough.cli", "-qm", "x"], project)
    assert (forced.returncode, forced.stdout, without_progress(forced.stderr)) == (0, "x\n", "")


def fastagent_run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(["-m", "fastagent", "run", *argv], cwd)


def test_fastagent_run_passes_every_flag_to_the_script(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = fastagent_run(["agent.py", "-q", "-a", "second", "-m", "hi"], project)
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (0, "hi\n", "")
    typo = fastagent_run(["agent.py", "-q", "--mesage", "hi"], project)
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == (
        "error: agent.py: unknown flag '--mesage'\n"
        f"hint: did you mean '--message'? a script takes {SCRIPT_FLAGS}\n"
    )


def test_fastagent_run_shows_a_script_error_as_python_would(project: Path) -> None:
    script = failing_script(project, 'app.wrtier.send("hi")')
    result = fastagent_run([script], project)
    assert (result.returncode, result.stdout) == (1, "")
    assert without_progress(result.stderr) == UNKNOWN_AGENT
    verbose = fastagent_run([script, "-v"], project)
    assert verbose.returncode == 1
    stderr = without_progress(verbose.stderr)
    assert stderr.startswith("Traceback (most recent call last):\n")
    assert stderr.endswith(UNKNOWN_AGENT)


OWN_FLAGS = textwrap.dedent(
    """
    import argparse
    import asyncio
    from fastagent import FastAgent

    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", default="nothing")
    mine, rest = parser.parse_known_args()
    fast = FastAgent("own", argv=rest)

    @fast.agent("writer", "Write.")
    async def main() -> None:
        async with fast.run() as app:
            print(await app.send(f"about {mine.topic}"))

    if __name__ == "__main__":
        asyncio.run(main())
    """
)


def test_a_script_with_flags_of_its_own_hands_the_rest_over(project: Path) -> None:
    (project / "agent.py").write_text(OWN_FLAGS, encoding="utf-8")
    result = run(["agent.py", "--topic", "MCP", "-q"], project)
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (
        0,
        "about MCP\n",
        "",
    )
    one_shot = run(["agent.py", "--topic", "MCP", "-m", "direct", "-q"], project)
    assert (one_shot.returncode, one_shot.stdout) == (0, "direct\n"), one_shot.stderr
    typo = run(["agent.py", "--topic", "MCP", "--qiuet"], project)
    assert typo.returncode == 2
    assert typo.stderr.startswith("error: agent.py: unknown flag '--qiuet'\n")


def test_arguments_after_double_dash_and_plain_arguments_are_the_scripts(project: Path) -> None:
    text = SCRIPT.replace('print("body ran:"', 'import sys; print(sys.argv[1:]); print("body ran:"')
    (project / "agent.py").write_text(text, encoding="utf-8")
    result = run(["agent.py", "notes.txt", "-q", "--", "--topic", "-m"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "['notes.txt', '-q', '--', '--topic', '-m']\nbody ran: from body passthrough\n"
    )


def test_parse_cli_args_false_reads_no_flags(project: Path) -> None:
    text = SCRIPT.replace('FastAgent("script")', 'FastAgent("script", parse_cli_args=False)')
    (project / "agent.py").write_text(text, encoding="utf-8")
    result = run(["agent.py", "--anything", "-m", "ignored"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "body ran: from body passthrough\n"


def test_a_script_imported_by_the_users_main_file_reads_its_flags(project: Path) -> None:
    # python main.py importing agent.py: the command line is still the user's.
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    (project / "main.py").write_text(
        "import asyncio, agent\nasyncio.run(agent.main())\n", encoding="utf-8"
    )
    answered = run(["main.py", "-q", "-m", "hello"], project)
    assert (answered.returncode, answered.stdout) == (0, "hello\n"), answered.stderr
    typo = run(["main.py", "--mesage", "hello"], project)
    assert typo.returncode == 2
    assert "unknown flag '--mesage'" in typo.stderr
    assert "did you mean '--message'?" in typo.stderr


def test_a_test_runner_importing_the_script_owns_the_command_line(project: Path) -> None:
    # pytest's own -m (a marker) and -x must not become the script's message or an error.
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    (project / "test_agent.py").write_text(
        "import asyncio, agent\n\ndef test_body() -> None:\n    asyncio.run(agent.main())\n",
        encoding="utf-8",
    )
    argv = ["-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider", "-s"]
    result = run([*argv, "test_agent.py"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "body ran: from body passthrough" in result.stdout
    assert "1 passed" in result.stdout

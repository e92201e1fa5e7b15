"""An orchestrator: a model plans steps over worker agents, runs them, and writes the answer.

Runs offline: the planner replays the plan and answer recorded in orchestrator.playback.md
and the workers answer with fixed texts. Pass ``--model sonnet`` (with an API key) to plan
and work with a real model instead.

    python orchestrator.py
    python orchestrator.py --message "Write a short note on what MCP is and why it matters."
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

from fastagent import FastAgent

PLANNER_SCRIPT = quote(str(Path(__file__).with_name("orchestrator.playback.md")))

fast = FastAgent("orchestrator")

fast.agent(
    "researcher",
    "You find facts and report them briefly.",
    model="passthrough?fixed_response=MCP is an open protocol connecting models to tools.",
)
fast.agent(
    "critic",
    "You point out risks and weaknesses.",
    model="passthrough?fixed_response=Tools can act on real systems; limit them.",
)
fast.agent(
    "writer",
    "You write clear, short texts.",
    model="passthrough?fixed_response=MCP connects models to tools; use it with care.",
)
fast.orchestrator(
    "editor",
    agents=["researcher", "critic", "writer"],
    model=f"playback?file={PLANNER_SCRIPT}",
    default=True,
)


async def main() -> None:
    async with fast.run() as app:
        result = await app.editor.run("Write a short note on what MCP is and why it matters.")
        answer = result.reply.text
        for number, step in enumerate(result.steps, 1):
            print(f"step {number}: {step.step.description}")
            for result in step.results:
                print(f"  {result.task.agent}: {result.output}")
        print(answer)


if __name__ == "__main__":
    asyncio.run(main())

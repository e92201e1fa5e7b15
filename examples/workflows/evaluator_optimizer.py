"""An evaluator-optimizer: a writer drafts, a critic rates, the writer refines until GOOD.

Runs offline: the writer and the critic replay the turns recorded in
evaluator_optimizer.writer.md and evaluator_optimizer.critic.md (the critic's turns are the
structured ratings). Pass ``--model sonnet`` (with an API key) to run it on a real model.

    python evaluator_optimizer.py
    python evaluator_optimizer.py --message "Write a one-line slogan for a bakery."
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

from fastagent import FastAgent

HERE = Path(__file__).parent
WRITER_SCRIPT = quote(str(HERE / "evaluator_optimizer.writer.md"))
CRITIC_SCRIPT = quote(str(HERE / "evaluator_optimizer.critic.md"))

fast = FastAgent("evaluator_optimizer")

fast.agent("writer", "You write short, vivid slogans.", model=f"playback?file={WRITER_SCRIPT}")
fast.agent(
    "critic",
    "You rate slogans: EXCELLENT, GOOD, FAIR or POOR, with one line of feedback.",
    model=f"playback?file={CRITIC_SCRIPT}",
)


@fast.evaluator_optimizer(
    "slogan", generator="writer", evaluator="critic", min_rating="GOOD", default=True
)
async def main() -> None:
    async with fast.run() as app:
        result = await app.slogan.run("Write a one-line slogan for a bakery.")
        print(result.reply.text)
        for number, step in enumerate(result.rounds, start=1):
            print(f"  draft {number}: {step.response.text} -> {step.evaluation.rating}")


if __name__ == "__main__":
    asyncio.run(main())

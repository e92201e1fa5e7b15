"""The evaluator-optimizer workflow: a generator drafts, an evaluator rates, the draft improves.

The generator answers the request; the evaluator rates the answer with structured output (an
`Evaluation`: rating ``EXCELLENT``/``GOOD``/``FAIR``/``POOR``, feedback, needs_improvement).
Until a rating reaches ``min_rating`` (and at most ``max_refinements`` times) the generator
is sent the request, its previous answer and the feedback, and the new answer is rated again.
The reply is the best-rated answer (on a tie, the later one); `EvaluatorOptimizerAgent.run`
also returns every answer with its evaluation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict, Field

from fastagent.agents.base import BaseAgent
from fastagent.exceptions import ModelOutputError, UserError

if TYPE_CHECKING:
    from fastagent.llm.augmented import MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = [
    "DEFAULT_MAX_REFINEMENTS",
    "Evaluation",
    "EvaluatorOptimizerAgent",
    "EvaluatorOptimizerResult",
    "QualityRating",
    "Round",
    "evaluation_prompt",
    "parse_rating",
    "refinement_prompt",
]

DEFAULT_MAX_REFINEMENTS: Final = 3
"""How many times the generator may refine its first answer, by default."""


class QualityRating(enum.StrEnum):
    """How good an answer is, from best to worst; compare with `rank`."""

    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"

    @property
    def rank(self) -> int:
        """3 for EXCELLENT down to 0 for POOR."""
        return _RANKS[self]


_RANKS: Final = {
    QualityRating.EXCELLENT: 3,
    QualityRating.GOOD: 2,
    QualityRating.FAIR: 1,
    QualityRating.POOR: 0,
}


class Evaluation(BaseModel):
    """The evaluator's verdict on one answer (its structured output)."""

    model_config = ConfigDict(defer_build=True)

    rating: QualityRating = Field(description="EXCELLENT, GOOD, FAIR or POOR")
    feedback: str = Field(description="What to improve, specifically")
    needs_improvement: bool = Field(description="Whether the answer should be revised")


@dataclass
class Round:
    """One answer and its evaluation.

    Attributes:
        response: The generator's answer.
        evaluation: The evaluator's verdict on it.
    """

    response: Message
    evaluation: Evaluation


@dataclass(frozen=True)
class EvaluatorOptimizerResult:
    """The best answer to one request, with every round that led to it.

    Attributes:
        reply: The best-rated answer (its usage covers every answer and evaluation).
        rounds: Every answer with its evaluation, in order.
    """

    reply: Message
    rounds: tuple[Round, ...]


def parse_rating(value: str | QualityRating, *, owner: str) -> QualityRating:
    """`value` as a `QualityRating` (case-insensitive).

    Raises:
        UserError: It names no rating; the message names `owner`.
    """
    try:
        return QualityRating(str(value).upper())
    except ValueError:
        valid = ", ".join(QualityRating)
        raise UserError(
            f"{owner} has unknown min_rating {value!r}", hint=f"use one of: {valid}"
        ) from None


def evaluation_prompt(request: str, response: str, attempt: int) -> str:
    """What the evaluator is sent: the request and the answer to rate."""
    return (
        f"Rate this answer (attempt {attempt}) to the request below.\n\n"
        f"<request>\n{request}\n</request>\n\n<answer>\n{response}\n</answer>\n\n"
        "Give a rating (EXCELLENT, GOOD, FAIR or POOR), specific feedback, and whether "
        "the answer needs improvement."
    )


def refinement_prompt(request: str, response: str, evaluation: Evaluation) -> str:
    """What the generator is sent to improve its answer."""
    return (
        "Improve your answer to the request below using the feedback.\n\n"
        f"<request>\n{request}\n</request>\n\n<previous_answer>\n{response}\n"
        f'</previous_answer>\n\n<feedback rating="{evaluation.rating}">\n'
        f"{evaluation.feedback}\n</feedback>\n\nReply with the improved answer only."
    )


class EvaluatorOptimizerAgent(BaseAgent):
    """Generates an answer and refines it until the evaluator rates it highly enough.

    Args:
        name: The workflow's name.
        generator: The agent writing (and refining) answers.
        evaluator: The agent rating them (asked for an `Evaluation` with structured output).
        min_rating: The rating that ends the loop.
        max_refinements: The most refinements after the first answer (0: rate once).

    Raises:
        UserError: An unknown `min_rating` or a negative `max_refinements`.
    """

    def __init__(
        self,
        name: str,
        generator: BaseAgent,
        evaluator: BaseAgent,
        *,
        min_rating: str | QualityRating = QualityRating.GOOD,
        max_refinements: int = DEFAULT_MAX_REFINEMENTS,
    ) -> None:
        owner = f"evaluator_optimizer '{name}'"
        self.min_rating = parse_rating(min_rating, owner=owner)
        if max_refinements < 0:
            raise UserError(f"{owner} has max_refinements={max_refinements}", hint="use 0 or more")
        self.name = name
        self.model = "evaluator_optimizer"
        self.generator = generator
        self.evaluator = evaluator
        self.max_refinements = max_refinements
        self._spent: Usage | None = None

    @property
    def instruction(self) -> str | None:
        """What the workflow does, naming its two agents."""
        return (
            f"{self.generator.name} answers; {self.evaluator.name} rates and asks for "
            f"refinements until the answer is {self.min_rating} or better."
        )

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Generate, evaluate and refine; return the best-rated answer (see `run`)."""
        return (await self.run(messages, params)).reply

    async def run(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> EvaluatorOptimizerResult:
        """Generate, evaluate and refine; return the best-rated answer and every round.

        `params` go to the generator. The reply's usage covers every generator reply and
        every evaluation. Concurrent calls each get their own result.

        Raises:
            ModelOutputError: The evaluator's reply is not a valid `Evaluation`.
            FastAgentError: The generator or evaluator failed (raised as is).
        """
        from fastagent.agents.workflows._common import published_run

        with published_run(self, "evaluator_optimizer"):
            return await self._run(messages, params)

    async def _run(
        self, messages: MessageInput, params: RequestParams | None
    ) -> EvaluatorOptimizerResult:
        from fastagent.agents.workflows._common import published_step, sum_usage
        from fastagent.agents.workflows._workflow_llm import request_text
        from fastagent.llm.params import RequestParams
        from fastagent.llm.structured import parse_structured

        request = request_text(messages)
        rounds: list[Round] = []
        drafts: list[Message] = []
        verdicts: list[Message] = []
        asked = RequestParams(response_format=Evaluation)
        kind, generator, evaluator = "evaluator_optimizer", self.generator, self.evaluator
        try:
            with published_step(self, kind, "generate", index=1, agent=generator.name):
                drafts.append(await generator.generate(messages, params))
            while True:
                prompt = evaluation_prompt(request, drafts[-1].text, len(drafts))
                index = len(drafts)
                critic = evaluator.name
                with published_step(self, kind, "evaluate", index=index, agent=critic) as note:
                    verdicts.append(await evaluator.generate(prompt, asked))
                    try:
                        evaluation = parse_structured(verdicts[-1].text, Evaluation)
                    except ModelOutputError as exc:
                        raise self._no_rating(exc) from None
                    note.detail = str(evaluation.rating)
                rounds.append(Round(drafts[-1], evaluation))
                if evaluation.rating.rank >= self.min_rating.rank:
                    break
                if len(rounds) > self.max_refinements:
                    break
                feedback = refinement_prompt(request, drafts[-1].text, evaluation)
                with published_step(self, kind, "generate", index=index + 1, agent=generator.name):
                    drafts.append(await generator.generate(feedback, params))
        finally:
            spent = sum_usage([*drafts, *verdicts])
            self._spent = spent if self._spent is None else self._spent + spent
        best = max(reversed(rounds), key=lambda r: r.evaluation.rating.rank)
        reply = best.response.model_copy(update={"usage": spent})
        return EvaluatorOptimizerResult(reply, tuple(rounds))

    def _no_rating(self, exc: ModelOutputError) -> ModelOutputError:
        """The error for an evaluator reply that is not an `Evaluation`, with a true hint."""
        evaluator = self.evaluator
        model = evaluator.model
        if model.partition("?")[0] == "passthrough" and "fixed_response" not in model:
            hint = (
                f"evaluator '{evaluator.name}' runs on passthrough, which echoes its prompt "
                "instead of rating: give it a real model (model=..., or --model), or for "
                "offline runs a fixed rating: model='passthrough?fixed_response="
                '{"rating": "GOOD", "feedback": "...", "needs_improvement": false}\''
            )
        else:
            hint = (
                f"evaluator '{evaluator.name}' (model {model}) must answer JSON with rating "
                "(EXCELLENT, GOOD, FAIR or POOR), feedback and needs_improvement; use a model "
                "that supports JSON output"
            )
        return ModelOutputError(
            f"evaluator-optimizer '{self.name}': evaluator '{evaluator.name}' gave no rating: "
            f"{exc.message}",
            raw=exc.raw,
            hint=hint,
        )

    @property
    def usage(self) -> Usage:
        """The usage of every generator reply and evaluation this workflow has made."""
        from fastagent.agents.workflows._common import zero_usage

        return self._spent if self._spent is not None else zero_usage()

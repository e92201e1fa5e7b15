"""Finish reasons in the GenAI semantic conventions' values.

Every provider maps its own stop reason to a `StopReason` where it converts the reply
(``providers/_*_convert.py``); this one table maps those to the values the conventions name
for ``gen_ai.response.finish_reasons`` and an output message's ``finish_reason``: ``stop``,
``length``, ``content_filter``, ``tool_call``, ``error``. Through both tables:

===========================  ===========================================  ================
provider                     its reason                                   convention
===========================  ===========================================  ================
Anthropic                    ``end_turn``, ``stop_sequence``,             ``stop``
                             ``pause_turn``
Anthropic                    ``max_tokens``,                              ``length``
                             ``model_context_window_exceeded``
Anthropic                    ``tool_use``                                 ``tool_call``
Anthropic                    ``refusal``                                  ``content_filter``
OpenAI (chat)                ``stop`` / ``length`` / ``tool_calls``,      same / ``length`` /
                             ``function_call`` / ``content_filter``       ``tool_call`` /
                                                                          ``content_filter``
OpenAI (responses)           completed / ``max_output_tokens`` /          ``stop`` /
                             ``content_filter`` / refusal                 ``length`` /
                                                                          ``content_filter``
Gemini                       ``STOP`` / ``MAX_TOKENS`` / ``SAFETY``,      ``stop`` /
                             ``RECITATION``, ``BLOCKLIST``,               ``length`` /
                             ``PROHIBITED_CONTENT``, ``SPII``,            ``content_filter``
                             ``IMAGE_SAFETY`` / ``MALFORMED_FUNCTION_     / ``error``
                             CALL``, ``UNEXPECTED_TOOL_CALL``
Bedrock                      ``end_turn``, ``stop_sequence`` /            ``stop`` /
                             ``max_tokens``, ``model_context_window_      ``length`` /
                             exceeded`` / ``tool_use`` /                  ``tool_call`` /
                             ``guardrail_intervened``,                    ``content_filter``
                             ``content_filtered`` / ``malformed_model_    / ``error``
                             output``, ``malformed_tool_use``
===========================  ===========================================  ================

A reply with tool calls is ``tool_call`` whatever the provider said (OpenAI-compatible
servers often say ``stop``): the providers' converters already decide that.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FINISH_REASONS", "finish_reason"]

FINISH_REASONS: Final[dict[str, str]] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_call",
    "refusal": "content_filter",
    "error": "error",
    # The tool loop's own limit (RequestParams.max_iterations) cut the turn short.
    "max_iterations": "length",
}
"""`fastagent.messages.StopReason` value -> GenAI semantic-convention finish reason."""


def finish_reason(stop_reason: str) -> str:
    """The conventions' finish reason for a `StopReason` (unknown values pass through)."""
    return FINISH_REASONS.get(stop_reason, stop_reason)

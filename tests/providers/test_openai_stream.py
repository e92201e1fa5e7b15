from fastagent.messages import StopReason, ToolCall
from fastagent.providers._openai_convert import INVALID_ARGUMENTS_KEY, stable_call_id
from fastagent.providers._openai_stream import StreamAssembler
from fastagent.streaming import TextDelta, ToolCallDelta, ToolCallEnd, ToolCallStart


def chunk(delta, finish=None, **extra):
    return {"id": "r1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def test_fragments_before_name_are_replayed_on_start():
    assembler = StreamAssembler("m")
    first = assembler.feed(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]}))
    assert first == []
    second = assembler.feed(
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "c", "function": {"name": "t", "arguments": ": 1}"}}
                ]
            }
        )
    )
    assert second == [
        ToolCallStart("c", "t"),
        ToolCallDelta("c", '{"a"'),
        ToolCallDelta("c", ": 1}"),
    ]
    closing, message = assembler.finish()
    assert closing == [ToolCallEnd(ToolCall(id="c", name="t", arguments={"a": 1}))]
    assert message.stop_reason is StopReason.TOOL_USE


def test_calls_without_index_several_in_one_delta():
    assembler = StreamAssembler("m")
    assembler.feed(
        chunk(
            {
                "tool_calls": [
                    {"id": "x", "function": {"name": "a", "arguments": "{}"}},
                    {"id": "y", "function": {"name": "b", "arguments": '{"k": 2}'}},
                ]
            }
        )
    )
    # a later fragment naming its call by id
    assembler.feed(
        chunk({"tool_calls": [{"id": "y", "function": {"arguments": ""}}]}, "tool_calls")
    )
    _, message = assembler.finish()
    assert message.tool_calls == [
        ToolCall(id="x", name="a", arguments={}),
        ToolCall(id="y", name="b", arguments={"k": 2}),
    ]


def test_other_choices_are_ignored_and_model_taken_from_chunks():
    assembler = StreamAssembler("fallback")
    events = assembler.feed(
        {
            "id": "r",
            "model": "served-model",
            "choices": [
                {"index": 1, "delta": {"content": "other"}},
                {"index": 0, "delta": {"content": "mine"}},
            ],
        }
    )
    assert events == [TextDelta("mine")]
    _, message = assembler.finish()
    assert (message.text, message.model) == ("mine", "served-model")


def test_refusal_deltas():
    assembler = StreamAssembler("m")
    assembler.feed(chunk({"refusal": "I can't"}))
    assembler.feed(chunk({"refusal": " help."}, "stop"))
    _, message = assembler.finish()
    assert message.text == "I can't help."
    assert message.stop_reason is StopReason.REFUSAL


def test_call_never_named_still_ends_with_stable_id_and_invalid_arguments_passed_on():
    assembler = StreamAssembler("m")
    assembler.feed(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "oops"}}]}))
    closing, message = assembler.finish()
    call_id = stable_call_id("r1", 0, "")
    expected = ToolCall(id=call_id, name="", arguments={INVALID_ARGUMENTS_KEY: "oops"})
    assert message.tool_calls == [expected]
    assert closing[0] == ToolCallStart(call_id, "")
    assert closing[-1] == ToolCallEnd(expected)

"""AugmentedLLM.structured: JSON output validated against a pydantic model."""

import json

import pytest
from pydantic import BaseModel

from fastagent.exceptions import ModelOutputError
from fastagent.llm.augmented import AugmentedLLM
from fastagent.messages import Message
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider


class Weather(BaseModel):
    city: str
    celsius: float


class RecordingPassthrough(PassthroughProvider):
    def __init__(self, *, native: bool = False) -> None:
        super().__init__()
        self.native_structured_output = native
        self.requests: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Message:
        self.requests.append(request)
        return await super().complete(request)


async def test_structured_parses_and_validates_the_reply():
    provider = RecordingPassthrough()
    llm = AugmentedLLM(provider, instruction="You report weather.")
    weather = await llm.structured(json.dumps({"city": "Oslo", "celsius": -3.5}), Weather)
    assert weather == Weather(city="Oslo", celsius=-3.5)
    request = provider.requests[0]
    assert request.params.response_format is Weather
    assert request.system is not None
    assert request.system.startswith("You report weather.")
    assert '"celsius"' in request.system  # schema instruction for non-native providers
    # the turn is stored like any other
    assert len(llm.memory.messages()) == 2


async def test_native_providers_get_no_schema_instruction():
    provider = RecordingPassthrough(native=True)
    llm = AugmentedLLM(provider, instruction="sys")
    await llm.structured('{"city": "Rome", "celsius": 20}', Weather)
    assert provider.requests[0].system == "sys"
    assert provider.requests[0].params.response_format is Weather


async def test_structured_accepts_fenced_json():
    reply = Message.assistant('```json\n{"city": "Lima", "celsius": 18}\n```')
    llm = AugmentedLLM(PlaybackProvider(conversation=[reply]))
    assert await llm.structured("weather?", Weather) == Weather(city="Lima", celsius=18)


async def test_invalid_output_raises_model_output_error_with_raw_text():
    llm = AugmentedLLM(PassthroughProvider())
    with pytest.raises(ModelOutputError) as info:
        await llm.structured('{"city": "Oslo"}', Weather)
    assert "celsius" in info.value.message
    assert info.value.raw == '{"city": "Oslo"}'


async def test_non_json_output_raises_model_output_error():
    llm = AugmentedLLM(PassthroughProvider())
    with pytest.raises(ModelOutputError, match="Weather"):
        await llm.structured("sunny, I think", Weather)


async def test_structured_does_not_change_agent_defaults():
    llm = AugmentedLLM(PassthroughProvider())
    await llm.structured('{"city": "Oslo", "celsius": 1}', Weather)
    assert llm.params.response_format is None

import pytest
from pydantic import BaseModel

from fastagent.exceptions import UserError
from fastagent.llm.params import RequestParams


def test_defaults():
    params = RequestParams()
    assert params.max_iterations == 20
    assert params.parallel_tool_calls is True
    assert params.use_history is True
    assert params.stop_sequences == ()
    assert params.model is None
    assert params.explicit == frozenset()


def test_explicit_fields_are_tracked_even_when_equal_to_default():
    params = RequestParams(use_history=True, temperature=0.5)
    assert params.explicit == {"use_history", "temperature"}


def test_merged_overrides_only_explicit_fields():
    base = RequestParams(model="m1", temperature=0.2, max_iterations=5)
    merged = base.merged(RequestParams(temperature=0.9))
    assert merged.model == "m1"
    assert merged.temperature == 0.9
    assert merged.max_iterations == 5
    assert merged.explicit == {"model", "temperature", "max_iterations"}
    assert base.temperature == 0.2  # unchanged


def test_override_with_default_value_wins():
    base = RequestParams(use_history=False)
    assert base.merged(RequestParams(use_history=True)).use_history is True


def test_merged_with_mapping_and_none():
    base = RequestParams(max_tokens=10)
    assert base.merged(None) is base
    merged = base.merged({"max_tokens": 20, "stop_sequences": ["END"]})
    assert merged.max_tokens == 20
    assert merged.stop_sequences == ("END",)


def test_merged_rejects_unknown_mapping_key():
    with pytest.raises(UserError, match="temprature") as info:
        RequestParams().merged({"temprature": 1.0})
    assert "temperature" in (info.value.hint or "")


def test_response_format_accepts_model_class():
    class Out(BaseModel):
        x: int

    assert RequestParams(response_format=Out).response_format is Out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_iterations": 0},
        {"reasoning": "extreme"},
        {"max_tokens": 0},
        {"timeout": 0},
    ],
)
def test_invalid_values_raise_user_error_with_hint(kwargs):
    with pytest.raises(UserError) as info:
        RequestParams(**kwargs)
    assert info.value.hint


def test_frozen_and_equality_ignores_explicit():
    params = RequestParams(max_iterations=20)
    assert params == RequestParams()
    with pytest.raises(AttributeError):
        params.model = "x"  # type: ignore[misc]


def test_to_dict():
    params = RequestParams(model="m")
    assert params.to_dict(explicit_only=True) == {"model": "m"}
    assert params.to_dict()["max_iterations"] == 20

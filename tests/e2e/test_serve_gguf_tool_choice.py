"""examples/serve_gguf.py gives ``tool_choice`` its OpenAI meaning on llama.cpp's engine.

The engine (b7079) takes ``tool_choice`` only as ``"auto"``, ``"none"`` or ``"required"`` and
treats an object naming a function as ``"auto"``. The front sends such a request with only
the named tool and ``"required"``. Checked on the mapping itself and against the SmolLM2
server (ChatML tool-call template), which calls a tool only when a request forces one.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

SERVE = Path(__file__).resolve().parents[2] / "examples" / "serve_gguf.py"


def tool(name: str, description: str, *params: str) -> dict[str, Any]:
    properties = {p: {"type": "integer"} for p in params}
    schema = {"type": "object", "properties": properties, "required": list(params)}
    function = {"name": name, "description": description, "parameters": schema}
    return {"type": "function", "function": function}


ADD = tool("add", "Add two integers.", "a", "b")
MULTIPLY = tool("multiply", "Multiply two integers.", "x", "y")
QUESTION = [
    {"role": "system", "content": "You are a calculator. Use the tools."},
    {"role": "user", "content": "What is 2 plus 3?"},
]


def named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


@pytest.fixture(scope="module")
def serve() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastagent_example_serve_gguf_tc", SERVE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_named_function_becomes_its_tool_alone_and_required(serve: ModuleType) -> None:
    body = {"messages": QUESTION, "tools": [ADD, MULTIPLY], "tool_choice": named("multiply")}

    sent = serve.engine_request(body)

    assert sent == {"messages": QUESTION, "tools": [MULTIPLY], "tool_choice": "required"}
    assert body["tools"] == [ADD, MULTIPLY]  # the client's body is left as it was


@pytest.mark.parametrize("choice", ["auto", "none", "required", None])
def test_the_engines_own_choices_pass_unchanged(serve: ModuleType, choice: str | None) -> None:
    body: dict[str, Any] = {"messages": QUESTION, "tools": [ADD, MULTIPLY]}
    if choice is not None:
        body["tool_choice"] = choice

    assert serve.engine_request(body) == dict(body)


@pytest.mark.parametrize(
    ("choice", "tools", "message"),
    [
        (named("subtract"), [ADD, MULTIPLY], "tool_choice names function 'subtract', which "
         "is not in tools ('add', 'multiply')"),
        (named("add"), None, "tool_choice names function 'add', which is not in tools "
         "(none given)"),
        ("add", [ADD], 'tool_choice "add": expected one of auto, none, required or {"type": '
         '"function", "function": {"name": ...}}'),
        ({"type": "function"}, [ADD], 'tool_choice {"type": "function"}: function.name is '
         "missing"),
        ({"type": "tool", "function": {"name": "add"}}, [ADD], "tool_choice {\"type\": "
         '"tool", "function": {"name": "add"}}: expected one of auto'),
    ],
)  # fmt: skip
def test_a_choice_the_front_cannot_honour_is_a_bad_request(
    serve: ModuleType, choice: Any, tools: list[dict[str, Any]] | None, message: str
) -> None:
    body: dict[str, Any] = {"messages": QUESTION, "tool_choice": choice}
    if tools is not None:
        body["tools"] = tools

    with pytest.raises(serve.BadRequest) as raised:
        serve.engine_request(body)

    assert str(raised.value).startswith(message)


def chat(base_url: str, body: dict[str, Any]) -> httpx.Response:
    payload = {"model": "smollm2", "max_tokens": 64, "temperature": 0.0, **body}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        return client.post("/chat/completions", json=payload)


@pytest.mark.parametrize("name", ["add", "multiply"])
def test_the_server_calls_exactly_the_named_function(llama_base_url: str, name: str) -> None:
    response = chat(llama_base_url, {"messages": QUESTION, "tools": [ADD, MULTIPLY],
                                     "tool_choice": named(name)})  # fmt: skip

    assert response.status_code == 200
    (choice,) = response.json()["choices"]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] == name
    params = {"add": {"a", "b"}, "multiply": {"x", "y"}}[name]
    assert set(json.loads(call["function"]["arguments"])) == params


def test_a_streamed_request_calls_the_named_function(llama_base_url: str) -> None:
    response = chat(llama_base_url, {"messages": QUESTION, "tools": [ADD, MULTIPLY],
                                     "tool_choice": named("multiply"), "stream": True})  # fmt: skip

    assert response.status_code == 200
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    names = [
        call["function"]["name"]
        for chunk in chunks
        for choice in chunk["choices"]
        for call in choice["delta"].get("tool_calls") or ()
        if call.get("function", {}).get("name")
    ]
    assert names == ["multiply"]
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"


@pytest.mark.parametrize("choice", ["none", "auto"])
def test_without_a_forced_choice_smollm2_answers_in_text(llama_base_url: str, choice: str) -> None:
    response = chat(llama_base_url, {"messages": QUESTION, "tools": [ADD, MULTIPLY],
                                     "tool_choice": choice})  # fmt: skip

    assert response.status_code == 200
    (reply,) = response.json()["choices"]
    assert reply["finish_reason"] == "stop"
    assert "tool_calls" not in reply["message"]
    assert reply["message"]["content"].strip()


@pytest.mark.parametrize("stream", [False, True])
def test_an_unknown_named_function_is_answered_400(llama_base_url: str, stream: bool) -> None:
    response = chat(llama_base_url, {"messages": QUESTION, "tools": [ADD], "stream": stream,
                                     "tool_choice": named("subtract")})  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "tool_choice names function 'subtract', which is not in tools ('add')",
            "type": "invalid_request_error",
        }
    }

import asyncio

from fastagent.llm.memory import Memory, SimpleMemory
from fastagent.messages import Message


def test_prompt_then_history_and_clear_keeps_prompt():
    prompt = [Message.user("You are terse."), Message.assistant("OK.")]
    memory = SimpleMemory(prompt=prompt)
    memory.extend([Message.user("hi"), Message.assistant("hello")])
    assert [m.text for m in memory.messages()] == ["You are terse.", "OK.", "hi", "hello"]
    memory.clear()
    assert [m.text for m in memory.messages()] == ["You are terse.", "OK."]
    memory.clear(keep_prompt=False)
    assert memory.messages() == []


def test_set_prompt_replaces_prompt_only():
    memory = SimpleMemory([Message.user("h")], prompt=[Message.user("p1")])
    memory.set_prompt([Message.user("p2")])
    assert [m.text for m in memory.messages()] == ["p2", "h"]
    assert [m.text for m in memory.prompt()] == ["p2"]
    assert [m.text for m in memory.history()] == ["h"]
    assert len(memory) == 2


def test_messages_returns_a_copy():
    memory = SimpleMemory([Message.user("a")])
    memory.messages().append(Message.user("b"))
    assert len(memory.messages()) == 1


async def test_turn_lock_is_one_lock_per_memory():
    memory = SimpleMemory()
    assert isinstance(memory, Memory)
    assert memory.turn_lock is memory.turn_lock
    assert isinstance(memory.turn_lock, asyncio.Lock)
    assert SimpleMemory().turn_lock is not memory.turn_lock

"""The app of the batch tests: one agent, the config's default model (the scripted server)."""

from __future__ import annotations

from fastagent.agents import FastAgent

fast = FastAgent("batch-test")
fast.agent("echo", "Answer the row.")(lambda: None)

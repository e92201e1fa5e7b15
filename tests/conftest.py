"""Shared pytest configuration: `pytester` is used by the scenario plugin tests."""

pytest_plugins = ["pytester"]

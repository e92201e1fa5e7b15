"""The installed version of fastagent."""

__version__ = "0.1.0"

from __future__ import annotations

import pytest

from fastagent.agents.model_choice import BUILTIN_DEFAULT_MODEL, create_agent_provider, select_model
from fastagent.exceptions import UnknownModelError

from .conftest import settings


@pytest.mark.parametrize(
    ("cli", "agent", "config", "expected"),
    [
        ("c", "a", "d", ("c", False)),
        (None, "a", "d", ("a", False)),
        (None, None, "d", ("d", False)),
        (None, None, None, (BUILTIN_DEFAULT_MODEL, True)),
        ("", "", "", (BUILTIN_DEFAULT_MODEL, True)),
    ],
)
def test_precedence(
    cli: str | None, agent: str | None, config: str | None, expected: tuple[str, bool]
) -> None:
    assert select_model(cli_model=cli, agent_model=agent, default_model=config) == expected


def test_provider_uses_config_aliases() -> None:
    provider = create_agent_provider("echo", settings(model_aliases={"echo": "passthrough.e"}))
    assert (provider.name, provider.model) == ("passthrough", "e")


def test_unknown_model_is_reported() -> None:
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        create_agent_provider("nope", settings())

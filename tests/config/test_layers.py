from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fastagent.config.layers import LayeredConfig, Origin

FILE = Origin("file", "/p/fastagent.yaml", 1)
ENV = Origin("env", "environment variable X")


def test_mappings_merge_and_leaves_replace() -> None:
    layers = LayeredConfig()
    layers.merge({"logger": {"level": "info", "type": "file"}, "args": [1, 2]}, lambda _p: FILE)
    layers.merge({"logger": {"level": "debug"}, "args": [3]}, lambda _p: ENV)
    assert layers.data == {"logger": {"level": "debug", "type": "file"}, "args": [3]}
    assert layers.source_of(("logger", "level")) == "env"
    assert layers.source_of(("logger", "type")) == "file"
    assert layers.source_of(("logger", "show_chat")) == "default"
    assert layers.source_of(("args",)) == "env"


def test_replacing_a_list_forgets_the_old_item_origins() -> None:
    layers = LayeredConfig()
    layers.merge({"args": ["a", "b"]}, lambda path: Origin("file", "f", len(path)))
    assert layers.origin_at(("args", 1)) == Origin("file", "f", 2)
    layers.set(("args",), ["c"], ENV)
    assert layers.origin_at(("args", 1)) == ENV  # falls back to the list itself


def test_scalar_replaced_by_mapping_and_back() -> None:
    layers = LayeredConfig()
    layers.set(("a",), "x", FILE)
    layers.set(("a", "b"), 1, ENV)
    assert layers.data == {"a": {"b": 1}}
    assert layers.source_of(("a", "b")) == "env"
    layers.set(("a",), "y", FILE)
    assert layers.data == {"a": "y"}
    assert ("a", "b") not in layers.leaf_sources


def test_empty_mapping_is_a_leaf() -> None:
    layers = LayeredConfig()
    layers.merge({"model_aliases": {}}, lambda _p: FILE)
    assert layers.source_of(("model_aliases",)) == "file"


def test_origin_at_uses_the_nearest_ancestor() -> None:
    layers = LayeredConfig()
    layers.merge({"mcp": {"servers": {"a": {"command": "x"}}}}, lambda _p: FILE)
    assert layers.origin_at(("mcp", "servers", "a", "roots", 0, "uri")) == FILE
    assert layers.origin_at(("logger",)) is None
    assert layers.get(("mcp", "servers", "a", "command")) == "x"
    assert layers.get(("mcp", "nope")) is None


_leaves = st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=3)
_trees = st.dictionaries(st.sampled_from("xyz"), _leaves, max_size=3)


@given(st.lists(_trees, min_size=1, max_size=4))
def test_the_last_layer_that_sets_a_leaf_wins(layers_data: list[dict[str, dict[str, int]]]) -> None:
    names = ["file", "secrets", "dotenv", "env"]
    layers = LayeredConfig()
    expected: dict[tuple[str, str], tuple[int, str]] = {}
    for name, data in zip(names, layers_data, strict=False):
        layers.merge(data, lambda _p, name=name: Origin(name, name))  # type: ignore[misc]
        for outer, inner in data.items():
            for key, value in inner.items():
                expected[(outer, key)] = (value, name)
    for (outer, key), (value, name) in expected.items():
        assert layers.data[outer][key] == value
        assert layers.source_of((outer, key)) == name


def test_an_empty_mapping_over_a_mapping_changes_nothing() -> None:
    layers = LayeredConfig()
    layers.merge({"logger": {"level": "info"}}, lambda _p: FILE)
    layers.merge({"logger": {}}, lambda _p: ENV)
    assert layers.data == {"logger": {"level": "info"}}
    assert layers.source_of(("logger", "level")) == "file"


def test_a_mapping_over_an_empty_mapping_leaf_takes_over() -> None:
    layers = LayeredConfig()
    layers.merge({"model_aliases": {}}, lambda _p: FILE)
    layers.merge({"model_aliases": {"a": "b"}}, lambda _p: ENV)
    assert layers.leaf_sources == {("model_aliases", "a"): "env"}

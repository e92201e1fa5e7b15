import json

from fastagent.history._located import LineDict, LineList, line_at, loads_json_located

TEXT = """{
  "a": [
    {"b": 1},
    {
      "c": {"d": [1, 2]}
    }
  ]
}"""


def test_located_json_equals_plain_json_and_records_lines() -> None:
    tree = loads_json_located(TEXT)
    assert tree == json.loads(TEXT)
    assert isinstance(tree, LineDict) and tree.line == 1
    assert isinstance(tree["a"], LineList) and tree["a"].line == 2
    assert tree["a"][0].line == 3
    assert tree["a"][1].line == 4
    assert tree["a"][1]["c"].line == 5


def test_line_at_follows_path_and_skips_unknown_parts() -> None:
    tree = loads_json_located(TEXT)
    assert line_at(tree, ("a", 1, "c", "d", 0)) == 5
    assert line_at(tree, ("a", 0, "b")) == 3
    assert line_at(tree, ("a", "union-tag", 1)) == 4
    assert line_at(tree, ("a", 7)) == 2
    assert line_at(tree, ()) == 1


def test_line_at_without_locations() -> None:
    assert line_at({"a": [1]}, ("a", 0)) is None

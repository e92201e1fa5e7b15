from fastagent.tools.filters import NameFilter


def test_no_patterns_allows_everything() -> None:
    allow = NameFilter()
    assert allow("anything")


def test_include_globs() -> None:
    allow = NameFilter(include=["fs__*", "time"])
    assert allow("fs__read")
    assert allow("time")
    assert not allow("timer")
    assert not allow("web__fetch")


def test_exclude_wins_over_include() -> None:
    allow = NameFilter(include=["fs__*"], exclude=["fs__write*"])
    assert allow("fs__read")
    assert not allow("fs__write_file")


def test_empty_include_allows_nothing() -> None:
    assert not NameFilter(include=[])("x")


def test_matching_is_case_sensitive() -> None:
    assert not NameFilter(include=["Read*"])("read_file")

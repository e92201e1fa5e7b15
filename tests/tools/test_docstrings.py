from fastagent.tools.docstrings import parse_docstring


def test_empty_and_missing_docstrings() -> None:
    assert parse_docstring(None).description == ""
    assert parse_docstring("").parameters == {}


def test_description_is_text_before_first_section() -> None:
    parsed = parse_docstring(
        """Summary line.

        Extended description
        over two lines.

        Returns:
            Something.
        """
    )
    assert parsed.description == "Summary line.\n\nExtended description\nover two lines."


def test_args_with_types_continuations_and_stars() -> None:
    parsed = parse_docstring(
        """Do it.

        Args:
            city: The city
                to look up.
            units (str): Metric or imperial.
            *args: Ignored extras.
            **kwargs (dict): More extras.

        Raises:
            ValueError: not a parameter.
        """
    )
    assert parsed.parameters == {
        "city": "The city to look up.",
        "units": "Metric or imperial.",
        "args": "Ignored extras.",
        "kwargs": "More extras.",
    }


def test_synonym_sections_and_case() -> None:
    parsed = parse_docstring(
        """Summary.

        parameters:
            a: first.
        Keyword Arguments:
            b: second.
        """
    )
    assert parsed.parameters == {"a": "first.", "b": "second."}
    assert parsed.description == "Summary."


def test_entry_with_text_on_next_line_only() -> None:
    parsed = parse_docstring(
        """Summary.

        Args:
            query:
                What to search for.
        """
    )
    assert parsed.parameters == {"query": "What to search for."}


def test_only_args_sections_contribute_parameters() -> None:
    parsed = parse_docstring(
        """Summary.

        Returns:
            total: the sum.
        """
    )
    assert parsed.parameters == {}

from action_sdk._docstrings import parse_docstring


def test_parse_summary_and_args() -> None:
    parsed = parse_docstring(
        """Send a request.

        Longer text.

        Args:
            url: Target URL.
            timeout (float): Seconds to wait
                before giving up.

        Returns:
            The response.
        """
    )
    assert parsed.description == "Send a request.\n\nLonger text."
    assert parsed.parameters == {
        "url": "Target URL.",
        "timeout": "Seconds to wait before giving up.",
    }


def test_parse_empty() -> None:
    parsed = parse_docstring(None)
    assert parsed.description == ""
    assert parsed.parameters == {}


def test_parse_without_sections() -> None:
    assert parse_docstring("Only text.").description == "Only text."


def test_unknown_heading_stays_in_description() -> None:
    parsed = parse_docstring("Summary.\n\nUsage:\n    run it\n")
    assert "Usage:" in parsed.description

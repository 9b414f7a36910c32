"""Token configuration: LEVANTE_API_TOKENS and --tokens-file."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api.config import TOKENS_ENV, TokenConfigError, load_tokens, parse_tokens


def test_parse_comma_separated() -> None:
    assert parse_tokens("tokA=projA,tokB=projB", "env") == {
        "tokA": "projA",
        "tokB": "projB",
    }


def test_parse_lines_with_comments() -> None:
    text = "# operators\ntokA = projA\n\n tokB=projB , \n"
    assert parse_tokens(text, "file") == {"tokA": "projA", "tokB": "projB"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tokA", "expected token=project"),
        ("=projA", "expected token=project"),
        ("tokA=", "expected token=project"),
        ("tokA=proj A", "expected token=project"),
        ("tokA=projA,tokA=projB", "mapped to two projects"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(TokenConfigError, match=message):
        parse_tokens(text, "source")


def test_parse_error_names_source_and_line() -> None:
    with pytest.raises(TokenConfigError, match="tokens.txt, line 2"):
        parse_tokens("a=b\nbroken\n", "tokens.txt")


def test_load_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKENS_ENV, "t=p")
    assert load_tokens() == {"t": "p"}


def test_load_without_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    assert load_tokens() == {}


def test_load_file_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(TOKENS_ENV, "t=p")
    path = tmp_path / "tokens"
    path.write_text("f=q\n")
    assert load_tokens(path) == {"f": "q"}


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TokenConfigError, match="cannot read the tokens file"):
        load_tokens(tmp_path / "absent")

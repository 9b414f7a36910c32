import pytest

from action_sdk import Microversion
from registry.releases import release_range


@pytest.mark.parametrize(
    ("service", "maximum", "earliest", "latest"),
    [
        ("compute", "2.60", "queens", "queens"),
        ("compute", "2.79", "train", "train"),
        ("compute", "2.65", "rocky", "stein"),
        ("compute", "2.50", "austin", "pike"),
        ("compute", "2.110", "gazpacho", "gazpacho"),
        ("block-storage", "3.71", "epoxy", "gazpacho"),
        ("placement", "1.39", "zed", "gazpacho"),
    ],
)
def test_release_range(service: str, maximum: str, earliest: str, latest: str) -> None:
    span = release_range(service, Microversion.parse(maximum))
    assert (span.earliest, span.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("maximum", "release", "expected"),
    [("2.79", "rocky", True), ("2.60", "rocky", False), ("2.65", "stein", None)],
)
def test_is_at_least(maximum: str, release: str, expected: bool | None) -> None:
    span = release_range("compute", Microversion.parse(maximum))
    assert span.is_at_least(release) is expected

import pytest

from registry.errors import InvalidServiceVersion
from registry.versions import ApiVersion, CloudVersions, explicit_versions


def test_explicit_microversion_maximum() -> None:
    offered = explicit_versions(["compute=2.60"])
    api = offered.api("compute", 2)
    assert api == ApiVersion(
        "compute",
        2,
        "2.1",
        "CURRENT",
        None,
        min_microversion="2.1",
        max_microversion="2.60",
    )


def test_explicit_microversion_range() -> None:
    api = explicit_versions({"block-storage": "3.27-3.50"}).api("block-storage", 3)
    assert api is not None
    assert (api.min_microversion, api.max_microversion) == ("3.27", "3.50")


@pytest.mark.parametrize(
    ("text", "major", "version"), [("2", 2, "2.0"), ("2.17", 2, "2.17")]
)
def test_explicit_plain_version(text: str, major: int, version: str) -> None:
    api = explicit_versions([f"image={text}"]).api("image", major)
    assert api is not None
    assert api.version == version
    assert api.max_microversion is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("compute", "use SERVICE=VERSION"),
        ("compute=", "use SERVICE=VERSION"),
        ("volumev3=3.50", "official service type 'block-storage'"),
        ("compute=2.x", "invalid microversion '2.x'"),
        ("compute=3.5", "start with 2."),
        ("compute=2.60-2.10", "MIN not above MAX"),
        ("compute=2.0", "within 2.1 and the maximum"),
        ("image=two", "use MAJOR or MAJOR.MINOR"),
    ],
)
def test_explicit_rejects(entry: str, message: str) -> None:
    with pytest.raises(InvalidServiceVersion, match=message):
        explicit_versions([entry])


def test_explicit_rejects_duplicate() -> None:
    with pytest.raises(InvalidServiceVersion, match="given twice"):
        explicit_versions(["compute=2.60", "compute=2.70"])


def test_explicit_release_normalized() -> None:
    assert explicit_versions(["compute=2.60"], release="2025.1").release == "epoxy"


def test_cloud_versions_round_trip() -> None:
    offered = CloudVersions(
        cloud="c",
        region="RegionOne",
        services={
            "compute": (
                ApiVersion(
                    "compute",
                    2,
                    "2.1",
                    "CURRENT",
                    "http://127.0.0.1:8774/v2.1",
                    "2.1",
                    "2.93",
                ),
            )
        },
        failures={"placement": "no document"},
        release="zed",
    )
    assert CloudVersions.from_dict(offered.to_dict()) == offered


def test_describe_offers() -> None:
    offered = explicit_versions(["compute=2.93", "image=2.17"])
    assert offered.describe_service("compute") == "compute 2.1 to 2.93"
    assert offered.describe_service("image") == "image v2 (2.17)"
    assert offered.describe_service("network") == "no network service"

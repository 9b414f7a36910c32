import inspect

import action_sdk


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(action_sdk).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(action_sdk.__all__) == public | {"__version__"}


def test_all_names_resolve() -> None:
    for name in action_sdk.__all__:
        assert getattr(action_sdk, name) is not None


def test_all_has_no_duplicates() -> None:
    assert len(action_sdk.__all__) == len(set(action_sdk.__all__))


def test_version_is_a_string() -> None:
    assert isinstance(action_sdk.__version__, str)
    assert action_sdk.__version__

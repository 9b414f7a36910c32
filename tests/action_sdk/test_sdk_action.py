from typing import Annotated, Any

import pytest

from action_sdk import (
    Action,
    ActionDefinitionError,
    ActionError,
    RunContext,
    Secret,
    action,
    describe_action,
)


class Greet(Action):
    """Greet someone.

    Args:
        who: Name to greet.
    """

    name = "demo.greet"
    version = "2.1.0"

    def run(self, context: RunContext, who: str, punctuation: str = "!") -> str:
        """Build the greeting.

        Args:
            punctuation: Text after the name.
        """
        return f"hello {who}{punctuation} from {context.task_name}"


@action("demo.add", version="1.2.3")
def add(a: int, b: int = 1) -> int:
    """Add two integers."""
    return a + b


@action("demo.whoami", description="Return the task name.", is_async=True)
def whoami(context: RunContext) -> str | None:
    return context.task_name


def test_class_descriptor() -> None:
    descriptor = describe_action(Greet)
    assert descriptor.name == "demo.greet"
    assert descriptor.version == "2.1.0"
    assert descriptor.description == "Greet someone."
    assert descriptor.is_async is False
    assert descriptor.plugin is None
    assert descriptor.implementation is Greet
    assert [p.name for p in descriptor.parameters] == ["who", "punctuation"]


def test_class_parameter_docs_from_both_docstrings() -> None:
    who, punctuation = describe_action(Greet).parameters
    assert who.description == "Name to greet."
    assert punctuation.description == "Text after the name."


def test_class_run_receives_context() -> None:
    result = describe_action(Greet).run({"who": "ann"}, RunContext(task_name="t1"))
    assert result == "hello ann! from t1"


def test_function_descriptor() -> None:
    descriptor = describe_action(add)
    assert descriptor.name == "demo.add"
    assert descriptor.version == "1.2.3"
    assert descriptor.description == "Add two integers."
    first, second = descriptor.parameters
    assert (first.name, first.required, first.type_name) == ("a", True, "integer")
    assert (second.name, second.required, second.default) == ("b", False, 1)


def test_function_run_converts_input() -> None:
    assert describe_action(add).run({"a": "2", "b": 3.0}) == 5


def test_decorated_function_still_callable() -> None:
    assert add(1, 2) == 3


def test_function_with_context() -> None:
    descriptor = describe_action(whoami)
    assert descriptor.parameters == ()
    assert descriptor.is_async is True
    assert descriptor.description == "Return the task name."
    assert descriptor.run({}, RunContext(task_name="t9")) == "t9"


def test_run_without_context_uses_empty_one() -> None:
    assert describe_action(whoami).run({}) is None


def test_default_version_and_description() -> None:
    @action("demo.plain")
    def plain() -> None:
        pass

    descriptor = describe_action(plain)
    assert descriptor.version == "1.0.0"
    assert descriptor.description == ""


def test_secret_parameter() -> None:
    @action("demo.login")
    def login(password: Annotated[str, Secret]) -> None:
        pass

    (password,) = describe_action(login).parameters
    assert password.secret is True
    assert password.annotation is str


def test_action_error_passes_through() -> None:
    @action("demo.boom")
    def boom() -> None:
        raise ActionError("broken", data={"code": 1})

    with pytest.raises(ActionError) as caught:
        describe_action(boom).run({})
    assert caught.value.data == {"code": 1}


def test_unexpected_exception_becomes_action_error() -> None:
    @action("demo.crash")
    def crash() -> None:
        raise KeyError("x")

    with pytest.raises(ActionError, match="KeyError: 'x'") as caught:
        describe_action(crash).run({})
    assert isinstance(caught.value.__cause__, KeyError)
    assert caught.value.data is None


def test_abstract_base_class_is_not_an_action() -> None:
    class Base(Action):
        def helper(self) -> int:
            return 1

    with pytest.raises(ActionDefinitionError, match="has no name"):
        describe_action(Base)


def test_subclass_of_abstract_base() -> None:
    class Base(Action):
        version = "3.0.0"

    class Concrete(Base):
        name = "demo.concrete"

        def run(self, context: RunContext) -> int:
            return 1

    assert describe_action(Concrete).version == "3.0.0"


@pytest.mark.parametrize("target", [42, "std.echo", lambda: None, object()])
def test_describe_rejects_non_actions(target: Any) -> None:
    with pytest.raises(ActionDefinitionError, match="not an action"):
        describe_action(target)


def test_decorator_rejects_var_positional() -> None:
    with pytest.raises(TypeError, match=r"demo.bad.*'\*args'"):

        @action("demo.bad")
        def bad(*args: Any) -> None:
            pass


def test_decorator_rejects_var_keyword() -> None:
    with pytest.raises(ActionDefinitionError, match=r"'\*\*options'"):

        @action("demo.bad")
        def bad(url: str, **options: Any) -> None:
            pass


def test_decorator_rejects_positional_only() -> None:
    with pytest.raises(ActionDefinitionError, match="positional-only"):

        @action("demo.bad")
        def bad(url: str, /) -> None:
            pass


def test_decorator_rejects_unsupported_annotation() -> None:
    with pytest.raises(ActionDefinitionError, match=r"demo.bad.*parameter 'data'"):

        @action("demo.bad")
        def bad(data: bytes) -> None:
            pass


def test_decorator_rejects_bad_default() -> None:
    with pytest.raises(ActionDefinitionError, match="default 'x' of parameter 'n'"):

        @action("demo.bad")
        def bad(n: int = "x") -> None:  # type: ignore[assignment]
            pass


@pytest.mark.parametrize(
    "default", [set(), {1, 2}, b"bytes", object(), float("nan"), {"k": {1}}]
)
def test_decorator_rejects_non_json_default(default: Any) -> None:
    expected = r"action demo.bad \(.*bad\): default .* of parameter 'x' is not a JSON value"
    with pytest.raises(ActionDefinitionError, match=expected):

        @action("demo.bad")
        def bad(x: Any = default) -> None:
            pass


def test_decorator_accepts_json_defaults() -> None:
    @action("demo.good")
    def good(x: Any = ["a", {"b": 1.5}], y: dict[str, Any] = {"z": None}) -> None:  # noqa: B006
        pass

    defaults = {p.name: p.default for p in describe_action(good).parameters}
    assert defaults["x"] == ["a", {"b": 1.5}]
    assert defaults["y"] == {"z": None}


def test_decorator_rejects_coroutine() -> None:
    with pytest.raises(ActionDefinitionError, match="coroutine"):

        @action("demo.bad")
        async def bad() -> None:
            pass


def test_decorator_rejects_class() -> None:
    with pytest.raises(ActionDefinitionError, match="subclass of Action"):
        action("demo.bad")(Greet)


def test_decorator_rejects_second_decoration() -> None:
    with pytest.raises(ActionDefinitionError, match="already an action"):
        action("demo.again")(add)


def test_decorator_rejects_unresolvable_annotation() -> None:
    with pytest.raises(ActionDefinitionError, match="cannot resolve"):

        @action("demo.bad")
        def bad(x: "NoSuchType") -> None:  # type: ignore[name-defined]  # noqa: F821
            pass


def test_decorator_rejects_keyword_only_context() -> None:
    with pytest.raises(
        ActionDefinitionError, match=r"positional parameters \(context\)"
    ):

        @action("demo.bad")
        def bad(*, context: RunContext) -> None:
            pass


@pytest.mark.parametrize("name", ["", "has space", "a..b", ".a", "a@1", 5])
def test_decorator_rejects_bad_name(name: Any) -> None:
    with pytest.raises(ActionDefinitionError, match="invalid action name"):
        action(name)


@pytest.mark.parametrize("version", ["1", "1.0", "v1.0.0", "", 1])
def test_decorator_rejects_bad_version(version: Any) -> None:
    with pytest.raises(ActionDefinitionError, match="not a semantic version"):
        action("demo.x", version=version)


def test_decorator_rejects_non_bool_is_async() -> None:
    with pytest.raises(ActionDefinitionError, match="is_async"):
        action("demo.x", is_async="yes")  # type: ignore[arg-type]


def test_class_without_run_is_rejected() -> None:
    with pytest.raises(ActionDefinitionError, match="does not implement run"):

        class NoRun(Action):
            name = "demo.norun"


def test_class_run_with_kwargs_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"NoKwargs \(demo.kw\).*'\*\*params'"):

        class NoKwargs(Action):
            name = "demo.kw"

            def run(self, context: RunContext, **params: Any) -> None:
                pass


def test_class_run_without_context_is_rejected() -> None:
    with pytest.raises(ActionDefinitionError, match="self, context"):

        class NoContext(Action):
            name = "demo.noctx"

            def run(self) -> None:  # type: ignore[override]
                pass


def test_class_run_context_misnamed_is_rejected() -> None:
    with pytest.raises(
        ActionDefinitionError,
        match=r"action class .*Ctx \(demo.ctx\): the second parameter of .*run is named 'ctx'",
    ):

        class Ctx(Action):
            name = "demo.ctx"

            def run(self, ctx: RunContext, n: int = 1) -> None:  # type: ignore[override]
                pass


def test_class_needing_init_arguments_is_rejected() -> None:
    with pytest.raises(ActionDefinitionError, match="without arguments"):

        class NeedsInit(Action):
            name = "demo.init"

            def __init__(self, client: Any) -> None:
                self.client = client

            def run(self, context: RunContext) -> None:
                pass


def test_class_with_bad_version_is_rejected() -> None:
    with pytest.raises(ActionDefinitionError, match="not a semantic version"):

        class BadVersion(Action):
            name = "demo.version"
            version = "latest"

            def run(self, context: RunContext) -> None:
                pass


def test_class_description_attribute_wins() -> None:
    class Described(Action):
        """Docstring text."""

        name = "demo.described"
        description = "Explicit text."

        def run(self, context: RunContext) -> None:
            pass

    assert describe_action(Described).description == "Explicit text."

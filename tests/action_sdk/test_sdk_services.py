from typing import Annotated, Any

import pytest

from action_sdk import (
    ActionDefinitionError,
    RunContext,
    Secret,
    ServiceClients,
    ServiceNotAvailable,
    action,
    describe_action,
)


class Client:
    service_type = "image"
    endpoint = "http://127.0.0.1:9292/v2"
    microversion = None

    def get(self, path: str, **kwargs: Any) -> Any:
        return path


def test_services_default_empty() -> None:
    assert len(RunContext().services) == 0


def test_services_lookup() -> None:
    client = Client()
    services = ServiceClients({"image": client})
    assert services["image"] is client
    assert "image" in services
    assert services.get("compute") is None


def test_services_missing_message() -> None:
    services = ServiceClients({"image": Client()})
    with pytest.raises(ServiceNotAvailable) as caught:
        services["compute"]
    assert str(caught.value).startswith(
        "no client for service 'compute': this run has clients for image."
    )
    assert caught.value.available == ["image"]


def test_services_missing_is_key_error() -> None:
    with pytest.raises(KeyError):
        ServiceClients()["compute"]


def test_services_repr_shows_endpoints() -> None:
    shown = repr(ServiceClients({"image": Client()}))
    assert shown == "ServiceClients(image=-@http://127.0.0.1:9292/v2)"


@action("demo.login")
def login(
    user: str,
    password: Annotated[str, Secret],
    token: Annotated[str | None, Secret] = None,
) -> str:
    return f"{user}:{password}"


def test_secret_default_rejected() -> None:
    with pytest.raises(
        ActionDefinitionError, match="secret parameter 'password' has a default"
    ):

        @action("demo.bad_secret")
        def bad(password: Annotated[str, Secret] = "hunter2") -> None:
            pass


def test_input_schema_hides_secret() -> None:
    schema = describe_action(login).input_schema()
    assert schema["properties"]["password"] == {
        "type": "string",
        "writeOnly": True,
        "format": "password",
    }
    assert "default" not in schema["properties"]["token"]
    assert schema["required"] == ["user", "password"]
    assert schema["additionalProperties"] is False


def test_redact_input() -> None:
    descriptor = describe_action(login)
    values = {"user": "ann", "password": "hunter2"}
    assert descriptor.redact_input(values) == {"user": "ann", "password": "***"}


def test_redact_result_scrubs_nested() -> None:
    descriptor = describe_action(login)
    values = {"user": "ann", "password": "hunter2"}
    result = descriptor.run(values)
    assert descriptor.redact_result({"out": [result]}, values) == {"out": ["ann:***"]}

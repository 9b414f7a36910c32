"""Release-independent service facts: port, catalog URL and microversion headers.

These facts do not change between the releases in `testing.releases`.
Ports are the ones devstack gives each service when it runs on its own port.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """Release-independent facts of one service type.

    `catalog_path` is the path of the catalog URL below the service root, with
    `{project_id}` where the service wants the project in its URLs.
    `microversion_name` is the service name inside `OpenStack-API-Version`
    (None when the service ignores that header); `microversion_header` is the
    service's own header, read when the generic one is absent.
    """

    service_type: str
    project: str
    port: int
    catalog_path: str
    microversion_name: str | None = None
    microversion_header: str | None = None


SERVICES: dict[str, ServiceSpec] = {
    spec.service_type: spec
    for spec in (
        ServiceSpec("identity", "keystone", 5000, ""),
        ServiceSpec(
            "compute",
            "nova",
            8774,
            "/v2.1",
            microversion_name="compute",
            microversion_header="X-OpenStack-Nova-API-Version",
        ),
        ServiceSpec(
            "block-storage",
            "cinder",
            8776,
            "/v3/{project_id}",
            microversion_name="volume",
        ),
        ServiceSpec("image", "glance", 9292, ""),
        ServiceSpec("network", "neutron", 9696, "/"),
        ServiceSpec("orchestration", "heat", 8004, "/v1/{project_id}"),
        ServiceSpec("placement", "placement", 8778, "", microversion_name="placement"),
        ServiceSpec(
            "baremetal",
            "ironic",
            6385,
            "",
            microversion_header="X-OpenStack-Ironic-API-Version",
        ),
        ServiceSpec(
            "shared-file-system",
            "manila",
            8786,
            "/v2/{project_id}",
            microversion_header="X-OpenStack-Manila-API-Version",
        ),
        ServiceSpec("object-store", "swift", 8080, "/v1/AUTH_{project_id}"),
    )
}

#: Port of the identity service. Other ports shift by the auth URL port's offset to it.
IDENTITY_PORT = SERVICES["identity"].port

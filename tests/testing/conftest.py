"""Fixtures for the tests of the testing package: the recorded OpenStack documents."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(
    os.environ.get("LEVANTE_SHARED", Path(__file__).resolve().parents[3] / "shared")
)


class RealDocuments:
    """Version documents recorded from the real services, read at test time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, service_type: str, release: str, kind: str) -> Path:
        """Return the file of a root ("versions") or versioned ("version") body."""
        return self.folder / service_type / f"{release}-{kind}.json"

    def load(self, service_type: str, release: str, kind: str) -> Any:
        """Return the parsed document, or None when the service has none."""
        path = self.path(service_type, release, kind)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    @staticmethod
    def base_url(service_type: str) -> str:
        """Return the service root the recorded links point at."""
        if service_type == "identity":
            return "http://identity.example.test/identity"
        return f"http://{service_type}.example.test"


@pytest.fixture(scope="session")
def real_documents() -> RealDocuments:
    """The recorded version documents (fails when the shared folder is missing)."""
    folder = SHARED / "fixtures" / "openstack"
    if not folder.is_dir():
        pytest.fail(f"recorded OpenStack documents not found at {folder}")
    return RealDocuments(folder)

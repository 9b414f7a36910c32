"""The REST API: a FastAPI application over the engine.

``create_app`` builds the application; ``engine.api.service`` runs it with
the engine loop in one process (``levante serve``).
"""

from engine.api.app import create_app
from engine.api.config import ApiConfig

__all__ = ["ApiConfig", "create_app"]

"""JSON responses that send non-finite numbers as ``null``.

Requests are checked for finite numbers, but action results are stored as
the actions return them. JSON has no NaN or infinity, so a response that
contains one is rendered again with ``null`` in its place.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi.responses import JSONResponse


def replace_non_finite(value: Any) -> Any:
    """Return ``value`` with NaN and infinite floats replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: replace_non_finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace_non_finite(item) for item in value]
    return value


class SafeJSONResponse(JSONResponse):
    """A JSON response that sends non-finite numbers as ``null``."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except ValueError:
            return super().render(replace_non_finite(content))

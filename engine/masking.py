"""Masking of secret values in API responses and failure reports.

A value is secret when its key contains ``password``, ``token``, ``secret``
or ``key`` in any letter case (``db_password``, ``X-Auth-Token``,
``apiKey``). Masking walks nested mappings and lists.

The API masks execution input, env and params, environment variables and
action execution input. Failure reports mask input and error data. Workflow
output, published variables and task results are returned as stored,
because a workflow may pass a token on to its caller on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Keys whose values are replaced by ``MASK``.
SECRET_KEY = re.compile(r"password|token|secret|key", re.IGNORECASE)

#: Text shown instead of a secret value.
MASK = "***"


def is_secret_key(key: object) -> bool:
    """Return whether a mapping key names a secret."""
    return isinstance(key, str) and SECRET_KEY.search(key) is not None


def mask_secrets(value: Any) -> Any:
    """Return a copy of ``value`` with the values of secret keys masked.

    Values that are not mappings or lists are returned unchanged. The input
    is never modified.
    """
    if isinstance(value, Mapping):
        return {
            key: MASK if is_secret_key(key) else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(item) for item in value]
    return value

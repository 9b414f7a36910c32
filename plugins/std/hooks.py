"""Hook implementation that contributes the std actions."""

from __future__ import annotations

from typing import Any

from action_sdk import hookimpl
from plugins.std.basic import async_noop, echo, fail, noop, sleep, test_dict
from plugins.std.http import HttpAction
from plugins.std.mail import EmailAction
from plugins.std.ssh import SshAction, SshProxiedAction


@hookimpl
def levante_actions() -> list[Any]:
    """Return the std actions."""
    return [
        noop,
        async_noop,
        echo,
        fail,
        sleep,
        test_dict,
        HttpAction,
        EmailAction,
        SshAction,
        SshProxiedAction,
    ]

"""One `responses` mock shared by every started fake cloud.

`responses` patches `requests` globally, and a mock started later hides the
ones started before it. Fake clouds therefore register their hosts on one
shared `RequestsMock`, started with the first cloud and stopped with the last.
Requests to hosts that no started cloud serves fail with a ConnectionError.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import responses

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

Callback = Callable[[Any], tuple[int, dict[str, str], str | bytes]]


class SharedMock:
    """Reference-counted `RequestsMock` that routes each host to one owner."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mock: responses.RequestsMock | None = None
        self._owners: dict[str, object] = {}
        self._registered: dict[object, list[Any]] = {}
        self._first_call: dict[object, int] = {}

    @property
    def mock(self) -> responses.RequestsMock | None:
        """The running mock, or None when no owner is registered."""
        return self._mock

    def register(self, owner: object, bases: Iterable[str], callback: Callback) -> None:
        """Route every request under each base URL ("http://host:port") to `callback`.

        Raises:
            ValueError: another owner already serves one of the base URLs.
        """
        bases = list(bases)
        with self._lock:
            taken = [base for base in bases if base in self._owners]
            if taken:
                raise ValueError(
                    f"{', '.join(taken)} already served by another started fake "
                    "cloud; give this cloud an auth_url on another port"
                )
            if self._mock is None:
                self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
                self._mock.start()
            entries = []
            for base in bases:
                self._owners[base] = owner
                pattern = re.compile(re.escape(base) + r"(?:[/?#].*)?$")
                for method in METHODS:
                    entries.append(
                        self._mock.add_callback(
                            method, pattern, callback, content_type=None
                        )
                    )
            self._registered[owner] = entries
            self._first_call[owner] = len(self._mock.calls)

    def unregister(self, owner: object) -> None:
        """Stop routing the owner's hosts, and stop the mock after the last owner."""
        with self._lock:
            mock = self._mock
            if mock is None or owner not in self._registered:
                return
            for entry in self._registered.pop(owner):
                mock.remove(entry)
            del self._first_call[owner]
            self._owners = {b: o for b, o in self._owners.items() if o is not owner}
            if not self._registered:
                mock.stop()
                mock.reset()
                self._mock = None

    def calls_for(self, owner: object) -> list[responses.Call]:
        """Return the calls to the owner's hosts since it was registered."""
        with self._lock:
            if self._mock is None or owner not in self._registered:
                return []
            bases = {base for base, other in self._owners.items() if other is owner}
            calls = list(self._mock.calls)[self._first_call[owner] :]
        return [call for call in calls if _base_of(str(call.request.url)) in bases]


def _base_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


SHARED_MOCK = SharedMock()

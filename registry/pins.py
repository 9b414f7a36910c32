"""Version pins in action names: ``nova.servers_list@2``.

Forms after ``@``:

- ``2``, ``2.1``, ``2.1.3``: caret pins, the given version or any later one
  with the same leftmost non-zero part (``2.1`` means >=2.1.0,<3.0.0 and
  ``0.3`` means >=0.3.0,<0.4.0);
- ``>=2.1,<3``: comparisons joined by commas, all of which must hold, with
  the operators ``>=``, ``>``, ``<=``, ``<``, ``==`` and ``!=``;
- ``==2.0.1``: exactly one version.

Missing version parts count as zero. Pre-release versions (``2.0.0-rc.1``)
match only a pin that names them with ``==``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import semver

from registry.errors import InvalidPin

_PARTIAL = re.compile(
    r"^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?"
    r"(?:-([0-9A-Za-z.-]+))?$"
)
_CLAUSE = re.compile(r"^(>=|<=|==|!=|>|<)\s*(.+)$")
_OPERATORS: dict[str, Callable[[semver.Version, semver.Version], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_FORMS = "@2, @2.1, @>=2.1,<3 or @==2.0.1"


@dataclass(frozen=True)
class VersionPin:
    """A parsed version pin: comparisons that all must hold."""

    #: The pin as written after ``@``.
    text: str
    clauses: tuple[tuple[str, semver.Version], ...]
    #: True for the caret form (``@2``, ``@2.1``).
    caret: bool = False

    def matches(self, version: str | semver.Version) -> bool:
        """Return True when ``version`` satisfies every clause of the pin."""
        parsed = semver.Version.parse(str(version))
        if parsed.prerelease and not any(
            op == "==" and bound == parsed for op, bound in self.clauses
        ):
            return False
        return all(_OPERATORS[op](parsed, bound) for op, bound in self.clauses)

    def describe(self) -> str:
        """Return the pin for messages: ``version 3`` or ``versions >=2.1,<3``."""
        if self.caret:
            return f"version {self.text}"
        if len(self.clauses) == 1 and self.clauses[0][0] == "==":
            return f"version {self.clauses[0][1]}"
        return f"versions {self.text}"


def split_pin(name_with_pin: str) -> tuple[str, VersionPin | None]:
    """Split ``name@pin`` into the action name and the parsed pin.

    Raises:
        InvalidPin: The text after ``@`` is empty or not a pin.
    """
    name, separator, pin = name_with_pin.partition("@")
    if not separator:
        return name.strip(), None
    if not name.strip():
        raise InvalidPin(
            f"invalid action name {name_with_pin!r}: the action name before '@' "
            "is empty"
        )
    return name.strip(), parse_pin(pin, name_with_pin)


def parse_pin(text: str, context: str | None = None) -> VersionPin:
    """Parse the text after ``@``.

    Raises:
        InvalidPin: ``text`` is not one of the pin forms.
    """
    where = f" in {context!r}" if context else ""
    stripped = text.strip()
    if not stripped:
        raise InvalidPin(f"empty version pin{where}; use {_FORMS}")
    if stripped[0].isdigit():
        version, parts = _parse_partial(stripped, where)
        upper = _caret_upper(version, parts)
        clauses = [(">=", version)]
        if upper is not None:
            clauses.append(("<", upper))
        return VersionPin(stripped, tuple(clauses), caret=True)
    clauses = []
    for raw in stripped.split(","):
        match = _CLAUSE.match(raw.strip())
        if match is None:
            raise InvalidPin(
                f"invalid version pin clause {raw.strip()!r}{where}; each clause "
                f"starts with >=, >, <=, <, == or != and a version ({_FORMS})"
            )
        version, _ = _parse_partial(match.group(2).strip(), where)
        clauses.append((match.group(1), version))
    return VersionPin(stripped, tuple(clauses))


def _parse_partial(text: str, where: str) -> tuple[semver.Version, int]:
    match = _PARTIAL.match(text)
    if match is None:
        raise InvalidPin(
            f"invalid version {text!r} in a version pin{where}; use MAJOR, "
            f"MAJOR.MINOR or MAJOR.MINOR.PATCH ({_FORMS})"
        )
    major, minor, patch, prerelease = match.groups()
    parts = 1 + (minor is not None) + (patch is not None)
    version = semver.Version(
        int(major), int(minor or 0), int(patch or 0), prerelease=prerelease
    )
    return version, parts


def _caret_upper(version: semver.Version, parts: int) -> semver.Version | None:
    if version.major > 0 or parts == 1:
        return semver.Version(version.major + 1, 0, 0)
    if version.minor > 0 or parts == 2:
        return semver.Version(0, version.minor + 1, 0)
    return semver.Version(0, 0, version.patch + 1)

"""How data moves between tasks: merging contexts and reading them back.

A task's inbound context is the merge of the outbound contexts of the tasks
that led to it (the workflow's initial context for a start task), and its
outbound context is its inbound context with its published variables merged
over it. Only the published variables are stored, once per task; contexts
are rebuilt when read and cached, since a completed task never changes.

Values are treated as immutable: a merge copies the dictionaries it changes
and shares everything else, so a large value published once is not copied
into every downstream context.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any


def merge(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``right`` over ``left`` without changing either.

    Nested mappings merge key by key; any other value in ``right`` replaces
    the one in ``left``, as Mistral's context merge does.
    """
    if not left:
        return dict(right)
    result = dict(left)
    for key, value in right.items():
        old = result.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            result[key] = merge(old, value)
        else:
            result[key] = value
    return result


class ContextCache:
    """Outbound contexts of completed tasks, bounded in number of entries."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._max_entries = max_entries

    def get(self, task_id: str) -> dict[str, Any] | None:
        entry = self._entries.get(task_id)
        if entry is not None:
            self._entries.move_to_end(task_id)
        return entry

    def put(self, task_id: str, context: dict[str, Any]) -> None:
        self._entries[task_id] = context
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


#: ``(parents, published, final)`` of one task execution, by id. A task is
#: final when its published data can no longer change: a rerun or another
#: round of a join replaces what a task in ERROR or a join task published.
TaskLinks = Callable[[str], tuple[list[str], Mapping[str, Any], bool]]


def outbound_context(
    task_id: str,
    initial: Mapping[str, Any],
    links: TaskLinks,
    cache: ContextCache,
) -> dict[str, Any]:
    """Rebuild the outbound context of a task from its ancestors.

    Walks up through parents without recursion, so a chain of thousands of
    tasks does not hit Python's recursion limit. Only final tasks go into
    ``cache``: the context of a task that may run again is rebuilt per call,
    so no process keeps one from before a rerun.
    """
    cached = cache.get(task_id)
    if cached is not None:
        return cached
    # Depth-first post-order over the ancestors that are not cached yet.
    built: dict[str, dict[str, Any]] = {}
    stack: list[tuple[str, bool]] = [(task_id, False)]
    pending: dict[str, tuple[list[str], Mapping[str, Any], bool]] = {}

    def known(current: str) -> bool:
        return current in built or cache.get(current) is not None

    while stack:
        current, expanded = stack.pop()
        if known(current):
            continue
        if current not in pending:
            pending[current] = links(current)
        parents, published, final = pending[current]
        if not expanded:
            stack.append((current, True))
            stack.extend((p, False) for p in parents if not known(p))
            continue
        inbound = inbound_from(parents, initial, cache, built)
        context = merge(inbound, published) if published else inbound
        if final:
            cache.put(current, context)
        else:
            built[current] = context
    result = built.get(task_id)
    if result is None:
        result = cache.get(task_id)
    assert result is not None
    return result


def inbound_from(
    parents: list[str],
    initial: Mapping[str, Any],
    cache: ContextCache,
    built: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Merge the outbound contexts of ``parents`` in arrival order.

    Each parent's context comes from ``built`` (contexts not cached because
    the task may run again) or from ``cache``.
    """
    if not parents:
        return dict(initial)
    context: dict[str, Any] = {}
    for parent in parents:
        parent_context = built.get(parent) if built else None
        if parent_context is None:
            parent_context = cache.get(parent)
        if parent_context is None:
            raise KeyError(parent)
        context = merge(context, parent_context) if context else parent_context
    return context

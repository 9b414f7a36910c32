"""Marker paging of list endpoints.

A page contains at most ``limit`` items. When more follow, the response has a
``next`` URL: the same request with ``marker`` set to the id of the page's
last item. The marker selects items after it in the list's fixed order, so
items added meanwhile do not shift later pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.api.errors import ApiError
from engine.api.values import NO_NUL

#: Items per page when ``limit`` is not given.
DEFAULT_LIMIT = 100

#: Maximum ``limit``.
MAX_LIMIT = 1000


@dataclass(frozen=True)
class PageRequest:
    limit: int
    marker: str | None


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")
    ] = DEFAULT_LIMIT,
    marker: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=NO_NUL,
            description="Id of the last item of the previous page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit, marker)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next: str | None


def fetch_page(
    session: Session,
    request: Request,
    query: Select[Any],
    order: Sequence[InstrumentedAttribute[Any]],
    page: PageRequest,
    *,
    descending: bool = False,
) -> Page:
    """Run ``query`` for one page in the order of the ``order`` columns.

    The last ``order`` column must be the unique ``id`` column of the rows.

    Raises:
        ApiError: 400 when the marker is not the id of an item of this list.
    """
    id_column = order[-1]
    if page.marker is not None:
        position = session.execute(
            query.with_only_columns(*order).where(id_column == page.marker)
        ).first()
        if position is None:
            raise ApiError(
                400,
                "invalid_marker",
                f"Marker {page.marker!r} is not the id of an item of this list; "
                "take the marker from the 'next' URL of the previous page",
                "marker",
            )
        after = tuple_(*order) < tuple_(*position)
        if not descending:
            after = tuple_(*order) > tuple_(*position)
        query = query.where(after)
    sort = [column.desc() if descending else column.asc() for column in order]
    rows = list(session.scalars(query.order_by(*sort).limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return Page(rows, None)
    rows = rows[: page.limit]
    next_url = str(request.url.include_query_params(marker=rows[-1].id))
    return Page(rows, next_url)

"""Paging of a list already in memory (filtered and sorted in Python), for list pages."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class ListPage:
    """One page of a list already in memory, shaped like Flask-SQLAlchemy's pagination, so the
    ``pagination`` macro of ``macros.html`` renders either."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_list(rows: list, page: int, per_page: int) -> ListPage:
    """Page ``page`` (clamped to the pages there are) of ``rows``, ``per_page`` to a page."""
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return ListPage(items=rows[start:start + per_page], page=page, per_page=per_page,
                    total=len(rows))

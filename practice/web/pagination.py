"""Pages of a growing list without counting it: newer and older links instead of "page 3 of 9".

Counting every row of a long list costs a statement per request; asking for
one row more than a page holds says whether an older page exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select

from practice.extensions import db
from practice.web.formtools import bounded_int


@dataclass(frozen=True)
class Window:
    """The rows of one page, and whether there are pages before and after it."""

    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def window(query: Select, per_page: int) -> Window:
    """The page of `query` named by the request's `page` argument (1 when absent or invalid)."""
    page = page_number()
    rows = db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return Window(rows[:per_page], page, len(rows) > per_page)


def page_number() -> int:
    """The request's `page` argument: 1 when absent, invalid or beyond any page the database could offset to."""
    return max(request.args.get("page", 1, type=bounded_int), 1)

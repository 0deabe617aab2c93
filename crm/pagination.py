"""Paging of statements that select several columns (Flask-SQLAlchemy's db.paginate keeps the first only), and
paging that counts only when it has to."""

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, select

from crm.extensions import db
from crm.parsing import parse_int


def total_from_page(pagination: Pagination) -> int | None:
    """The total when the page just read says it, else None: a page with rows but fewer than a page's worth is the
    last one (the rows before it + its own), and an empty first page means none. A full page, or an empty page past
    the first, says nothing. Only for statements whose rows are their items one to one (no join that repeats an
    item; joined eager loads of collections are fine, SQLAlchemy limits the parents)."""
    shown = len(pagination.items)
    if 0 < shown < pagination.per_page or (shown == 0 and pagination.page == 1):
        return pagination._query_offset + shown
    return None


class RowPagination(Pagination):
    """A page of rows (entity and columns) of `query`, counted by `count_query` (the same rows without the
    columns that cost to compute, e.g. a correlated subquery)."""

    def _query_items(self) -> list[Any]:
        query = self._query_args["query"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(query).unique().all())

    def _query_count(self) -> int:
        known = total_from_page(self)
        if known is not None:
            return known
        counted = self._query_args["count_query"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(counted)) or 0


def paginate_rows(query: Select, count_query: Select, page: int, per_page: int) -> RowPagination:
    return RowPagination(page=page, per_page=per_page, error_out=False, query=query, count_query=count_query)


class ShortPagination(SelectPagination):
    """db.paginate that counts only when the page it read does not say the total (`total_from_page`): a target's
    contact log and history, an inbox, mostly shorter than a page, cost their page one statement instead of two."""

    def _query_count(self) -> int:
        known = total_from_page(self)
        return known if known is not None else super()._query_count()


def paginate_short(query: Select, page: int, per_page: int) -> ShortPagination:
    return ShortPagination(select=query, session=db.session(), page=page, per_page=per_page, error_out=False)


def page_number(max_page: int = 100_000) -> int:
    """?page= read safely: junk or huge values give page 1."""
    return parse_int(request.args.get("page"), 1, maximum=max_page) or 1


def paginate(query: Select[Any], max_page: int = 100_000) -> ShortPagination:
    """A page of PER_PAGE, its number from ?page= (`page_number`)."""
    return paginate_short(query, page_number(max_page), current_app.config["PER_PAGE"])

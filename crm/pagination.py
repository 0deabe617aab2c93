"""Paging of statements that select several columns (Flask-SQLAlchemy's db.paginate keeps the first only)."""

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from crm.extensions import db


class RowPagination(Pagination):
    """A page of rows (entity and columns) of `query`, counted by `count_query` (the same rows without the
    columns that cost to compute, e.g. a correlated subquery)."""

    def _query_items(self) -> list[Any]:
        query = self._query_args["query"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(query).unique().all())

    def _query_count(self) -> int:
        counted = self._query_args["count_query"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(counted)) or 0


def paginate_rows(query: Select, count_query: Select, page: int, per_page: int) -> RowPagination:
    return RowPagination(page=page, per_page=per_page, error_out=False, query=query, count_query=count_query)

"""crm.pagination: a page counts its statement's rows only when the page it read does not say the total."""

from sqlalchemy import false, func, select

from crm.extensions import db
from crm.pagination import paginate_short
from crm.refdata.models import Region
from tests.test_query_counts import count_queries


def test_a_page_counts_only_when_it_cannot_tell_the_total(app):
    regions = select(Region).order_by(Region.id)
    all_rows = db.session.scalar(select(func.count()).select_from(Region))
    assert all_rows == 11  # the reference data's counties and districts
    cases = [  # (page, per page, rows shown, statements): full pages and pages past the end count
        (1, 5, 5, 2),
        (2, 5, 5, 2),
        (3, 5, 1, 1),  # the last page: 10 before it and its 1
        (4, 5, 0, 2),
        (1, 11, 11, 2),  # exactly one full page: it cannot know there is no 12th
        (1, 20, 11, 1),
    ]
    for page, per_page, shown, statements in cases:
        with count_queries() as issued:
            result = paginate_short(regions, page, per_page)
        found = (len(result.items), result.total, len(issued))
        assert found == (shown, all_rows, statements), (page, per_page)
        assert result.pages == -(-all_rows // per_page)

    with count_queries() as issued:
        empty = paginate_short(regions.where(false()), 1, 5)
    assert (empty.items, empty.total, empty.pages, len(issued)) == ([], 0, 0, 1)

"""The big screen in a browser at 1920×1080: it draws the goals, the county map, the pipeline, the rankings and
the week's signings without a click; when the system cannot be reached it keeps the figures and says since when.
Its screenshot is the README's (`make screenshots`)."""

import pytest

pytest.importorskip("playwright")

from crm.auth.models import User  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.reports.screen import create_link  # noqa: E402
from crm.types import utcnow  # noqa: E402

SCREEN = {"viewport": {"width": 1920, "height": 1080}}


def test_the_big_screen_draws_itself_and_survives_an_outage(app, new_page, screenshot_dir):
    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.username == "manager"))
        _link, token = create_link(manager, "一楼大厅", utcnow())
        db.session.remove()
    page = new_page(**SCREEN)
    page.goto(f"/screen/{token}?refresh=5")
    page.wait_for_selector("body[data-loaded='1']")
    assert page.locator("#goals li").count() >= 4
    assert page.locator("#county-ranking li").count() >= 1
    page.wait_for_function("document.querySelector('#map canvas') !== null")
    as_of = page.get_by_test_id("as-of").inner_text()
    assert as_of.startswith("数据截至")
    # No scrolling on the wall: the page fits the screen.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= 1920 && document.documentElement.scrollHeight <= 1080"
    )
    page.wait_for_timeout(1000)  # the map's first frame
    page.screenshot(path=str(screenshot_dir / "big-screen.png"))

    # The system goes away: the next polls fail, the figures stay, the header says since when.
    page.route("**/data.json", lambda route: route.fulfill(status=503, body="down"))
    page.wait_for_selector("body[data-stale='1']", timeout=15_000)
    assert page.locator("#goals li").count() >= 4
    assert page.locator("#stale").is_visible()
    assert as_of.removeprefix("数据截至 ") in page.locator("#stale").inner_text()
    # It comes back: the next poll draws fresh figures and the note goes.
    page.unroute("**/data.json")
    page.wait_for_selector("body:not([data-stale='1'])", timeout=15_000)
    assert not page.locator("#stale").is_visible()

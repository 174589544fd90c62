"""The app opens in a real browser on the bundled data and draws its map without internet tiles."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import map_is_painted, exception_texts, wait_for_app

pytestmark = pytest.mark.browser


def test_hotspot_map_draws_offline(app_url, page):
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(app_url)
    wait_for_app(page)
    assert map_is_painted(page), "the map canvas is blank"
    assert exception_texts(page) == []
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "hotspot_map.png"), full_page=True)
    assert [u for u in failed if not u.startswith("http://127.0.0.1")] == [], "requests left the machine"

"""The dashboard in a real browser (Debian Chromium, software WebGL) against `streamlit run`.

Visits every page, checks no exception box and a painted map, clicks an LSOA to open its card,
changes a filter and sees the map change, and saves a screenshot of each page in test-artifacts/.
"""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (MAP, exception_texts, images_differ, map_image, map_is_painted, wait_for_app)

pytestmark = pytest.mark.browser

PAGES = [("", "Overview", False), ("map", "Hotspot map", True), ("trends", "Trends", False),
         ("patch", "My patch", False), ("impact", "Impact", False),
         ("risk-factors", "Risk factors", True), ("export", "Export", False), ("load", "Load data", False),
         ("data", "Data & method", False)]


@pytest.mark.parametrize("path, title, has_map", PAGES)
def test_every_page_renders_without_errors_or_outside_requests(app_url, page, path, title, has_map):
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    assert exception_texts(page) == []
    assert "Page not found" not in page.inner_text("body")
    assert page.inner_text('[data-testid="stMain"] h1') == title
    if has_map:
        assert map_is_painted(page), "the map canvas is blank"
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}.png"))
    assert [u for u in failed if not u.startswith("http://127.0.0.1")] == [], "requests left the machine"


def test_the_server_prepared_the_default_map_at_start(server, app_url):
    log = server.log_path.read_text()
    assert "default map prepared in" in log, log[-2000:]
    assert "warm-up failed" not in log


def test_clicking_an_lsoa_opens_its_card_and_keeps_the_view(app_url, page):
    page.goto(f"{app_url}/map?ds=bham2017")
    wait_for_app(page)
    assert map_is_painted(page)
    chart = page.wait_for_selector(MAP)
    box = chart.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)  # zoom in: the click must not reset this view
    page.wait_for_timeout(2500)
    before = map_image(page)
    page.mouse.click(x, y)
    page.wait_for_selector("text=Gi* z =", timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / "map-card.png"), full_page=True)
    card = page.inner_text('[data-testid="stMain"]')
    assert "Rank" in card, card[-800:]
    assert "Gi* class" in card and "permutation p" in card
    page.get_by_text("Gi* z =").scroll_into_view_if_needed()
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stDataFrame"]', timeout=30_000)  # risk factors
    after = map_image(page)
    before.save(ARTIFACTS / "map-before-click.png")
    after.save(ARTIFACTS / "map-after-click.png")
    # the selected LSOA is highlighted (others fade) but the view — zoom and centre — is the same:
    # compare where the near-black ward/authority lines are (fills fade on selection, lines do not move)
    lines_before = [p < 50 for p in before.convert("L").getdata()]
    lines_after = [p < 50 for p in after.convert("L").getdata()]
    moved = sum(1 for a, b in zip(lines_before, lines_after) if a != b)
    assert moved < 0.01 * len(lines_before), f"the map view moved after the click ({moved} pixels changed)"
    page.screenshot(path=str(ARTIFACTS / "map-card.png"))


def test_changing_a_filter_redraws_the_map(app_url, page):
    page.goto(f"{app_url}/map")
    wait_for_app(page)
    assert map_is_painted(page)
    before = map_image(page)
    page.get_by_text("Counts / rates (LSOA)").click()  # colour by classed counts instead of Gi* classes
    wait_for_app(page)
    page.wait_for_timeout(1500)
    after = map_image(page)
    assert images_differ(before, after)
    assert "Estimated incidents" in page.inner_text('[data-testid="stMain"]')  # the legend changed too
    page.screenshot(path=str(ARTIFACTS / "map-counts.png"))


def test_meeting_mode_enlarges_type(app_url, page):
    page.goto(f"{app_url}/?meet=1")
    wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / "overview-meeting-mode.png"))
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    size = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stMetricValue\"]')).fontSize")
    assert float(size.rstrip("px")) >= 40
    page.screenshot(path=str(ARTIFACTS / "overview-meeting-mode.png"))

"""The Trends page and meeting mode in the browser: emerging patterns on the Birmingham points, a click
opens an area's series, and on a projector's screen each map page leads with its sentence, map and legend."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import MAP, exception_texts, map_is_painted, wait_for_app

pytestmark = pytest.mark.browser


def test_trends_page_shows_patterns_and_an_areas_series(app_url, page):
    page.goto(f"{app_url}/trends?ds=bham2017")
    wait_for_app(page)
    page.wait_for_selector("text=Are the hot spots stable?", timeout=90_000)
    wait_for_app(page)
    assert exception_texts(page) == []
    main = page.inner_text('[data-testid="stMain"]')
    assert "became new or intensifying hot spots" in main
    assert "Change between two periods" in main and "Are the hot spots stable?" in main
    assert map_is_painted(page), "the pattern map is blank"
    chart = page.wait_for_selector(MAP)
    box = chart.bounding_box()
    for fx, fy in ((0.55, 0.45), (0.5, 0.5), (0.6, 0.4), (0.45, 0.55)):  # the hot LSOAs are central
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            page.wait_for_selector("text=Line: the Gi* z-score", timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - clicked an area outside every LSOA: try the next point
            continue
    wait_for_app(page)
    assert "Line: the Gi* z-score" in page.inner_text('[data-testid="stMain"]')
    page.screenshot(path=str(ARTIFACTS / "trends-series.png"), full_page=True)


@pytest.mark.parametrize("width, height", [(1600, 1000), (1280, 720)])
@pytest.mark.parametrize("path, sentence", [("map?meet=1", "are hot spots of violence"),
                                            ("trends?ds=bham2017&meet=1", "became new or intensifying")])
def test_meeting_mode_leads_with_the_sentence_map_and_legend(browser, app_url, width, height, path, sentence):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        page.wait_for_selector(f"text={sentence}", timeout=90_000)
        assert exception_texts(page) == []
        assert map_is_painted(page)
        head = page.get_by_text(sentence).first.bounding_box()
        chart = page.wait_for_selector(MAP).bounding_box()
        legend = page.locator('[data-testid="stMain"] strong').first.bounding_box()
        assert head["y"] + head["height"] <= height, "the headline is below the first screen"
        assert chart["y"] < 0.5 * height and chart["y"] + 0.6 * chart["height"] <= height, "the map starts too low"
        assert legend["y"] + legend["height"] <= height and legend["x"] > chart["x"], "the legend is off screen"
        page.screenshot(path=str(ARTIFACTS / f"meeting-{path.split('?')[0]}-{width}x{height}.png"))
    finally:
        context.close()


@pytest.mark.parametrize("width, height", [(1600, 1000), (1280, 720)])
def test_meeting_mode_overview_shows_whole_numbers_in_its_tables(browser, app_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?meet=1")
        wait_for_app(page)
        grids = page.locator('[data-testid="stDataFrame"]')
        grids.last.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        for i in range(grids.count()):
            frame = grids.nth(i).bounding_box()
            assert frame["x"] + frame["width"] <= width + 1, "a table runs off the screen"
        headers = page.locator('[data-testid="stDataFrame"] [role="columnheader"]').all_inner_texts()
        assert any("Estimated incidents" in h or "Incidents" in h for h in headers), headers
        page.screenshot(path=str(ARTIFACTS / f"meeting-overview-{width}x{height}.png"), full_page=True)
    finally:
        context.close()


def test_impact_page_draws_the_zones_and_the_verdict(app_url, page):
    page.goto(f"{app_url}/impact?ds=bham2017&geo=ward:E05011151")
    wait_for_app(page)
    page.wait_for_selector("text=relative to the rest of the study area", timeout=90_000)
    assert exception_texts(page) == []
    assert map_is_painted(page), "the zones map is blank"
    main = page.inner_text('[data-testid="stMain"]')
    assert "Download the one-page brief" in main and "Relative effect" in main
    page.screenshot(path=str(ARTIFACTS / "impact.png"), full_page=True)

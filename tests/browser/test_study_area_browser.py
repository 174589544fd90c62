"""The dashboard in the browser on a study area other than the bundled West Midlands.

A store whose study area is a hand-drawn GeoJSON of nine zones in three "patches" (not ONS codes,
no population, no bundled layers), holding police.uk-format incidents: every page renders, the map
paints, the sidebar offers the area's own patches, and nothing says West Midlands where it is not.
"""

import pytest

from tests.browser.conftest import ARTIFACTS, Server, warm_up
from tests.browser.helpers import exception_texts, map_is_painted, wait_for_app
from tests.conftest import nine_zone_store

pytestmark = pytest.mark.browser

PAGES = [("", "Overview", False), ("map", "Hotspot map", True), ("patch", "My patch", False),
         ("risk-factors", "Risk factors", False), ("export", "Export", False), ("load", "Load data", False),
         ("data", "Data & method", False)]


@pytest.fixture(scope="module")
def zones_app(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("zones")
    store = nine_zone_store(folder, per_zone=3, centre_extra=9,
                            patches=("North patch", "Middle patch", "South patch"), name="Town centre")
    srv = Server({"HOTSPOT_STORE": str(store)}, name="streamlit-zones")
    warm_up(browser, srv.url)
    yield srv.url
    srv.stop()


@pytest.mark.parametrize("path, title, has_map", PAGES)
def test_every_page_renders_on_another_study_area(zones_app, page, path, title, has_map):
    page.goto(f"{zones_app}/{path}")
    wait_for_app(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=90_000)
    wait_for_app(page)
    assert exception_texts(page) == []
    assert page.inner_text('[data-testid="stMain"] h1') == title
    sidebar = page.inner_text('[data-testid="stSidebar"]')
    assert "West Midlands" not in sidebar
    picked = page.get_attribute('[data-testid="stSidebar"] input[aria-label="Area"]', "value")
    assert picked == "All of Town centre", picked
    if has_map:
        assert map_is_painted(page), "the map canvas is blank"
    main = page.inner_text('[data-testid="stMain"]')
    if path == "":
        assert "Town centre" in main and "36" in main, main[:1500]  # 8 zones x 3, and 12 in the middle one
    if path == "data":
        assert "Town centre: 9 areas in 3 authorities" in main
    page.screenshot(path=str(ARTIFACTS / f"zones-{path or 'overview'}.png"), full_page=True)


def test_the_area_picker_offers_the_areas_own_patches(zones_app, page):
    page.goto(f"{zones_app}/patch?ds=store&geo=lad:Middle%20patch")
    wait_for_app(page)
    main = page.inner_text('[data-testid="stMain"]')
    assert "Middle patch: 3 areas" in main, main[:800]
    assert exception_texts(page) == []

"""The dashboard in the browser on a study area other than the bundled West Midlands.

A store whose study area is a hand-drawn GeoJSON of nine zones in three "patches" (not ONS codes,
no population, no bundled layers), holding police.uk-format incidents: every page renders, the map
paints, the sidebar offers the area's own patches, and nothing says West Midlands where it is not.
"""

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.projection import bng_to_lonlat
from geo.store import IncidentStore
from geo.study_area import load_study_area
from tests.browser.conftest import ARTIFACTS, Server, warm_up
from tests.browser.helpers import exception_texts, map_is_painted, wait_for_app
from tests.conftest import street_csv, street_row

pytestmark = pytest.mark.browser

PAGES = [("", "Overview", False), ("map", "Hotspot map", True), ("patch", "My patch", False),
         ("risk-factors", "Risk factors", False), ("export", "Export", False), ("load", "Load data", False),
         ("data", "Data & method", False)]


@pytest.fixture(scope="module")
def zones_app(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("zones")
    x0, y0 = 406_300, 286_400
    zones = gpd.GeoDataFrame({"zone": [f"Z{i}" for i in range(9)], "label": [f"Zone {i}" for i in range(9)],
                              "patch": ["North patch"] * 3 + ["Middle patch"] * 3 + ["South patch"] * 3},
                             geometry=[box(x0 + 400 * (i % 3), y0 - 400 * (i // 3), x0 + 400 * (i % 3 + 1),
                                           y0 - 400 * (i // 3) + 400) for i in range(9)], crs="EPSG:27700")
    path = folder / "town_centre.geojson"
    zones.to_file(path, driver="GeoJSON")
    rows = []
    for i in range(9):
        lon, lat = bng_to_lonlat([x0 + 400 * (i % 3) + 200], [y0 - 400 * (i // 3) + 200])
        rows += [street_row(crime_id=f"z{i}-{k}", month=f"2024-0{1 + k % 6}", lon=f"{lon[0]:.6f}", lat=f"{lat[0]:.6f}")
                 for k in range(3 + 9 * (i == 4))]
    (folder / "z.csv").write_bytes(street_csv(rows))
    store = folder / "zones.duckdb"
    area = load_study_area(path, area_id="zone", name_column="label", authority_column="patch",
                           name="Town centre")
    with IncidentStore(store, area=area) as s:
        s.ingest([folder / "z.csv"], "police")
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

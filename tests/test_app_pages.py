"""Every page runs on the bundled data and shows numbers computed independently from the raw files."""

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import BHAM_2017, DATA, ROOT, run_app

PAGES = ["overview", "hotspot_map", "trends", "my_patch", "impact", "risk_factors", "export", "load_data",
         "data_method"]
RAW = pd.read_csv(BHAM_2017)
VIOLENCE = RAW[RAW["type"] == "violent-crime"]
IOD = pd.read_csv(DATA / "deprivation" / "iod2025_indicators_lsoa21_wm.csv")
LOOKUP = pd.read_csv(DATA / "boundaries" / "lookup_lsoa21_ward24_lad24_wm.csv")


@pytest.fixture(autouse=True)
def empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOT_STORE", str(tmp_path / "store.duckdb"))


def _app(page: str = "overview", **params) -> AppTest:
    return run_app(page, **params)


def _metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def _deck(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("dataset", ["iod2025", "bham2017"])
def test_every_page_runs_on_both_bundled_datasets(page, dataset):
    _app(page, ds=dataset)


def _in_analysed_lsoas(raw: pd.DataFrame) -> pd.DataFrame:
    """The raw rows inside the LSOAs the page analyses, by geopandas' own point-in-polygon join."""
    import geopandas as gpd

    from geo import datasets as D

    analysed = D.area_data(D.Selection(dataset="bham2017")).areas[["area_code", "geometry"]]
    pts = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]),
                           crs="EPSG:4326").to_crs(analysed.crs)
    joined = gpd.sjoin(pts, analysed, how="inner", predicate="within")
    return raw.loc[joined.index.unique()]


def test_overview_counts_match_the_raw_police_file():
    at = _app(ds="bham2017")
    inside = _in_analysed_lsoas(VIOLENCE)
    assert 3_100 < len(inside) < len(VIOLENCE)  # 3,174 in the file; those in partly covered LSOAs are not counted
    assert _metric(at, "Incidents") == f"{len(inside):,}"


def test_month_filter_and_change_on_the_previous_period():
    at = _app(ds="bham2017", **{"from": "2017-07", "to": "2017-11"})
    inside = _in_analysed_lsoas(VIOLENCE)
    now = inside["month"].between("2017-07", "2017-11").sum()
    before = inside["month"].between("2017-02", "2017-06").sum()
    assert _metric(at, "Incidents") == f"{now:,}"
    per_day = (now / 153) / (before / 150)  # Jul-Nov has 153 days, Feb-Jun 150: the change is per day
    assert _metric(at, "Change on the previous period") == f"{100 * (per_day - 1):+.0f} %"


def test_rate_measure_ranks_lsoas_by_the_published_iod_rate():
    at = _app(measure="rate")
    top = at.dataframe[-1].value  # the top-10 table is the page's last table
    rate = IOD.set_index("LSOA21CD")[["violence_with_injury_rate_per_1_000_at_risk_population",
                                      "violence_without_injury_rate_per_1_000_at_risk_population"]].sum(axis=1)
    assert list(top["Code"]) == list(rate.sort_values(ascending=False).index[:10])


def test_map_shows_the_chosen_authority_only():
    at = _app("hotspot_map", geo="lad:E08000025")
    areas = next(layer for layer in _deck(at)["layers"] if layer["id"] == "areas")
    birmingham = (LOOKUP["LAD24CD"] == "E08000025").sum()
    assert len(areas["data"]) == birmingham == 659  # one polygon row per LSOA (all single-part)
    assert at.query_params["geo"] in ("lad:E08000025", ["lad:E08000025"])  # kept across the page switch


def test_lsoa_outlines_are_drawn_for_an_authority_not_for_the_whole_region():
    """Outlines of all 1,719 LSOAs cost most of a frame in software WebGL (ui.mapdata.Detail); the
    caption says where they are."""
    for geo, outlined in (("all", False), ("lad:E08000025", True)):
        at = _app("hotspot_map", geo=geo)
        ids = [layer["id"] for layer in _deck(at)["layers"]]
        assert ("areas_lines" in ids) == outlined and "wards" in ids and "lad" in ids, (geo, ids)
        captions = " ".join(c.value for c in at.caption)
        assert ("white: LSOAs" in captions) == outlined
        assert ("LSOA outlines appear once an authority or ward is chosen" in captions) != outlined


def test_export_csv_is_the_command_line_table():
    at = _app("export", ds="bham2017")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Hot spots .csv", "Hot spots .xlsx", "Hot spots .geojson", "Hot spots .gpkg"} <= set(labels)
    table = at.dataframe[0].value
    for col in ["area_code", "value", "gi_z", "gi_p", "gi_p_sim", "gi_class", "lisa_quadrant", "lisa_p_sim",
                "lisa_class"]:
        assert col in table.columns
    assert table["value"].sum() == len(_in_analysed_lsoas(VIOLENCE))


def test_selection_is_written_to_the_url():
    at = _app(ds="bham2017", measure="rate")
    assert at.query_params["ds"] in ("bham2017", ["bham2017"])
    assert at.query_params["measure"] in ("rate", ["rate"])


def test_the_start_up_warm_up_prepares_what_a_new_visitor_sees():
    """ui.serve caches the map for ui.state.default_selection(): it must be the sidebar's default."""
    from ui.state import default_selection

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.session_state["_view"].selection == default_selection()


def test_the_map_shows_the_store_as_it_is_after_more_data_is_loaded(write):
    """The Load data page calls forget_cached_store(): the map's own cached layers must go too."""
    import os

    from geo.store import IncidentStore
    from tests.conftest import street_csv, street_row
    from ui.ingest import forget_cached_store

    def areas_layer(at):
        return next(layer for layer in _deck(at)["layers"] if layer["id"] == "areas")["data"]

    store = IncidentStore(os.environ["HOTSPOT_STORE"])
    new_street, erdington = dict(lon="-1.899830", lat="52.481420"), dict(lon="-1.839000", lat="52.524000")
    store.ingest(write("june.csv", street_csv([street_row(crime_id=f"j{i}", month="2024-06", **new_street)
                                               for i in range(6)])), source="police")
    forget_cached_store()
    before = areas_layer(_app("hotspot_map", ds="store"))
    store.ingest(write("june-later.csv", street_csv([street_row(crime_id=f"k{i}", month="2024-06", **erdington)
                                               for i in range(9)])), source="police")
    forget_cached_store()
    after = areas_layer(_app("hotspot_map", ds="store"))
    assert len(after) == len(before) and after != before  # same LSOAs (Birmingham's), new counts
    assert sum("Incidents: 9" in row["tip"] for row in after) == 1


def test_trends_page_on_the_birmingham_points():
    at = _app("trends", ds="bham2017")
    text = " ".join(m.value for m in at.markdown)
    assert "became new or intensifying hot spots between Jan 2017 and Nov 2017" in text
    assert "per day from Jan 2017–May 2017 to Jun 2017–Nov 2017" in text  # the two-period change, per day
    assert "hot-spot LSOAs of Jan 2017–May 2017" in text  # the stability panel
    legend = at.dataframe[0].value
    assert len(legend) == 17 and legend.iloc[:, 1].sum() == 33  # every pattern listed; every LSOA in one
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert len(next(layer for layer in deck["layers"] if layer["id"] == "trend")["data"]) == 33


def test_trends_page_without_months_says_why():
    at = _app("trends")  # IoD2025: one period
    assert any("Trends need incidents with months" in i.value for i in at.info)


def test_impact_page_evaluates_a_ward_against_the_rest():
    at = _app("impact", ds="bham2017", geo="ward:E05011151")  # Ladywood
    verdict = next(m.value for m in at.markdown if "relative to the rest of the study area" in m.value)
    assert "95 % CI" in verdict
    table = at.dataframe[0].value.set_index("Zone")
    # the counts, checked against the raw file: the target's before months (Jan-May 2017, start June)
    from geo import datasets as D

    data = D.area_data(D.Selection(dataset="bham2017", crime_types=("Violence and sexual offences",)))
    ladywood = set(data.areas.loc[data.areas["ward_code"] == "E05011151", "area_code"])
    pts = data.points[data.points["area_code"].isin(ladywood)]
    assert table.loc["Target", "Before"] == int(pts["month"].between("2017-01", "2017-05").sum())
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    zones = next(layer for layer in deck["layers"] if layer["id"] == "zones")
    assert len(zones["data"]) == 33  # every analysed LSOA is in one zone
    assert any(b.label.startswith("Download the one-page brief") for b in at.get("download_button"))


def test_impact_page_asks_for_a_target_first():
    at = _app("impact", ds="bham2017")
    assert any("Choose the target" in i.value for i in at.info)


def test_cached_contiguity_is_the_weights_of_those_areas_in_their_order():
    from analytics.weights import build_weights
    from ui import cache

    areas = _wm_areas().sample(frac=1.0, random_state=3).head(300).set_index("area_code", drop=False)
    cached = cache.contiguity_weights(areas)
    direct = build_weights(areas, "queen")
    assert list(cached.ids) == list(direct.ids) == list(areas["area_code"])
    assert (cached.adjacency != direct.adjacency).nnz == 0 and cached.adjacency.nnz > 0


def _wm_areas():
    from geo.study_area import west_midlands

    return west_midlands().frame()

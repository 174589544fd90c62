"""Any study area: the store, the command line and the pages on boundaries other than the bundled whole.

Two areas: Coventry's LSOAs alone (cut from the bundled files: a Birmingham incident is outside
it) and a small hand-drawn GeoJSON of four zones with their own codes.
"""

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from analytics.cli import main
from geo import bundled
from geo.catalogue import layer
from geo.projection import bng_to_lonlat
from geo.store import IncidentStore
from geo.study_area import load_study_area, west_midlands
from tests.conftest import nine_zone_store, street_csv, street_row

COVENTRY = "E08000026"


def _run(capsys, *argv):
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def coventry_lsoas(tmp_path):
    lsoa = bundled.boundaries("lsoa21")
    lookup = west_midlands().lookup()
    codes = lookup.loc[lookup["lad_code"] == COVENTRY, "area_code"]
    frame = lsoa[lsoa["area_code"].isin(codes)][["area_code", "area_name", "geometry"]].rename(
        columns={"area_code": "LSOA21CD", "area_name": "LSOA21NM"})
    path = tmp_path / "coventry.geojson"
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    return path, frame


def _lonlat(point):
    lon, lat = bng_to_lonlat([point.x], [point.y])
    return f"{lon[0]:.6f}", f"{lat[0]:.6f}"


@pytest.fixture
def coventry_and_birmingham_file(coventry_lsoas, write):
    _, frame = coventry_lsoas
    rows = []
    for i, geom in enumerate(frame.geometry.iloc[:5]):
        lon, lat = _lonlat(geom.representative_point())
        rows += [street_row(crime_id=f"c{i}-{k}", month="2024-06", lon=lon, lat=lat) for k in range(i + 1)]
    rows.append(street_row(crime_id="bham", month="2024-06"))  # New Street, Birmingham
    return write("2024-06-west-midlands-street.csv", street_csv(rows))


def test_coventry_store_end_to_end(tmp_path, monkeypatch, capsys, coventry_lsoas, coventry_and_birmingham_file):
    path, frame = coventry_lsoas
    store = tmp_path / "coventry.duckdb"
    monkeypatch.setenv("HOTSPOT_STORE", str(store))
    code, out, err = _run(capsys, "ingest", str(coventry_and_birmingham_file), "--source", "police",
                          "--boundaries", str(path), "--area-id", "LSOA21CD")
    assert code == 0, err
    assert "15 accepted" in out and "outside the study area: 1" in out  # 1+2+3+4+5 in Coventry; New Street out
    rejects = IncidentStore(store).rejects(1)
    assert rejects["reason"].tolist() == ["outside the study area"]
    assert "beyond the outer edge" in rejects["detail"].iloc[0] and "coventry" in rejects["detail"].iloc[0]

    code, out, _ = _run(capsys, "store", "list")
    assert code == 0 and out.splitlines()[0].startswith(f"study area: coventry: {len(frame)} LSOAs in 1 authorities")

    code, _, err = _run(capsys, "hotspots", "--store", "--permutations", "9", "--out", str(tmp_path / "h.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "h.csv", encoding="utf-8-sig")
    assert len(table) == len(frame) and table["value"].sum() == 15
    assert set(table["area_code"]) == set(frame["LSOA21CD"])

    # the bundled West Midlands boundaries are another area: refused, with the way to start another store
    code, _, err = _run(capsys, "ingest", str(coventry_and_birmingham_file), "--source", "police",
                        "--boundaries", str(layer("lsoa21").path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "holds incidents for coventry" in err and "HOTSPOT_STORE=" in err
    assert len(IncidentStore(store).batches()) == 1

    # a later ingest without --boundaries uses the store's area
    later = tmp_path / "later.csv"
    later.write_bytes(street_csv([street_row(crime_id="c9", month="2024-07",
                                             lon=_lonlat(frame.geometry.iloc[0].representative_point())[0],
                                             lat=_lonlat(frame.geometry.iloc[0].representative_point())[1])]))
    code, out, err = _run(capsys, "ingest", str(later), "--source", "police")
    assert code == 0 and "1 accepted" in out, err


def test_a_hand_drawn_geojson_with_its_own_codes(tmp_path, monkeypatch, capsys, write):
    # four 500 m zones around Birmingham New Street, codes of the user's own (not ONS codes)
    x0, y0 = 406_300, 286_400
    zones = gpd.GeoDataFrame({"zone": ["Z1", "Z2", "Z3", "Z4"], "label": ["North-west", "North-east", "South-west",
                                                                          "South-east"],
                              "patch": ["Centre", "Centre", "South", "South"]},
                             geometry=[box(x0, y0, x0 + 500, y0 + 500), box(x0 + 500, y0, x0 + 1000, y0 + 500),
                                       box(x0, y0 - 500, x0 + 500, y0), box(x0 + 500, y0 - 500, x0 + 1000, y0)],
                             crs="EPSG:27700")
    path = tmp_path / "zones.geojson"
    zones.to_file(path, driver="GeoJSON")
    area = load_study_area(path, area_id="zone", name_column="label", authority_column="patch")
    assert area.n_areas == 4 and area.has_authorities and not area.has("population")
    rows = []
    for i, (dx, dy, n) in enumerate([(100, 100, 6), (700, 300, 2), (200, -300, 9), (900, -100, 1), (2000, 0, 3)]):
        from shapely.geometry import Point

        lon, lat = _lonlat(Point(x0 + dx, y0 + dy))
        rows += [street_row(crime_id=f"z{i}-{k}", lon=lon, lat=lat) for k in range(n)]
    store = tmp_path / "zones.duckdb"
    monkeypatch.setenv("HOTSPOT_STORE", str(store))
    code, out, err = _run(capsys, "ingest", str(write("z.csv", street_csv(rows))), "--source", "police",
                          "--boundaries", str(path), "--area-id", "zone", "--name-column", "label",
                          "--authority-column", "patch")
    assert code == 0, err
    assert "18 accepted" in out and "outside the study area: 3" in out
    code, out, _ = _run(capsys, "store", "list")
    assert "zones: 4 areas in 2 authorities" in out
    code, _, err = _run(capsys, "hotspots", "--store", "--permutations", "9", "--out", str(tmp_path / "z.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "z.csv", encoding="utf-8-sig").set_index("area_code")
    assert table["value"].to_dict() == {"Z1": 6, "Z2": 2, "Z3": 9, "Z4": 1}
    assert table.loc["Z3", "area_name"] == "South-west"
    stored = IncidentStore(store).study_area()
    assert stored.same_as(area) and stored.name == "zones"


@pytest.mark.parametrize("problem, expected", [
    ("points", "has no usable polygons"),
    ("duplicate", "repeated area code"),
    ("no_code", "no recognisable area-code column"),
])
def test_boundary_problems_give_one_line(tmp_path, capsys, problem, expected, monkeypatch):
    monkeypatch.setenv("HOTSPOT_STORE", str(tmp_path / "s.duckdb"))
    from shapely.geometry import Point

    if problem == "points":
        frame = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[Point(400000, 280000), Point(401000, 280000)],
                                 crs="EPSG:27700")
    elif problem == "duplicate":
        frame = gpd.GeoDataFrame({"code": ["A", "A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
                                 crs="EPSG:27700")
    else:
        frame = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:27700")
    path = tmp_path / "b.geojson"
    frame.to_file(path, driver="GeoJSON")
    src = tmp_path / "p.csv"
    src.write_bytes(street_csv([street_row(crime_id="x")]))
    area_id = ["--area-id", "code"] if problem != "no_code" else []
    code = main(["ingest", str(src), "--source", "police", "--boundaries", str(path), *area_id])
    err = capsys.readouterr().err
    if problem == "duplicate":  # merged into one area and said so (the point then lies outside these squares)
        assert code == 0 and expected in err
    else:
        assert code == 2 and expected in err and "Traceback" not in err
        assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


PAGES = ["overview", "hotspot_map", "my_patch", "risk_factors", "export", "load_data", "data_method"]


def _app_on(store, page, **params):
    import os

    from tests.conftest import run_app

    os.environ["HOTSPOT_STORE"] = str(store)
    return run_app(page, **params)


@pytest.fixture
def zones_store(tmp_path):
    return nine_zone_store(tmp_path, per_zone=2, centre_extra=4)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_hand_drawn_study_area(zones_store, page):
    at = _app_on(zones_store, page)
    text = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])
    assert "West Midlands" not in " ".join(m.value for m in at.metric)
    if page == "overview":
        assert next(m.value for m in at.metric if m.label.startswith("Incidents")) == "22"
        assert at.selectbox[0].value == "store"  # the bundled datasets are not offered here
    if page == "data_method":
        assert "zones: 9 areas in 3 authorities" in text
    if page == "risk_factors":
        assert "not available for zones" in text


def test_a_study_area_cut_from_the_bundled_files_keeps_its_layers(tmp_path, write, coventry_lsoas,
                                                                 coventry_and_birmingham_file):
    path, frame = coventry_lsoas
    store = tmp_path / "coventry.duckdb"
    area = load_study_area(path, area_id="LSOA21CD")
    assert area.has("population") and area.has("imd2025") and area.has_authorities and area.has_wards
    with IncidentStore(store, area=area) as s:
        s.ingest([coventry_and_birmingham_file], "police")
    at = _app_on(store, "overview")
    assert next(m.value for m in at.metric if m.label.startswith("Incidents")) == "15"
    at = _app_on(store, "hotspot_map")
    layers = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
    assert len(next(layer for layer in layers if layer["id"] == "areas")["data"]) == len(frame)
    for page in ("my_patch", "risk_factors", "export"):
        _app_on(store, page, geo=f"lad:{COVENTRY}")


def test_the_app_opens_on_a_boundary_file_named_by_hotspot_area(tmp_path, monkeypatch):
    zones = gpd.GeoDataFrame({"zone": ["A", "B", "C"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100),
                                                                  box(200, 0, 300, 100)], crs="EPSG:27700")
    path = tmp_path / "patch.geojson"
    zones.to_file(path, driver="GeoJSON")
    monkeypatch.setenv("HOTSPOT_AREA", str(path))
    monkeypatch.setenv("HOTSPOT_AREA_AREA_ID", "zone")
    store = tmp_path / "empty.duckdb"
    at = _app_on(store, "load_data")
    assert any("patch: 3 areas" in m.value and "the first load fixes" in m.value for m in at.markdown)
    overview = _app_on(store, "overview")
    assert any("the incident store is empty" in e.value for e in overview.error)  # one line, no traceback

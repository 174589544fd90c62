"""Shared fixtures: paths to the real format examples and writers of small files in real formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
STREET_SAMPLE = DATA / "crime" / "format_examples" / "police_uk_street_sample.csv"
API_SAMPLE = DATA / "crime" / "format_examples" / "police_uk_api_crimes_street_sample.json"
BHAM_2017 = DATA / "crime" / "birmingham_citycentre_1mile_api_2017_street_crimes.csv"

def run_app(page: str = "overview", **params):
    """The app in Streamlit's AppTest with these URL parameters, switched to ``page``; fails on any
    exception a page raised (the store is whatever HOTSPOT_STORE names)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def nine_zone_store(folder: Path, per_zone: int, centre_extra: int, patches=("North", "Middle", "South"),
                    name: str | None = None) -> Path:
    """A store on a hand-drawn study area: nine 400 m squares in Birmingham city centre (zones Z0-Z8,
    three per patch, the patches as authorities), ``per_zone`` street crimes in each (Jan-Jun 2024)
    and ``centre_extra`` more in the middle one. Returns the store's path."""
    import geopandas as gpd
    from shapely.geometry import box

    from geo.projection import bng_to_lonlat
    from geo.store import IncidentStore
    from geo.study_area import load_study_area

    x0, y0 = 406_300, 286_400
    zones = gpd.GeoDataFrame({"zone": [f"Z{i}" for i in range(9)], "label": [f"Zone {i}" for i in range(9)],
                              "patch": [p for p in patches for _ in range(3)]},
                             geometry=[box(x0 + 400 * (i % 3), y0 - 400 * (i // 3), x0 + 400 * (i % 3 + 1),
                                           y0 - 400 * (i // 3) + 400) for i in range(9)], crs="EPSG:27700")
    path = folder / "zones.geojson"
    zones.to_file(path, driver="GeoJSON")
    rows = []
    for i in range(9):
        lon, lat = bng_to_lonlat([x0 + 400 * (i % 3) + 200], [y0 - 400 * (i // 3) + 200])
        rows += [street_row(crime_id=f"z{i}-{k}", month=f"2024-0{1 + k % 6}", lon=f"{lon[0]:.6f}", lat=f"{lat[0]:.6f}")
                 for k in range(per_zone + centre_extra * (i == 4))]
    (folder / "z.csv").write_bytes(street_csv(rows))
    area = load_study_area(path, area_id="zone", name_column="label", authority_column="patch", name=name)
    store = folder / "zones.duckdb"
    with IncidentStore(store, area=area) as s:
        s.ingest([folder / "z.csv"], "police")
    return store


STREET_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                 "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


def street_row(crime_id="", month="2024-06", lon="-1.899830", lat="52.481420", location="On or near New Street",
               lsoa="E01033620", lsoa_name="Birmingham 138A", crime_type="Violence and sexual offences",
               outcome="Under investigation"):
    """One row of a police.uk street CSV (West Midlands Police), in the file's own column order."""
    return [crime_id, month, "West Midlands Police", "West Midlands Police", lon, lat, location, lsoa, lsoa_name,
            crime_type, outcome, ""]


def street_csv(rows, header=STREET_HEADER, delimiter=",", encoding="utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.fixture
def write(tmp_path):
    """write(name, bytes_or_text) -> Path of a file under tmp_path."""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return _write

"""The ingest benchmark's synthetic police.uk data has the real schema and quirks (small run, no timing)."""

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks.ingest_data import LSOA_FILE, write_police_data
from geo.police_uk import CRIME_TYPES, read_police
from tests.conftest import STREET_SAMPLE


def test_small_synthetic_archive_looks_like_police_uk(tmp_path):
    folder, archive = tmp_path / "police", tmp_path / "police.zip"
    stats = write_police_data(folder, archive, n_rows=36 * 400, n_points=300, n_dup=35)
    files = sorted(folder.rglob("*-street.csv"))
    assert len(files) == 36 == stats["files"] and files[0].name == "2022-01-west-midlands-street.csv"
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted(str(f.relative_to(folder)) for f in files)
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    assert list(raw.columns) == list(pd.read_csv(STREET_SAMPLE, nrows=0).columns)
    assert set(raw["Reported by"]) == set(raw["Falls within"]) == {"West Midlands Police"}
    assert set(raw["Crime type"]) <= set(CRIME_TYPES) and raw["Crime type"].nunique() == 14
    asb = raw["Crime type"] == "Anti-social behaviour"
    assert 0.15 < asb.mean() < 0.25 and raw.loc[asb, "Crime ID"].eq("").all()
    nowhere = raw["Longitude"] == ""
    assert 0.06 < nowhere.mean() < 0.12 and raw.loc[nowhere, "LSOA code"].eq("").all()
    ids = raw.loc[~asb, "Crime ID"]
    assert ids.str.fullmatch(r"[0-9a-f]{64}").all() and ids.duplicated().sum() == stats["duplicate_rows"] == 35
    located = raw[~nowhere]
    assert located["Location"].str.startswith("On or near ").all()
    assert located[["Longitude", "Latitude"]].drop_duplicates().shape[0] <= 300  # snapped to map points
    # every point lies inside the LSOA its row names
    lsoa = gpd.read_file(LSOA_FILE).to_crs(27700).set_index("LSOA21CD")
    result = read_police(folder)
    geoms = lsoa.geometry.reindex(result.data["supplied_area_code"]).to_numpy()
    assert shapely.contains_xy(geoms, result.data["easting"], result.data["northing"]).all()
    assert np.isin(result.report.reason_counts().index, ["no coordinates", "duplicate Crime ID"]).all()

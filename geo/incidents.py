"""The one shape every incident takes once read, whatever file it came from.

An incident table is a GeoDataFrame in British National Grid (EPSG:27700) with the
columns in :data:`INCIDENT_COLUMNS`. Readers build it with :func:`to_incidents`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from geopandas.array import GeometryArray, from_shapely

from geo.projection import BNG
from geo.report import LoadReport

INCIDENT_COLUMNS = [
    "incident_id",  # police.uk Crime ID / persistent_id, or a partner's reference; "" if none
    "source",  # police, ed, ambulance, other
    "category",  # police.uk crime type (CSV wording) or the partner's category
    "month",  # 'YYYY-MM'
    "date",  # day of the incident where known (NaT for police.uk, which gives months only)
    "time",  # 'HH:MM' where known, else ""
    "location",  # police.uk "On or near …" text, or the partner's free-text location
    "supplied_area_code",  # the LSOA code the file gave (not trusted; compared with point-in-polygon)
    "outcome",
    "weight",  # 1.0 unless the file gives a weight/count
    "easting", "northing", "longitude", "latitude",
    "file", "row",  # where the record came from (spreadsheet row, header = 1)
]


@dataclass
class Incidents:
    """Incidents read from one or more files, with the report of what happened to every row."""

    data: gpd.GeoDataFrame
    report: LoadReport

    def __len__(self) -> int:
        return len(self.data)


def empty_incidents() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def incident_columns(table: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`to_incidents` without the geometry: the standard columns (plus ``extra``), as a DataFrame."""
    out = table.copy(deep=False)
    defaults = {"incident_id": "", "source": "police", "date": pd.NaT, "time": "", "location": "",
                "supplied_area_code": "", "outcome": "", "weight": 1.0}
    for col, value in defaults.items():
        if col not in out.columns:
            out[col] = value
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    out["weight"] = out["weight"].astype(float)
    out = out[INCIDENT_COLUMNS + [c for c in extra if c in out.columns]].reset_index(drop=True)
    for col in ("easting", "northing", "longitude", "latitude"):
        out[col] = out[col].astype(float)
    return out


def point_geometry(easting: np.ndarray, northing: np.ndarray) -> GeometryArray:
    """Points in EPSG:27700, one shapely object per distinct location (police.uk repeats a few tens of
    thousands of map points over millions of rows; shapely geometries are immutable, so rows share them)."""
    from geo.points import distinct_points

    x, y = np.asarray(easting, float), np.asarray(northing, float)
    codes, first = distinct_points(x, y)
    if len(first) * 2 > len(codes):
        return gpd.points_from_xy(x, y, crs=BNG)
    return from_shapely(shapely.points(x[first], y[first])[codes], crs=BNG)


def with_geometry(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """``frame`` (from :func:`incident_columns`) with its point geometry."""
    geometry = point_geometry(frame["easting"].to_numpy(), frame["northing"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=BNG, copy=False)  # (copy-on-write: no copy needed)


def to_incidents(table: pd.DataFrame, extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """The standard columns (plus the named ``extra`` ones), with point geometry from easting/northing."""
    return with_geometry(incident_columns(table, extra))


def concat_incidents(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_incidents()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=BNG)


def duplicated_ids(ids: pd.Series) -> np.ndarray:
    """``ids.duplicated(keep="first")`` as a boolean array (each ID hashed once, in Arrow, when it can be)."""
    array = getattr(ids.array, "_pa_array", None)
    if not isinstance(array, pa.ChunkedArray) or array.null_count or array.num_chunks == 0 or len(ids) < 10_000:
        return ids.duplicated(keep="first").to_numpy()
    encoded = pc.dictionary_encode(array)  # one dictionary shared by every chunk
    codes = np.concatenate([c.indices.to_numpy() for c in encoded.chunks])
    first = np.empty(len(encoded.chunk(0).dictionary), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write wins: the first row of each
    dup = np.ones(len(codes), dtype=bool)
    dup[first] = False
    return dup


def drop_duplicate_ids(data: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """Keep the first record of each non-empty incident ID; reject the repeats with a pointer to the first.

    Empty IDs (police.uk anti-social behaviour) are never de-duplicated: identical ASB rows
    are genuinely separate incidents.
    """
    ids = data["incident_id"].astype(str)
    has_id = ids.ne("").to_numpy()
    dup = has_id & duplicated_ids(ids)
    if not dup.any():
        return data.reset_index(drop=True)
    from geo.tabular import filter_rows

    repeated = ids[dup]
    firsts = has_id & ~dup & ids.isin(repeated.unique()).to_numpy()  # the kept record of each repeated ID
    first = filter_rows(data[["incident_id", "file", "row"]], firsts).set_index("incident_id")[["file", "row"]]
    where = first.reindex(repeated)
    detail = ("same Crime ID as " + where["file"].astype(str) + " row " + where["row"].astype(str)).to_numpy()
    report.reject(pd.DataFrame(filter_rows(data, dup).drop(columns="geometry", errors="ignore")),
                  "duplicate Crime ID", detail)
    report.notes.append(f"{int(dup.sum()):,} repeated Crime IDs removed (overlapping downloads); "
                        "the first record of each was kept.")
    return filter_rows(data, ~dup).reset_index(drop=True)


def months_of(data: pd.DataFrame) -> np.ndarray:
    return np.sort(data["month"].dropna().unique())

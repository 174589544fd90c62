"""The one shape every incident takes once read, whatever file it came from.

An incident table is a GeoDataFrame in British National Grid (EPSG:27700) with the
columns in :data:`INCIDENT_COLUMNS`. Readers build it with :func:`to_incidents`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

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


def to_incidents(table: pd.DataFrame, extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """The standard columns (plus the named ``extra`` ones), with point geometry from easting/northing."""
    out = table.copy()
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
    geometry = gpd.points_from_xy(out["easting"].to_numpy(), out["northing"].to_numpy(), crs=BNG)
    return gpd.GeoDataFrame(out, geometry=geometry, crs=BNG)


def concat_incidents(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_incidents()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=BNG)


def drop_duplicate_ids(data: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """Keep the first record of each non-empty incident ID; reject the repeats with a pointer to the first.

    Empty IDs (police.uk anti-social behaviour) are never de-duplicated: identical ASB rows
    are genuinely separate incidents.
    """
    ids = data["incident_id"].astype(str)
    has_id = ids.ne("")
    dup = has_id & ids.duplicated(keep="first")
    if dup.any():
        first = data[has_id & ~dup].drop_duplicates("incident_id").set_index("incident_id")[["file", "row"]]
        where = first.reindex(ids[dup])
        detail = ("same Crime ID as " + where["file"].astype(str) + " row " + where["row"].astype(str)).to_numpy()
        report.reject(pd.DataFrame(data[dup].drop(columns="geometry")), "duplicate Crime ID", detail)
        report.notes.append(f"{int(dup.sum()):,} repeated Crime IDs removed (overlapping downloads); "
                            "the first record of each was kept.")
    return data[~dup].reset_index(drop=True)


def months_of(data: pd.DataFrame) -> np.ndarray:
    return np.sort(data["month"].dropna().unique())

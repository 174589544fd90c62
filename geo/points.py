"""Turning coordinate and date text into validated points, with every rejected row recorded.

Shared by every incident reader (police.uk CSV and API, partner tables), so the rules
are written once:

* blank coordinates → "no coordinates"; text that is not a number → "not numeric or out of range";
* exactly (0, 0) → "(0,0) coordinates" (a common placeholder for "unknown");
* latitude and longitude the wrong way round → "latitude/longitude swapped" (rejected, not
  silently repaired: the partner should fix the export);
* outside the study area polygon (default: Great Britain's box) → "outside the study area";
* dates that do not parse → "unparseable date".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo import report as R
from geo.projection import BNG_BOX, GB_LONLAT_BOX, bng_to_lonlat, lonlat_to_bng

MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%m/%Y", "%b %Y", "%B %Y", "%Y-%m-%d")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y", "%d %b %Y", "%d %B %Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f",
                    "%Y-%m-%d %H:%M:%S.%f")


def _numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce")


def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def parse_when(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse with the first of ``formats`` that fits each value; NaT where none does. UK day-first."""
    text = text.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text != ""
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        out.loc[parsed.index[ok]] = parsed[ok]
        todo.loc[parsed.index[ok]] = False
    return out


def validate_lonlat(table: pd.DataFrame, lon_col: str, lat_col: str, rep: R.LoadReport,
                    study_area_bng=None) -> pd.DataFrame:
    """Keep rows with usable WGS84 coordinates; add easting/northing/longitude/latitude columns."""
    lon, lat = _numbers(table[lon_col]), _numbers(table[lat_col])
    blank = table[lon_col].astype(str).str.strip().eq("") | table[lat_col].astype(str).str.strip().eq("")
    rep.reject(table[blank], R.NO_COORDINATES)
    keep = ~blank
    bad = keep & (lon.isna() | lat.isna() | lon.abs().gt(180) | lat.abs().gt(90))
    rep.reject(table[bad], R.BAD_COORDINATES, "longitude/latitude must be decimal degrees")
    keep &= ~bad
    zero = keep & lon.eq(0) & lat.eq(0)
    rep.reject(table[zero], R.ZERO_COORDINATES)
    keep &= ~zero
    x, y = lon.to_numpy(float), lat.to_numpy(float)
    in_gb = _in_box(x, y, GB_LONLAT_BOX)
    swapped = keep & ~in_gb & _in_box(y, x, GB_LONLAT_BOX)
    rep.reject(table[swapped], R.SWAPPED_COORDINATES,
               "the Latitude column holds longitudes: swap the two columns in the file")
    keep &= ~swapped
    out = table[keep].copy()
    out["longitude"], out["latitude"] = lon[keep].to_numpy(), lat[keep].to_numpy()
    out["easting"], out["northing"] = lonlat_to_bng(out["longitude"].to_numpy(), out["latitude"].to_numpy())
    return _within_study_area(out, rep, study_area_bng)


def validate_bng(table: pd.DataFrame, e_col: str, n_col: str, rep: R.LoadReport, study_area_bng=None) -> pd.DataFrame:
    """Keep rows with usable British National Grid coordinates (metres); add lon/lat too."""
    e, n = _numbers(table[e_col]), _numbers(table[n_col])
    blank = table[e_col].astype(str).str.strip().eq("") | table[n_col].astype(str).str.strip().eq("")
    rep.reject(table[blank], R.NO_COORDINATES)
    keep = ~blank
    zero = keep & e.eq(0) & n.eq(0)
    rep.reject(table[zero], R.ZERO_COORDINATES)
    keep &= ~zero
    x, y = e.to_numpy(float), n.to_numpy(float)
    in_box = _in_box(x, y, BNG_BOX)
    swapped = keep & e.notna() & n.notna() & ~in_box & _in_box(y, x, BNG_BOX)
    rep.reject(table[swapped], R.SWAPPED_COORDINATES, "easting and northing are the wrong way round")
    keep &= ~swapped
    bad = keep & ~(e.notna() & n.notna() & in_box)
    rep.reject(table[bad], R.BAD_COORDINATES, "easting/northing must be British National Grid metres")
    keep &= ~bad
    out = table[keep].copy()
    out["easting"], out["northing"] = e[keep].to_numpy(), n[keep].to_numpy()
    out["longitude"], out["latitude"] = bng_to_lonlat(out["easting"].to_numpy(), out["northing"].to_numpy())
    return _within_study_area(out, rep, study_area_bng)


def _within_study_area(table: pd.DataFrame, rep: R.LoadReport, study_area_bng) -> pd.DataFrame:
    if study_area_bng is None:
        inside = _in_box(table["longitude"].to_numpy(), table["latitude"].to_numpy(), GB_LONLAT_BOX)
        detail = "not in Great Britain"
    else:
        shapely.prepare(study_area_bng)
        inside = shapely.contains_xy(study_area_bng, table["easting"].to_numpy(), table["northing"].to_numpy())
        detail = "beyond the study area boundary"
    rep.reject(table[~inside], R.OUTSIDE_STUDY_AREA, detail)
    return table[inside]


def validate_month(table: pd.DataFrame, col: str, rep: R.LoadReport) -> pd.DataFrame:
    """Keep rows whose ``col`` is a month (YYYY-MM and common variants); add ``month`` as 'YYYY-MM'."""
    when = parse_when(table[col], MONTH_FORMATS)
    bad = when.isna()
    rep.reject(table[bad], R.BAD_DATE, "month must look like 2024-06")
    out = table[~bad].copy()
    out["month"] = when[~bad].dt.strftime("%Y-%m").to_numpy()
    return out

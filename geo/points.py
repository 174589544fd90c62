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
import pyarrow as pa
import shapely

from geo import report as R
from geo.tabular import filter_rows
from geo.projection import BNG_BOX, GB_LONLAT_BOX, bng_to_lonlat, lonlat_to_bng

MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%m/%Y", "%b %Y", "%B %Y", "%Y-%m-%d")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y", "%d %b %Y", "%d %B %Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f",
                    "%Y-%m-%d %H:%M:%S.%f")


def _numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce")


# Every rule below is applied to whole columns. Where the work is per value in Python or C (parsing
# numbers and dates, formatting months, projecting, point-in-polygon), it is done once per distinct
# value and mapped back: police.uk data repeat a few tens of thousands of map points and a few dozen
# months over millions of rows. The results are those of applying the rule to every row.
def _by_value(text: pd.Series, rule) -> pd.Series:
    """``rule(text)`` (an elementwise rule), computed on the distinct values of ``text`` only."""
    codes, uniques = text.factorize()
    if len(uniques) * 2 > len(text):
        return rule(text)  # mostly distinct: nothing to gain
    done = rule(pd.Series(uniques, dtype=text.dtype)).reindex(codes)  # code -1 (missing): NaN, as rule(NaN)
    done.index = text.index
    return done


def _edges_may_be_space(array) -> bool:
    """Whether any value of an Arrow string array starts or ends with a byte that could be whitespace
    (ASCII space or control, or part of a non-ASCII character); False means stripping changes nothing."""
    for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
        if len(chunk) == 0:
            continue
        if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        _, offsets_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset: chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        edge = np.concatenate([data[starts[filled]], data[ends[filled] - 1]])
        if ((edge <= 32) | (edge >= 128)).any():
            return True
    return False


def strip_text(text: pd.Series) -> pd.Series:
    """``text.astype(str).str.strip()``, skipping the work for a column with nothing to strip."""
    text = text.astype(str)
    array = getattr(text.array, "_pa_array", None)
    if array is not None and not _edges_may_be_space(array):
        return text
    return text.str.strip()


def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _reject(rep: R.LoadReport, table: pd.DataFrame, mask, reason: str, detail="") -> None:
    """``rep.reject(table[mask], reason, detail)``, skipping the (costly) empty selection."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        rep.reject(filter_rows(table, mask), reason, detail)


def _keep(table: pd.DataFrame, keep) -> pd.DataFrame:
    """``table[keep]``, without copying every column when every row is kept."""
    keep = np.asarray(keep, dtype=bool)
    return table.copy(deep=False) if keep.all() else filter_rows(table, keep)


def _parse_distinct(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
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


def _unparsed(codes: np.ndarray, parsed: pd.Series) -> np.ndarray:
    """Rows whose value did not parse, from :func:`_parse_codes`."""
    missing = np.append(parsed.isna().to_numpy(), True)  # code -1 (a missing value) takes the last
    return missing[codes]


def _parse_codes(text: pd.Series, formats: tuple[str, ...]) -> tuple[np.ndarray, pd.Series]:
    """(codes, parsed distinct values): row i parses to ``parsed[codes[i]]`` (NaT where the code is -1)."""
    codes, uniques = text.factorize()
    return codes, _parse_distinct(pd.Series(uniques, dtype=text.dtype), formats)


def _take(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[codes]`` on ``index``; missing (NaT/NaN) where a code is -1."""
    out = values.reindex(codes)
    out.index = index
    return out


def parse_when(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse with the first of ``formats`` that fits each value; NaT where none does. UK day-first."""
    codes, parsed = _parse_codes(text, formats)
    return _take(parsed, codes, text.index)


def _pair_codes(x_codes: np.ndarray, y_codes: np.ndarray, n_y: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first row of each distinct pair) for pairs of codes (all >= 0)."""
    pair = x_codes.astype(np.int64) * max(n_y, 1) + y_codes
    codes, uniques = pd.factorize(pair)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes, first


def _float_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of float values by their exact bits (so 0.0 and -0.0, or two NaNs, never merge)."""
    codes, uniques = pd.factorize(np.ascontiguousarray(values, dtype=np.float64).view(np.int64))
    return codes, len(uniques)


def distinct_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first): row i has the same (x, y), bit for bit, as row ``first[codes[i]]``."""
    cx, _ = _float_codes(x)
    cy, n_y = _float_codes(y)
    return _pair_codes(cx, cy, n_y)


def _project(lon: np.ndarray, lat: np.ndarray, transform) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``transform`` applied once per distinct point; returns (x, y, point codes)."""
    codes, first = distinct_points(lon, lat)
    if len(first) * 2 > len(codes):
        x, y = transform(lon, lat)
        return np.asarray(x), np.asarray(y), codes
    ux, uy = transform(np.asarray(lon, float)[first], np.asarray(lat, float)[first])
    return np.asarray(ux)[codes], np.asarray(uy)[codes], codes


def _lonlat_checks(lon: pd.Series, lat: pd.Series, blank, reject) -> np.ndarray:
    """validate_lonlat's rules, in its order: ``reject(mask, reason, detail)`` the blank, bad, (0,0)
    and swapped rows; return the rows kept."""
    blank = np.asarray(blank, dtype=bool)
    reject(blank, R.NO_COORDINATES)
    keep = ~blank
    bad = keep & (lon.isna() | lat.isna() | lon.abs().gt(180) | lat.abs().gt(90)).to_numpy()
    reject(bad, R.BAD_COORDINATES, "longitude/latitude must be decimal degrees")
    keep &= ~bad
    zero = keep & (lon.eq(0) & lat.eq(0)).to_numpy()
    reject(zero, R.ZERO_COORDINATES)
    keep &= ~zero
    x, y = lon.to_numpy(float), lat.to_numpy(float)
    in_gb = _in_box(x, y, GB_LONLAT_BOX)
    swapped = keep & ~in_gb & _in_box(y, x, GB_LONLAT_BOX)
    reject(swapped, R.SWAPPED_COORDINATES, "the Latitude column holds longitudes: swap the two columns in the file")
    return keep & ~swapped


def validate_lonlat(table: pd.DataFrame, lon_col: str, lat_col: str, rep: R.LoadReport,
                    study_area_bng=None) -> pd.DataFrame:
    """Keep rows with usable WGS84 coordinates; add easting/northing/longitude/latitude columns."""
    lon, lat = _by_value(table[lon_col], _numbers), _by_value(table[lat_col], _numbers)
    blank = table[lon_col].astype(str).str.strip().eq("") | table[lat_col].astype(str).str.strip().eq("")
    keep = _lonlat_checks(lon, lat, blank, lambda mask, reason, detail="": _reject(rep, table, mask, reason, detail))
    out = _keep(table, keep)
    out["longitude"], out["latitude"] = lon[keep].to_numpy(), lat[keep].to_numpy()
    easting, northing, points = _project(out["longitude"].to_numpy(), out["latitude"].to_numpy(), lonlat_to_bng)
    out["easting"], out["northing"] = easting, northing
    return _within_study_area(out, rep, study_area_bng, points)


def validate_bng(table: pd.DataFrame, e_col: str, n_col: str, rep: R.LoadReport, study_area_bng=None) -> pd.DataFrame:
    """Keep rows with usable British National Grid coordinates (metres); add lon/lat too."""
    e, n = _by_value(table[e_col], _numbers), _by_value(table[n_col], _numbers)
    blank = table[e_col].astype(str).str.strip().eq("") | table[n_col].astype(str).str.strip().eq("")
    _reject(rep, table, blank, R.NO_COORDINATES)
    keep = ~blank
    zero = keep & e.eq(0) & n.eq(0)
    _reject(rep, table, zero, R.ZERO_COORDINATES)
    keep &= ~zero
    x, y = e.to_numpy(float), n.to_numpy(float)
    in_box = _in_box(x, y, BNG_BOX)
    swapped = keep & e.notna() & n.notna() & ~in_box & _in_box(y, x, BNG_BOX)
    _reject(rep, table, swapped, R.SWAPPED_COORDINATES, "easting and northing are the wrong way round")
    keep &= ~swapped
    bad = keep & ~(e.notna() & n.notna() & in_box)
    _reject(rep, table, bad, R.BAD_COORDINATES, "easting/northing must be British National Grid metres")
    keep &= ~bad
    out = _keep(table, keep)
    out["easting"], out["northing"] = e[keep].to_numpy(), n[keep].to_numpy()
    lon, lat, points = _project(out["easting"].to_numpy(), out["northing"].to_numpy(), bng_to_lonlat)
    out["longitude"], out["latitude"] = lon, lat
    return _within_study_area(out, rep, study_area_bng, points)


def _inside(lon, lat, easting, northing, study_area_bng, points=None) -> tuple[np.ndarray, str]:
    """(inside the study area, the detail for rows that are not): Great Britain's box when
    ``study_area_bng`` is None. ``points`` (codes of distinct points, as from :func:`distinct_points`)
    lets the polygon test run once per distinct point."""
    if study_area_bng is None:
        return _in_box(np.asarray(lon), np.asarray(lat), GB_LONLAT_BOX), "not in Great Britain"
    shapely.prepare(study_area_bng)
    e, n = np.asarray(easting, float), np.asarray(northing, float)
    if points is None or len(points) != len(e):
        points, first = distinct_points(e, n)
    else:
        first = np.empty(int(points.max()) + 1 if len(points) else 0, dtype=np.int64)
        first[points[::-1]] = np.arange(len(points) - 1, -1, -1)
    return shapely.contains_xy(study_area_bng, e[first], n[first])[points], "beyond the study area boundary"


def _within_study_area(table: pd.DataFrame, rep: R.LoadReport, study_area_bng, points=None) -> pd.DataFrame:
    """Reject the rows outside the study area (see :func:`_inside`)."""
    inside, detail = _inside(table["longitude"].to_numpy(), table["latitude"].to_numpy(),
                             table["easting"].to_numpy(), table["northing"].to_numpy(), study_area_bng, points)
    _reject(rep, table, ~inside, R.OUTSIDE_STUDY_AREA, detail)
    return _keep(table, inside)


def validate_month(table: pd.DataFrame, col: str, rep: R.LoadReport) -> pd.DataFrame:
    """Keep rows whose ``col`` is a month (YYYY-MM and common variants); add ``month`` as 'YYYY-MM'."""
    codes, parsed = _parse_codes(table[col], MONTH_FORMATS)
    when = _take(parsed, codes, table.index)
    bad = when.isna()
    _reject(rep, table, bad, R.BAD_DATE, "month must look like 2024-06")
    out = _keep(table, ~bad)
    months = parsed.dt.strftime("%Y-%m")
    out["month"] = months.to_numpy()[codes[~bad.to_numpy()]]
    return out


def month_text(parsed: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """'YYYY-MM' of ``parsed[codes]`` (from :func:`_parse_codes`) as text, missing where it did not parse."""
    months = parsed.dt.strftime("%Y-%m")
    values = pa.array(months.astype(object).where(months.notna(), None).tolist(), type=pa.large_string())
    taken = values.take(pa.array(codes, mask=codes < 0))
    return pd.Series(taken, index=index, dtype=months.dtype if months.dtype != object else "str")

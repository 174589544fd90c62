"""Reading partners' incident tables: ED assault attendances (ISTV), ambulance call-outs, local extracts.

A CSV or XLSX with, per row, a location — latitude/longitude, or easting/northing (British
National Grid), or a postcode (geocoded with the bundled Code-Point Open) — a date, datetime
or month, and optionally a category, a source label, a weight and a reference. Common column
names are recognised (see :data:`FIELD_ALIASES`); a mapping ``{field: column}`` overrides them.
Each row uses its own coordinates when it has both, else its postcode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from geo import report as R
from geo.errors import InputError
from geo.incidents import Incidents, to_incidents
from geo.points import (DATE_FORMATS, DATETIME_FORMATS, MONTH_FORMATS, _by_value, _keep, _reject, parse_when,
                        validate_bng, validate_lonlat)
from geo.postcodes import geocode_postcodes
from geo.sources import NamedBytes
from geo.tabular import filter_rows, read_bytes, read_table

MAX_PARTNER_BYTES = 200_000_000
SOURCES = ("police", "ed", "ambulance", "other")

FIELD_ALIASES: dict[str, list[str]] = {
    "latitude": ["latitude", "lat", "incident_latitude", "y_lat"],
    "longitude": ["longitude", "lon", "lng", "long", "incident_longitude", "x_lon"],
    "easting": ["easting", "eastings", "east", "os_x", "x", "grid_easting", "incident_easting"],
    "northing": ["northing", "northings", "north", "os_y", "y", "grid_northing", "incident_northing"],
    "postcode": ["postcode", "post_code", "incident_postcode", "pcode", "postcode_of_incident", "location_postcode"],
    "datetime": ["datetime", "date_time", "incident_datetime", "date_and_time_of_incident", "incident_date_time",
                 "timestamp", "call_datetime"],
    "date": ["date", "incident_date", "date_of_incident", "date_of_assault", "call_date", "occurred", "offence_date"],
    "time": ["time", "incident_time", "time_of_incident", "time_of_assault", "call_time"],
    "month": ["month", "period", "year_month"],
    "category": ["category", "crime_type", "offence", "offence_type", "type", "assault_type", "call_category",
                 "primary_means_of_assault", "means_of_assault", "weapon"],
    "source": ["source", "data_source"],
    "weight": ["weight", "count", "incidents", "n"],
    "incident_id": ["incident_id", "id", "reference", "ref", "attendance_id", "call_id", "crime_id"],
    "location": ["location", "location_description", "incident_location", "place", "location_of_incident",
                 "location_free_text", "street"],
    "arrival": ["arrival_datetime", "date_and_time_of_arrival", "arrival_date_time", "arrival"],
}
FIELDS = tuple(FIELD_ALIASES)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def detect_columns(columns: list[str]) -> dict[str, str]:
    """{field: column} for the fields whose usual names appear among ``columns``."""
    by_key = {_key(c): c for c in columns}
    found: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            if alias in by_key and by_key[alias] not in found.values():
                found[field] = by_key[alias]
                break
    return found


def read_partner_table(source: str | Path | NamedBytes, source_label: str = "other",
                       mapping: dict[str, str] | None = None, study_area_bng=None, *,
                       progress: Callable[[str, int, int], None] | None = None) -> Incidents:
    """Read one partner incident table (CSV or XLSX) into the standard incident table.

    ``progress``, if given, is called once the file is read and checked, with (its name, rows read,
    rows rejected), as :func:`geo.police_uk.read_police` calls it after each file.
    """
    item = source if isinstance(source, NamedBytes) else NamedBytes(str(source), read_bytes(source, MAX_PARTNER_BYTES))
    if source_label not in SOURCES:
        raise InputError(item.name, f"unknown source {source_label!r}", f"use one of {', '.join(SOURCES)}")
    table, rep = read_table(item.data, item.name, allow_excel=True)
    columns = [c for c in table.columns if c not in ("file", "row")]
    cols = detect_columns(columns)
    for field, column in (mapping or {}).items():
        if field not in FIELD_ALIASES:
            raise InputError(item.name, f"the mapping names an unknown field {field!r}",
                             f"fields are {', '.join(FIELDS)}")
        if column not in table.columns:
            raise InputError(item.name, f"the mapping points {field} at {column!r}, which is not a column",
                             "columns are " + ", ".join(columns[:15]))
        cols[field] = column
    has_lonlat = {"latitude", "longitude"} <= cols.keys()
    has_bng = {"easting", "northing"} <= cols.keys()
    if not (has_lonlat or has_bng or "postcode" in cols):
        raise InputError(item.name, "has no location columns (latitude/longitude, easting/northing or postcode)",
                         "add one, or map the columns that hold them; columns are " + ", ".join(columns[:15]))
    if not ({"datetime", "date", "month"} & cols.keys()):
        raise InputError(item.name, "has no date, datetime or month column",
                         "add one, or map the column that holds it; columns are " + ", ".join(columns[:15]))

    table = _when(table, cols, rep)
    table = _where(table, cols, rep, study_area_bng, has_lonlat, has_bng)

    table["source"] = (table[cols["source"]].astype(str).str.strip().str.lower().replace("", source_label)
                       if "source" in cols else source_label)
    table["category"] = (table[cols["category"]].astype(str).str.strip().replace("", "Unspecified")
                         if "category" in cols else "Unspecified")
    for field in ("incident_id", "location", "arrival"):
        table[field] = table[cols[field]].astype(str).str.strip() if field in cols else ""
    if "weight" in cols:
        w = _by_value(table[cols["weight"]], lambda text: pd.to_numeric(text, errors="coerce"))
        bad = ~(w > 0)
        _reject(rep, table, bad, R.BAD_WEIGHT)
        table = _keep(table, ~bad)
        table["weight"] = w[~bad]
    data = to_incidents(table, extra=("arrival",))
    rep.accepted = len(data)
    rep.check_balanced()
    if progress is not None:
        progress(item.name, rep.rows_read, rep.n_rejected)
    return Incidents(data, rep)


def _when(table: pd.DataFrame, cols: dict[str, str], rep: R.LoadReport) -> pd.DataFrame:
    """Fill ``date``, ``time`` and ``month`` from whichever of datetime/date/time/month exist."""
    stamp = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    has_time = pd.Series(False, index=table.index)
    if "datetime" in cols:
        parsed = parse_when(table[cols["datetime"]], DATETIME_FORMATS)
        stamp, has_time = parsed, parsed.notna()
        stamp = stamp.fillna(parse_when(table[cols["datetime"]], DATE_FORMATS))
    if "date" in cols:
        day_and_time = parse_when(table[cols["date"]], DATETIME_FORMATS)
        has_time |= stamp.isna() & day_and_time.notna()
        stamp = stamp.fillna(day_and_time).fillna(parse_when(table[cols["date"]], DATE_FORMATS))
    if has_time.any() and stamp[has_time].eq(stamp[has_time].dt.normalize()).all():
        has_time[:] = False  # every "time" is midnight: a date column exported as datetime (Excel does this)
    month = _by_value(stamp, _format("%Y-%m"))  # formatting and parsing: once per distinct value
    if "month" in cols:
        month = month.fillna(_by_value(parse_when(table[cols["month"]], MONTH_FORMATS), _format("%Y-%m")))
    bad = month.isna()
    _reject(rep, table, bad, R.BAD_DATE, "dates must look like 2024-06-30, 30/06/2024 or 2024-06")
    out = _keep(table, ~bad)
    out["month"] = month[~bad]
    out["date"] = stamp[~bad].dt.normalize()
    time = _by_value(stamp[~bad], _format("%H:%M")).where(has_time[~bad], "")
    if "time" in cols:
        given = out[cols["time"]].astype(str).str.strip()
        clock = _by_value(given, _clock).fillna("")
        time = time.where(time.ne(""), clock)
    out["time"] = time.fillna("")
    return out


def _format(fmt: str):
    return lambda stamps: stamps.dt.strftime(fmt)


def _clock(given: pd.Series) -> pd.Series:
    """'HH:MM' of times written HH:MM or HH:MM:SS; "" for anything else."""
    parsed = pd.to_datetime(given, format="%H:%M", errors="coerce").fillna(
        pd.to_datetime(given, format="%H:%M:%S", errors="coerce"))
    return parsed.dt.strftime("%H:%M").fillna("")


def _where(table: pd.DataFrame, cols: dict[str, str], rep: R.LoadReport, study_area_bng,
           has_lonlat: bool, has_bng: bool) -> pd.DataFrame:
    """Rows with coordinates use them; the others fall back to their postcode."""
    def filled(field: str) -> pd.Series:
        return table[cols[field]].astype(str).str.strip().ne("") if field in cols else pd.Series(False, index=table.index)

    by_lonlat = filled("latitude") & filled("longitude") if has_lonlat else pd.Series(False, index=table.index)
    by_bng = ~by_lonlat & filled("easting") & filled("northing") if has_bng else pd.Series(False, index=table.index)
    rest = _keep(table, ~by_lonlat & ~by_bng)
    parts = []
    if by_lonlat.any():
        parts.append(validate_lonlat(_keep(table, by_lonlat), cols["longitude"], cols["latitude"],
                                     rep, study_area_bng))
    if by_bng.any():
        parts.append(validate_bng(_keep(table, by_bng), cols["easting"], cols["northing"], rep, study_area_bng))
    if len(rest):
        if "postcode" in cols:
            pc = rest[cols["postcode"]].astype(str).str.strip()
            blank = pc.eq("")
            _reject(rep, rest, blank, R.NO_COORDINATES, "no coordinates and no postcode")
            rest = _keep(rest, ~blank)
            geo = geocode_postcodes(rest[cols["postcode"]])
            missing = geo["easting"].isna()
            if missing.any():
                rows = filter_rows(rest, missing)
                rep.reject(rows, R.POSTCODE_NOT_FOUND, "not a West Midlands postcode in Code-Point Open (Oct 2025): "
                           + rows[cols["postcode"]].astype(str).str.slice(0, 12))
            located = _keep(rest, ~missing)
            located["_e"], located["_n"] = geo["easting"][~missing], geo["northing"][~missing]
            if len(located):
                parts.append(validate_bng(located, "_e", "_n", rep, study_area_bng).drop(columns=["_e", "_n"]))
        else:
            rep.reject(rest, R.NO_COORDINATES)
    if not parts:
        return table.iloc[0:0].assign(easting=np.nan, northing=np.nan, longitude=np.nan, latitude=np.nan)
    return pd.concat(parts).sort_index()

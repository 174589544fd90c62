"""Readers for police.uk data: monthly street CSVs (files, folders, the archive zip) and the API form.

Both forms end up as the standard incident table (:mod:`geo.incidents`), with crime types in
the street-CSV wording, Crime IDs de-duplicated across overlapping downloads, and a
:class:`~geo.report.LoadReport` that accounts for every row.

:func:`read_police` checks street CSVs of the same layout together (up to :data:`BATCH_ROWS` rows),
as whole columns, and copies the rows it keeps once; the result is the same as reading the files
one at a time with :func:`read_police_file`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from geo import report as R
from geo.errors import InputError
from geo.incidents import (INCIDENT_COLUMNS, Incidents, drop_duplicate_ids, empty_incidents, incident_columns,
                           with_geometry)
from geo.points import (MONTH_FORMATS, _by_value, _inside, _keep, _lonlat_checks, _numbers, _parse_codes, _project,
                        _unparsed, month_text, strip_text, validate_lonlat, validate_month)
from geo.projection import lonlat_to_bng
from geo.sources import NamedBytes, expand_inputs
from geo.tabular import FILE_COLUMN, ROW_COLUMN, filter_rows, read_table, sniff_kind

# police.uk street-CSV crime types, and the API category slugs that map to them.
CRIME_TYPE_BY_SLUG = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    # categories used before May 2013
    "public-disorder-weapons": "Public disorder and weapons",
}
CRIME_TYPES = sorted(set(CRIME_TYPE_BY_SLUG.values()) | {"Violent crime"})
VIOLENCE = "Violence and sexual offences"
SERIOUS_VIOLENCE_TYPES = [VIOLENCE, "Robbery", "Possession of weapons"]

STREET_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                  "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
STREET_REQUIRED = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type"]

# Flattened API CSV: our name -> accepted column names (the API's dotted names, or short ones).
API_CSV_ALIASES = {
    "category": ["category", "type"],
    "latitude": ["location.latitude", "latitude"],
    "longitude": ["location.longitude", "longitude"],
    "location": ["location.street.name", "street", "street.name"],
    "month": ["month"],
    "incident_id": ["persistent_id"],
    "outcome": ["outcome_status.category", "outcome_status"],
}

_STREET_FILE = re.compile(r"street\.csv$", re.IGNORECASE)


def is_incident_file(name: str) -> bool:
    """Files to take from a police.uk folder or archive: street CSVs, plus API JSON/CSV files."""
    lower = name.lower()
    if lower.endswith(("-outcomes.csv", "-stop-and-search.csv")):
        return False
    return bool(_STREET_FILE.search(lower)) or lower.endswith((".json", ".csv"))


def _canon(table: pd.DataFrame) -> pd.DataFrame:
    """Match column names case- and space-insensitively to the police.uk spelling."""
    known = {c.lower().replace(" ", ""): c for c in STREET_COLUMNS}
    return table.rename(columns={c: known.get(c.lower().replace(" ", ""), c) for c in table.columns})


def _check_category(table: pd.DataFrame, rep: R.LoadReport) -> pd.DataFrame:
    unknown = ~table["category"].isin(CRIME_TYPES).to_numpy()
    if unknown.any():
        rows = filter_rows(table, unknown)
        rep.reject(rows, R.UNKNOWN_CATEGORY, "crime type not in the police.uk list: "
                   + rows["category"].astype(str).str.slice(0, 60))
    return _keep(table, ~unknown)


def _from_street_table(table: pd.DataFrame, name: str, rep: R.LoadReport, study_area_bng) -> pd.DataFrame:
    table = _canon(table)
    from geo.tabular import require_columns

    require_columns(table, name, STREET_REQUIRED, "a police.uk street-level CSV")
    table = table.rename(columns={"Crime ID": "incident_id", "Crime type": "category", "Location": "location",
                                  "LSOA code": "supplied_area_code", "Last outcome category": "outcome"})
    for col in ("incident_id", "category", "location", "supplied_area_code"):
        table[col] = strip_text(table[col])
    table = validate_month(table, "Month", rep)
    table = _check_category(table, rep)
    table = validate_lonlat(table, "Longitude", "Latitude", rep, study_area_bng)
    if "outcome" not in table.columns:
        table["outcome"] = ""
    return table


def _from_api_records(records: list, name: str) -> pd.DataFrame:
    if not isinstance(records, list) or (records and not isinstance(records[0], dict)):
        raise InputError(name, "is JSON but not a police.uk API list of crimes",
                         "save the response of the crimes-street API call unchanged")
    flat = pd.json_normalize(records) if records else pd.DataFrame()
    if flat.empty:
        raise InputError(name, "holds an empty list of crimes", "check the API query (area and month)")
    flat = flat.astype(object).where(flat.notna(), "").astype(str)
    flat.insert(0, ROW_COLUMN, range(1, len(flat) + 1))  # record number in the JSON list
    flat.insert(0, FILE_COLUMN, name)
    return flat


def _from_api_table(flat: pd.DataFrame, name: str, rep: R.LoadReport, study_area_bng) -> pd.DataFrame:
    renames = {}
    for ours, candidates in API_CSV_ALIASES.items():
        for cand in candidates:
            if cand in flat.columns:
                renames[cand] = ours
                break
    table = flat.rename(columns=renames)
    if "location" in table.columns and "location" not in renames.values():
        table = table.drop(columns="location")
    from geo.tabular import require_columns

    require_columns(table, name, ["category", "latitude", "longitude", "month"], "police.uk API data")
    slug = table["category"].astype(str).str.strip().str.lower()
    table["category"] = slug.map(CRIME_TYPE_BY_SLUG).fillna(table["category"])
    unknown = ~slug.isin(CRIME_TYPE_BY_SLUG)
    rep.reject(table[unknown], R.UNKNOWN_CATEGORY, "category slug not known: " + slug[unknown].str.slice(0, 60))
    table = _keep(table, ~unknown)
    table = validate_month(table, "month", rep)
    table = validate_lonlat(table, "longitude", "latitude", rep, study_area_bng)
    for col in ("incident_id", "location", "outcome"):
        if col not in table.columns:
            table[col] = ""
    return table


BATCH_ROWS = 500_000  # street CSVs of the same layout are checked together, up to this many rows at a time


@dataclass
class _StreetFile:
    """A street CSV read, its columns renamed, waiting to be checked with others of the same layout."""

    name: str
    table: pd.DataFrame
    report: R.LoadReport


def _mask(n: int, positions: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    return mask


def _street_table(flat: pd.DataFrame, name: str) -> pd.DataFrame:
    table = _canon(flat)
    from geo.tabular import require_columns

    require_columns(table, name, STREET_REQUIRED, "a police.uk street-level CSV")
    return table.rename(columns={"Crime ID": "incident_id", "Crime type": "category", "Location": "location",
                                 "LSOA code": "supplied_area_code", "Last outcome category": "outcome"})


def _street_incidents(files: list[_StreetFile], study_area_bng) -> pd.DataFrame:
    """``incident_columns`` of what :func:`read_police_file` gives for each of ``files`` (street CSVs with
    the same columns), in one table, with each file's rejects recorded in its own report.

    The rules and their order are :func:`_from_street_table`'s (month, crime type, coordinates, study
    area), but applied to all the files at once and only marking rows: the rejected rows of each step
    are taken out for the reports (split by file, in the order one file at a time would give them),
    and the rows kept are copied once at the end, only in the columns an incident needs.
    """
    table = pd.concat([f.table for f in files], ignore_index=True) if len(files) > 1 else files[0].table
    bounds = np.cumsum([0] + [len(f.table) for f in files])

    def route(frame: pd.DataFrame, positions: np.ndarray, reason: str, detail="") -> None:
        """Reject ``frame``'s rows at ``positions`` (sorted), each in its own file's report."""
        if not len(positions):
            return
        rows = filter_rows(frame, _mask(len(frame), positions))
        detail = detail(rows) if callable(detail) else detail
        cuts = np.searchsorted(positions, bounds)
        for f, a, b in zip(files, cuts[:-1], cuts[1:]):
            if b > a:
                f.report.reject(rows.iloc[a:b], reason, detail.iloc[a:b] if isinstance(detail, pd.Series) else detail)

    for col in ("incident_id", "category", "location", "supplied_area_code"):
        table[col] = strip_text(table[col])
    # validate_month
    codes, parsed = _parse_codes(table["Month"], MONTH_FORMATS)
    bad = _unparsed(codes, parsed)
    route(table, np.flatnonzero(bad), R.BAD_DATE, "month must look like 2024-06")
    table = table.copy(deep=False)
    table["month"] = month_text(parsed, codes, table.index)
    # _check_category
    unknown = ~bad & ~table["category"].isin(CRIME_TYPES).to_numpy()
    route(table, np.flatnonzero(unknown), R.UNKNOWN_CATEGORY,
          lambda rows: "crime type not in the police.uk list: " + rows["category"].astype(str).str.slice(0, 60))
    # validate_lonlat, on the rows still in
    at = np.flatnonzero(~bad & ~unknown)
    lon_text, lat_text = table["Longitude"], table["Latitude"]
    if len(at) < len(table):
        lon_text, lat_text = lon_text.iloc[at], lat_text.iloc[at]
    lon, lat = _by_value(lon_text, _numbers), _by_value(lat_text, _numbers)
    blank = strip_text(lon_text).eq("") | strip_text(lat_text).eq("")
    keep = _lonlat_checks(lon, lat, blank,
                          lambda mask, reason, detail="": route(table, at[mask], reason, detail))
    lon_dtypes = (lon.dtype, lat.dtype)
    checked, at, lon, lat = at, at[keep], lon[keep].to_numpy(), lat[keep].to_numpy()
    easting, northing, points = _project(lon, lat, lonlat_to_bng)
    # _within_study_area
    inside, detail = _inside(lon, lat, easting, northing, study_area_bng, points)
    if not inside.all():
        outside = at[~inside]
        rows = filter_rows(table, _mask(len(table), outside))
        rows["longitude"], rows["latitude"] = lon[~inside], lat[~inside]
        rows["easting"], rows["northing"] = easting[~inside], northing[~inside]
        cuts = np.searchsorted(outside, bounds)
        for k, (f, a, b) in enumerate(zip(files, cuts[:-1], cuts[1:])):
            if b > a:
                part = rows.iloc[a:b]
                if len(files) > 1:  # the numbers as typed from this file alone (an all-integer column is int64)
                    mine = checked[(checked >= bounds[k]) & (checked < bounds[k + 1])]
                    for col, text, batch_dtype in (("longitude", "Longitude", lon_dtypes[0]),
                                                   ("latitude", "Latitude", lon_dtypes[1])):
                        alone = _by_value(table[text].iloc[mine], _numbers)
                        if alone.dtype != batch_dtype:
                            part = part.copy()
                            part[col] = alone.reindex(part.index).to_numpy()
                f.report.reject(part, R.OUTSIDE_STUDY_AREA, detail)
        at, lon, lat, easting, northing = at[inside], lon[inside], lat[inside], easting[inside], northing[inside]
    # the rows kept, in the columns incident_columns() takes from them (copied once every file is read)
    needed = [c for c in INCIDENT_COLUMNS if c in table.columns]
    return _Kept(table[needed], at, {"longitude": lon, "latitude": lat, "easting": easting, "northing": northing})


@dataclass
class _Kept:
    """The rows of some files that passed every check, not yet copied out: rows ``at`` of ``frame``
    (which holds the columns :func:`incident_columns` takes), plus ``values`` computed for those rows."""

    frame: pd.DataFrame
    at: np.ndarray
    values: dict

    def incidents(self, keep: np.ndarray | None = None) -> pd.DataFrame:
        """``incident_columns`` of the kept rows (or of those where ``keep``, a mask over ``at``)."""
        at = self.at if keep is None else self.at[keep]
        if len(at) == len(self.frame):
            out = self.frame.copy(deep=False)
        else:
            out = filter_rows(self.frame, _mask(len(self.frame), at))
        for col, values in self.values.items():
            out[col] = values if keep is None else values[keep]
        if not self.values:  # an API file's rows, already incident columns
            return out.reset_index(drop=True)
        if "outcome" not in out.columns:
            out["outcome"] = ""
        out["source"] = "police"
        out["weight"] = 1.0
        return incident_columns(out)


def _fixed_width_hashes(array: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray] | None:
    """(64-bit hash, is empty) of each value, when every non-empty value has the same length, a multiple
    of 8 bytes (police.uk Crime IDs have 64 characters); None otherwise. Equal values hash equally; the
    hashes are only used to find the few values that may repeat."""
    hashes, empty, width = [], [], None
    for chunk in array.chunks:
        if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return None
        _, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = offsets[chunk.offset: chunk.offset + len(chunk) + 1].astype(np.int64)
        lengths = np.diff(offsets)
        filled = lengths > 0
        h = np.zeros(len(chunk), dtype=np.uint64)
        if filled.any():
            width = int(lengths[filled][0]) if width is None else width
            if width % 8 or (lengths[filled] != width).any():
                return None
            words = np.frombuffer(data_buf, dtype=np.uint64, count=(offsets[-1] - offsets[0]) // 8,
                                  offset=int(offsets[0])).reshape(-1, width // 8)
            mixed = np.full(len(words), 0x9E3779B97F4A7C15, dtype=np.uint64)
            for j in range(width // 8):
                mixed ^= words[:, j]
                mixed *= np.uint64(0xBF58476D1CE4E5B9)
                mixed ^= mixed >> np.uint64(31)
            h[filled] = mixed
        hashes.append(h)
        empty.append(~filled)
    if not hashes:
        return np.empty(0, np.uint64), np.empty(0, bool)
    return np.concatenate(hashes), np.concatenate(empty)


def _duplicates(kept: list[_Kept]) -> np.ndarray | None:
    """drop_duplicate_ids' rule on the kept rows of every file, in order: which rows repeat an earlier
    non-empty incident ID (None when none do), without copying the IDs: by a hash of each fixed-width
    ID, then exactly among the few rows whose hash repeats; else with one Arrow dictionary."""
    columns = [k.frame["incident_id"].astype(str) for k in kept]
    arrays = [getattr(c.array, "_pa_array", None) for c in columns]
    offsets = np.cumsum([0] + [len(c) for c in columns])
    at = np.concatenate([k.at + o for k, o in zip(kept, offsets[:-1])])
    hashed = None
    if not any(a is None or a.null_count for a in arrays):
        chunks = [c for a in arrays for c in a.chunks]
        hashed = _fixed_width_hashes(pa.chunked_array(chunks, type=chunks[0].type) if len({c.type for c in chunks}) == 1
                                     else pa.chunked_array([c.cast(pa.large_string()) for c in chunks]))
    if hashed is not None:
        h, empty = hashed[0][at], hashed[1][at]
        maybe = ~empty & pd.Series(h).duplicated(keep=False).to_numpy()
        dup = np.zeros(len(at), dtype=bool)
        if maybe.any():
            ids = pd.concat(columns, ignore_index=True).array[_mask(offsets[-1], at[maybe])]  # the few candidates
            dup[maybe] = pd.Series(ids).duplicated(keep="first").to_numpy()
        return dup if dup.any() else None
    ids = pd.Series(pd.concat(columns, ignore_index=True).array[_mask(offsets[-1], at)])
    dup = ids.ne("").to_numpy() & ids.duplicated(keep="first").to_numpy()
    return dup if dup.any() else None


def _drop_duplicates(kept: list[_Kept], report: R.LoadReport) -> pd.DataFrame:
    """drop_duplicate_ids(concatenation of every file's incidents), without building that first: the
    incidents (each file's rows copied out once), with the repeats rejected (and the note)."""
    dup = _duplicates(kept)
    if dup is None:
        return _concat([k.incidents() for k in kept])
    cuts = np.cumsum([0] + [len(k.at) for k in kept])
    parts = [dup[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    repeats = pd.concat([k.incidents(d) for k, d in zip(kept, parts) if d.any()], ignore_index=True)
    frames = []
    for i, (k, d) in enumerate(zip(kept, parts)):
        frames.append(k.incidents(~d) if d.any() else k.incidents())
        kept[i] = None  # the file's columns can go once copied out
        pa.default_memory_pool().release_unused()
    firsts = []
    wanted = set(repeats["incident_id"].astype(str).unique())
    for f in frames:
        ids = f["incident_id"].astype(str)
        hit = ids.isin(wanted).to_numpy()
        if hit.any():
            firsts.append(filter_rows(f[["incident_id", "file", "row"]], hit))
    first = pd.concat(firsts, ignore_index=True).set_index("incident_id")[["file", "row"]]
    where = first.reindex(repeats["incident_id"].astype(str))
    detail = ("same Crime ID as " + where["file"].astype(str) + " row " + where["row"].astype(str)).to_numpy()
    data = _concat(frames)
    del frames
    for col in repeats.columns:  # as rows of the whole table, as drop_duplicate_ids takes them
        if col in data.columns and repeats[col].dtype != data[col].dtype:
            repeats[col] = repeats[col].astype(data[col].dtype)
    report.reject(repeats, "duplicate Crime ID", detail)
    report.notes.append(f"{len(repeats):,} repeated Crime IDs removed (overlapping downloads); "
                        "the first record of each was kept.")
    return data


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def read_police_file(item: NamedBytes, study_area_bng=None) -> tuple[pd.DataFrame, R.LoadReport]:
    """One police.uk file, street CSV or API form (JSON or flattened CSV), detected from its content."""
    kind = sniff_kind(item.data)
    if kind == "json":
        try:
            records = json.loads(item.data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(item.name, f"is not valid JSON ({exc.__class__.__name__} at {getattr(exc, 'pos', '?')})",
                             "save the API response unchanged") from None
        flat = _from_api_records(records, item.name)
        rep = R.LoadReport(files=[item.name], rows_read=len(flat))
        table = _from_api_table(flat, item.name, rep, study_area_bng)
    else:
        flat, rep = read_table(item.data, item.name)
        lowered = {c.lower().replace(" ", "") for c in flat.columns}
        if "crimeid" in lowered or "crimetype" in lowered:
            table = _from_street_table(flat, item.name, rep, study_area_bng)
        elif {"category", "type"} & lowered or "location.latitude" in lowered:
            table = _from_api_table(flat, item.name, rep, study_area_bng)
        else:
            table = _from_street_table(flat, item.name, rep, study_area_bng)  # raises: names missing columns
    table = table.copy()
    table["source"] = "police"
    table["weight"] = 1.0
    return table, rep


def read_police(inputs: Iterable[str | Path | NamedBytes] | str | Path | NamedBytes,
                study_area_bng=None, *, progress: Callable[[str, int, int], None] | None = None) -> Incidents:
    """Read police.uk data from files, folders, archive zips or uploads into one incident table.

    Crime IDs repeated across files (overlapping downloads) are kept once and the repeats
    reported; rows without a Crime ID (anti-social behaviour) are all kept.

    ``progress``, if given, is called after each file with (the file's name, rows read so far,
    rows rejected so far); repeated Crime IDs are found once every file is read, so they are not
    in that count.
    """
    if isinstance(inputs, (str, Path, NamedBytes)):
        inputs = [inputs]
    files, notes = expand_inputs(inputs, is_incident_file)
    frames, reports, waiting = [], [R.LoadReport(notes=list(notes))], []
    counts = [0, 0]

    def done(name: str, rep: R.LoadReport) -> None:
        reports.append(rep)
        if progress is not None:
            counts[0] += rep.rows_read
            counts[1] += rep.n_rejected
            progress(name, counts[0], counts[1])

    def check_waiting() -> None:
        if waiting:
            frames.append(_street_incidents(waiting, study_area_bng))
            for f in waiting:
                done(f.name, f.report)
            waiting.clear()

    for i in range(len(files)):
        item, files[i] = files[i], None  # each file's bytes can go once it is read
        if sniff_kind(item.data) != "json":
            flat, rep = read_table(item.data, item.name)
            lowered = {c.lower().replace(" ", "") for c in flat.columns}
            if "crimeid" in lowered or "crimetype" in lowered or not ({"category", "type"} & lowered
                                                                      or "location.latitude" in lowered):
                table = _street_table(flat, item.name)
                if table.columns.is_unique:
                    same = (waiting and list(table.columns) == list(waiting[0].table.columns)
                            and sum(len(f.table) for f in waiting) + len(table) <= BATCH_ROWS)
                    if not same:
                        check_waiting()
                    waiting.append(_StreetFile(item.name, table, rep))
                    continue
                check_waiting()
                table = _from_street_table(flat, item.name, rep, study_area_bng)  # repeated column names
            else:
                check_waiting()
                table = _from_api_table(flat, item.name, rep, study_area_bng)
            table = table.copy()
            table["source"] = "police"
            table["weight"] = 1.0
        else:
            check_waiting()
            table, rep = read_police_file(item, study_area_bng)
        frame = incident_columns(table)
        frames.append(_Kept(frame, np.arange(len(frame)), {}))
        done(item.name, rep)
    check_waiting()
    report = R.merge_reports(reports)
    frames = [k for k in frames if len(k.at)]
    if frames:
        data = with_geometry(_drop_duplicates(frames, report))
        del frames
    else:
        data = drop_duplicate_ids(empty_incidents(), report)
    report.accepted = len(data)
    report.check_balanced()
    return Incidents(data, report)

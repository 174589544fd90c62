"""Readers for police.uk data: monthly street CSVs (files, folders, the archive zip) and the API form.

Both forms end up as the standard incident table (:mod:`geo.incidents`), with crime types in
the street-CSV wording, Crime IDs de-duplicated across overlapping downloads, and a
:class:`~geo.report.LoadReport` that accounts for every row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

import pandas as pd

from geo import report as R
from geo.errors import InputError
from geo.incidents import Incidents, concat_incidents, drop_duplicate_ids, to_incidents
from geo.points import validate_lonlat, validate_month
from geo.sources import NamedBytes, expand_inputs
from geo.tabular import FILE_COLUMN, ROW_COLUMN, read_table, sniff_kind

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
    unknown = ~table["category"].isin(CRIME_TYPES)
    rep.reject(table[unknown], R.UNKNOWN_CATEGORY, "crime type not in the police.uk list: "
               + table.loc[unknown, "category"].astype(str).str.slice(0, 60))
    return table[~unknown]


def _from_street_table(table: pd.DataFrame, name: str, rep: R.LoadReport, study_area_bng) -> pd.DataFrame:
    table = _canon(table)
    from geo.tabular import require_columns

    require_columns(table, name, STREET_REQUIRED, "a police.uk street-level CSV")
    table = table.rename(columns={"Crime ID": "incident_id", "Crime type": "category", "Location": "location",
                                  "LSOA code": "supplied_area_code", "Last outcome category": "outcome"})
    for col in ("incident_id", "category", "location", "supplied_area_code"):
        table[col] = table[col].astype(str).str.strip()
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
    table = table[~unknown]
    table = validate_month(table, "month", rep)
    table = validate_lonlat(table, "longitude", "latitude", rep, study_area_bng)
    for col in ("incident_id", "location", "outcome"):
        if col not in table.columns:
            table[col] = ""
    return table


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
                study_area_bng=None) -> Incidents:
    """Read police.uk data from files, folders, archive zips or uploads into one incident table.

    Crime IDs repeated across files (overlapping downloads) are kept once and the repeats
    reported; rows without a Crime ID (anti-social behaviour) are all kept.
    """
    if isinstance(inputs, (str, Path, NamedBytes)):
        inputs = [inputs]
    files, notes = expand_inputs(inputs, is_incident_file)
    frames, report = [], R.LoadReport(notes=list(notes))
    for item in files:
        table, rep = read_police_file(item, study_area_bng)
        frames.append(to_incidents(table))
        report = report.merge(rep)
    data = concat_incidents(frames)
    data = drop_duplicate_ids(data, report)
    report.accepted = len(data)
    report.check_balanced()
    return Incidents(data, report)

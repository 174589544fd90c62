"""Cached calls into geo/ and analytics/, shared by all pages and sessions.

Heavy, read-only results (the bundled boundaries, map GeoJSON, the store's incidents and each
selection's AreaData) are cached once per process with ``st.cache_resource``: no copy per session
or per rerun (``st.cache_data`` unpickles a fresh copy on every hit), which keeps ten meeting-room
sessions inside the memory target and a rerun on a million stored incidents under a second. They
are shared, so nothing may modify them in place: derive new frames. Smaller results that depend
on a user's filters use ``st.cache_data`` with bounded entries.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.hotspot_table import HotspotTable, hotspot_table
from geo import bundled
from geo import datasets as D
from geo.errors import InputError

MAX_ENTRIES = 64
AREA_DATA_ENTRIES = 8  # selections kept: each holds its incidents (up to 170 MB of columns for 910k stored ones)


AREA_ENV = "HOTSPOT_AREA"  # a boundary file for the app's study area (when the store has none yet)


def study_area():
    """The app's study area: the store's own when it has one, else the boundary file named by
    ``HOTSPOT_AREA`` (or ``[study_area]`` in .streamlit/secrets.toml), else the bundled West Midlands."""
    from geo.study_area import west_midlands

    stored = store_area()
    if stored is not None:
        return stored
    config = configured_area()
    return _configured_study_area(*config) if config else west_midlands()


def configured_area() -> tuple | None:
    """(path, area_id, name_column, authority_column, ward_column, name) from the environment or secrets."""
    keys = ("path", "area_id", "name_column", "authority_column", "ward_column", "name")
    path = os.environ.get(AREA_ENV, "").strip()
    if path:
        return (path, *(os.environ.get(f"{AREA_ENV}_{k.upper()}") or None for k in keys[1:]))
    try:
        section = st.secrets.get("study_area")
    except (FileNotFoundError, KeyError, AttributeError):  # no secrets file
        section = None
    if isinstance(section, str):
        return (section, None, None, None, None, None)
    if section and section.get("path"):
        return tuple(section.get(k) for k in keys)
    return None


@st.cache_resource(show_spinner="Reading the study area's boundaries…")
def _configured_study_area(path, area_id, name_column, authority_column, ward_column, name):
    from geo.study_area import load_study_area

    return load_study_area(path, area_id=area_id, name_column=name_column, authority_column=authority_column,
                           ward_column=ward_column, name=name)


def store_area():
    """The store's study area, or None (no store, an empty store, or one that cannot be read)."""
    path = store_path()
    if not path.exists():
        return None
    try:
        return _store_area(str(path), path.stat().st_mtime_ns)
    except InputError:
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _store_area(path: str, stamp: int):
    from geo.store import IncidentStore

    with IncidentStore(path) as store:
        return store.study_area()


def data_key() -> str:
    """What the cached analyses depend on beyond the selection: the study area and the store's content."""
    path = store_path()
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return f"{study_area().key}:{path}:{stamp}"


def lsoa_lookup_frame() -> pd.DataFrame:
    """area_code, area_name, ward_code/name, lad_code/name for every area of the study area (no geometry)."""
    return _lookup_frame(study_area().key)


@st.cache_resource(show_spinner=False, max_entries=4)
def _lookup_frame(key: str) -> pd.DataFrame:
    return study_area().lookup()


@st.cache_resource(show_spinner=False)
def boundaries(key: str) -> gpd.GeoDataFrame:
    return bundled.boundaries(key)


def store_has_incidents() -> bool:
    points = store_points()
    return points is not None and len(points) > 0


def store_path() -> Path:
    """The store file: HOTSPOT_STORE, else ``store_path`` in .streamlit/secrets.toml, else local/incidents.duckdb."""
    from geo.store import STORE_ENV, default_store_path

    if not os.environ.get(STORE_ENV):
        try:
            configured = st.secrets.get("store_path")
        except (FileNotFoundError, KeyError, AttributeError):  # no secrets file
            configured = None
        if configured:
            return Path(configured)
    return default_store_path()


def store_points() -> gpd.GeoDataFrame | None:
    """Incidents in the store (None when there is no store, or it cannot be read). Cached until it changes."""
    path = store_path()
    if not path.exists():
        return None
    try:
        return _store_points(str(path), path.stat().st_mtime_ns)
    except InputError:
        return None  # the Load data page says why; every other page keeps working on the bundled data


@st.cache_resource(show_spinner="Reading the incident store…", max_entries=2)
def _store_points(path: str, stamp: int) -> gpd.GeoDataFrame | None:
    # one shared copy, never modified (callers filter and assign into new frames): st.cache_data would
    # unpickle all of it on every rerun of every page (3-4 s for a million incidents, with their points)
    from geo.store import IncidentStore

    with IncidentStore(path) as store:
        data = store.incidents()
    # the columns the pages use: each new selection copies the rows it keeps, and the Crime IDs, file
    # names and the rest (kept in the store, its exports and the command line) were two thirds of that
    return data[[c for c in PAGE_COLUMNS if c in data.columns]] if len(data) else None


def contiguity_weights(areas: pd.DataFrame):
    """Queen contiguity of ``areas`` (rows of the study area, ids = their area codes, in their order),
    built once per set of areas: 0.2-0.4 s for the 1,719 West Midlands LSOAs, asked for on every
    new selection by the Trends page."""
    return _contiguity_weights(study_area().key, tuple(areas["area_code"]))


@st.cache_resource(show_spinner=False, max_entries=16)
def _contiguity_weights(key: str, codes: tuple):
    from analytics.weights import build_weights

    frame = study_area().frame().set_index("area_code", drop=False)
    return build_weights(frame.loc[list(codes)], "queen")


def forget_store_resources() -> None:
    """Drop the shared copies of the store's incidents and of every selection's AreaData (the store
    changed: they are keyed by its modification time, so this only frees their memory sooner)."""
    _store_points.clear()
    _area_data.clear()


PAGE_COLUMNS = ["source", "category", "month", "date", "time", "location", "weight", "easting", "northing",
                "longitude", "latitude", "area_code", "ward_code", "lad_code", "after_dark", "geometry"]


def dataset_points(dataset: str) -> gpd.GeoDataFrame | None:
    if dataset == D.BHAM:
        return _bham_points()
    if dataset == D.STORE:
        return store_points()
    return None


@st.cache_resource(show_spinner="Reading police.uk incidents…")
def _bham_points() -> gpd.GeoDataFrame:
    return bundled.police_bham_2017().data


def area_data(selection: D.Selection) -> D.AreaData:
    """The analysed extent's areas and measure (the same for every geography: see ``Selection.analysed``)."""
    return _area_data(selection.analysed(), data_key())


@st.cache_resource(show_spinner="Counting incidents per area…", max_entries=AREA_DATA_ENTRIES)
def _area_data(selection: D.Selection, key: str) -> D.AreaData:
    # shared, never modified, like the store's points: every page reads it several times a rerun
    return D.area_data(selection, store_points() if selection.dataset == D.STORE else None, study_area())


def protected_counts(selection: D.Selection):
    """The selection's counts as every page may show them (None when nothing is suppressed): one
    pattern for every area, ward and authority chosen, so no two views reveal a hidden count."""
    return _protected_counts(selection.disclosed(), data_key())


@st.cache_data(show_spinner="Protecting small numbers…", max_entries=MAX_ENTRIES)
def _protected_counts(selection: D.Selection, key: str):
    from ui.privacy import build_protected, policy

    return build_protected(area_data(selection), policy(selection))


def statistics_areas(selection: D.Selection) -> gpd.GeoDataFrame:
    """The analysed areas with the counts statistics are computed on (hidden ones estimated from what is shown)."""
    from ui.privacy import statistics_areas as disclosed

    return disclosed(area_data(selection), protected_counts(selection), selection.measure)


def hotspots(selection: D.Selection, weights: str = "queen", permutations: int = 999, fdr: bool = True,
             seed: int = 12345) -> HotspotTable:
    """Gi*/LISA over the whole analysed extent (choosing an area only changes what is shown: no new run),
    on the counts as shown when small numbers are suppressed."""
    return _hotspots(selection.disclosed(), weights, permutations, fdr, seed, data_key())


@st.cache_data(show_spinner="Finding hot spots (Gi* and local Moran's I)…", max_entries=MAX_ENTRIES)
def _hotspots(selection: D.Selection, weights: str, permutations: int, fdr: bool, seed: int,
              key: str) -> HotspotTable:
    data = area_data(selection)
    areas = statistics_areas(selection)
    values = areas.set_index("area_code")["value"].fillna(0.0)
    pop = areas[["area_code", "population", "population_u25"]].rename(
        columns={"population": "all_ages", "population_u25": "age_0_24"})
    prot = protected_counts(selection)
    return hotspot_table(areas[["area_code", "area_name", "geometry"]], values, value_label=data.value_label,
                         weights=weights, permutations=permutations, seed=seed, fdr=fdr,
                         population=pop if selection.measure == "count" else None,
                         metadata={"data": data.title, "extent": data.extent_note,
                                   "counts": "estimated (rate × population)" if data.counts_are_estimates
                                   else "recorded incidents",
                                   **({} if prot is None else {"statistics_after_suppression": prot.summary()})})


@st.cache_data(show_spinner=False, max_entries=8)
def data_quality() -> pd.DataFrame:
    """Rows read, accepted and rejected (by reason) for every incident source the app has loaded."""
    rows = []
    rep = bundled.police_bham_2017().report
    rows.append({"Source": "police.uk, Birmingham city centre 2017 (bundled)", "Rows read": rep.rows_read,
                 "Accepted": rep.accepted, "Rejected": rep.n_rejected,
                 "Rejected by reason": "; ".join(f"{k}: {v}" for k, v in rep.reason_counts().items()) or "none"})
    try:
        batches = store_batches()
    except InputError:
        batches = None
    if batches is not None:
        for b in batches.itertuples(index=False):
            rows.append({"Source": f"store batch {b.batch_id}: {b.file_name} ({b.source})",
                         "Rows read": b.rows_read, "Accepted": b.accepted, "Rejected": b.rejected,
                         "Rejected by reason": str(getattr(b, "rejected_by_reason", "")) or "none"})
    return pd.DataFrame(rows)


def store_sensitive_sources() -> set[str]:
    """Sources with a batch marked sensitive when it was loaded (their data are always suppressed)."""
    path = store_path()
    if not path.exists():
        return set()
    return set(_sensitive_sources(str(path), path.stat().st_mtime_ns))


@st.cache_data(show_spinner=False, max_entries=4)
def _sensitive_sources(path: str, stamp: int) -> tuple[str, ...]:
    try:
        batches = store_batches()
    except InputError:
        return ()
    if batches is None or batches.empty:
        return ()
    return tuple(sorted(set(batches.loc[batches["sensitive"], "source"])))


def store_batches() -> pd.DataFrame | None:
    """The store's batches (None when there is no store). Raises InputError if the store is unusable."""
    from geo.store import IncidentStore

    path = store_path()
    if not path.exists():
        return None
    with IncidentStore(path) as store:
        return store.batches()

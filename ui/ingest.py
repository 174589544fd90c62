"""The Load data page's helpers: what each source accepts, checking files before they are stored."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from geo.report import LoadReport
from geo.sources import NamedBytes
from geo.writers import neutralise_frame
from ui import cache
from ui.background import PREFETCH

SOURCE_LABELS = {"police": "police.uk downloads", "ed": "Emergency department (ISTV)", "ambulance": "Ambulance",
                 "other": "Other partner data"}
ACCEPTED_TYPES = {"police": ["csv", "zip", "json"], "ed": ["csv", "xlsx"], "ambulance": ["csv", "xlsx"],
                  "other": ["csv", "xlsx"]}
UPLOAD_HELP = {
    "police": "Monthly street-level CSVs (YYYY-MM-west-midlands-street.csv), the archive zip, or police.uk API "
              "JSON. Outcomes and stop-and-search files in the zip are skipped.",
    "ed": "CSV or XLSX, one row per attendance: date and time of the incident, a location (postcode, coordinates "
          "or free text with a postcode column), and the primary means of assault. Arrival time is kept.",
    "ambulance": "CSV or XLSX, one row per call-out: date/time, a location (postcode or coordinates), a category.",
    "other": "CSV or XLSX with a location (latitude/longitude, easting/northing or postcode) and a date or month.",
}
FIELD_LABELS = {"latitude": "Latitude", "longitude": "Longitude", "easting": "Easting (BNG)",
                "northing": "Northing (BNG)", "postcode": "Postcode", "datetime": "Date and time",
                "date": "Date", "time": "Time", "month": "Month", "category": "Category / means of assault",
                "source": "Source (per row)", "weight": "Weight / count", "incident_id": "Reference",
                "location": "Location (free text)", "arrival": "Arrival date and time"}


def store_path():
    return cache.store_path()


def study_area():
    return cache.study_area()


def store_area():
    return cache.store_area()


_CHECKED = "load_data_last_check"  # session state: (what was checked, its report)


def _check(items: list[NamedBytes], source: str, mapping: dict | None, progress) -> LoadReport:
    from geo.store import IncidentStore

    with IncidentStore(store_path(), area=study_area()) as store:
        return store.check(items, source, mapping or None, progress=progress)


class ProgressBar:
    """A progress bar that says what was done last (a callback for the store's ``progress=``); gone on exit."""

    def __init__(self, text: str):
        self.text = text

    def __enter__(self):
        self.bar = st.progress(0.0, text=self.text)
        return self

    def __call__(self, done: float, message: str) -> None:
        self.bar.progress(min(max(done, 0.0), 1.0), text=f"{self.text} {message}")

    def __exit__(self, *exc):
        self.bar.empty()
        return False


def check(items: list[NamedBytes], source: str, mapping: dict | None) -> LoadReport:
    """Read the files exactly as the store will, without storing: every row accepted or rejected with a reason.

    The last check is kept in this session only (the page reruns on every click, and the files are the
    user's own): not in st.cache_data, which would share them between sessions and cannot replay the
    progress bar that a long check draws.
    """
    digest = hashlib.sha256(b"".join(hashlib.sha256(i.data).digest() for i in items)).hexdigest()
    key = (digest, source, tuple(sorted((mapping or {}).items())), cache.data_key())
    kept = st.session_state.get(_CHECKED)
    if kept is not None and kept[0] == key:
        return kept[1]
    with ProgressBar("Checking the files…") as bar:
        report = _check(items, source, mapping, bar)
    st.session_state[_CHECKED] = (key, report)
    return report



def rejects_csv(report: LoadReport) -> bytes:
    return neutralise_frame(report.rejected).to_csv(index=False).encode("utf-8-sig")


def batches(path) -> pd.DataFrame | None:
    return cache.store_batches()


def forget_cached_store() -> None:
    """After the store changed: every cached analysis and map of its data may show the old store.

    (Clearing only the analyses, as before, left the map layers built from them cached under the
    same selection, so the map page showed the store as it was.) The bundled data's entries go
    too; they are recomputed on first use, and loading data is rare.
    """
    st.cache_data.clear()
    cache.forget_store_resources()
    PREFETCH.forget()

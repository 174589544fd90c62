"""Shared fixtures: paths to the real format examples and writers of small files in real formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
STREET_SAMPLE = DATA / "crime" / "format_examples" / "police_uk_street_sample.csv"
API_SAMPLE = DATA / "crime" / "format_examples" / "police_uk_api_crimes_street_sample.json"
BHAM_2017 = DATA / "crime" / "birmingham_citycentre_1mile_api_2017_street_crimes.csv"

STREET_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                 "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


def street_row(crime_id="", month="2024-06", lon="-1.899830", lat="52.481420", location="On or near New Street",
               lsoa="E01033620", lsoa_name="Birmingham 138A", crime_type="Violence and sexual offences",
               outcome="Under investigation"):
    """One row of a police.uk street CSV (West Midlands Police), in the file's own column order."""
    return [crime_id, month, "West Midlands Police", "West Midlands Police", lon, lat, location, lsoa, lsoa_name,
            crime_type, outcome, ""]


def street_csv(rows, header=STREET_HEADER, delimiter=",", encoding="utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.fixture
def write(tmp_path):
    """write(name, bytes_or_text) -> Path of a file under tmp_path."""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return _write

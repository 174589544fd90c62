"""police.uk readers on files in the exact real formats, and every row accounted for."""

import csv
import io
import json
import zipfile
from collections import Counter

import pandas as pd
import pytest

from geo import bundled
from geo.police_uk import CRIME_TYPE_BY_SLUG, read_police
from geo.sources import NamedBytes
from tests.conftest import API_SAMPLE, BHAM_2017, STREET_HEADER, STREET_SAMPLE, street_csv, street_row


def _raw_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_real_street_sample_counts_match_the_raw_file():
    raw = _raw_rows(STREET_SAMPLE)
    blank = sum(1 for r in raw if not r["Longitude"].strip())
    result = read_police(STREET_SAMPLE)
    rep = result.report
    assert rep.rows_read == len(raw) == 30
    assert rep.reason_counts().to_dict() == {"no coordinates": blank}
    assert len(result.data) == len(raw) - blank
    # anti-social behaviour rows have no Crime ID and are all kept
    asb_raw = sum(1 for r in raw if r["Crime type"] == "Anti-social behaviour" and r["Longitude"].strip())
    asb = result.data[result.data.category == "Anti-social behaviour"]
    assert len(asb) == asb_raw > 0 and asb["incident_id"].eq("").all()
    # geometry is British National Grid metres near the City of London
    assert result.data.crs.to_epsg() == 27700
    assert result.data["easting"].between(530_000, 535_000).all()
    assert result.data["northing"].between(180_000, 183_000).all()
    # the rejects keep the raw values and the spreadsheet row to find them by
    rejected_rows = sorted(rep.rejected["row"])
    expected = sorted(i + 2 for i, r in enumerate(raw) if not r["Longitude"].strip())
    assert rejected_rows == expected


def test_real_api_json_maps_slugs_to_csv_names():
    records = json.loads(API_SAMPLE.read_text())
    result = read_police(API_SAMPLE)
    assert len(result.data) == len(records)
    expected = Counter(CRIME_TYPE_BY_SLUG[r["category"]] for r in records)
    assert Counter(result.data["category"]) == expected
    assert result.data["location"].iloc[0] == records[0]["location"]["street"]["name"]
    assert result.data["month"].eq("2016-01").all()


def test_bundled_birmingham_api_csv_loads_every_row():
    raw = _raw_rows(BHAM_2017)
    result = bundled.police_bham_2017()
    assert result.report.rows_read == len(raw) == 17_260
    assert len(result.data) == 17_260  # all inside the West Midlands
    violence = sum(1 for r in raw if r["type"] == "violent-crime")
    assert (result.data["category"] == "Violence and sexual offences").sum() == violence == 3_174
    assert sorted(result.data["month"].unique())[0] == "2017-01"


def test_overlapping_downloads_deduplicate_on_crime_id_only(write):
    month1 = street_csv([street_row(crime_id="x1"), street_row(crime_id="x2"),
                         street_row(crime_id="", crime_type="Anti-social behaviour"),
                         street_row(crime_id="", crime_type="Anti-social behaviour")])
    month1_again = street_csv([street_row(crime_id="x2"), street_row(crime_id="x3")])
    a, b = write("a/2024-06-west-midlands-street.csv", month1), write("b/2024-06-west-midlands-street.csv", month1_again)
    result = read_police([a, b])
    assert result.report.rows_read == 6
    assert len(result.data) == 5  # x1, x2, x3 and both identical ASB rows
    assert result.report.reason_counts().to_dict() == {"duplicate Crime ID": 1}
    detail = result.report.rejected["detail"].iloc[0]
    assert detail == f"same Crime ID as {a} row 3"
    assert any("repeated Crime IDs" in note for note in result.report.notes)


def test_folder_and_archive_zip(write, tmp_path):
    jan = street_csv([street_row(crime_id="j1", month="2024-01")])
    feb = street_csv([street_row(crime_id="f1", month="2024-02"), street_row(crime_id="f2", month="2024-02")])
    write("police/2024-01/2024-01-west-midlands-street.csv", jan)
    write("police/2024-02/2024-02-west-midlands-street.csv", feb)
    assert len(read_police(tmp_path / "police").data) == 3

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("2024-01/2024-01-west-midlands-street.csv", jan)
        zf.writestr("2024-02/2024-02-west-midlands-street.csv", feb)
        zf.writestr("2024-02/2024-02-west-midlands-outcomes.csv", "Crime ID,Month\n")
        zf.writestr("2024-02/2024-02-west-midlands-stop-and-search.csv", "Type,Date\n")
    result = read_police(write("archive.zip", buf.getvalue()))
    assert sorted(result.data["month"].unique()) == ["2024-01", "2024-02"]
    assert len(result.data) == 3
    assert any("2 file(s) in the archive were not incident files" in n for n in result.report.notes)
    assert result.data["file"].iloc[0].endswith("archive.zip:2024-01/2024-01-west-midlands-street.csv")


def test_every_bad_row_reason_is_counted(write):
    study = bundled.study_area()
    rows = [
        street_row(crime_id="ok1"),
        street_row(crime_id="nocoord", lon="", lat=""),
        street_row(crime_id="zero", lon="0", lat="0"),
        street_row(crime_id="swap", lon="52.481420", lat="-1.899830"),
        street_row(crime_id="far", lon="-0.095960", lat="51.517534"),  # City of London
        street_row(crime_id="month", month="June 24th"),
        street_row(crime_id="cat", crime_type="Parking"),
        street_row(crime_id="ok1"),
        street_row(crime_id="text", lon="west", lat="52.4"),
    ]
    result = read_police(write("bad.csv", street_csv(rows)), study_area_bng=study)
    counts = result.report.reason_counts().to_dict()
    assert counts == {"no coordinates": 1, "(0,0) coordinates": 1, "latitude/longitude swapped": 1,
                      "outside the study area": 1, "unparseable date": 1, "unknown category": 1,
                      "duplicate Crime ID": 1, "coordinates not numeric or out of range": 1}
    assert result.data["incident_id"].tolist() == ["ok1"]
    assert result.report.rows_read == len(rows) == result.report.accepted + result.report.n_rejected


def test_uploads_are_read_from_bytes():
    upload = NamedBytes("upload.csv", street_csv([street_row(crime_id="u1")]))
    result = read_police([upload])
    assert result.data["file"].tolist() == ["upload.csv"]


def test_flattened_api_csv_with_dotted_names(write):
    table = pd.DataFrame({"category": ["violent-crime", "robbery", "mystery-slug"],
                          "location.latitude": ["52.48", "52.49", "52.48"],
                          "location.longitude": ["-1.90", "-1.89", "-1.90"],
                          "location.street.name": ["On or near A", "On or near B", "On or near C"],
                          "month": ["2023-05"] * 3, "persistent_id": ["p1", "p2", "p3"]})
    result = read_police(write("api.csv", table.to_csv(index=False)))
    assert result.data["category"].tolist() == ["Violence and sexual offences", "Robbery"]
    assert result.report.reason_counts().to_dict() == {"unknown category": 1}


def test_header_is_matched_whatever_the_case(write):
    header = [h.lower() for h in STREET_HEADER]
    assert len(read_police(write("lower.csv", street_csv([street_row(crime_id="a")], header=header))).data) == 1

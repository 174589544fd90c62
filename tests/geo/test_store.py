"""The incident store: persistence across processes, idempotent and atomic loads, exact reject reports."""

import io
import json
import os
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

import geo.store as store_module
from geo.errors import InputError
from geo.sources import NamedBytes
from geo.store import ALREADY_STORED, IncidentStore, default_store_path
from tests.conftest import ROOT, STREET_SAMPLE, street_csv, street_row

# Real Code-Point Open rows (data/schools/codepoint_open_2025_10_postcodes_wm.csv)
B1_1AY = (406523, 286448)
B1_1BA = (406875, 286393)
BIRMINGHAM = "E08000025"
ASB = "Anti-social behaviour"

ISTV = ("Attendance ID,Date and time of incident,Incident postcode,Location free text,Primary means of assault\n"
        "A1,2024-03-02 23:40,B1 1AY,outside club,Body part\n"          # after dark (sunset ~18:00 GMT)
        "A2,02/03/2024 14:10,b11ba,bus stop,Knife\n"                   # daylight
        "A3,2024-03-05 14:00,ZZ9 9ZZ,home,Blunt object\n"              # row 4: postcode not found
        "A4,2024-03-06,B1 1AY,park,Body part\n"                        # a date without a time: after_dark unknown
        "A5,yesterday,B1 1AY,park,Body part\n")                        # row 6: unparseable date


def _subprocess(code: str, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture
def store(tmp_path):
    return IncidentStore(tmp_path / "store" / "incidents.duckdb")


def _counts(store):
    batches = store.batches()
    return len(batches), len(store.incidents()), sum(len(store.rejects(b)) for b in batches["batch_id"])


def test_ingest_persists_into_a_new_process(store, write):
    police = write("2024-06-west-midlands-street.csv", street_csv(
        [street_row(crime_id=f"p{i}") for i in range(4)] + [street_row(crime_id="p9", lon="", lat="")]))
    result = store.ingest([police], "police", loaded_by="analyst A")
    store.ingest([write("istv.csv", ISTV)], "ed", loaded_by="ED data lead")
    assert result.accepted == 4 and result.rejected_by_reason == {"no coordinates": 1}
    assert store.path.parent.name == "store" and store.path.exists()  # folder created
    before = _counts(store)
    store.close()

    code = ("import json, sys\nfrom geo.store import IncidentStore\n"
            "s = IncidentStore(sys.argv[1])\nb = s.batches()\n"
            "print(json.dumps({'batches': len(b), 'incidents': len(s.incidents()),"
            " 'rejects': int(sum(len(s.rejects(i)) for i in b['batch_id'])),"
            " 'loaded_by': b['loaded_by'].tolist(), 'sources': b['source'].tolist(),"
            " 'ed_after_dark': s.incidents(sources='ed')['after_dark'].astype(object).where("
            "s.incidents(sources='ed')['after_dark'].notna(), None).tolist()}))")
    proc = _subprocess(code, str(store.path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    seen = json.loads(out)
    assert (seen["batches"], seen["incidents"], seen["rejects"]) == before == (2, 7, 3)
    assert seen["loaded_by"] == ["analyst A", "ED data lead"] and seen["sources"] == ["police", "ed"]
    assert seen["ed_after_dark"] == [True, False, None]


def test_same_file_twice_adds_nothing(store, write):
    path = write("2024-06-west-midlands-street.csv", street_csv([street_row(crime_id=f"p{i}") for i in range(3)]))
    first = store.ingest(path, "police")
    before = (store.batches().drop(columns="loaded_at"), len(store.incidents()))
    again = store.ingest([path, NamedBytes("renamed-upload.csv", path.read_bytes())], "police")
    assert again.batch_ids == [] and again.accepted == 0
    assert again.already_loaded == [str(path), "renamed-upload.csv"]
    assert {f.existing_batch_id for f in again.files} == set(first.batch_ids)
    assert "2 files already loaded, nothing added" in again.summary() and "\n" not in again.summary()
    assert store.batches().drop(columns="loaded_at").equals(before[0]) and len(store.incidents()) == before[1]
    twice = street_csv([street_row(crime_id="t1")])
    both = store.ingest([NamedBytes("x.csv", twice), NamedBytes("copy of x.csv", twice)], "police")
    assert len(both.batch_ids) == 1 and both.already_loaded == ["copy of x.csv"]
    assert both.files[1].existing_batch_id == both.batch_ids[0] and both.accepted == 1


def test_failure_inside_the_transaction_leaves_nothing_of_that_batch(store, write, monkeypatch):
    store.ingest(write("a.csv", street_csv([street_row(crime_id="a1")])), "police")
    before = _counts(store)
    real_insert = store_module._insert
    calls = []

    def failing_insert(con, table, frame):
        calls.append(table)
        if table == "rejects":  # the batch record and its incidents are already written by now
            raise RuntimeError("disk fell off")
        real_insert(con, table, frame)

    monkeypatch.setattr(store_module, "_insert", failing_insert)
    bad = write("b.csv", street_csv([street_row(crime_id="b1"), street_row(crime_id="b2", lon="", lat="")]))
    with pytest.raises(RuntimeError, match="disk fell off"):
        store.ingest(bad, "police")
    assert calls[:2] == ["batches", "incidents"]  # the failure came after rows were inserted
    assert _counts(store) == before
    assert "b1" not in set(store.incidents()["incident_id"])
    monkeypatch.setattr(store_module, "_insert", real_insert)
    retry = store.ingest(bad, "police")  # not marked as loaded: it loads cleanly afterwards
    assert retry.accepted == 1 and retry.rejected == 1


def test_delete_batch_removes_its_rows_and_nothing_else(store, write):
    a = store.ingest(write("a.csv", street_csv([street_row(crime_id="a1"), street_row(crime_id="a2", lon="", lat="")])),
                     "police").batch_ids[0]
    b = store.ingest(write("istv.csv", ISTV), "ed").batch_ids[0]
    b_incidents, b_rejects = store.incidents(sources="ed"), store.rejects(b)
    deleted = store.delete_batch(a)
    assert (deleted.incidents, deleted.rejects, deleted.restored) == (1, 1, {})
    assert store.batches()["batch_id"].tolist() == [b]
    assert store.incidents().drop(columns="geometry").equals(b_incidents.drop(columns="geometry"))
    assert store.rejects(b).equals(b_rejects)
    with pytest.raises(InputError, match=f"has no batch {a}") as err:
        store.rejects(a)
    with pytest.raises(InputError, match="has no batch 42") as err:
        store.delete_batch(42)
    assert "\n" not in str(err.value) and str(store.path) in str(err.value)


def test_overlapping_police_months_deduplicate_on_crime_id(store, write):
    asb = dict(crime_id="", crime_type=ASB)
    jun = write("2024-06.csv", street_csv([street_row(crime_id="x1"), street_row(crime_id="x2"),
                                           street_row(**asb), street_row(**asb)]))
    # a later download repeating x2 (row 2) and x1 (row 4), with the same two identical ASB rows
    jun_again = write("2024-06-later.csv", street_csv([street_row(crime_id="x2"), street_row(crime_id="x3"),
                                                       street_row(crime_id="x1"), street_row(**asb),
                                                       street_row(**asb)]))
    first = store.ingest(jun, "police").batch_ids[0]
    second = store.ingest(jun_again, "police")
    later = second.batch_ids[0]
    assert (second.accepted, second.duplicates, second.rejected) == (3, 2, 0)
    data = store.incidents()
    assert sorted(data["incident_id"]) == ["", "", "", "", "x1", "x2", "x3"]  # ASB never de-duplicated
    report = store.rejects(later)
    assert report["row"].tolist() == [2, 4] and (report["reason"] == ALREADY_STORED).all()
    assert report["detail"].tolist() == [f"same Crime ID as batch {first} ({jun} row 3)",
                                         f"same Crime ID as batch {first} ({jun} row 2)"]
    assert json.loads(report["raw"].iloc[0])["Crime ID"] == "x2"  # the row as the file gave it
    counts = store.batches().set_index("batch_id")
    assert counts.loc[later, ["accepted", "duplicates", "rejected"]].tolist() == [3, 2, 0]

    # deleting the first download loses nothing the second also holds
    deleted = store.delete_batch(first)
    assert deleted.restored == {later: 2}
    assert sorted(store.incidents()["incident_id"]) == ["", "", "x1", "x2", "x3"]
    assert (store.incidents()["batch_id"] == later).all()
    assert store.rejects(later).empty
    assert store.batches().set_index("batch_id").loc[later, ["accepted", "duplicates"]].tolist() == [5, 0]


def test_partner_table_with_mapping_and_postcodes(store, write):
    table = ("Ref,When,Clock,PC,What\n"
             "r1,02/03/2024,23:40,B1 1AY,Stabbing\n"
             "r2,02/03/2024,14:10,b11ba,Assault\n"
             "r3,05/03/2024,10:00,ZZ9 9ZZ,Assault\n")
    mapping = {"incident_id": "Ref", "date": "When", "time": "Clock", "postcode": "PC", "category": "What"}
    result = store.ingest(write("calls.csv", table), "ambulance", mapping=mapping)
    assert (result.accepted, result.rejected_by_reason) == (2, {"postcode not found": 1})
    data = store.incidents(sources=["ambulance"]).set_index("incident_id")
    assert data.crs.to_epsg() == 27700
    assert (data.loc["r1", "easting"], data.loc["r1", "northing"]) == B1_1AY
    assert (data.loc["r2", "easting"], data.loc["r2", "northing"]) == B1_1BA
    assert data.loc["r1", "geometry"].x == B1_1AY[0]
    assert data["category"].tolist() == ["Stabbing", "Assault"] and data["month"].eq("2024-03").all()
    assert data["lsoa21"].str.startswith("E01").all() and data["lad24"].eq(BIRMINGHAM).all()
    assert data["ward24"].str.startswith("E05").all()
    assert data["after_dark"].tolist() == [True, False]
    assert str(data.loc["r1", "date"].date()) == "2024-03-02"  # day first, UK style
    batch = store.batches().iloc[0]
    assert json.loads(batch["mapping"]) == mapping and batch["source"] == "ambulance"
    rejects = store.rejects(batch["batch_id"])
    assert rejects[["row", "reason"]].values.tolist() == [[4, "postcode not found"]]
    assert json.loads(rejects["raw"].iloc[0]) == {"Ref": "r3", "When": "05/03/2024", "Clock": "10:00",
                                                  "PC": "ZZ9 9ZZ", "What": "Assault"}
    with pytest.raises(InputError, match="mapping points time"):
        store.ingest(write("calls2.csv", table + "r4,06/03/2024,11:00,B1 1AY,x\n"), "ambulance",
                     mapping={**mapping, "time": "Hour"})


def test_rejected_rows_report_is_exact(store, write):
    rows = [
        street_row(crime_id="ok1"),                                   # row 2
        street_row(crime_id="nocoord", lon="", lat=""),               # 3
        street_row(crime_id="zero", lon="0", lat="0"),                # 4
        street_row(crime_id="swap", lon="52.481420", lat="-1.899830"),  # 5
        street_row(crime_id="far", lon="-0.095960", lat="51.517534"),  # 6 City of London
        street_row(crime_id="month", month="June 24th"),              # 7
        street_row(crime_id="cat", crime_type="Parking"),             # 8
        street_row(crime_id="ok1"),                                   # 9 repeated Crime ID in the same file
        street_row(crime_id="ok2"),                                   # 10
    ]
    data = street_csv(rows) + b"short,row\n"                          # 11 wrong number of fields
    batch = store.ingest(write("bad.csv", data), "police").files[0]
    expected = {"no coordinates": 1, "(0,0) coordinates": 1, "latitude/longitude swapped": 1,
                "outside the study area": 1, "unparseable date": 1, "unknown category": 1,
                "duplicate Crime ID": 1, "wrong number of fields": 1}
    assert batch.rejected_by_reason == expected and (batch.rows_read, batch.accepted) == (10, 2)
    record = store.batches().iloc[0]
    assert json.loads(record["rejected_by_reason"]) == expected
    assert (record["rows_read"], record["accepted"], record["duplicates"], record["rejected"]) == (10, 2, 0, 8)
    assert record["loaded_at"].tz is not None and str(record["loaded_at"].tz) == "UTC"
    report = store.rejects(batch.batch_id)
    assert report.columns.tolist() == ["file", "row", "reason", "detail", "raw"]
    assert report["row"].tolist() == [3, 4, 5, 6, 7, 8, 9, 11]
    assert report["reason"].tolist() == ["no coordinates", "(0,0) coordinates", "latitude/longitude swapped",
                                         "outside the study area", "unparseable date", "unknown category",
                                         "duplicate Crime ID", "wrong number of fields"]
    assert report.loc[report["row"] == 9, "detail"].item().endswith("bad.csv row 2")
    raw = json.loads(report.loc[report["row"] == 3, "raw"].item())
    assert raw["Crime ID"] == "nocoord" and raw["Longitude"] == "" and raw["LSOA name"] == "Birmingham 138A"
    assert json.loads(report.loc[report["row"] == 11, "raw"].item())["raw"] == "short,row"


def test_unusable_file_among_several_stores_nothing(store, write):
    good = write("good.csv", street_csv([street_row(crime_id="g1")]))
    header_only = write("empty.csv", street_csv([]))
    with pytest.raises(InputError, match="header but no data rows.*nothing was stored") as err:
        store.ingest([good, header_only], "police")
    assert "\n" not in str(err.value)
    assert store.batches().empty and store.incidents().empty
    with pytest.raises(InputError, match="unknown source"):
        store.ingest([good], "fire")
    with pytest.raises(InputError, match="mapping is for partner tables"):
        store.ingest([good], "police", mapping={"date": "x"})


def test_archive_zip_gives_one_batch_per_month_and_reloads_only_new_months(store, write):
    jan = street_csv([street_row(crime_id="j1", month="2024-01")])
    feb = street_csv([street_row(crime_id="f1", month="2024-02"), street_row(crime_id="f2", month="2024-02")])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("2024-01/2024-01-west-midlands-street.csv", jan)
        zf.writestr("2024-02/2024-02-west-midlands-outcomes.csv", "Crime ID,Month\n")
    first = store.ingest(write("archive1.zip", buf.getvalue()), "police")
    assert len(first.batch_ids) == 1 and any("not incident files" in n for n in first.notes)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("2024-02/2024-02-west-midlands-street.csv", feb)
    second = store.ingest(write("archive2.zip", buf.getvalue()), "police")
    assert len(second.batch_ids) == 1 and len(second.already_loaded) == 1 and second.accepted == 2
    assert store.batches()[["first_month", "last_month"]].values.tolist() == [["2024-01", "2024-01"],
                                                                            ["2024-02", "2024-02"]]


def test_incidents_filters_and_empty_result(store, write):
    store.ingest(write("p.csv", street_csv([street_row(crime_id="v1", month="2024-05"),
                                            street_row(crime_id="r1", month="2024-06", crime_type="Robbery"),
                                            street_row(crime_id="v2", month="2024-07")])), "police")
    store.ingest(write("istv.csv", ISTV), "ed")
    assert len(store.incidents()) == 6
    assert store.incidents(months=("2024-06", None))["incident_id"].tolist() == ["r1", "v2"]
    assert store.incidents(months=("2024-03", "2024-05"))["incident_id"].tolist() == ["v1", "A1", "A2", "A4"]
    assert store.incidents(sources="police", months=(None, "2024-06"))["incident_id"].tolist() == ["v1", "r1"]
    assert store.incidents(categories=["Robbery", "Knife"])["incident_id"].tolist() == ["r1", "A2"]
    police = store.incidents(sources="police")
    assert police["date"].isna().all() and police["after_dark"].isna().all()
    assert str(police["after_dark"].dtype) == "boolean" and police["row"].tolist() == [2, 3, 4]
    empty = store.incidents(sources="ambulance")
    assert empty.empty and "lsoa21" in empty.columns and empty.crs.to_epsg() == 27700
    assert store.facets() == {"sources": ["ed", "police"], "months": ["2024-03", "2024-05", "2024-06", "2024-07"],
                              "categories": ["Body part", "Knife", "Robbery", "Violence and sexual offences"]}
    with pytest.raises(InputError, match="not a month"):
        store.incidents(months=("June", None))


def test_corrupt_store_file_is_one_line(tmp_path):
    path = tmp_path / "incidents.duckdb"
    path.write_bytes(os.urandom(20_000))
    with pytest.raises(InputError) as err:
        IncidentStore(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "not an incident store" in message
    assert "move it aside" in message


def test_store_locked_by_another_process_is_one_line(store):
    holder = _subprocess("import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\nprint('ready', flush=True)\n"
                         "time.sleep(60)", str(store.path))
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(InputError) as err:
            IncidentStore(store.path, wait_s=0.2)
        message = str(err.value)
        assert "\n" not in message and "in use by another program" in message and str(store.path) in message
        assert f"process {holder.pid}" in message
        store.wait_s = 0.2
        with pytest.raises(InputError, match="in use by another program"):
            store.ingest(NamedBytes("u.csv", street_csv([street_row(crime_id="u1")])), "police")
    finally:
        holder.kill()
        holder.communicate()
    assert store.batches().empty  # usable again once the other program has gone


def test_default_store_path(monkeypatch, tmp_path):
    monkeypatch.delenv("HOTSPOT_STORE", raising=False)
    assert default_store_path() == ROOT / "local" / "incidents.duckdb"
    monkeypatch.setenv("HOTSPOT_STORE", str(tmp_path / "elsewhere.duckdb"))
    assert default_store_path() == tmp_path / "elsewhere.duckdb"
    with IncidentStore() as s:
        assert s.path == (tmp_path / "elsewhere.duckdb").resolve()
    with pytest.raises(InputError, match="was closed"):
        s.batches()


def test_ed_arrival_time_is_kept(tmp_path):
    table = tmp_path / "istv.csv"
    table.write_text("Attendance ID,Date and time of incident,Date and time of arrival,Incident postcode,"
                     "Primary means of assault\nA1,2024-03-02 23:40,2024-03-03 00:15,B1 1AY,Body part\n")
    with IncidentStore(tmp_path / "s.duckdb") as store:
        store.ingest([table], "ed")
        data = store.incidents()
    assert data["arrival"].tolist() == ["2024-03-03 00:15"]
    assert data["after_dark"].tolist() == [True]  # 23:40 on 2 March in Birmingham


def test_a_format_2_store_is_upgraded_in_place_and_keeps_its_incidents(tmp_path, write):
    """Stores written before formats 3 and 4 (sensitive batches, a study area) open and analyse as before."""
    import duckdb

    path = tmp_path / "old.duckdb"
    new = IncidentStore(tmp_path / "new.duckdb")
    new.ingest([write("2024-06-west-midlands-street.csv", street_csv([street_row(crime_id=f"o{i}") for i in range(3)]))],
               "police")
    with duckdb.connect(str(path)) as con:  # the same rows, in format 2's tables and names
        con.execute(f"ATTACH '{new.path}' AS n (READ_ONLY)")
        con.execute("CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO store_meta VALUES ('schema_version', '2')")
        con.execute("CREATE SEQUENCE batch_ids START 2")
        con.execute("CREATE TABLE batches AS SELECT * EXCLUDE (sensitive) FROM n.batches")
        for table in ("incidents", "duplicates"):
            con.execute(f"CREATE TABLE {table} AS SELECT * RENAME (area_code AS lsoa21, ward_code AS ward24, "
                        f"lad_code AS lad24) FROM n.{table}")
        con.execute("CREATE TABLE rejects AS SELECT * FROM n.rejects")
    old = IncidentStore(path)
    assert old.study_area().is_bundled and old.batches()["sensitive"].tolist() == [False]
    data = old.incidents()
    assert sorted(data["incident_id"]) == ["o0", "o1", "o2"]
    assert (data["lsoa21"] == data["area_code"]).all() and data["lad24"].eq(BIRMINGHAM).all()
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()[0] == "4"


def test_rejected_rows_keep_what_the_file_gave_as_json():
    import numpy as np

    frame = pd.DataFrame({"Crime ID": ["x", None, 'q"uo\\te'], "Longitude": [-1.9, np.nan, 2.0],
                          "when": pd.to_datetime(["2024-03-01", None, "2024-03-02 10:30"], format="mixed"),
                          "n": pd.array([1, None, 3], dtype="Int64"), "row": [2, 3, 4]})
    assert store_module._raw_json(frame, ("row",)) == [
        '{"Crime ID": "x", "Longitude": -1.9, "when": "2024-03-01", "n": 1}',
        "{}",  # every value missing: nothing is made up
        '{"Crime ID": "q\\"uo\\\\te", "Longitude": 2.0, "when": "2024-03-02T10:30:00", "n": 3}']
    assert store_module._raw_json(frame[["row"]], ("row",)) == ["{}"] * 3

def test_another_forces_file_is_named_with_what_to_do(store):
    # the real City of London sample checked against the (bundled) West Midlands store: every located
    # row is outside, and the note says whose data it is and how to analyse that area instead
    report = store.check(STREET_SAMPLE, "police")
    assert report.accepted == 0 and report.reason_counts()["outside the study area"] == 26
    note = next(n for n in report.notes if "the store's study area" in n)
    assert note.startswith("26 of 26 located rows lie outside West Midlands")
    assert "they are City of London Police data" in note
    assert "start another store with that force's boundaries" in note and "--boundaries" in note


def test_ingest_reports_progress_per_file_read_and_written(store, write):
    a = write("a.csv", street_csv([street_row(crime_id="p1"), street_row(crime_id="p2", lon="", lat="")]))
    b = write("b.csv", street_csv([street_row(crime_id="p3")]))
    seen = []
    store.ingest([a, b], "police", progress=lambda done, message: seen.append((done, message)))
    shares = [d for d, _ in seen]
    assert len(seen) == 4 and shares == sorted(shares) and shares[-1] == 1.0 and 0 < shares[0] < 1
    assert seen[0][1] == "read file 1 of 2, a.csv: 2 rows, 1 accepted, 1 rejected (2 rows so far)"
    assert seen[-1][1].startswith("stored file 2 of 2, b.csv as batch ")
    again = []
    store.ingest([a], "police", progress=lambda done, message: again.append(message))
    assert again == ["file 1 of 1, a.csv: already stored, skipped"]
    checked = []
    c = write("c.csv", street_csv([street_row(crime_id="p4")]))
    report = store.check([b, c], "police", progress=lambda done, message: checked.append((done, message)))
    assert checked == [(0.5, "file 1 of 2, b.csv: already stored"),
                       (1.0, "checked file 2 of 2, c.csv: 1 rows, 1 accepted, 0 rejected")]
    assert report.accepted == 1 and report.rows_read == 1  # the stored file is not offered again
    assert any(n.startswith("b.csv is already in the store (batch ") and n.endswith("loading it adds nothing.")
               for n in report.notes)

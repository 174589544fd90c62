"""Safe with sensitive data and hostile input: formulas neutralised, limits, faults, suppression."""

import io
import json
import tomllib
import zipfile

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.cli import main
from geo.errors import InputError
from geo.police_uk import is_incident_file, read_police
from geo.sources import NamedBytes, expand_inputs
from geo.store import IncidentStore
from geo.writers import neutralise_text, write_output
from tests.conftest import DATA, ROOT, street_csv, street_row

HOSTILE_FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE_HTML = "<img src=x onerror=alert(1)>"
LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", HOSTILE_FORMULA])
def test_formula_like_text_is_neutralised(text):
    assert neutralise_text(text) == "'" + text
    assert neutralise_text("On or near Broad Street") == "On or near Broad Street"
    assert neutralise_text(-1.5) == -1.5  # numbers stay numbers


def test_hostile_locations_stay_text_in_csv_and_xlsx_exports(tmp_path, capsys, write):
    rows = [street_row(crime_id=f"h{i}", location=HOSTILE_FORMULA if i % 2 else HOSTILE_HTML) for i in range(30)]
    src = write("hostile.csv", street_csv(rows))
    for ext in ("csv", "geojson"):
        assert main(["--quiet", "clusters", "--incidents", str(src), "--eps", "150", "--min-samples", "5",
                     "--out", str(tmp_path / f"c.{ext}")]) == 0
    text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and '\n=HYPERLINK' not in text and ',=HYPERLINK' not in text
    frame = pd.DataFrame({"location": [HOSTILE_FORMULA, HOSTILE_HTML], "n": [1, 2]})
    write_output(frame, tmp_path / "x.xlsx", {"note": "=cmd|' /C calc'!A0"}, (".xlsx",))
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no live formula anywhere, metadata included
    assert book["hotspots"]["A2"].value == "'" + HOSTILE_FORMULA


def test_zip_limits_and_member_names_are_never_paths(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../escape-street.csv", street_csv([street_row(crime_id="z1")]))
        zf.writestr("/abs/2024-01-x-street.csv", street_csv([street_row(crime_id="z2")]))
    data = buf.getvalue()
    result = read_police(NamedBytes("evil.zip", data))
    assert sorted(result.data["incident_id"]) == ["z1", "z2"]
    assert not (tmp_path.parent.parent / "escape-street.csv").exists()
    assert not list(ROOT.parent.glob("escape-street.csv"))
    with pytest.raises(InputError, match="holds 2 files, over the limit of 1"):
        expand_inputs([NamedBytes("evil.zip", data)], is_incident_file, max_zip_members=1)
    with pytest.raises(InputError, match="would unpack to"):
        expand_inputs([NamedBytes("evil.zip", data)], is_incident_file, max_zip_total=100)
    with pytest.raises(InputError, match="over the"):
        expand_inputs([NamedBytes("big.csv", b"x" * 2000)], is_incident_file, max_file_bytes=1000)


def test_server_configuration_keeps_xsrf_and_an_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 500
    assert config["client"]["showErrorDetails"] in ("none", False)  # no tracebacks in front of users


def test_corrupt_store_gives_one_line_and_the_bundled_data_still_works(tmp_path, monkeypatch):
    bad = tmp_path / "store.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("HOTSPOT_STORE", str(bad))
    with pytest.raises(InputError) as info:
        IncidentStore(bad).batches()
    assert "\n" not in str(info.value) and str(bad) in str(info.value)
    for page in ["overview", "hotspot_map", "load_data"]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception
    assert any("not an incident store" in e.value for e in at.error)  # the Load data page says why


def _ed_table(path):
    # 3 attendances at B1 1AY and 12 at B1 1BA (real Code-Point Open postcodes, both in Birmingham)
    rows = ["Attendance ID,Date and time of incident,Incident postcode,Primary means of assault"]
    rows += [f"a{i},2024-03-0{1 + i % 9} 23:10,B1 1AY,Body part" for i in range(3)]
    rows += [f"b{i},2024-03-0{1 + i % 9} 22:00,B1 1BA,Knife" for i in range(12)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_health_counts_below_five_cannot_be_read_from_the_pages(tmp_path, monkeypatch):
    store = tmp_path / "store.duckdb"
    monkeypatch.setenv("HOTSPOT_STORE", str(store))
    with IncidentStore(store) as s:
        s.ingest([_ed_table(tmp_path / "istv.csv")], "ed", loaded_by="test")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["ds"] = "store"
    at.run()
    assert not at.exception
    seen = []
    for page in ["overview", "hotspot_map", "my_patch", "export"]:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        seen += [m.value for m in at.metric]
        seen += [df.value.to_csv() for df in at.dataframe]
        seen += [c.proto.json for c in at.get("deck_gl_json_chart")]
    text = "\n".join(map(str, seen))
    assert "<5" in text  # the small cell is shown as suppressed…
    assert "Incidents: 3\\n" not in text and "Incidents: 3\n" not in text  # …never as its value in a tooltip
    export = at.dataframe[0].value
    small = export[export["value"].astype(str) == "<5"]
    assert len(small) >= 1 and small[["share_of_total_pct", "rank", "rate_per_1000"]].isna().all().all()
    # the LSOA holding the 3 attendances: no table, card or tooltip anywhere shows its count or rate
    for code in small["area_code"]:
        for frame in seen:
            for line in str(frame).splitlines():
                if code in line:
                    assert not any(cell.strip() in ("3", "3.0") for cell in line.split(",")), line


def test_killing_a_load_midway_loses_nothing_confirmed(tmp_path, write):
    """A confirmed batch survives a process killed (SIGKILL) in the middle of the next load's transaction;
    the interrupted batch is wholly absent, and loads cleanly afterwards."""
    import signal
    import subprocess
    import sys
    import time

    store = tmp_path / "store.duckdb"
    first = write("2024-01-west-midlands-street.csv", street_csv([street_row(crime_id=f"a{i}", month="2024-01")
                                                                 for i in range(50)]))
    with IncidentStore(store) as s:
        assert s.ingest([first], "police").accepted == 50
    big = write("2024-02-west-midlands-street.csv", street_csv([street_row(crime_id=f"b{i}", month="2024-02")
                                                               for i in range(20_000)]))
    # the loader says when the new incidents are inserted (inside the batch's transaction, not yet
    # committed) and waits there: the kill lands mid-transaction every time, however fast the machine
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); import geo.store as gs\n"
            "real = gs._insert\n"
            "def slow(con, table, frame):\n"
            "    real(con, table, frame)\n"
            "    if table == 'incidents':\n"
            "        print('inserted', flush=True); time.sleep(60)\n"
            "gs._insert = slow\n"
            f"gs.IncidentStore({str(store)!r}).ingest([{str(big)!r}], 'police')")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    assert proc.stdout.readline().strip() == "inserted" and time.monotonic() < deadline
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    with IncidentStore(store) as s:
        batches = s.batches()
        data = s.incidents()
    assert (data["incident_id"].str.startswith("a")).sum() == 50
    loaded_b = int(data["incident_id"].str.startswith("b").sum())
    assert loaded_b == 0 and len(batches) == 1  # killed before its commit: none of the interrupted batch
    with IncidentStore(store) as s:
        assert s.ingest([big], "police").accepted == 20_000

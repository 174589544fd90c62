"""The command line's incident store: ingest, store list/delete/rejects, and analyses with --store."""

import json
import re
import os

import pandas as pd
import pytest

from analytics.cli import main
from geo.store import IncidentStore
from tests.conftest import DATA, street_csv, street_row

LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")
VIOLENCE = "Violence and sexual offences"

# two points in different Birmingham city-centre LSOAs, and a third further out
NEW_STREET = dict(lon="-1.899830", lat="52.481420")
DIGBETH = dict(lon="-1.885200", lat="52.475100")
ERDINGTON = dict(lon="-1.839000", lat="52.524000")

ISTV = ("Attendance ID,Date and time of incident,Incident postcode,Primary means of assault\n"
        "A1,2024-06-02 23:40,B1 1AY,Body part\n"
        "A2,2024-06-03 14:10,B1 1BA,Knife\n"
        "A3,2024-06-05 01:00,ZZ9 9ZZ,Body part\n")


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("HOTSPOT_STORE", str(path))
    return path


def _run(capsys, *argv):
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def police_files(write):
    june = write("2024-06-west-midlands-street.csv", street_csv(
        [street_row(crime_id=f"j{i}", month="2024-06", **NEW_STREET) for i in range(6)]
        + [street_row(crime_id=f"d{i}", month="2024-06", **DIGBETH) for i in range(3)]
        + [street_row(crime_id="r1", month="2024-06", crime_type="Robbery", **ERDINGTON),
           street_row(crime_id="nc", month="2024-06", lon="", lat="")]))
    # a later download overlapping June (j0, j1 again) and adding July
    july = write("2024-07-west-midlands-street.csv", street_csv(
        [street_row(crime_id="j0", month="2024-06", **NEW_STREET), street_row(crime_id="j1", month="2024-06", **NEW_STREET)]
        + [street_row(crime_id=f"k{i}", month="2024-07", **ERDINGTON) for i in range(4)]))
    return june, july


def test_ingest_list_delete_end_to_end(store_path, police_files, capsys):
    june, july = police_files
    code = main(["ingest", str(june), str(july), "--source", "police", "--loaded-by", "Analyst A"])  # not quiet
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].endswith("batch 1, 11 rows read, 10 accepted, 0 already in the store, 1 rejected (no coordinates: 1).")
    assert lines[1].endswith("batch 2, 6 rows read, 4 accepted, 2 already in the store, 0 rejected.")
    assert lines[2] == ("2 new batches (1, 2): 17 rows read, 14 accepted, 2 already in the store, 1 rejected "
                        "(no coordinates: 1).")
    # progress per file on stderr as it goes, and the throughput at the end
    assert "read file 1 of 2, 2024-06-west-midlands-street.csv: 11 rows, 10 accepted, 1 rejected" in err
    assert "stored file 2 of 2, 2024-07-west-midlands-street.csv as batch 2" in err
    assert re.search(r"17 rows read and stored in \d+\.\d s \([\d,]+ rows/s\)", err.splitlines()[-1])

    code, out, _ = _run(capsys, "ingest", str(june), str(july), "--source", "police")  # again: nothing added
    assert code == 0 and out.strip().splitlines()[-1].startswith("2 files already loaded, nothing added")
    assert len(IncidentStore(store_path).incidents()) == 14

    code, out, _ = _run(capsys, "store", "list", "--json")
    listed = json.loads(out)
    assert [(b["batch_id"], b["accepted"], b["duplicates"], b["rejected"]) for b in listed] == [(1, 10, 0, 1), (2, 4, 2, 0)]
    assert listed[0]["loaded_by"] == "Analyst A" and listed[0]["file"] == str(june.resolve())
    assert listed[0]["rejected_by_reason"] == {"no coordinates": 1} and listed[1]["months"] == ["2024-06", "2024-07"]
    code, out, _ = _run(capsys, "store", "list")
    assert code == 0 and "2024-06-west-midlands-street.csv" in out and "Analyst A" in out

    code, out, _ = _run(capsys, "store", "rejects", "2", "--out", str(store_path.parent / "rej.csv"))
    assert code == 0 and "already in the store: 2" in out
    rej = pd.read_csv(store_path.parent / "rej.csv", encoding="utf-8-sig")
    assert rej["row"].tolist() == [2, 3] and rej["detail"].str.startswith("same Crime ID as batch 1").all()

    code, out, _ = _run(capsys, "store", "delete", "1")
    assert code == 0 and "batch 1" in out and "2 from batch 2" in out
    data = IncidentStore(store_path).incidents()
    assert sorted(data["incident_id"]) == ["j0", "j1", "k0", "k1", "k2", "k3"]  # June's repeats were kept
    code, out, _ = _run(capsys, "store", "list", "--json")
    assert [b["batch_id"] for b in json.loads(out)] == [2]


def test_ingest_partner_tables_with_a_mapping(store_path, write, capsys):
    table = write("calls.csv", "Ref,When,PC,What\nc1,2024-06-02 23:40,B1 1AY,Assault\nc2,2024-06-03 14:10,B1 1BA,Stab\n")
    as_json = write("map.json", json.dumps({"incident_id": "Ref", "datetime": "When", "postcode": "PC",
                                            "category": "What"}))
    code, out, err = _run(capsys, "ingest", str(table), "--source", "ambulance", "--mapping", str(as_json))
    assert code == 0, err
    assert "2 accepted" in out
    as_csv = write("map.csv", "field,column\ndatetime,When\npostcode,PC\n")
    again = write("calls2.csv", "Ref,When,PC\nc3,2024-06-04 12:00,B1 1AY\n")
    code, out, err = _run(capsys, "ingest", str(again), "--source", "ed", "--mapping", str(as_csv))
    assert code == 0, err
    data = IncidentStore(store_path).incidents().set_index("incident_id")
    assert data.loc["c1", "category"] == "Assault" and data.loc["c3", "source"] == "ed"
    assert data["after_dark"].tolist() == [True, False, False]


@pytest.mark.filterwarnings("ignore:eps_m=50 m is below")  # three snapped locations 1-5 km apart
def test_hotspots_concentration_and_clusters_from_the_store(store_path, police_files, write, capsys, tmp_path):
    june, july = police_files
    assert _run(capsys, "ingest", str(june), str(july), "--source", "police")[0] == 0
    assert _run(capsys, "ingest", str(write("istv.csv", ISTV)), "--source", "ed")[0] == 0

    out = tmp_path / "h.csv"
    code, _, err = _run(capsys, "hotspots", "--store", "--source", "police", "--crime-type", "violent-crime",
                        "--from", "2024-06", "--to", "2024-06", "--boundaries", LSOA21, "--permutations", "9",
                        "--out", str(out))
    assert code == 0, err
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 1719 and table["value"].sum() == 9  # June violence: 6 + 3, repeats counted once
    assert sorted(table.loc[table["value"] > 0, "value"].tolist()) == [3, 6]
    meta = pd.read_csv(tmp_path / "h.metadata.csv", encoding="utf-8-sig").set_index("item")["value"]
    assert meta["incident_store"] == str(store_path) and meta["months"] == "2024-06 to 2024-06"
    assert "9 stored incidents from 1 batch(es) (1); sources police" == meta["incident_load"]

    code, out_text, err = _run(capsys, "concentration", "--store", "--source", "ed", "--boundaries", LSOA21,
                               "--json")
    assert code == 0, err
    assert json.loads(out_text)["gini"] > 0.99  # 2 ED attendances in 1,719 LSOAs

    code, _, err = _run(capsys, "hotspots", "--store", "--boundaries", LSOA21, "--permutations", "9",
                        "--out", str(tmp_path / "all.csv"))
    assert code == 0, err
    assert "counting ed, police incidents together" in err
    mixed = pd.read_csv(tmp_path / "all.csv", encoding="utf-8-sig", dtype={"value": str})
    assert "<5" in set(mixed["value"])  # ED included: small numbers suppressed, with no option to forget it
    code, _, err = _run(capsys, "hotspots", "--store", "--boundaries", LSOA21, "--permutations", "9",
                        "--unsuppressed", "--out", str(tmp_path / "raw.csv"))
    assert code == 0, err
    assert (tmp_path / "raw.csv").read_text(encoding="utf-8-sig").startswith("UNSUPPRESSED: not for sharing\n")
    assert pd.read_csv(tmp_path / "raw.csv", encoding="utf-8-sig", skiprows=1)["value"].sum() == 14 + 2

    code, _, err = _run(capsys, "clusters", "--store", "--source", "police", "--eps", "50", "--min-samples", "3",
                        "--out", str(tmp_path / "c.csv"))
    assert code == 0, err
    clusters = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig")
    assert len(clusters) == 14 and sorted(clusters["cluster"].value_counts()) == [3, 5, 6]  # Digbeth, Erdington, New St


@pytest.mark.parametrize("argv, expected", [
    (["ingest", "nope.csv", "--source", "police"], "no such file or folder"),
    (["ingest", "{police}", "--source", "police", "--mapping", "{mapping}"], "--mapping is for partner tables"),
    (["ingest", "{partner}", "--source", "ed", "--mapping", "{bad_mapping}"], "maps unknown fields"),
    (["ingest", "{partner}", "--source", "ed", "--mapping", "{broken_json}"], "is not valid JSON"),
    (["ingest", "{empty}", "--source", "police"], "header but no data rows"),
    (["store", "delete", "7"], "has no batch 7"),
    (["store", "rejects", "7"], "has no batch 7"),
    (["hotspots", "--store", "--boundaries", LSOA21, "--out", "o.csv"], "holds no incidents"),
    (["hotspots", "--store", "--incidents", "x.csv", "--boundaries", LSOA21, "--out", "o.csv"],
     "either --incidents or --store"),
    (["clusters", "--out", "c.csv"], "either --incidents or --store"),
    (["hotspots", "--incidents", "a.csv", "--source", "ed", "police", "--boundaries", LSOA21, "--out", "o.csv"],
     "--source takes one value"),
])
def test_bad_input_is_one_line_and_exit_2(store_path, tmp_path, capsys, monkeypatch, write, argv, expected):
    monkeypatch.chdir(tmp_path)
    files = {"police": write("p.csv", street_csv([street_row(crime_id="p1")])),
             "partner": write("e.csv", ISTV), "mapping": write("m.json", '{"postcode": "Incident postcode"}'),
             "bad_mapping": write("bad.json", '{"where": "Incident postcode"}'),
             "broken_json": write("broken.json", '{"postcode": '), "empty": write("empty.csv", street_csv([]))}
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    code = main(["--quiet", *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert expected in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert IncidentStore(store_path).batches().empty  # nothing was stored by a refused command


def test_usage_mistakes_and_a_damaged_store_exit_2(store_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--quiet", "store", "delete", "first"])
    assert stop.value.code == 2 and "invalid int value" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["--quiet", "ingest", "x.csv"])  # --source is required
    assert stop.value.code == 2 and "--source" in capsys.readouterr().err
    store_path.write_bytes(os.urandom(10_000))
    code, _, err = _run(capsys, "store", "list")
    assert code == 2 and f"incident store {store_path}: is not an incident store" in err
    assert len(err.strip().splitlines()) == 1

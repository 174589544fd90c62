"""The columnar read path gives exactly what the csv-module reader gives, and falls back to it
whenever a file is not normal (blank lines, line breaks in quotes, ragged rows, odd line endings)."""

import csv
import io
import os
import random
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

import geo.tabular as tabular
from geo import bundled
from geo import report as R
from geo.incidents import concat_incidents, drop_duplicate_ids, to_incidents
from geo.partner import read_partner_table
from geo.police_uk import read_police, read_police_file
from geo.sources import NamedBytes, expand_inputs
from geo.tabular import _read_exact, _read_fast, read_table
from tests.conftest import STREET_HEADER, STREET_SAMPLE, street_csv, street_row

ICKENHAM = "On or near High Road, Ickenham"


def varied_rows(n=24_000, seed=1, month="2024-06", prefix=""):
    """police.uk-like rows: ASB without IDs, ~9 % without coordinates, repeated IDs, quoted text
    (the comma street appears only after row 20,000), outcomes with quotes and commas."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        asb = rng.random() < 0.2
        nowhere = rng.random() < 0.09
        street = ICKENHAM if i > 20_000 and rng.random() < 0.02 else f"On or near Street {rng.integers(0, 300)}"
        crime_id = "" if asb else f"{prefix}{rng.integers(0, 2**62):064x}"[-64:]
        if i % 997 == 0 and rows and rows[-1][0]:
            crime_id = rows[-1][0]  # the same Crime ID twice in one file
        lon, lat = -1.95 + rng.integers(0, 150) / 1000, 52.42 + rng.integers(0, 120) / 1000
        rows.append(street_row(crime_id=crime_id, month=month, lon="" if nowhere else f"{lon:.6f}",
                               lat="" if nowhere else f"{lat:.6f}", location="No Location" if nowhere else street,
                               crime_type="Anti-social behaviour" if asb else "Violence and sexual offences",
                               outcome="" if asb else rng.choice(['Under investigation', 'Said "no", left'])))
    return rows


def varied_csv(**kw) -> bytes:
    data = street_csv(varied_rows(**kw)).replace(b"\n", b"\r\n")
    return b"\xef\xbb\xbf" + data


def assert_same_table(a, b):
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1].rejected, b[1].rejected)
    assert (a[1].files, a[1].rows_read, a[1].accepted, a[1].notes) == (b[1].files, b[1].rows_read, b[1].accepted,
                                                                      b[1].notes)


def assert_same_incidents(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a.data.drop(columns="geometry")),
                                  pd.DataFrame(b.data.drop(columns="geometry")))
    assert a.data.geometry.to_wkb().equals(b.data.geometry.to_wkb()) and a.data.crs == b.data.crs
    pd.testing.assert_frame_equal(a.report.rejected, b.report.rejected)
    assert (a.report.files, a.report.rows_read, a.report.accepted, a.report.notes) == (
        b.report.files, b.report.rows_read, b.report.accepted, b.report.notes)


@pytest.fixture
def exact_only(monkeypatch):
    """Every table read by the csv module, as before the columnar path (``.undo()`` ends it)."""
    monkeypatch.setattr(tabular, "_read_fast", lambda data, name: None)
    return monkeypatch


def one_file_at_a_time(items, study_area_bng=None):
    """read_police as it was: each file through read_police_file, then the repeats of Crime IDs."""
    files, notes = expand_inputs(items, lambda name: True)
    frames, report = [], R.LoadReport(notes=list(notes))
    for item in files:
        table, rep = read_police_file(item, study_area_bng)
        frames.append(to_incidents(table))
        report = report.merge(rep)
    data = drop_duplicate_ids(concat_incidents(frames), report)
    report.accepted = len(data)
    return data, report


def test_varied_file_takes_the_fast_path_and_matches_the_csv_module():
    data = varied_csv()
    fast = _read_fast(data, "varied.csv")
    assert fast is not None, "a normal file (BOM, CRLF, quotes) should be read by pyarrow"
    exact = _read_exact(data, "varied.csv")
    assert_same_table(fast, exact)
    table = fast[0]
    assert table["row"].tolist() == list(range(2, len(table) + 2))
    assert (table["Location"] == ICKENHAM).any() and not (table["Location"].iloc[:20_000] == ICKENHAM).any()
    assert table["Crime ID"].eq("").sum() > 0 and table["Longitude"].eq("").sum() > 0
    assert list(table.columns) == ["file", *STREET_HEADER, "row"]
    assert all(str(table[c].dtype) == "str" for c in STREET_HEADER)


def test_read_police_equals_the_exact_reader_and_one_file_at_a_time(write, exact_only):
    study = bundled.study_area()
    extra = [street_row(crime_id="far", lon="-0.095960", lat="51.517534"),  # London: outside the study area
             street_row(crime_id="month", month="June 24th"), street_row(crime_id="cat", crime_type="Parking"),
             street_row(crime_id="zero", lon="0", lat="0"), street_row(crime_id="swap", lon="52.48", lat="-1.9"),
             street_row(crime_id="text", lon="west", lat="52.4"), street_row(crime_id="x" * 64)]
    jan = street_csv(varied_rows(n=21_000, seed=2, month="2024-01") + extra)
    feb = varied_csv(seed=3, month="2024-02") + street_csv([street_row(crime_id="x" * 64)]).split(b"\n", 1)[1]
    paths = [write("p/2024-01/2024-01-west-midlands-street.csv", jan),
             write("p/2024-02/2024-02-west-midlands-street.csv", feb)]
    exact = read_police(paths, study_area_bng=study)
    old_data, old_report = one_file_at_a_time(paths, study)
    exact_only.undo()
    fast = read_police(paths, study_area_bng=study)
    assert_same_incidents(fast, exact)
    pd.testing.assert_frame_equal(pd.DataFrame(fast.data.drop(columns="geometry")),
                                  pd.DataFrame(old_data.drop(columns="geometry")))
    pd.testing.assert_frame_equal(fast.report.rejected, old_report.rejected)
    assert fast.report.notes == old_report.notes
    counts = fast.report.reason_counts().to_dict()
    assert counts["outside the study area"] == 1 and counts["duplicate Crime ID"] > 10
    assert set(counts) >= {"no coordinates", "unparseable date", "unknown category", "(0,0) coordinates",
                           "latitude/longitude swapped", "coordinates not numeric or out of range"}
    detail = fast.report.rejected.set_index("reason").loc["duplicate Crime ID", "detail"]
    assert f"same Crime ID as {paths[0]} row {21_000 + 8}" in set(detail)


def test_short_ids_of_one_width_are_deduplicated_exactly(write):
    ids = [f"{i % 700:08d}" for i in range(1500)]  # 8 characters: the hashed path
    rows = [street_row(crime_id=c) for c in ids] + [street_row(crime_id="", crime_type="Anti-social behaviour")] * 3
    path = write("ids.csv", street_csv(rows))
    result = read_police(path)
    assert result.data["incident_id"].tolist() == [f"{i:08d}" for i in range(700)] + [""] * 3
    assert result.report.reason_counts().to_dict() == {"duplicate Crime ID": 800}
    old_data, old_report = one_file_at_a_time([path])
    pd.testing.assert_frame_equal(result.report.rejected, old_report.rejected)


ABNORMAL = {
    "blank line in the middle": b"a,b\n1,2\n\n3,4\n",
    "blank lines and spaces": b"a,b\n1,2\n   \n\n3,4\n",
    "line break inside quotes": b'a,b\n1,"two\nlines"\n3,4\n',
    "ragged row": b"a,b,c\n1,2,3\nonly,two\n4,5,6\n",
    "too many fields": b"a,b\n1,2,3\n4,5\n",
    "lone carriage returns": b"a,b\r1,2\r3,4\r",
    "unclosed quote at the end": b'a,b\n1,"2\r\n',
    "text after a closing quote": b'a,b\n"x"y,2\n',
    "second BOM": b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,2\n",
    "header only": b"a,b\n",
    "repeated header names": b"a,a\n1,2\n",
    "one column": b"a\n1\n \n2\n",
    "NUL inside": b"a,b\n1,2\n" + b"x" * 9000 + b"\x00,3\n",
    "a field over the csv module's limit": b"a,b\n1," + b"x" * 200_000 + b"\n",
    "quoted header running on": b'a,"b\nc",d\n1,2,3\n',
}


@pytest.mark.parametrize("case", list(ABNORMAL))
def test_abnormal_files_take_the_exact_reader(case):
    data = ABNORMAL[case]
    assert _read_fast(data, "odd.csv") is None
    try:
        expected = ("ok", _read_exact(data, "odd.csv"))
    except Exception as exc:
        expected = ("error", type(exc), str(exc))
    try:
        got = ("ok", read_table(data, "odd.csv"))
    except Exception as exc:
        got = ("error", type(exc), str(exc))
    assert got[0] == expected[0]
    if got[0] == "ok":
        assert_same_table(got[1], expected[1])
    else:
        assert got[1:] == expected[1:]


def test_abnormal_files_keep_their_row_numbers():
    table, rep = read_table(ABNORMAL["blank line in the middle"], "b.csv")
    assert table["row"].tolist() == [2, 4]  # the blank line still counts, as in a spreadsheet
    table, rep = read_table(ABNORMAL["line break inside quotes"], "q.csv")
    assert table["b"].tolist() == ["two\nlines", "4"] and table["row"].tolist() == [3, 4]
    table, rep = read_table(ABNORMAL["ragged row"], "r.csv")
    assert table["row"].tolist() == [2, 4]
    assert rep.rejected[["row", "raw", "detail"]].values.tolist() == [[3, "only,two", "2 fields, header has 3"]]


def test_windows_1252_and_trailing_blank_lines_read_fast_and_exactly():
    rows = [street_row(crime_id="a1", location="On or near Caf\u00e9 Square \u2013 Digbeth")] * 3
    for data in (street_csv(rows, encoding="cp1252"), street_csv(rows) + b"\n\n\r\n",
                 street_csv(rows, delimiter=";"), street_csv(rows, delimiter="\t")):
        fast = _read_fast(data, "f.csv")
        assert fast is not None
        assert_same_table(fast, _read_exact(data, "f.csv"))


def _random_field(rng):
    r = rng.random()
    if r < 0.45:
        return "".join(rng.choice(["a", "b", "1", " ", "\u00e9", "-", "\t"]) for _ in range(rng.randint(0, 4)))
    if r < 0.75:
        return '"' + "".join(rng.choice(["a", ",", '""', " ", "\u00e9", ";"]) for _ in range(rng.randint(0, 4))) + '"'
    return "".join(rng.choice(["a", '"', '"', " ", ",", "b", '""', "\n"]) for _ in range(rng.randint(0, 5)))


def test_random_files_read_the_same_both_ways():
    """Seeded differential test: canonical and deliberately odd quoting, both line endings."""
    rng = random.Random(20261203)
    fast_taken = 0
    for _ in range(600):
        width = rng.randint(2, 4)
        newline = rng.choice(["\n", "\r\n"])
        delimiter = rng.choice([",", ",", ";"])
        if rng.random() < 0.5:
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                                quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
            writer.writerow(rng.sample(["Crime ID", "Month", "x", " a ", "b", '"q"'], width))
            for _ in range(rng.randint(1, 6)):
                writer.writerow(["".join(rng.choice(["a", ",", '"', " ", "\u00e9", ";", "1"])
                                         for _ in range(rng.randint(0, 5))) for _ in range(width)])
            text = buf.getvalue()
        else:
            lines = [delimiter.join(rng.sample(["Crime ID", "Month", "x", " a ", "b"], width))]
            lines += [delimiter.join(_random_field(rng) for _ in range(width)) for _ in range(rng.randint(1, 6))]
            text = newline.join(lines) + rng.choice([newline, "", newline * 2])
        data = (b"\xef\xbb\xbf" if rng.random() < 0.2 else b"") + text.encode("utf-8")
        fast = _read_fast(data, "f.csv")
        fast_taken += fast is not None
        try:
            exact = ("ok", _read_exact(data, "f.csv"))
        except Exception as exc:
            exact = ("error", str(exc))
        if fast is not None:
            assert exact[0] == "ok", data
            assert_same_table(fast, exact[1])
    assert fast_taken > 200  # the fast path is really exercised


def test_partner_tables_read_the_same_both_ways(write, monkeypatch):
    rng = np.random.default_rng(5)
    n = 3000
    table = pd.DataFrame({
        "Ref": [f"r{i}" for i in range(n)],
        "Date": np.where(rng.random(n) < 0.5, "2024-03-02", "02/03/2024"),
        "Time": rng.choice(["23:40", "01:10:00", "", "later"], n),
        "Lat": np.where(rng.random(n) < 0.1, "", (52.45 + rng.integers(0, 50, n) / 1000).astype(str)),
        "Lon": (-1.9 + rng.integers(0, 50, n) / 1000).astype(str),
        "Postcode": rng.choice(["B1 1AY", "B1 1BA", "ZZ9 9ZZ", ""], n),
        "Type": rng.choice(["Knife, sharp", "Body part", ""], n), "Count": rng.choice(["1", "2", "0", "x"], n)})
    path = write("partner.csv", table.to_csv(index=False))
    fast = read_partner_table(path, "ed", study_area_bng=bundled.study_area())
    monkeypatch.setattr(tabular, "_read_fast", lambda data, name: None)
    exact = read_partner_table(path, "ed", study_area_bng=bundled.study_area())
    assert_same_incidents(fast, exact)
    assert len(fast.data) > 1000 and fast.report.n_rejected > 100


def test_archive_zip_is_read_in_memory_never_written_to_disk(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024-01/2024-01-west-midlands-street.csv", street_csv(varied_rows(n=3000, month="2024-01")))
        zf.writestr("2024-02/2024-02-west-midlands-street.csv", varied_csv(n=3000, seed=4, month="2024-02"))
        zf.writestr("2024-02/2024-02-west-midlands-outcomes.csv", "Crime ID,Month\n")
    archive = tmp_path / "archive.zip"
    archive.write_bytes(buf.getvalue())
    written = []
    active = [True]

    def watch(event, args):
        """Record every file opened for writing (or created) while the archive is read."""
        if not active[0]:
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            writing = (isinstance(mode, str) and any(m in mode for m in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writing and not str(path).endswith(".pyc"):  # (a first import may cache its bytecode)
                written.append(path)
        elif event in ("zipfile.ZipFile.extract", "shutil.unpack_archive", "tempfile.mkstemp", "tempfile.mkdtemp"):
            written.append((event, args))

    sys.addaudithook(watch)
    try:
        before = set(tmp_path.rglob("*"))
        result = read_police(archive)
        after = set(tmp_path.rglob("*"))
    finally:
        active[0] = False
    assert written == [] and before == after
    assert sorted(result.data["month"].unique()) == ["2024-01", "2024-02"]
    assert result.data["file"].iloc[0] == f"{archive}:2024-01/2024-01-west-midlands-street.csv"
    assert any("not incident files" in n for n in result.report.notes)


def test_progress_is_called_after_each_file(write):
    paths = [write(f"p/2024-0{m}/2024-0{m}-west-midlands-street.csv",
                   street_csv([street_row(crime_id=f"m{m}-{i}", month=f"2024-0{m}") for i in range(5)]
                              + [street_row(crime_id="", lon="", lat="")]))
             for m in (1, 2, 3)]
    seen = []
    result = read_police(paths[0].parent.parent, progress=lambda *args: seen.append(args))  # the folder
    assert seen == [(str(paths[0]), 6, 1), (str(paths[1]), 12, 2), (str(paths[2]), 18, 3)]
    quiet = read_police(paths)
    assert_same_incidents(result, quiet)
    calls = []
    partner = write("ed.csv", "month,postcode\n2024-01,B1 1AY\n2024-01,\n")
    read_partner_table(partner, progress=lambda *args: calls.append(args))
    assert calls == [(str(partner), 2, 1)]


def test_real_sample_reads_the_same_both_ways(monkeypatch):
    fast = read_police(STREET_SAMPLE)
    monkeypatch.setattr(tabular, "_read_fast", lambda data, name: None)
    assert_same_incidents(fast, read_police(STREET_SAMPLE))


def test_uploads_of_the_same_file_twice(exact_only):
    data = varied_csv(n=2500)
    items = [NamedBytes("a.csv", data), NamedBytes("b.csv", data)]
    exact = read_police(items)
    exact_only.undo()
    fast = read_police(items)
    assert_same_incidents(fast, exact)
    assert fast.report.reason_counts()["duplicate Crime ID"] >= 1500

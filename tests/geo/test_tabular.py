"""Bad files get one clear line; usable files with odd encodings or delimiters load."""

import io

import openpyxl
import pytest

from geo.errors import InputError
from geo.police_uk import read_police
from geo.tabular import read_table
from tests.conftest import street_csv, street_row


def _error(path) -> str:
    with pytest.raises(InputError) as info:
        read_police(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert path.name in message
    return message


def test_empty_file(write):
    assert "empty" in _error(write("2024-06-west-midlands-street.csv", b""))


def test_header_only(write):
    assert "no data rows" in _error(write("h.csv", street_csv([])))


def test_wrong_columns_names_the_missing_ones(write):
    message = _error(write("wrong.csv", "name,value\na,1\n"))
    assert "Crime ID" in message and "Longitude" in message and "found: name, value" in message


def test_xlsx_renamed_csv_is_refused_clearly(write):
    book = openpyxl.Workbook()
    book.active.append(["Crime ID", "Month"])
    buf = io.BytesIO()
    book.save(buf)
    assert "Excel workbook" in _error(write("renamed.csv", buf.getvalue()))


def test_binary_is_refused(write):
    assert "not a text table" in _error(write("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)))


def test_huge_single_line_is_refused_quickly(write):
    assert "longer than" in _error(write("oneline.csv", b"a," * 3_000_000))


def test_windows_1252_file_loads_with_a_note(write):
    rows = [street_row(crime_id="a1", location="On or near Caf\u00e9 Square \u2013 Digbeth")]
    path = write("cp1252.csv", street_csv(rows, encoding="cp1252"))
    result = read_police(path)
    assert result.data["location"].iloc[0] == "On or near Caf\u00e9 Square \u2013 Digbeth"
    assert any("Windows-1252" in note for note in result.report.notes)


def test_latin1_only_bytes_load(write):
    # 0x81 is undefined in Windows-1252, so only Latin-1 can decode this file
    data = street_csv([street_row(crime_id="a1", location="On or near X")]).replace(b"near X", b"near X\x81")
    result = read_police(write("latin1.csv", data))
    assert len(result.data) == 1 and any("Latin-1" in n for n in result.report.notes)


def test_semicolon_delimiter(write):
    path = write("semi.csv", street_csv([street_row(crime_id="a1"), street_row(crime_id="a2")], delimiter=";"))
    result = read_police(path)
    assert len(result.data) == 2
    assert any("';'" in note for note in result.report.notes)


def test_ragged_row_is_rejected_and_counted_not_dropped():
    data = street_csv([street_row(crime_id="a1")]) + b"only,three,fields\n"
    table, rep = read_table(data, "ragged.csv")
    assert len(table) == 1
    assert rep.reason_counts().to_dict() == {"wrong number of fields": 1}
    assert rep.rejected["row"].tolist() == [3]

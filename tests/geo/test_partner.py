"""Partner incident tables (ED/ISTV, ambulance, local extracts): columns recognised, locations resolved."""

import io

import openpyxl
import pandas as pd
import pytest

from geo import bundled
from geo.errors import InputError
from geo.partner import detect_columns, read_partner_table
from geo.projection import lonlat_to_bng

# Real Code-Point Open rows (data/schools/codepoint_open_2025_10_postcodes_wm.csv)
B1_1AY = (406523, 286448)
B1_1BA = (406875, 286393)


def test_istv_style_table_with_postcodes(write):
    csv = ("Attendance ID,Date and time of incident,Date and time of arrival,Incident postcode,"
           "Location free text,Primary means of assault\n"
           "A1,2024-03-02 23:40,2024-03-03 00:15,B1 1AY,outside club,Body part\n"
           "A2,02/03/2024 01:10,02/03/2024 02:00,b11ba,bus stop,Knife\n"
           "A3,2024-03-05 14:00,2024-03-05 15:00,ZZ9 9ZZ,home,Blunt object\n"
           "A4,yesterday,,B1 1AY,park,Body part\n"
           "A5,2024-03-06 10:00,,,,Body part\n")
    result = read_partner_table(write("istv.csv", csv), source_label="ed")
    data = result.data.set_index("incident_id")
    assert list(data.index) == ["A1", "A2"]
    assert (data.loc["A1", "easting"], data.loc["A1", "northing"]) == B1_1AY
    assert (data.loc["A2", "easting"], data.loc["A2", "northing"]) == B1_1BA
    assert data.loc["A1", "time"] == "23:40" and data.loc["A2", "time"] == "01:10"
    assert str(data.loc["A2", "date"].date()) == "2024-03-02"  # day first, UK style
    assert data.loc["A2", "category"] == "Knife" and data["source"].eq("ed").all()
    assert data.loc["A1", "arrival"] == "2024-03-03 00:15"
    assert result.report.reason_counts().to_dict() == {"postcode not found": 1, "unparseable date": 1,
                                                       "no coordinates": 1}


def test_lat_lon_and_easting_northing_rows(write):
    e, n = lonlat_to_bng([-1.9], [52.48])
    table = pd.DataFrame({"Ref": ["r1", "r2", "r3"], "Date": ["2024-01-01", "2024-01-02", "2024-01-03"],
                          "Lat": ["52.48", "", "53"], "Lon": ["-1.9", "", "-1"],
                          "Easting": ["", "406523", ""], "Northing": ["", "286448", ""],
                          "Type": ["Assault", "Assault", "Assault"], "Count": ["2", "1", "1"]})
    result = read_partner_table(write("calls.csv", table.to_csv(index=False)), "ambulance",
                                study_area_bng=bundled.study_area())
    data = result.data.set_index("incident_id")
    assert data.loc["r1", "easting"] == pytest.approx(e[0])
    assert data.loc["r2", "northing"] == 286448
    assert data.loc["r1", "weight"] == 2.0
    assert result.report.reason_counts().to_dict() == {"outside the study area": 1}  # 53N, 1W is in Derbyshire


def test_real_xlsx_and_mapping(write):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["when", "pc", "what"])
    sheet.append(["2024-02", "B1 1AY", "Stabbing"])
    sheet.append(["2024-03", "B1 1BA", "Assault"])
    buf = io.BytesIO()
    book.save(buf)
    result = read_partner_table(write("extract.xlsx", buf.getvalue()),
                                mapping={"month": "when", "postcode": "pc", "category": "what"})
    assert result.data["month"].tolist() == ["2024-02", "2024-03"]
    assert result.data["category"].tolist() == ["Stabbing", "Assault"]


def test_excel_dates_at_midnight_are_not_times(write):
    table = pd.DataFrame({"date": ["2024-01-05 00:00:00", "2024-01-06 00:00:00"], "postcode": ["B1 1AY"] * 2})
    data = read_partner_table(write("d.csv", table.to_csv(index=False))).data
    assert data["time"].tolist() == ["", ""]


def test_missing_location_or_date_columns(write):
    with pytest.raises(InputError, match="no location columns"):
        read_partner_table(write("a.csv", "date,category\n2024-01-01,x\n"))
    with pytest.raises(InputError, match="no date, datetime or month"):
        read_partner_table(write("b.csv", "postcode,category\nB1 1AY,x\n"))
    with pytest.raises(InputError, match="mapping points month"):
        read_partner_table(write("c.csv", "postcode,when\nB1 1AY,2024-01\n"), mapping={"month": "nope"})


def test_detect_columns_common_names():
    cols = detect_columns(["Incident Date", "Incident Time", "Post Code", "Means of assault", "LAT", "LNG"])
    assert cols == {"latitude": "LAT", "longitude": "LNG", "postcode": "Post Code", "date": "Incident Date",
                    "time": "Incident Time", "category": "Means of assault"}


def test_bad_weight_is_rejected(write):
    data = "month,postcode,weight\n2024-01,B1 1AY,-1\n2024-01,B1 1AY,3\n"
    result = read_partner_table(write("w.csv", data))
    assert result.data["weight"].tolist() == [3.0]
    assert result.report.reason_counts().to_dict() == {"weight not a positive number": 1}

"""The command line's change over time: `emerging` and `change`, their outputs, and bad input."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from scipy import stats

from analytics.cli import main
from analytics.emerging import PATTERNS
from tests.conftest import BHAM_2017, DATA, street_csv, street_row

LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")
NEW_STREET = dict(lon="-1.899830", lat="52.481420")  # E01033620
DIGBETH = dict(lon="-1.885200", lat="52.475100")


def _run(capsys, *argv):
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson"])
def test_emerging_writes_one_row_per_area_with_the_documented_columns(tmp_path, capsys, ext):
    out = tmp_path / f"e.{ext}"
    code, _, err = _run(capsys, "emerging", "--boundaries", LSOA21, "--incidents", str(BHAM_2017),
                        "--crime-type", "violent-crime", "--out", str(out), "--steps-out", str(tmp_path / "s.csv"))
    assert code == 0, err
    if ext == "xlsx":
        sheets = pd.read_excel(out, sheet_name=None)
        assert list(sheets) == ["emerging", "steps_z", "metadata"]
        table, steps_z = sheets["emerging"], sheets["steps_z"]
        assert list(steps_z.columns) == ["area_code", *[f"z_2017-{m:02d}" for m in range(1, 12)]]
        meta = sheets["metadata"].set_index("item")["value"]
        assert "Intensifying" in meta["rules"] and "11 steps" in meta["steps"]
    elif ext == "csv":
        table = pd.read_csv(out, encoding="utf-8-sig")
    else:
        table = gpd.read_file(out)
        assert table.crs.to_epsg() == 4326 and "metadata" in json.loads(out.read_text())
    for col in ["area_code", "area_name", "pattern", "trend_z", "trend_p", "hot_steps", "cold_steps", "final_z",
                "final_p", "count"]:
        assert col in table.columns
    assert len(table) == 1719 and set(table["pattern"]) <= set(PATTERNS)
    raw = pd.read_csv(BHAM_2017)
    assert table["count"].sum() == (raw["type"] == "violent-crime").sum()  # counted independently
    long = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert len(long) == 1719 * 11 and {"area_code", "step", "count", "z", "p", "hot", "cold"} <= set(long.columns)


def test_emerging_on_a_grid(tmp_path, capsys):
    code, _, err = _run(capsys, "emerging", "--boundaries", LSOA21, "--incidents", str(BHAM_2017),
                        "--crime-type", "violent-crime", "--grid", "2000", "--out", str(tmp_path / "g.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "g.csv", encoding="utf-8-sig")
    assert len(table) > 200 and table["count"].sum() == 3174


def _months_file(write, months, name="m.csv"):
    rows = []
    for month in months:
        rows += [street_row(crime_id=f"{month}-{i}", month=month, **NEW_STREET) for i in range(12)]
        rows += [street_row(crime_id=f"{month}-d{i}", month=month, **DIGBETH) for i in range(5)]
    return write(name, street_csv(rows))


@pytest.mark.parametrize("months, extra, expected", [
    (["2024-01"], [], "at least 4 time steps"),
    (["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"], ["--step", "3months"], "at least 4 time steps"),
    (["2024-01", "2024-02", "2024-03"], ["--step", "12months"], "longer than the data"),
    (["2024-01", "2024-02", "2024-04", "2024-05", "2024-06"], [], "2024-03"),  # a month missing from the data
])
def test_emerging_refuses_unusable_periods_with_one_line(tmp_path, capsys, write, months, extra, expected):
    code, _, err = _run(capsys, "emerging", "--boundaries", LSOA21, "--incidents", str(_months_file(write, months)),
                        *extra, "--out", str(tmp_path / "e.csv"))
    assert code == 2, err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_emerging_of_health_data_is_refused_under_suppression(tmp_path, capsys, write):
    rows = ["Attendance ID,Date and time of incident,Incident postcode"]
    rows += [f"a{i},2024-0{1 + i % 6}-1{i % 9} 22:00,B1 1AY" for i in range(40)]
    ed = write("ed.csv", "\n".join(rows) + "\n")
    code, _, err = _run(capsys, "emerging", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                        "--out", str(tmp_path / "e.csv"))
    assert code == 2 and "cannot protect" in err and "change" in err
    code, _, err = _run(capsys, "emerging", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                        "--unsuppressed", "--out", str(tmp_path / "e.csv"))
    assert code == 0, err
    assert (tmp_path / "e.csv").read_text(encoding="utf-8-sig").startswith("UNSUPPRESSED")


def test_change_per_area_matches_a_hand_computed_exact_test(tmp_path, capsys, write):
    # New Street: 10 in January (31 days), 20 in February (29 days, 2024); Digbeth 6 and 6
    rows = [street_row(crime_id=f"j{i}", month="2024-01", **NEW_STREET) for i in range(10)]
    rows += [street_row(crime_id=f"f{i}", month="2024-02", **NEW_STREET) for i in range(20)]
    rows += [street_row(crime_id=f"dj{i}", month="2024-01", **DIGBETH) for i in range(6)]
    rows += [street_row(crime_id=f"df{i}", month="2024-02", **DIGBETH) for i in range(6)]
    src = write("c.csv", street_csv(rows))
    code, _, err = main(["change", "--boundaries", LSOA21, "--incidents", str(src), "--period-a", "2024-01",
                         "--period-b", "2024-02", "--out", str(tmp_path / "c.csv")]), None, capsys.readouterr().err
    assert code == 0, err
    table = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig").set_index("area_code")
    ns = table.loc["E01033620"]
    assert (ns["count_a"], ns["count_b"], ns["days_a"], ns["days_b"]) == (10, 20, 31, 29)
    assert ns["rate_ratio"] == pytest.approx((20 / 29) / (10 / 31))  # per day: +114 %, not +100 %
    # one month per period: no dispersion to estimate, so the exact conditional test, by hand
    p = stats.binomtest(20, 30, 29 / 60).pvalue
    assert ns["p"] == pytest.approx(p, rel=1e-6)
    assert table.loc[table["count_a"] + table["count_b"] == 0, "change"].eq("no incidents").all()
    meta = pd.read_csv(tmp_path / "c.metadata.csv", encoding="utf-8-sig").set_index("item")["value"]
    assert "exact" in meta["method_used"] and "31 days" in meta["period_a"]


def test_change_protects_health_counts_and_leaves_hidden_areas_untested(tmp_path, capsys, write):
    rows = ["Attendance ID,Date and time of incident,Latitude,Longitude"]
    for i in range(14):
        rows.append(f"a{i},2024-0{1 + i % 2}-10 22:00,52.481420,-1.899830")  # 7 and 7 at New Street
    for i in range(3):
        rows.append(f"b{i},2024-01-1{i} 22:00,52.475100,-1.885200")  # 3 at Digbeth in January only
    for i in range(2):
        rows.append(f"c{i},2024-01-2{i} 22:00,52.507574,-1.895790")  # 2 further north: 3 + 2 hidden hold 5
    ed = write("ed.csv", "\n".join(rows) + "\n")
    code, _, err = _run(capsys, "change", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                        "--period-a", "2024-01", "--period-b", "2024-02", "--out", str(tmp_path / "c.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    hidden = table[table["count_a"] == "<5"]
    assert len(hidden) == 2 and (hidden[["rate_ratio", "p", "change"]] == "").all().all()
    assert not {"2", "3"} & set(table["count_a"]) and "7" in set(table["count_a"])
    new_street = table.set_index("area_code").loc["E01033620"]
    assert new_street["change"] == "no evidence of change"  # 7 and 7: tested, as its counts are shown


@pytest.mark.parametrize("argv, expected", [
    (["--period-a", "2024-07:2024-12", "--period-b", "2024-01:2024-06"], "must end before"),
    (["--period-a", "June", "--period-b", "2024-07"], "is not a period"),
    (["--period-a", "2024-01", "--period-b", "2024-09"], "do not cover 2024-09"),
])
def test_change_bad_periods(tmp_path, capsys, write, argv, expected):
    src = _months_file(write, ["2024-01", "2024-02"])
    code, _, err = _run(capsys, "change", "--boundaries", LSOA21, "--incidents", str(src), *argv,
                        "--out", str(tmp_path / "c.csv"))
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1

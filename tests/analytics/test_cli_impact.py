"""`python -m analytics impact`: the flat JSON, the brief and the XLSX, bad input, and disclosure control."""

import json
import math

import pandas as pd
import pytest

from analytics.cli import main
from tests.conftest import DATA, street_csv, street_row

LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")
NEW_STREET = dict(lon="-1.899830", lat="52.481420")  # E01033620 (target)
DIGBETH = dict(lon="-1.885200", lat="52.475100")  # 1.2 km away, another city-centre LSOA (comparison)
KEYS = ["target_areas", "buffer_areas", "comparison_areas", "target_before", "target_after", "buffer_before",
        "buffer_after", "comparison_before", "comparison_after", "relative_effect", "relative_effect_ci_low",
        "relative_effect_ci_high", "relative_effect_p", "wdq", "total_net_effect", "its_level_ratio",
        "its_level_ci_low", "its_level_ci_high", "series", "verdict", "method"]


def _run(capsys, *argv):
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _file(write, plan, name="p.csv"):
    """plan: [(month, place, n)] -> a police.uk street CSV."""
    rows, i = [], 0
    for month, place, n in plan:
        for _ in range(n):
            i += 1
            rows.append(street_row(crime_id=f"c{i}", month=month, **place))
    return write(name, street_csv(rows))


def _months(first_year=2023, n=24):
    return [f"{first_year + (m // 12)}-{1 + m % 12:02d}" for m in range(n)]


@pytest.fixture
def two_places(write):
    months = _months()
    plan = []
    for k, m in enumerate(months):
        after = m >= "2024-01"
        plan.append((m, NEW_STREET, 10 - 4 * after))  # the target: 10 a month, then 6
        plan.append((m, DIGBETH, 20))  # elsewhere: 20 a month throughout
    return _file(write, plan)


def test_impact_writes_the_flat_json_and_matches_a_hand_computation(tmp_path, capsys, two_places):
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(two_places),
                        "--target", "E01033620", "--start", "2024-01", "--buffer", "none",
                        "--json", str(tmp_path / "i.json"), "--out", str(tmp_path / "brief.html"))
    assert code == 0, err
    out = json.loads((tmp_path / "i.json").read_text())
    for key in KEYS:
        assert key in out
    assert out["target_areas"] == ["E01033620"]
    assert (out["target_before"], out["target_after"]) == (120, 72)
    assert (out["comparison_before"], out["comparison_after"]) == (240, 240)
    # by hand: (72/120) / (240/240) = 0.6; Wald se on the log = sqrt(1/72 + 1/120 + 1/240 + 1/240)
    assert out["relative_effect"] == pytest.approx(0.6)
    se = math.sqrt(1 / 72 + 1 / 120 + 1 / 240 + 1 / 240)
    assert out["relative_effect_ci_low"] == pytest.approx(0.6 * math.exp(-1.959964 * se), rel=1e-4)
    assert out["its_level_ratio"] == pytest.approx(0.6, abs=0.05)  # a clean step from 10 to 6
    assert "fell 40 %" in out["verdict"]
    assert out["series"]["target"][:2] == [10, 10] and out["series"]["target"][-1] == 6
    brief = (tmp_path / "brief.html").read_text()
    assert "<svg" in brief and "fell 40 %" in brief and "Relative effect" in brief


def test_impact_xlsx_and_a_point_target(tmp_path, capsys, two_places):
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(two_places),
                        "--point", "406900,287060", "--radius", "300", "--buffer", "500", "--start", "2024-01",
                        "--json", str(tmp_path / "p.json"), "--out", str(tmp_path / "p.xlsx"))
    assert code == 0, err
    sheets = pd.read_excel(tmp_path / "p.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "months", "zones", "metadata"]
    out = json.loads((tmp_path / "p.json").read_text())
    assert out["zones_from"] == "points" and out["target_before"] + out["buffer_before"] + out["comparison_before"] == 360  # 12 months x (10 + 20)


@pytest.mark.parametrize("argv, expected", [
    (["--target", "E09999999", "--start", "2024-01"], "outside the boundaries"),
    (["--target", "E01033620", "--start", "2025-06"], "no months"),
    (["--target", "E01033620", "--start", "2023-01"], "before"),
    (["--target", "E01033620", "--start", "2024-01", "--comparison", "{empty}"], "comparison"),
    (["--target", "E01033620", "--point", "1,2", "--start", "2024-01"], "either --target"),
    (["--point", "406300,286800", "--start", "2024-01"], "--radius"),
    (["--target", "E01033620", "--start", "Jan"], "not a month"),
])
def test_impact_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, write, two_places, argv, expected):
    empty = write("empty.csv", "code\n")
    argv = [a.format(empty=str(empty)) for a in argv]
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(two_places), *argv,
                        "--json", str(tmp_path / "i.json"))
    assert code == 2, err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "i.json").exists()


def test_zero_target_before_is_refused_without_dividing_by_zero(tmp_path, capsys, write):
    plan = [(m, DIGBETH, 5) for m in _months()] + [(m, NEW_STREET, 3) for m in _months() if m >= "2024-01"]
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(_file(write, plan)),
                        "--target", "E01033620", "--start", "2024-01", "--json", str(tmp_path / "i.json"))
    assert code == 2 and "no incidents" in err and "undefined" in err


def _ed(write, target_per_month, elsewhere_per_month, name="ed.csv"):
    rows, i = ["Attendance ID,Date and time of incident,Latitude,Longitude"], 0
    for m in _months():
        for place, n in ((NEW_STREET, target_per_month(m)), (DIGBETH, elsewhere_per_month(m))):
            for k in range(n):
                i += 1
                rows.append(f"a{i},{m}-{1 + k % 27:02d} 22:00,{place['lat']},{place['lon']}")
    return write(name, "\n".join(rows) + "\n")


def test_health_data_keep_small_months_hidden_and_the_effect_from_what_is_shown(tmp_path, capsys, write):
    # the target has 3 a month before and 2 after (small), the rest 30: the zones' totals are shown, months not
    ed = _ed(write, lambda m: 3 if m < "2024-01" else 2, lambda m: 30)
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                        "--target", "E01033620", "--buffer", "none", "--start", "2024-01",
                        "--json", str(tmp_path / "i.json"))
    assert code == 0, err
    out = json.loads((tmp_path / "i.json").read_text())
    assert (out["target_before"], out["target_after"]) == (36, 24)
    assert set(out["series"]["target"]) <= {"<5", "*"}  # no month of the target is shown
    assert out["suppression_threshold"] == "5" and "<5" in out["disclosure_control"]


def test_health_data_with_a_small_zone_total_are_refused(tmp_path, capsys, write):
    ed = _ed(write, lambda m: 1 if m in ("2023-03", "2024-04") else 0, lambda m: 30)
    code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                        "--target", "E01033620", "--buffer", "none", "--start", "2024-01",
                        "--json", str(tmp_path / "i.json"))
    assert code == 2 and "too few incidents to evaluate under small-number suppression" in err
    assert not (tmp_path / "i.json").exists()


def test_two_worlds_with_the_hidden_months_swapped_give_the_same_output(tmp_path, capsys, write):
    outputs = []
    for world, order in (("A", (3, 2)), ("B", (2, 3))):
        months = _months()
        per = {m: order[i % 2] for i, m in enumerate(months)}  # 3, 2, 3, 2 … or 2, 3, 2, 3 …
        ed = _ed(write, lambda m: per[m], lambda m: 30, name=f"{world}.csv")
        out = tmp_path / f"{world}.json"
        code, _, err = _run(capsys, "impact", "--boundaries", LSOA21, "--incidents", str(ed), "--source", "ed",
                            "--target", "E01033620", "--buffer", "none", "--start", "2024-01", "--json", str(out))
        assert code == 0, err
        result = json.loads(out.read_text())
        result.pop("incident_files")
        result.pop("incident_load")
        outputs.append(result)
    assert outputs[0] == outputs[1]

"""The pages' views of health data, attacked: nothing any page shows pins a hidden count.

ED assaults in Ladywood ward (Birmingham): 3, 2 and 7 in three of its LSOAs and a few elsewhere,
over four months. The audit's attacks are replayed on what the pages show (the Export cut to the
ward beside the Overview's ward total, the ward's monthly trend beside its total, a custom list
beside the counts shown elsewhere), with an integer program that finds the smallest and largest
value of every hidden count: each must have more than one answer.
"""

import numpy as np
import pytest

from analytics.suppression import PRIMARY, SECONDARY, SHOWN, Constraint
from geo import bundled
from geo import datasets as D
from geo.projection import bng_to_lonlat
from geo.store import IncidentStore
from tests.conftest import run_app
from tests.disclosure_attack import feasible_ranges

WARD = "E05011151"  # Ladywood
COUNTS = {"E01033620": 3, "E01033625": 2, "E01033616": 7, "E01033557": 12, "E01009141": 1}
ELSEWHERE = {"E01009061": 9, "E01009053": 4}  # another ward of Birmingham
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]


def _ed_rows():
    lsoa = bundled.boundaries("lsoa21").set_index("area_code")
    rows, i = ["Attendance ID,Date and time of incident,Latitude,Longitude,Primary means of assault"], 0
    for code, n in {**COUNTS, **ELSEWHERE}.items():
        p = lsoa.geometry[code].representative_point()
        lon, lat = bng_to_lonlat(np.array([p.x]), np.array([p.y]))
        for k in range(n):
            i += 1
            rows.append(f"a{i},{MONTHS[(i + k) % 4]}-{1 + k % 27:02d} 22:30,{lat[0]:.6f},{lon[0]:.6f},Body part")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ed")
    (folder / "istv.csv").write_text(_ed_rows())
    path = folder / "store.duckdb"
    with IncidentStore(path) as s:
        s.ingest([folder / "istv.csv"], "ed", loaded_by="test")
    return path


def _app(store, page, **params):
    import os

    os.environ["HOTSPOT_STORE"] = str(store)
    return run_app(page, ds="store", **params)


def _status(label: str) -> int:
    return PRIMARY if label.startswith("<") else SECONDARY if label == "*" else SHOWN


def test_the_export_cut_to_a_ward_beside_the_overview_total_pins_nothing(store):
    overview = _app(store, "overview", geo=f"ward:{WARD}")
    total = next(m.value for m in overview.metric if m.label.startswith("Incidents"))
    export = _app(store, "export", geo=f"ward:{WARD}").dataframe[0].value
    cells = export.set_index("area_code")["value"].astype(str)
    assert set(cells.index) >= set(COUNTS)
    assert cells["E01033620"] == "<5" and cells["E01033625"] == "<5" and cells["E01033616"] == "7"
    # the attacker's system: the ward's shown total = the sum of the cells the export shows
    labels = list(cells) + [total]
    values = np.array([float(v.replace(",", "")) if _status(v) == SHOWN else 0.0 for v in labels])
    status = np.array([_status(v) for v in labels])
    ranges = feasible_ranges(values, status, [Constraint(len(labels) - 1, np.arange(len(labels) - 1))], 5)
    assert ranges and all(lo < hi for lo, hi in ranges.values()), ranges


def test_the_trends_beside_their_totals_pin_nothing_and_wards_show_none(store):
    from ui import overview as O
    from ui.privacy import build_protected, policy

    sel = D.Selection(dataset=D.STORE, sources=("ed",), suppress_below=5)
    data = D.area_data(sel, IncidentStore(store).incidents())
    prot = build_protected(data, policy(sel))
    for geography in ("all", "lad:E08000025"):
        areas = data.areas[data.in_geography(geography)]
        monthly, _ = O.monthly_counts(data, areas, prot, geography)
        kind, _, code = geography.partition(":")
        series = prot.step_series("all" if kind == "all" else f"{kind}_code", code or "all")
        assert (monthly["incidents"].isna().to_numpy() == series["hidden"].to_numpy()).all()  # the page shows prot
    ward, note = O.monthly_counts(data, data.areas[data.in_geography(f"ward:{WARD}")], prot, f"ward:{WARD}")
    assert ward["incidents"].isna().all() and "local authorities only" in note
    ranges = feasible_ranges(prot.values, prot.status, prot.constraints, 5)  # every total, trend and cell at once
    assert ranges and all(lo < hi for lo, hi in ranges.values())


def test_a_custom_list_holding_a_hidden_lsoa_shows_no_total(store):
    at = _app(store, "my_patch", geo="lsoas:E01033620,E01033616")  # (A + X) - X would give A
    total = next(m.value for m in at.metric if m.label.startswith("Incidents"))
    assert total == "withheld"
    assert any("hidden counts" in c.value for c in at.caption)
    visible = _app(store, "my_patch", geo="lsoas:E01033616,E01033557")
    assert next(m.value for m in visible.metric if m.label.startswith("Incidents")) == "19"


COUNT_LIKE = ("value", "count", "incident", "rate", "share", "rank", "per 1,000")


def test_no_page_shows_a_small_count_or_a_value_derived_from_one(store):
    import json
    import re

    cells = []  # (column or tooltip label, shown value) about each hidden LSOA
    hidden = ("E01033620", "E01033625", "E01009141")
    for page in ["overview", "hotspot_map", "trends", "my_patch", "impact", "export", "risk_factors"]:
        at = _app(store, page, geo=f"ward:{WARD}")
        for df in at.dataframe:
            frame = df.value.astype(str)
            rows = frame[frame.apply(lambda r: any(code in " ".join(map(str, r)) for code in hidden), axis=1)]
            cells += [(col, v) for _, r in rows.iterrows() for col, v in r.items()]
        for chart in at.get("deck_gl_json_chart"):
            for tip in re.findall(r'"tip":\s*"((?:[^"\\]|\\.)*)"', chart.proto.json):
                text = json.loads(f'"{tip}"')
                if any(code in text for code in hidden):
                    cells += [tuple(line.split(": ", 1)) for line in text.splitlines()[1:] if ": " in line]
    checked = [(c, v) for c, v in cells if any(k in str(c).lower() for k in COUNT_LIKE)]
    assert len(checked) > 10
    for column, value in checked:
        assert str(value).strip() in ("<5", "*", "", "None", "nan", "withheld (small numbers)", "–"), (column, value)


def test_the_trends_page_shows_no_emerging_patterns_of_health_data(store):
    at = _app(store, "trends")
    assert any("Emerging hot spots are not shown for health or sensitive data" in i.value for i in at.info)
    text = " ".join(m.value for m in at.markdown)
    assert "Change between two periods" in " ".join(h.value for h in at.subheader)
    assert "hot-spot LSOAs" in text or "No LSOA was a Gi* hot spot" in text or "Too few incidents" in text

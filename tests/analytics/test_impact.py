"""ImpactEvaluation: the whole before/after/comparison/displacement evaluation, by hand and on simulated data."""

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analytics.impact import ImpactEvaluation
from analytics.its import InterruptedTimeSeries
from analytics.power import minimum_detectable_reduction
from analytics.weights import SpatialWeights

REQUIRED_KEYS = {
    "target_areas", "buffer_areas", "comparison_areas", "target_before", "target_after", "buffer_before",
    "buffer_after", "comparison_before", "comparison_after", "relative_effect", "relative_effect_ci_low",
    "relative_effect_ci_high", "relative_effect_p", "exact_p", "exact_ci_low", "exact_ci_high", "wdq",
    "wdq_reading", "total_net_effect", "its_level_ratio", "its_level_ci_low", "its_level_ci_high", "its_level_p",
    "its_slope_ratio", "its_slope_ci_low", "its_slope_ci_high", "minimum_detectable_reduction", "series",
    "verdict", "method",
}


def lattice(nrows, ncols, rook=True):
    import libpysal

    ids = [f"A{i:02d}" for i in range(nrows * ncols)]
    return SpatialWeights.from_adjacency(libpysal.weights.lat2W(nrows, ncols, rook=rook).sparse, ids=ids)


def months_from(first, n):
    return [p.strftime("%Y-%m") for p in pd.period_range(first, periods=n, freq="M")]


def long_table(per_area: dict, months) -> pd.DataFrame:
    rows = [(a, m, c) for a, series in per_area.items() for m, c in zip(months, series)]
    return pd.DataFrame(rows, columns=["area_code", "month", "count"])


# 3 x 3 rook lattice: target A04 (centre), buffer A01 A03 A05 A07, comparison the corners A00 A02 A06 A08
MONTHS = months_from("2023-01", 12)  # start 2023-07: 6 months before, 6 after


def hand_case():
    per_area = {
        "A04": [8, 12, 9, 11, 10, 10, 5, 7, 6, 6, 6, 6],            # target: 60 before, 36 after
        **{a: [5, 5, 5, 5, 5, 5, 4, 5, 4, 5, 4, 5] for a in ("A01", "A03", "A05", "A07")},  # 30 -> 27 each
        **{a: [20, 21, 19, 20, 22, 18, 20, 20, 20, 20, 20, 20] for a in ("A00", "A02", "A06", "A08")},  # 120 -> 120
    }
    return long_table(per_area, MONTHS)


def test_hand_computed_case(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = lattice(3, 3)
    ev = ImpactEvaluation(hand_case(), ["A04"], "2023-07", weights=w, area_label="LSOAs")
    assert list(tmp_path.iterdir()) == []  # nothing written
    d = ev.to_dict()
    json.dumps(d, allow_nan=False)  # JSON-serialisable, no NaN
    assert REQUIRED_KEYS <= set(d)
    assert d["target_areas"] == ["A04"] and d["buffer_areas"] == ["A01", "A03", "A05", "A07"]
    assert d["comparison_areas"] == ["A00", "A02", "A06", "A08"]
    # windows: the data allow 6 months before 2023-07, so both windows are 6 months (said in the notes)
    assert d["before_first"] == "2023-01" and d["after_last"] == "2023-12" and d["before_months"] == 6
    assert any("only 6 months" in n for n in d["notes"])
    # Tb = 60, Ta = 36; Bb = 4 x 30 = 120, Ba = 4 x 27 = 108; Cb = 4 x 120 = 480, Ca = 480
    assert (d["target_before"], d["target_after"]) == (60, 36)
    assert (d["buffer_before"], d["buffer_after"]) == (120, 108)
    assert (d["comparison_before"], d["comparison_after"]) == (480, 480)
    # RE = (36/60) / (480/480) = 0.6; se = sqrt(1/36 + 1/60 + 1/480 + 1/480) = sqrt(0.048611) = 0.220479
    se = math.sqrt(1 / 36 + 1 / 60 + 2 / 480)
    assert d["relative_effect"] == pytest.approx(0.6)
    assert d["relative_effect_ci_low"] == pytest.approx(0.6 * math.exp(-1.959963985 * se))
    assert d["relative_effect_ci_high"] == pytest.approx(0.6 * math.exp(1.959963985 * se))
    # z = log(0.6) / 0.220479 = -0.510826 / 0.220479 = -2.31689; p = 0.0205
    assert d["relative_effect_p"] == pytest.approx(math.erfc(abs(math.log(0.6) / se) / math.sqrt(2)))
    assert d["relative_effect_p"] == pytest.approx(0.0205, abs=5e-4)
    assert d["exact_computed"] is False and d["exact_p"] is None  # every count >= 20
    # WDQ: success = 36/480 - 60/480 = -0.05; buffer = 108/480 - 120/480 = -0.025; WDQ = 0.5
    assert d["wdq"] == pytest.approx(0.5) and d["wdq_band"] == "diffusion"
    assert d["wdq_reading"] == "WDQ 0.50: some diffusion of benefit"
    # net effect = (60 * 480/480 - 36) + (120 * 480/480 - 108) = 24 + 12 = 36 incidents prevented
    assert d["total_net_effect"] == pytest.approx(36)
    # buffer's own change (108/120) / (480/480) = 0.9
    assert d["buffer_relative_effect"] == pytest.approx(0.9)
    # ITS on the target's 12 months equals fitting the class directly
    its = InterruptedTimeSeries(hand_case().query("area_code == 'A04'")["count"].to_numpy(), MONTHS, "2023-07")
    assert d["its_level_ratio"] == pytest.approx(its.level_ratio)
    assert d["its_slope_ci_high"] == pytest.approx(its.slope_ci_high)
    assert d["series"]["target_fitted"] == pytest.approx(list(its.fitted))
    assert d["series"]["target_counterfactual"] == pytest.approx(list(its.counterfactual))
    # power: as minimum_detectable_reduction(Tb=60, Cb=480, 6, 6)
    assert d["minimum_detectable_reduction"] == pytest.approx(minimum_detectable_reduction(60, 480, 6, 6).reduction)
    # series: one entry per month of the two windows
    s = d["series"]
    assert s["month"] == MONTHS and s["window"] == ["before"] * 6 + ["after"] * 6
    assert s["target"] == [8, 12, 9, 11, 10, 10, 5, 7, 6, 6, 6, 6]
    assert s["buffer"][6] == 16 and s["comparison"][0] == 80
    # verdict: a 40 % fall, CI 1 - 0.6 e^{+0.432} = 7.6 % .. 1 - 0.6 e^{-0.432} = 61 %
    assert d["verdict"] == (
        "Violence in the target fell 40 % relative to the rest of the study area (95 % CI 8 % to 61 %), "
        "more than chance would explain. No sign of displacement to the adjacent LSOAs "
        "(WDQ 0.50: some diffusion of benefit, though the buffer's own fall against the comparison is within chance).")
    m = d["method"]
    assert all(isinstance(v, str) for v in m.values())
    assert "sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb)" in m["relative_effect"] and "Bowers & Johnson" in m["wdq"]
    assert "2023-01 to 2023-06 (6 months)" in m["windows"] and "Bernal" in m["references"]
    assert m["matching"] == "not used"


def simulate_areas(seed, n_side=8, target=("A27", "A28", "A35"), share_removed=0.3, n_before=24, n_after=12):
    rng = np.random.default_rng(seed)
    w = lattice(n_side, n_side)
    months = months_from("2021-01", n_before + n_after)
    t = np.arange(1, len(months) + 1)
    moy = np.array([int(m[5:]) for m in months])
    days = np.array([pd.Period(m, freq="M").days_in_month for m in months])
    common = days / 30.4 * np.exp(0.004 * t + 0.15 * np.cos(2 * np.pi * (moy - 1) / 12))
    base = rng.gamma(4.0, 2.0, w.n)  # areas differ in level
    base[w.ids.isin(target)] = 15.0
    rows = []
    for i, a in enumerate(w.ids):
        y = rng.poisson(base[i] * common)
        if a in target:
            after = t > n_before
            y[after] = rng.binomial(y[after], 1 - share_removed)  # remove 30 % of the target's incidents
        rows += [(a, m, c) for m, c in zip(months, y) if c > 0]  # sparse: no rows for zero counts
    return w, pd.DataFrame(rows, columns=["area_code", "month", "count"]), months[n_before]


def test_injected_thirty_percent_fall_is_recovered():
    w, df, start = simulate_areas(seed=7)
    ev = ImpactEvaluation(df, ["A27", "A28", "A35"], start, weights=w, before=24)
    assert ev.after_months == months_from(start, 12)  # the after window follows the before length, capped
    re_ = ev.relative_effect
    assert re_.ci_low <= 0.7 <= re_.ci_high and re_.significant
    assert ev.its is not None and ev.its.seasonal  # 24 months before: month-of-year terms on
    assert ev.its.level_ci_low <= 0.7 <= ev.its.level_ci_high
    assert ev.to_dict()["its_level_ci_high"] < 1
    assert ev.verdict.startswith("Violence in the target fell ")
    assert "more than chance would explain" in ev.verdict


def test_no_effect_gives_an_honest_verdict():
    w, df, start = simulate_areas(seed=8, share_removed=0.0, n_before=12, n_after=12)
    ev = ImpactEvaluation(df, ["A27"], start, weights=w)
    assert ev.relative_effect.ci_low <= 1 <= ev.relative_effect.ci_high
    assert "within what chance alone produces" in ev.verdict
    assert "only a fall of about" in ev.verdict or "too few incidents" in ev.verdict


def test_windows_and_end():
    w = lattice(3, 3)
    df = hand_case()
    ev = ImpactEvaluation(df, ["A04"], "2023-07", end="2023-09", weights=w)
    # end fixes the after window (3 months); the before window defaults to the same length
    assert ev.after_months == ["2023-07", "2023-08", "2023-09"] and ev.before_months == ["2023-04", "2023-05", "2023-06"]
    assert ev.target_before == 11 + 10 + 10 and ev.target_after == 5 + 7 + 6
    ev = ImpactEvaluation(df, ["A04"], "2023-07", before=6, after=4, weights=w)
    assert len(ev.before_months) == 6 and len(ev.after_months) == 4
    assert any("differ in length" in n for n in ev.notes)
    with pytest.raises(ValueError, match="before=7 months, but the data have only 6 consecutive months before 2023-07"):
        ImpactEvaluation(df, ["A04"], "2023-07", before=7, weights=w)
    with pytest.raises(ValueError, match="conflicts with end"):
        ImpactEvaluation(df, ["A04"], "2023-07", end="2023-09", after=4, weights=w)
    with pytest.raises(ValueError, match="end 2024-03 is after the last month in the data"):
        ImpactEvaluation(df, ["A04"], "2023-07", end="2024-03", weights=w)


def test_a_month_missing_from_the_data():
    w = lattice(3, 3)
    df = hand_case()
    gap = df[df["month"] != "2023-03"]
    ev = ImpactEvaluation(gap, ["A04"], "2023-07", weights=w)
    assert len(ev.before_months) == 3 and any("no data in 2023-03" in n for n in ev.notes)
    with pytest.raises(ValueError, match=r"only 3 consecutive months before 2023-07 \(no data in 2023-03\)"):
        ImpactEvaluation(gap, ["A04"], "2023-07", before=6, weights=w)
    # saying the month is covered makes it a month of zero incidents
    ev = ImpactEvaluation(gap, ["A04"], "2023-07", before=6, weights=w, months=MONTHS)
    assert ev.series.loc["2023-03", "target"] == 0


def test_zero_target_after_uses_the_exact_test():
    w = lattice(3, 3)
    df = hand_case()
    df.loc[(df.area_code == "A04") & (df.month >= "2023-07"), "count"] = 0
    ev = ImpactEvaluation(df, ["A04"], "2023-07", weights=w)
    d = ev.to_dict()
    assert d["relative_effect"] == 0 and d["relative_effect_ci_low"] is None  # Wald undefined
    assert d["exact_computed"] and d["exact_ci_low"] == 0 and d["exact_p"] < 0.001
    assert d["verdict_basis"] == "exact" and d["verdict"].startswith("Violence in the target fell 100 %")
    assert d["its_level_ratio"] is None and "no incidents after the start" in d["its_skipped_reason"]
    assert d["series"]["target_fitted"] is None
    assert "Fisher" in d["method"]["exact_test"]
    json.dumps(d, allow_nan=False)


def test_small_counts_switch_on_the_exact_test():
    w = lattice(3, 3)
    df = hand_case()
    df.loc[df.area_code == "A04", "count"] = [2, 1, 2, 1, 2, 2, 1, 0, 1, 1, 0, 1]  # Tb = 10, Ta = 4
    ev = ImpactEvaluation(df, ["A04"], "2023-07", weights=w)
    d = ev.to_dict()
    assert d["exact_computed"] and d["verdict_basis"] == "exact"
    assert d["exact_p"] > 0.05 and "too few incidents to tell a change from chance" in d["verdict"]
    assert d["power_verdict"].startswith("too few incidents")


def test_no_buffer_and_listed_comparison():
    w = lattice(3, 3)
    ev = ImpactEvaluation(hand_case(), ["A04"], "2023-07", buffer="none", comparison=["A00", "A08"], weights=w)
    d = ev.to_dict()
    assert d["buffer_areas"] == [] and d["buffer_before"] is None and d["wdq"] is None
    assert d["series"]["buffer"] is None
    assert "not assessed" in d["verdict"] and d["comparison_before"] == 240
    assert d["total_net_effect"] == pytest.approx(60 * 240 / 240 - 36)  # target part only


def test_rise_has_no_displacement_reading():
    w = lattice(3, 3)
    df = hand_case()
    df.loc[(df.area_code == "A04") & (df.month >= "2023-07"), "count"] = 14
    d = ImpactEvaluation(df, ["A04"], "2023-07", weights=w).to_dict()
    assert d["relative_effect"] > 1 and "rose" in d["verdict"]
    assert d["wdq"] is None and d["wdq_reading"].startswith("There was no relative fall in the target to displace")


def squares(n=7):
    geoms = [shapely.box(x * 100, y * 100, x * 100 + 100, y * 100 + 100) for y in range(n) for x in range(n)]
    codes = [f"S{y}{x}" for y in range(n) for x in range(n)]
    imd = [float((3 * y + 5 * x) % 11) for y in range(n) for x in range(n)]
    return gpd.GeoDataFrame({"area_code": codes, "imd_score": imd}, geometry=geoms, crs=27700)


def square_counts(g, seed=3):
    rng = np.random.default_rng(seed)
    months = months_from("2023-01", 24)
    rows = [(c, m, rng.poisson(10)) for c in g["area_code"] for m in months]
    return pd.DataFrame(rows, columns=["area_code", "month", "count"])


def test_matched_comparison_from_polygons_and_an_imd_column():
    g = squares()
    df = square_counts(g)
    ev = ImpactEvaluation(df, ["S33"], "2024-01", areas=g, comparison="matched", deprivation="imd_score")
    # weights were built as queen contiguity; buffer = the 8 squares around S33; neighbours of those excluded
    assert ev.buffer_areas == ["S22", "S23", "S24", "S32", "S34", "S42", "S43", "S44"]
    assert len(ev.comparison_areas) == 5  # 5 x 1 target area
    ring2 = {f"S{y}{x}" for y in range(1, 6) for x in range(1, 6)}
    assert not set(ev.comparison_areas) & ring2
    d = ev.to_dict()
    assert d["matching"]["k"] == 5 and d["matching"]["features"] == ["before_count", "deprivation"]
    assert "standardised by its standard deviation" in d["method"]["comparison"]
    assert "deprivation target" in d["method"]["matching"]
    assert "5 matched areas" in d["verdict"]
    json.dumps(d, allow_nan=False)


def test_ring_buffer_from_polygons():
    g = squares()
    ev = ImpactEvaluation(square_counts(g), ["S33"], "2024-01", buffer=150, areas=g)
    assert len(ev.buffer_areas) == 24 and len(ev.comparison_areas) == 24
    assert "150 m ring" in ev.method["buffer"]


def test_from_points():
    rng = np.random.default_rng(5)
    months = months_from("2023-01", 24)
    centre = (400000.0, 280000.0)
    rows = []
    for i, m in enumerate(months):
        n = rng.poisson(400)
        r = 1000 * np.sqrt(rng.uniform(0, 1, n))  # uniform over a 1 km disc
        a = rng.uniform(0, 2 * np.pi, n)
        keep = np.ones(n, bool)
        if i >= 12:  # remove 30 % of the target's incidents after the start
            keep[(r <= 200) & (rng.uniform(0, 1, n) < 0.3)] = False
        rows.append(pd.DataFrame({"easting": centre[0] + r * np.cos(a), "northing": centre[1] + r * np.sin(a),
                                  "month": m})[keep])
    pts = pd.concat(rows, ignore_index=True)
    ev = ImpactEvaluation.from_points(pts, centre, 200, 100, "2024-01")
    d = ev.to_dict()
    dist = np.hypot(pts.easting - centre[0], pts.northing - centre[1])
    before = pts.month < "2024-01"
    assert d["target_before"] == int(((dist <= 200) & before).sum())
    assert d["buffer_after"] == int(((dist > 200) & (dist <= 300) & ~before).sum())
    assert d["comparison_before"] == int(((dist > 300) & before).sum())
    assert d["zones_from"] == "points" and d["target_areas"] == []
    assert ev.relative_effect.ci_low <= 0.7 <= ev.relative_effect.ci_high
    assert "incidents within 200 m" in d["method"]["target"]
    assert "the 100 m ring around the target" in d["verdict"] or "displace" in d["verdict"]


def test_from_zone_counts():
    zc = pd.DataFrame({"zone": ["T"] * 4 + ["C"] * 4, "month": ["2024-01", "2024-02", "2024-03", "2024-04"] * 2,
                       "count": [10, 12, 6, 5, 100, 110, 105, 100]})
    ev = ImpactEvaluation.from_zone_counts(zc, "2024-03")
    # 2 months each: Tb = 22, Ta = 11, Cb = 210, Ca = 205; RE = (11/22) / (205/210) = 0.5122
    assert ev.relative_effect.ratio == pytest.approx((11 / 22) / (205 / 210))
    assert not ev.has_buffer and ev.its is None and "at least 3 months" in ev.its_skipped_reason
    assert ev.relative_effect.exact_computed  # Ta = 11 < 20


def test_bad_inputs_each_one_line():
    w = lattice(3, 3)
    df = hand_case()
    cases = [
        (dict(target=[]), "target is empty"),
        (dict(target=["A04", "E01999999", "E01999998"]),
         r"2 target code\(s\) are outside the boundaries, not among the 9 areas \(e.g. E01999999, E01999998\)"),
        (dict(start="2024-01"), "start 2024-01 has no months after it in the data"),
        (dict(start="2023-01"), "start 2023-01 has no months before it in the data"),
        (dict(comparison=[]), "the comparison is empty"),
        (dict(target=["A04"], comparison=["A04", "A00"], buffer="none"), "the target and comparison lists overlap"),
        (dict(start="2023-13"), "start must be a month as 'YYYY-MM'"),
        (dict(before=0), "before must be a whole number of months"),
        (dict(alpha=1.5), "alpha must be"),
    ]
    for kw, msg in cases:
        args = dict(counts=df, target=["A04"], start="2023-07", weights=w)
        args.update(kw)
        with pytest.raises(ValueError, match=msg) as exc:
            ImpactEvaluation(**args)
        assert "\n" not in str(exc.value)
    # zero incidents in the target before: the relative effect is undefined, said so
    zero = df.copy()
    zero.loc[(zero.area_code == "A04") & (zero.month < "2023-07"), "count"] = 0
    with pytest.raises(ValueError, match=r"target had no incidents in the before window \(2023-01 to 2023-06\), "
                                         "so the relative effect is undefined"):
        ImpactEvaluation(zero, ["A04"], "2023-07", weights=w)
    # an empty comparison because the queen buffer swallows everything else
    with pytest.raises(ValueError, match="the comparison is empty"):
        ImpactEvaluation(df, ["A04"], "2023-07", weights=lattice(3, 3, rook=False))
    # the comparison had nothing before
    quiet = df.copy()
    quiet.loc[quiet.area_code.isin(["A00", "A02", "A06", "A08"]) & (quiet.month < "2023-07"), "count"] = 0
    with pytest.raises(ValueError, match="comparison had no incidents in the before window"):
        ImpactEvaluation(quiet, ["A04"], "2023-07", weights=w)
    # counts for areas the boundaries do not have
    extra = pd.concat([df, pd.DataFrame({"area_code": ["Z99"], "month": ["2023-01"], "count": [3]})])
    with pytest.raises(ValueError, match="1 area codes in the counts are not among the 9 areas"):
        ImpactEvaluation(extra, ["A04"], "2023-07", weights=w)
    with pytest.raises(ValueError, match="counts need columns area_code, month, count; missing count"):
        ImpactEvaluation(df.rename(columns={"count": "n"}), ["A04"], "2023-07", weights=w)
    with pytest.raises(ValueError, match="months must be 'YYYY-MM'"):
        ImpactEvaluation(df.assign(month="Jan 2023"), ["A04"], "2023-07", weights=w)
    with pytest.raises(ValueError, match="finite numbers >= 0"):
        ImpactEvaluation(df.assign(count=-1), ["A04"], "2023-07", weights=w)


def test_tuple_input_and_repeated_rows_are_added():
    w = lattice(3, 3)
    df = hand_case()
    doubled = pd.concat([df, df])
    ev = ImpactEvaluation((doubled.area_code.to_numpy(), doubled.month.to_numpy(), doubled["count"].to_numpy()),
                          ["A04"], "2023-07", weights=w)
    assert ev.target_before == 120 and ev.relative_effect.ratio == pytest.approx(0.6)


def test_rows_input():
    w = lattice(3, 3)
    df = hand_case()
    rows = list(df.itertuples(index=False, name=None))  # [(area_code, month, count), ...]
    ev = ImpactEvaluation(rows, ["A04"], "2023-07", weights=w)
    assert ev.target_before == 60 and ev.comparison_after == 480
    from analytics.impact import _long_counts

    three = [("A04", "2023-01", 2), ("A04", "2023-02", 3), ("A00", "2023-01", 4)]  # rows, not three columns
    assert _long_counts(three, "area_code")["count"].tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="counts must be a DataFrame"):
        ImpactEvaluation(42, ["A04"], "2023-07", weights=w)


def test_bad_model_options_raise_rather_than_skip_the_its():
    w = lattice(3, 3)
    with pytest.raises(ValueError, match="seasonal must be"):
        ImpactEvaluation(hand_case(), ["A04"], "2023-07", weights=w, seasonal="yes")
    with pytest.raises(ValueError, match="days_offset must be"):
        ImpactEvaluation(hand_case(), ["A04"], "2023-07", weights=w, days_offset=1)


def test_displacement_verdicts():
    w = lattice(3, 3)
    df = hand_case()
    # the buffer rises to 12 a month in two of its areas after the start: Ba = 2 x 6 x 12 + 2 x 27 = 198
    up = df.copy()
    up.loc[up.area_code.isin(["A01", "A03"]) & (up.month >= "2023-07"), "count"] = 12
    ev = ImpactEvaluation(up, ["A04"], "2023-07", weights=w)
    # WDQ = (198/480 - 120/480) / (36/480 - 60/480) = 78 / -24 = -3.25
    assert ev.displacement.wdq == pytest.approx(-3.25) and ev.displacement.band == "displacement_greater"
    assert ev.verdict.endswith("Displacement to the adjacent areas (WDQ -3.25: greater than the direct effect: "
                               "the scheme did more harm than good).")
    # neither the buffer's rise (120 -> 140) nor the target's fall (60 -> 52) is beyond chance: the WDQ of
    # (140/480 - 120/480) / (52/480 - 60/480) = -2.5 is read "on its face", with no verdict of harm
    faint = df.copy()
    after = faint.month >= "2023-07"
    faint.loc[faint.area_code.eq("A04") & after, "count"] = [9, 9, 9, 9, 8, 8]
    for area in ("A01", "A03"):
        faint.loc[faint.area_code.eq(area) & after, "count"] = [8, 7, 7, 7, 7, 7]
    ev = ImpactEvaluation(faint, ["A04"], "2023-07", weights=w)
    assert ev.displacement.wdq == pytest.approx(-2.5) and not ev.relative_effect.significant
    assert ev.verdict.endswith("Possible displacement to the adjacent areas (WDQ -2.50: on its face, displacement "
                               "greater than the direct effect), though the buffer's own rise against the "
                               "comparison is within chance, and so is the target's own fall.")
    assert "harm" not in ev.verdict
    # a buffer with nothing before: its change cannot be tested
    empty = df.copy()
    empty.loc[empty.area_code.isin(["A01", "A03", "A05", "A07"]), "count"] = 0
    empty.loc[(empty.area_code == "A01") & (empty.month == "2023-08"), "count"] = 3
    ev = ImpactEvaluation(empty, ["A04"], "2023-07", weights=w)
    assert ev.buffer_effect is None and "cannot be tested" in ev.verdict

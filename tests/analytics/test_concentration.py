import json

import numpy as np
import pandas as pd
import pytest

from analytics.concentration import (Concentration, concentration_sentence, generalized_gini, gini,
                                     lorenz_curve)


def test_textbook_cases():
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert generalized_gini([5, 5, 5, 5]) == pytest.approx(0.0)
    for n in (2, 10, 1719):
        x = np.zeros(n)
        x[0] = 100
        assert gini(x) == pytest.approx((n - 1) / n)  # the documented (sample) definition


def test_gini_equals_rank_formula():
    x = np.random.default_rng(0).poisson(3, 500) * np.random.default_rng(1).integers(0, 3, 500)
    n = len(x)
    asc = np.sort(x).astype(float)
    rank_formula = 2 * np.sum(np.arange(1, n + 1) * asc) / (n * asc.sum()) - (n + 1) / n
    assert gini(x) == pytest.approx(rank_formula, abs=1e-12)


def test_generalized_gini_bernasco_steenbeek_cases():
    # lorenzgini::gini examples (10 units): 20 crimes >= 10 units, so G' = G = 0.78
    assert gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.78)
    assert generalized_gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.78)
    # 8 crimes < 10 units: G = 0.8, G' = 0.75
    assert gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.8)
    assert generalized_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.75)
    # Worked by hand: 3 + 1 + 1 crimes in 10 places.  Ascending Lorenz points at
    # x = 0.7, 0.8, 0.9, 1.0 are 0, 0.2, 0.4, 1.0; area under it
    # B = 0.1 * (0.1 + 0.3 + 0.7) = 0.11, so G = 1 - 2B = 0.78.  The line of
    # maximal equality (5 places with 1 crime) has area n/(2N) = 0.25 under it:
    # G' = 1 - B / 0.25 = 0.56  (= max(1, N/n) (G - 1) + 1 = 2 * -0.22 + 1).
    assert gini([3, 1, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.78)
    assert generalized_gini([3, 1, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.56)
    # Their robbery example: 5 robberies in 5 different neighbourhoods of 10 is
    # maximal equality given the data: G = 0.5 but G' = 0.
    assert gini([1] * 5 + [0] * 5) == pytest.approx(0.5)
    assert generalized_gini([1] * 5 + [0] * 5) == pytest.approx(0.0)
    # all n crimes in one of N places: maximum (n - 1)/n
    assert generalized_gini([4] + [0] * 99) == pytest.approx(3 / 4)


def test_lorenz_curve_points():
    lz = lorenz_curve([0, 6, 3, 1])
    assert lz["share_of_areas"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert lz["share_of_incidents"].tolist() == pytest.approx([0, 0.6, 0.9, 1.0, 1.0])


def test_top_shares_and_half():
    x = pd.Series([50, 20, 10, 5, 5, 4, 3, 2, 1, 0] * 10, index=[f"E0{i:05d}" for i in range(100)])
    c = Concentration(x, unit="LSOA")
    assert c.n_areas == 100 and c.n_incidents == 1000
    assert c.top_counts == {1: 1, 5: 5, 10: 10, 20: 20}
    assert c.top_shares[1] == pytest.approx(50 / 1000)
    assert c.top_shares[10] == pytest.approx(500 / 1000)  # the ten 50s
    assert c.top_shares[20] == pytest.approx(700 / 1000)
    assert c.n_areas_half == 10 and c.share_areas_half == pytest.approx(0.1)
    assert c.share_incidents_half == pytest.approx(0.5)
    assert sorted(c.top_areas) == [f"E0{i:05d}" for i in range(0, 100, 10)]


def test_meeting_sentence():
    # 42 LSOAs with 100 each (4,200) and 1,677 others holding another 4,200
    x = np.array([100] * 42 + [3] * 846 + [2] * 831)
    assert x.sum() == 8400
    s = concentration_sentence(x, unit="LSOA", what="recorded violence")
    assert s == "42 LSOAs \u2014 2.4 % of the area's 1,719 LSOAs \u2014 hold half of recorded violence."
    one = concentration_sentence([10, 1, 1], unit="ward", what="robbery", area_name="the West Midlands")
    assert one == "1 ward \u2014 33.3 % of the West Midlands' 3 wards \u2014 holds half of robbery."
    assert concentration_sentence([0, 0], unit="cell") == "No recorded incidents in the area's 2 cells."


def test_to_dict_is_json_serialisable():
    c = Concentration(pd.Series(np.arange(3000) % 7, index=[f"E{i}" for i in range(3000)]), unit="LSOA")
    d = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert d["n_areas"] == 3000 and d["sentence"] == c.sentence
    assert len(d["lorenz"]["share_of_areas"]) <= 101
    assert d["lorenz"]["share_of_areas"][0] == 0 and d["lorenz"]["share_of_areas"][-1] == 1
    empty = Concentration(np.zeros(4)).to_dict()
    json.dumps(empty, allow_nan=False)
    assert empty["gini"] is None


def test_validation():
    for bad in ([], [1, np.nan], [1, -2]):
        with pytest.raises(ValueError):
            Concentration(bad)


def test_captions_say_what_share_of_areas_each_top_row_is_and_the_gini_maximum():
    from analytics.concentration import gini_line, top_share_lines

    counts = np.zeros(33)
    counts[0] = 50.0  # all in one of 33 areas
    c = Concentration(counts, unit="LSOA")
    assert c.gini == pytest.approx(32 / 33) and round(c.max_gini, 3) == 0.970
    assert c.corrected_gini == pytest.approx(1.0)
    assert c.top_counts[1] == 1 and c.top_area_shares[1] == pytest.approx(1 / 33)
    assert c.top_counts[20] == 7 and c.top_area_shares[20] == pytest.approx(7 / 33)
    lines = top_share_lines(c)
    assert lines[0].startswith("top 1 % of LSOAs (1 LSOA, 3.0 % of the 33) hold 100.0 %")
    assert "maximum with 33 LSOAs is 0.970" in gini_line(c) and "bias-corrected 1.000" in gini_line(c)

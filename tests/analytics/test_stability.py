import numpy as np
import pandas as pd
import pytest

from analytics.stability import STABILITY_STATUSES, HotspotStability, stability_over_steps

#            areas:   0      1      2      3      4      5      6      7
HOT_A = np.array([True, True, True, False, False, True, False, False])
HOT_B = np.array([True, False, True, True, False, False, False, True])
COUNTS_B = np.array([10.0, 4, 6, 8, 1, 2, 0, 9])  # N = 40
AREA = np.array([1.0, 1, 1, 1, 1, 1, 2, 2]) * 1e6  # A = 10 km2


def test_counts_and_shares_by_hand():
    s = HotspotStability(HOT_A, HOT_B)
    assert (s.n_hot_a, s.n_hot_b, s.n_still_hot, s.n_new, s.n_ceased) == (4, 4, 2, 2, 2)
    assert s.share_still_hot == pytest.approx(2 / 4)
    assert s.jaccard == pytest.approx(2 / 6)  # still hot / hot in A or B (areas 0,1,2,3,5,7)
    assert list(s.status) == ["still hot", "ceased", "still hot", "new", "not hot", "ceased", "not hot", "new"]
    assert s.status_counts().tolist() == [2, 2, 2, 2] and list(s.status_counts().index) == list(STABILITY_STATUSES)
    assert s.hit_rate is None and s.pai is None
    assert s.summary() == "Of 4 hot spots in period A, 2 (50%) were still hot in period B; 2 new, 2 ceased."


def test_hit_rate_pai_pei_by_hand():
    s = HotspotStability(HOT_A, HOT_B, counts_b=COUNTS_B, area_m2=AREA)
    # A's hot spots (0, 1, 2, 5) hold 10 + 4 + 6 + 2 = 22 of B's 40 incidents, on 4 of 10 km2
    assert s.n_captured == 22 and s.n_total_b == 40
    assert s.hit_rate == pytest.approx(22 / 40)
    assert s.pai == pytest.approx((22 / 40) / (4 / 10))
    # best 4 km2 with hindsight: densities 10, 8, 6, 4.5 (area 7: 9 over 2 km2), 4 -> 10 + 8 + 6 + 4.5 = 28.5
    assert s.accuracy.n_max == pytest.approx(28.5)
    assert s.pei == pytest.approx(22 / 28.5)
    assert s.summary().endswith("They held 55% of period B's incidents (PAI 1.4, PEI 0.77).")
    d = s.to_dict()
    assert d["hit_rate"] == pytest.approx(0.55) and d["n_still_hot"] == 2


def test_hit_rate_without_areas():
    s = HotspotStability(HOT_A, HOT_B, counts_b=COUNTS_B)
    assert s.hit_rate == pytest.approx(22 / 40) and s.pai is None and s.pei is None


def test_no_hot_spots_in_a():
    s = HotspotStability(np.zeros(8, bool), HOT_B, counts_b=COUNTS_B, area_m2=AREA)
    assert np.isnan(s.share_still_hot) and s.n_new == 4
    assert s.summary() == "No hot spots in period A; 4 in period B."
    assert s.to_dict()["share_still_hot"] is None


def test_series_are_aligned_by_index():
    ids = [f"E{i}" for i in range(8)]
    a = pd.Series(HOT_A, index=ids)
    b = pd.Series(HOT_B, index=ids).iloc[::-1]
    c = pd.Series(COUNTS_B, index=ids).iloc[::-1]
    s = HotspotStability(a, b, counts_b=c)
    assert s.n_still_hot == 2 and s.hit_rate == pytest.approx(22 / 40)
    f = s.to_frame()
    assert list(f.area_code) == ids and list(f.columns) == ["area_code", "hot_a", "hot_b", "status"]


def test_over_consecutive_steps():
    hot = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    counts = np.array([[5, 5, 1], [4, 1, 0], [0, 6, 7], [1, 0, 2]], dtype=float)
    df = stability_over_steps(hot, counts, steps=["Q1", "Q2", "Q3"])
    assert list(df.period_a) == ["Q1", "Q2"] and list(df.period_b) == ["Q2", "Q3"]
    assert list(df.n_still_hot) == [1, 1] and list(df.n_new) == [1, 1] and list(df.n_ceased) == [1, 1]
    # step 1 -> 2: areas 0, 1 flagged, step-2 counts 5 + 1 of 12; step 2 -> 3: areas 0, 2 hold 1 + 7 of 10
    assert df.hit_rate.tolist() == pytest.approx([6 / 12, 8 / 10])


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((HOT_A, HOT_B[:5]), {}, "hot_b has 5 flags"),
        ((np.array(["x"] * 8), HOT_B), {}, "True/False"),
        ((HOT_A, HOT_B), {"area_m2": AREA}, "pass both"),
        ((HOT_A, HOT_B), {"counts_b": COUNTS_B[:3]}, "counts_b has 3 values"),
        ((HOT_A, HOT_B), {"counts_b": -COUNTS_B}, "non-negative"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        HotspotStability(*args, **kwargs)

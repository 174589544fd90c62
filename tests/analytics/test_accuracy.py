import numpy as np
import pandas as pd
import pytest

from analytics.accuracy import compare_at_equal_area, evaluate_hotspots, max_capturable, select_top_by_area

KM2 = 1e6


def test_pai_pei_hand_worked_equal_cells():
    # 10 cells of 1 km2; 50 period-2 incidents.  Flag cells 1 and 2 (10 + 5 = 15).
    # hit rate 15/50 = 0.3, area share 2/10 = 0.2, PAI = 1.5.
    # Best 2 km2 with hindsight: cells 0 and 1 (20 + 10 = 30): PAI_max = 0.6/0.2 = 3,
    # PEI = 1.5 / 3 = 0.5.
    counts2 = [20, 10, 5, 5, 0, 0, 0, 0, 5, 5]
    area = [KM2] * 10
    flagged = np.zeros(10, dtype=bool)
    flagged[[1, 2]] = True
    r = evaluate_hotspots(flagged, counts2, area)
    assert r.n_captured == 15 and r.n_total == 50
    assert r.hit_rate == pytest.approx(0.3)
    assert r.area_share == pytest.approx(0.2)
    assert r.pai == pytest.approx(1.5)
    assert r.n_max == 30 and r.pai_max == pytest.approx(3.0)
    assert r.pei == pytest.approx(0.5)


def test_pei_unequal_areas_fractional_bound():
    # areas 1, 2, 1 km2 with 10, 10, 1 incidents (N = 21, A = 4 km2).
    # Flag unit 1 (2 km2, 10): PAI = (10/21) / (2/4) = 0.952.
    # Best 2 km2: unit 0 (1 km2, 10) + half of unit 1 (5) = 15 -> PEI = 10/15.
    r = evaluate_hotspots([False, True, False], [10, 10, 1], [KM2, 2 * KM2, KM2])
    assert r.pai == pytest.approx((10 / 21) / 0.5)
    assert r.n_max == pytest.approx(15)
    assert r.pai_max == pytest.approx((15 / 21) / 0.5)
    assert r.pei == pytest.approx(10 / 15)
    assert max_capturable([10, 10, 1], [KM2, 2 * KM2, KM2], KM2) == pytest.approx(10)


def test_flagged_as_labels():
    counts2 = pd.Series([20, 10, 5, 15], index=["E01", "E02", "E03", "E04"])
    r = evaluate_hotspots(["E02", "E04"], counts2, [KM2] * 4)
    assert r.n_captured == 25 and r.pei == pytest.approx(25 / 35)
    with pytest.raises(ValueError, match="not in the counts index"):
        evaluate_hotspots(["E99"], counts2, [KM2] * 4)


def test_select_top_by_area():
    area = np.array([1, 1, 2, 1, 1]) * KM2
    m = select_top_by_area([5, 4, 3, 2, 1], area, 2 * KM2)
    assert m.tolist() == [True, True, False, False, False]
    # 2.9 km2: top two give 2, adding the 2 km2 unit gives 4 -> stay at 2 (closer)
    assert select_top_by_area([5, 4, 3, 2, 1], area, 2.9 * KM2).sum() == 2
    # 3.6 km2: 4 is closer than 2
    assert select_top_by_area([5, 4, 3, 2, 1], area, 3.6 * KM2).tolist() == [True, True, True, False, False]
    assert select_top_by_area([np.nan, 4, 3, 2, 1], area, 1 * KM2).tolist() == [False, True, False, False, False]


def test_compare_at_equal_area():
    # 6 LSOAs of 1 km2.  Period 1 counts make 0 and 1 the naive top two;
    # Gi* flagged 2 and 3; KDE (per LSOA) ranks 1 and 2 highest.
    c1 = [30, 25, 20, 2, 1, 0]
    c2 = [10, 30, 20, 5, 0, 5]  # N = 70
    area = [KM2] * 6
    hot = np.array([False, False, True, True, False, False])
    kde = [0.5, 0.9, 0.8, 0.1, 0.0, 0.0]
    comp = compare_at_equal_area(c2, area, hot, c1, kde_score=kde)
    t = comp.table.set_index("method")
    assert comp.target_area_m2 == 2 * KM2
    assert (t["flagged_area_km2"] == 2).all()
    # Gi*: 25/70 captured; KDE (1, 2): 50/70; naive (0, 1): 40/70; best 2 km2: 50
    assert t.loc["Gi* hot spots", "hit_rate"] == pytest.approx(25 / 70)
    assert t.loc["top KDE", "hit_rate"] == pytest.approx(50 / 70)
    assert t.loc["top by period-1 count", "hit_rate"] == pytest.approx(40 / 70)
    assert t.loc["Gi* hot spots", "pai"] == pytest.approx((25 / 70) / (2 / 6))
    assert t.loc["top KDE", "pei"] == pytest.approx(1.0)
    assert t.loc["top by period-1 count", "pei"] == pytest.approx(40 / 50)


def test_compare_with_kde_on_its_own_grid():
    grid_counts2 = [8, 2, 0, 0]
    grid_area = [0.5 * KM2] * 4
    comp = compare_at_equal_area([10, 0], [KM2, KM2], [True, False], [9, 1],
                                 kde_score=[3, 2, 1, 0], kde_counts_period2=grid_counts2, kde_area_m2=grid_area)
    row = comp.table.set_index("method").loc["top KDE"]
    assert row["units"] == "grid cells" and row["n_flagged"] == 2
    assert row["hit_rate"] == pytest.approx(1.0) and row["pai"] == pytest.approx(2.0)


def test_validation():
    with pytest.raises(ValueError, match="one True/False per unit"):
        evaluate_hotspots([True], [1, 2], [1, 1])
    with pytest.raises(ValueError, match="missing"):
        evaluate_hotspots([True, False], [1, np.nan], [1, 1])
    with pytest.raises(ValueError, match="boolean mask"):
        evaluate_hotspots([0, 1], [1, 2], [1, 1])
    with pytest.raises(ValueError, match="no Gi"):
        compare_at_equal_area([1, 2], [1, 1], [False, False], [1, 2])
    with pytest.raises(ValueError, match="both"):
        compare_at_equal_area([1, 2], [1, 1], [True, False], [1, 2], kde_score=[1, 2, 3], kde_area_m2=[1, 1, 1])

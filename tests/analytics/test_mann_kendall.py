import numpy as np
import pymannkendall as pmk
import pytest
from scipy.stats import norm

from analytics.mann_kendall import MannKendall, mann_kendall_rows, min_p_value


def test_hand_computation_on_a_tiny_series():
    # x = 1 3 2 5: pairs (1,3)+ (1,2)+ (1,5)+ (3,2)- (3,5)+ (2,5)+  ->  S = 4
    mk = MannKendall([1, 3, 2, 5])
    assert mk.s == 4
    assert mk.var_s == pytest.approx(4 * 3 * 13 / 18)  # 8.667, no ties
    assert mk.z == pytest.approx(3 / np.sqrt(156 / 18))  # (S - 1) / sd = 1.01905
    assert mk.z == pytest.approx(1.01905, abs=1e-5)
    assert mk.p == pytest.approx(2 * norm.sf(1.019049), abs=1e-6)  # 0.3082
    assert mk.tau == pytest.approx(4 / 6)
    # slopes 2, 0.5, 4/3, -1, 1, 3 -> median (1 + 4/3) / 2; intercept median(x) - 1.5 * slope
    assert mk.slope == pytest.approx(7 / 6)
    assert mk.intercept == pytest.approx(2.5 - 1.5 * 7 / 6)
    assert mk.trend == "no trend" and not mk.h


def test_hand_computation_with_ties_and_a_negative_s():
    # x = 3 3 2 4 2: S = (0 - 1 + 1 - 1) + (-1 + 1 - 1) + (1 + 0) + (-1) = -2
    mk = MannKendall([3, 3, 2, 4, 2])
    assert mk.s == -2
    # ties: two 3s, two 2s -> var = (5*4*15 - 2 * 2*1*9) / 18 = 264 / 18
    assert mk.var_s == pytest.approx(264 / 18)
    assert mk.z == pytest.approx(-1 / np.sqrt(264 / 18))  # continuity correction towards 0
    assert mk.tau == pytest.approx(-2 / 10)


def test_strictly_increasing_series_is_a_trend_and_attains_the_minimum_p():
    mk = MannKendall(np.arange(8.0) ** 2)
    assert mk.trend == "increasing" and mk.h
    assert mk.tau == 1.0
    assert mk.p == pytest.approx(min_p_value(8))
    assert MannKendall(-np.arange(8.0)).trend == "decreasing"
    # four values can never be significant at 5 %, five can
    assert min_p_value(4) == pytest.approx(0.0894, abs=1e-4) and min_p_value(4) > 0.05
    assert min_p_value(5) < 0.05


def test_constant_series_has_no_trend():
    mk = MannKendall(np.full(10, 3.0))
    assert (mk.s, mk.var_s, mk.z, mk.p, mk.trend) == (0, 0, 0, 1, "no trend")


def _check_against_pymannkendall(x, r, i, alpha=0.05):
    ref = pmk.original_test(x, alpha=alpha)
    assert r.s[i] == ref.s
    assert r.var_s[i] == pytest.approx(ref.var_s, rel=1e-12)
    assert r.z[i] == pytest.approx(ref.z, rel=1e-12, abs=1e-15)
    assert r.p[i] == pytest.approx(ref.p, rel=1e-9, abs=1e-14)
    assert r.tau[i] == pytest.approx(ref.Tau, rel=1e-12, abs=1e-15)
    assert r.trend[i] == ref.trend
    assert bool(r.h[i]) == bool(ref.h)
    assert r.slope[i] == pytest.approx(ref.slope, rel=1e-12, abs=1e-15)
    assert r.intercept[i] == pytest.approx(ref.intercept, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("kind", ["continuous", "ties", "trend"])
@pytest.mark.parametrize("n", [5, 12, 36])
def test_rows_equal_pymannkendall(kind, n):
    rng = np.random.default_rng(n)
    m = 60
    if kind == "continuous":
        x = rng.normal(size=(m, n))
    elif kind == "ties":
        x = rng.poisson(2, size=(m, n)).astype(float)  # many ties
    else:
        x = rng.poisson(np.linspace(2, 6, n), size=(m, n)).astype(float)
    r = mann_kendall_rows(x)
    assert len(r) == m and r.n == n
    for i in range(m):
        _check_against_pymannkendall(x[i], r, i)
    if kind == "trend" and n == 36:
        assert (r.trend == "increasing").mean() > 0.5
    # the one-series class gives the same numbers
    one = MannKendall(x[0])
    assert (one.s, one.z, one.p, one.slope) == (r.s[0], r.z[0], r.p[0], r.slope[0])


def test_alpha_changes_the_labels_only():
    x = np.random.default_rng(1).poisson(np.linspace(2, 4, 20), size=(200, 20)).astype(float)
    a, b = mann_kendall_rows(x, alpha=0.05), mann_kendall_rows(x, alpha=0.20, slope=False)
    np.testing.assert_array_equal(a.z, b.z)
    assert b.slope is None
    assert (b.trend != "no trend").sum() > (a.trend != "no trend").sum()
    for i in range(0, 200, 17):
        assert b.trend[i] == pmk.original_test(x[i], alpha=0.20).trend
    df = a.to_frame()
    assert list(df.columns) == ["s", "var_s", "z", "p", "tau", "trend", "slope", "intercept"]


@pytest.mark.parametrize(
    "x, match",
    [
        (np.ones((3, 2)), "at least 3 time steps"),
        (np.ones(5), "2-D"),
        (np.array([[1.0, np.nan, 2.0, 3.0]]), "missing"),
        ([["a", "b", "c"]], "numbers"),
    ],
)
def test_rows_bad_input(x, match):
    with pytest.raises(ValueError, match=match):
        mann_kendall_rows(x)


@pytest.mark.parametrize(
    "x, kwargs, match",
    [
        (np.ones((2, 4)), {}, "1-D"),
        ([1.0, 2.0], {}, "at least 3"),
        ([1.0, 2.0, 3.0], {"alpha": 1.5}, "alpha"),
        ([1.0, np.inf, 3.0], {}, "missing or infinite"),
    ],
)
def test_series_bad_input(x, kwargs, match):
    with pytest.raises(ValueError, match=match):
        MannKendall(x, **kwargs)

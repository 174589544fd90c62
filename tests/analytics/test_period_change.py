import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import false_discovery_control

from analytics.period_change import (
    CHANGE_CLASSES,
    AreaPeriodChange,
    Dispersion,
    PeriodChange,
    compare_totals,
    pearson_dispersion,
)

DAYS_6 = np.array([31, 28, 31, 30, 31, 30])  # Jan-Mar (A, 90 days), Apr-Jun (B, 91 days)


def overdispersed_months(n_areas=80, seed=0, phi_target=4.0, days=DAYS_6):
    """Negative-binomial monthly counts: variance ~ phi * mean."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(3, 3, n_areas)[:, None] * days / 30
    p = 1 / phi_target  # NB with mean mu and variance mu / p
    return rng.negative_binomial(base * p / (1 - p), p).astype(float)


def poisson_months(n_areas=80, seed=0, days=DAYS_6):
    rng = np.random.default_rng(seed)
    return rng.poisson(rng.gamma(3, 3, n_areas)[:, None] * days / 30).astype(float)


# ---------------------------------------------------------------- whole area, by hand


def test_february_against_january_is_per_day():
    # 100 in January (31 days), 104 in February (28 days): +4 % in counts, +15 % per day
    r = compare_totals(100, 104, 31, 28)
    assert r.rate_ratio == pytest.approx((104 / 28) / (100 / 31))
    assert r.pct_change == pytest.approx(15.142857, abs=1e-5)
    assert r.method == "exact" and np.isnan(r.phi)
    ref = stats.binomtest(104, 204, 28 / 59)
    assert r.p == pytest.approx(ref.pvalue)
    ci = ref.proportion_ci(0.95, method="exact")
    assert r.ci == pytest.approx((ci.low / (1 - ci.low) * 31 / 28, ci.high / (1 - ci.high) * 31 / 28))
    assert r.sentence.startswith("Up 15 % per day on the previous period — within what chance alone produces (p = 0.33;")
    assert "dispersion not checked" in r.sentence and r.notes


def test_quasi_poisson_by_hand():
    # A = 120 over 90 days, B = 180 over 91 days, phi = 4: log RR = log(1.5 * 90/91), var = 4 (1/120 + 1/180)
    y = np.array([[40.0, 30, 50, 70, 50, 60]])
    disp = Dispersion(phi=4.0, x2=16.0, df=4, p=0.003, n_areas=1, n_months=6)
    r = compare_totals(120, 180, 90, 91, dispersion=disp)
    log_rr = np.log(180 / 91) - np.log(120 / 90)
    se = np.sqrt(4 * (1 / 120 + 1 / 180))
    assert r.method == "quasi-Poisson" and r.phi == 4.0
    assert r.p == pytest.approx(2 * stats.norm.sf(log_rr / se))
    assert r.ci == pytest.approx((np.exp(log_rr - 1.959964 * se), np.exp(log_rr + 1.959964 * se)), rel=1e-6)
    assert r.sentence == (f"Up {100 * (np.exp(log_rr) - 1):.0f} % per day on the previous period — within what chance "
                          f"alone produces (p = {r.p:.2g}; quasi-Poisson, dispersion 4.0).")
    # the same counts from monthly data: the dispersion is estimated and checked
    est = pearson_dispersion(y, DAYS_6, ["A"] * 3 + ["B"] * 3)
    mu = np.r_[np.full(3, 120 / 90) * DAYS_6[:3], np.full(3, 180 / 91) * DAYS_6[3:]]
    assert est.x2 == pytest.approx(((y[0] - mu) ** 2 / mu).sum()) and est.df == 4
    assert est.phi == pytest.approx(est.x2 / 4) and est.p == pytest.approx(stats.chi2.sf(est.x2, 4))


def test_sentences():
    assert compare_totals(0, 0, 30, 31).sentence == "No incidents in either period."
    assert compare_totals(0, 0, 30, 31).p is None
    s = compare_totals(0, 12, 30, 31).sentence
    assert s.startswith("No incidents in the previous period to compare with (12 in this one; p < 0.001")
    down = compare_totals(300, 200, 30, 30)
    assert down.sentence.startswith("Down 33 % per day on the previous period — more than chance would explain (p < 0.001")
    assert compare_totals(300, 301, 30, 30).sentence.startswith("Unchanged per day on the previous period")


def test_whole_area_from_monthly_series_or_area_matrix():
    y = overdispersed_months(seed=1)
    a, b = y[:, :3].sum(), y[:, 3:].sum()
    from_series = compare_totals(a, b, 90, 91, y.sum(axis=0), DAYS_6)
    from_areas = compare_totals(a, b, 90, 91, y, DAYS_6)
    assert from_areas.dispersion.df == 80 * 4 and from_series.dispersion.df == 4
    assert from_areas.method == "quasi-Poisson"
    assert from_areas.phi == pytest.approx(pearson_dispersion(y, DAYS_6, ["A"] * 3 + ["B"] * 3).phi)
    assert "quasi-Poisson, dispersion" in from_areas.sentence
    d = from_areas.to_dict()
    assert d["method"] == "quasi-Poisson" and isinstance(d["dispersion"], str)


# ---------------------------------------------------------------- dispersion and method choice


def test_dispersion_decides_the_method():
    over = overdispersed_months(seed=2)
    pois = poisson_months(seed=2)
    a = AreaPeriodChange(over[:, :3].sum(1), over[:, 3:].sum(1), 90, 91, monthly_counts=over, monthly_days=DAYS_6)
    b = AreaPeriodChange(pois[:, :3].sum(1), pois[:, 3:].sum(1), 90, 91, monthly_counts=pois, monthly_days=DAYS_6)
    assert a.dispersion.overdispersed and a.method == "quasi-Poisson" and 2.5 < a.phi < 6
    assert not b.dispersion.overdispersed and b.method == "exact" and 0.7 < b.phi < 1.3
    assert "quasi-Poisson" in a.method_basis and "exact" in b.method_basis
    assert "overdispersed" in a.dispersion.describe()


def test_one_month_per_period_cannot_estimate_dispersion():
    y = poisson_months(n_areas=10, days=np.array([31, 28]))
    r = AreaPeriodChange(y[:, 0], y[:, 1], 31, 28, monthly_counts=y, monthly_days=[31, 28])
    assert r.dispersion.df == 0 and not r.dispersion.estimable and r.method == "exact"
    assert "could not be estimated" in r.notes[0]
    # a longer window with other labels makes it estimable
    y12 = poisson_months(n_areas=10, days=np.array([31, 30, 31, 31, 30, 31, 30, 31, 31, 29, 31, 28]))
    labels = ["H1"] * 5 + ["H2"] * 5 + ["A", "B"]
    d = pearson_dispersion(y12, [31, 30, 31, 31, 30, 31, 30, 31, 31, 29, 31, 28], labels)
    assert d.estimable and d.df == 10 * 8
    r2 = AreaPeriodChange(y12[:, 10], y12[:, 11], 31, 28, dispersion=d)
    assert r2.dispersion is d


def test_zero_area_periods_are_left_out_of_the_dispersion():
    y = poisson_months(n_areas=20, seed=4)
    y[0, :3] = 0  # area 0 has nothing in A
    d = pearson_dispersion(y, DAYS_6, ["A"] * 3 + ["B"] * 3)
    assert d.df == 20 * 4 - 2


# ---------------------------------------------------------------- per area: oracles


def test_exact_test_equals_scipy_binomtest_per_area():
    rng = np.random.default_rng(3)
    a = rng.poisson(8, 40).astype(float)
    b = rng.poisson(11, 40).astype(float)
    a[0] = b[0] = 0
    a[1], b[1] = 0, 7
    a[2], b[2] = 9, 0
    r = AreaPeriodChange(a, b, 30, 31, fdr=False)
    assert r.method == "exact"
    for i in range(1, 40):
        ref = stats.binomtest(int(b[i]), int(a[i] + b[i]), 31 / 61)
        assert r.p[i] == pytest.approx(ref.pvalue, rel=1e-10)
        ci = ref.proportion_ci(0.95, method="exact")
        lo = ci.low / (1 - ci.low) * 30 / 31
        hi = np.inf if ci.high == 1 else ci.high / (1 - ci.high) * 30 / 31
        assert r.ci_low[i] == pytest.approx(lo, rel=1e-9) and r.ci_high[i] == pytest.approx(hi, rel=1e-9)
    assert np.isnan(r.p[0]) and r.classes[0] == "no incidents" and not r.tested[0]
    assert r.rate_ratio[1] == np.inf and r.rate_ratio[2] == 0 and r.ci_low[2] == 0
    assert r.ci_low[1] > 0 and r.ci_high[1] == np.inf


def test_quasi_poisson_equals_statsmodels_glm():
    import statsmodels.api as sm

    y = overdispersed_months(n_areas=12, seed=5)
    n, M = y.shape
    r = AreaPeriodChange(y[:, :3].sum(1), y[:, 3:].sum(1), 90, 91, monthly_counts=y, monthly_days=DAYS_6, fdr=False)
    assert r.method == "quasi-Poisson"
    # the same design as a GLM: one intercept per area and one period-B effect per area, offset log(days)
    area = np.repeat(np.arange(n), M)
    in_b = np.tile(np.r_[np.zeros(3), np.ones(3)], n)
    X = np.zeros((n * M, 2 * n))
    X[np.arange(n * M), area] = 1
    X[np.arange(n * M), n + area] = in_b
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y.ravel(), X, family=sm.families.Poisson(), offset=np.log(np.tile(DAYS_6, n))).fit(scale="X2")
    assert r.phi == pytest.approx(fit.scale, rel=1e-8)
    np.testing.assert_allclose(np.log(r.rate_ratio), fit.params[n:], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(r.p, fit.pvalues[n:], rtol=1e-6, atol=1e-12)
    ci = np.exp(fit.conf_int()[n:])
    np.testing.assert_allclose(r.ci_low, ci[:, 0], rtol=1e-6)
    np.testing.assert_allclose(r.ci_high, ci[:, 1], rtol=1e-6)


def test_quasi_poisson_with_one_zero_count_uses_the_score_test():
    disp = Dispersion(phi=3.0, x2=300.0, df=100, p=1e-20, n_areas=10, n_months=6)
    r = AreaPeriodChange([0, 9, 5], [8, 0, 5], 90, 91, dispersion=disp, fdr=False)
    q = 91 / 181
    for i, (a, b) in enumerate([(0, 8), (9, 0)]):
        score = (b - (a + b) * q) ** 2 / ((a + b) * q * (1 - q)) / 3.0
        assert r.p[i] == pytest.approx(stats.chi2.sf(score, 1))
    assert r.rate_ratio[0] == np.inf and r.ci_high[0] == np.inf and r.ci_low[0] > 0
    assert r.rate_ratio[1] == 0 and r.ci_low[1] == 0 and np.isfinite(r.ci_high[1])
    assert np.isfinite(r.p).all()


# ---------------------------------------------------------------- classes and FDR


def test_classes_and_fdr():
    rng = np.random.default_rng(6)
    a = rng.poisson(30, 200).astype(float)
    b = rng.poisson(30, 200).astype(float)
    b[:10] = rng.poisson(70, 10)  # real rises
    b[10:15] = rng.poisson(3, 5)  # real falls
    a[-3:] = b[-3:] = 0
    on = AreaPeriodChange(a, b, 30, 30)
    off = AreaPeriodChange(a, b, 30, 30, fdr=False)
    tested = on.tested
    np.testing.assert_array_equal(on.significant[tested], false_discovery_control(on.p[tested]) <= 0.05)
    np.testing.assert_array_equal(off.significant[tested], on.p[tested] <= 0.05)
    assert (on.significant <= off.significant).all() and off.significant.sum() > on.significant.sum()
    assert set(on.classes[:10]) == {"significantly up"} and set(on.classes[10:15]) == {"significantly down"}
    assert list(on.classes[-3:]) == ["no incidents"] * 3
    counts = on.class_counts()
    assert list(counts.index) == list(CHANGE_CLASSES) and counts.sum() == 200
    df = on.to_frame()
    assert list(df.columns) == ["area_code", "count_a", "count_b", "rate_ratio", "pct_change", "ci_low", "ci_high",
                                "p", "change"]
    assert all(isinstance(v, str) for v in on.metadata().values())


def test_series_input_keeps_the_ids():
    a = pd.Series([10.0, 20, 30], index=["E1", "E2", "E3"])
    b = pd.Series([12.0, 25, 28], index=["E1", "E2", "E3"])
    r = AreaPeriodChange(a, b, 31, 30)
    assert list(r.to_frame().area_code) == ["E1", "E2", "E3"]
    with pytest.raises(ValueError, match="reindex"):
        AreaPeriodChange(a, b.iloc[::-1], 31, 30)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(days_a=0), "days_a must be a positive number of days"),
        (dict(days_b=-3), "days_b must be a positive number of days"),
        (dict(count_a=-1), "non-negative"),
        (dict(count_a=10.5), "whole numbers"),
        (dict(count_a=[1, 2]), "single numbers"),
        (dict(alpha=2), "alpha"),
        (dict(monthly_counts=[10, 10, 10, 10], monthly_days=[31, 28, 31, 30]), "cannot tell which months"),
        (dict(monthly_counts=[10, 10, 10, 10, 10, 10]), "monthly_days is needed"),
        (dict(monthly_counts=[10, 10, 10, 10, 10, 10], monthly_days=DAYS_6), "do not add up to count_a"),
        (dict(monthly_counts=[10, 10, 10, 10, 10, 10], monthly_days=DAYS_6, monthly_period=list("AAABBC"),
              count_a=30, count_b=30), "labelled B have 61 days"),
        (dict(dispersion=1.7), "Dispersion"),
    ],
)
def test_bad_input_one_line(kwargs, match):
    args = dict(count_a=40, count_b=50, days_a=90, days_b=91)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match) as info:
        PeriodChange(**{k: v for k, v in args.items() if k in ("count_a", "count_b", "days_a", "days_b")},
                     **{k: v for k, v in args.items() if k not in ("count_a", "count_b", "days_a", "days_b")})
    assert "\n" not in str(info.value)


def test_area_bad_input():
    with pytest.raises(ValueError, match="counts_b has 2 values"):
        AreaPeriodChange([1, 2, 3], [1, 2], 30, 30)
    with pytest.raises(ValueError, match="one row per area"):
        AreaPeriodChange([1, 2], [1, 2], 31, 28, monthly_counts=[[1, 1]], monthly_days=[31, 28])
    with pytest.raises(ValueError, match="not both"):
        AreaPeriodChange([1, 2], [1, 2], 31, 28, monthly_counts=[[1, 1], [2, 2]], monthly_days=[31, 28],
                         dispersion=Dispersion(2.0, 2.0, 1, 0.1, 2, 2))

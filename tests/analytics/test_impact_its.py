"""Interrupted time series: against statsmodels on a hand-built design, season switch, effect recovery."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.its import InterruptedTimeSeries, its_design


def months_from(first, n):
    return [p.strftime("%Y-%m") for p in pd.period_range(first, periods=n, freq="M")]


def simulate(n_before, n_after, level=0.7, seed=1, base=25.0, trend=0.004, season=0.0):
    rng = np.random.default_rng(seed)
    months = months_from("2020-01", n_before + n_after)
    t = np.arange(1, len(months) + 1)
    days = np.array([pd.Period(m, freq="M").days_in_month for m in months])
    moy = np.array([int(m[5:]) for m in months])
    lam = base * days / 30.4 * np.exp(trend * t + season * np.cos(2 * np.pi * (moy - 1) / 12))
    y = rng.poisson(lam)
    after = t > n_before
    y[after] = rng.binomial(y[after], level)  # remove 30 % of the incidents after the start
    return months, y, months[n_before]


def test_matches_a_glm_fitted_directly_on_a_hand_built_design():
    months, y, start = simulate(12, 12, seed=3)
    its = InterruptedTimeSeries(y, months, start)
    # hand-built design: t = 1..24, start = month 13, post = 1 from month 13, t_since = t - 13 after
    t = np.arange(1, 25, dtype=float)
    post = (t >= 13).astype(float)
    X = np.column_stack([np.ones(24), t, post, (t - 13) * post])
    offset = np.log([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,   # 2020 (leap year)
                     31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])  # 2021
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2", use_t=True)
    np.testing.assert_allclose(its.params.to_numpy(), ref.params, rtol=1e-8)
    ci = ref.conf_int(0.05)
    assert its.level_ratio == pytest.approx(math.exp(ref.params[2]), rel=1e-8)
    assert (its.level_ci_low, its.level_ci_high) == (pytest.approx(math.exp(ci[2, 0]), rel=1e-7),
                                                     pytest.approx(math.exp(ci[2, 1]), rel=1e-7))
    assert its.level_p == pytest.approx(ref.pvalues[2], rel=1e-6)
    assert its.slope_ratio == pytest.approx(math.exp(ref.params[3]), rel=1e-8)
    assert (its.slope_ci_low, its.slope_ci_high) == (pytest.approx(math.exp(ci[3, 0]), rel=1e-7),
                                                     pytest.approx(math.exp(ci[3, 1]), rel=1e-7))
    # quasi-Poisson dispersion = Pearson X2 / (n - p) = sum((y - mu)^2 / mu) / (24 - 4)
    mu = ref.fittedvalues
    assert its.dispersion == pytest.approx(np.sum((y - mu) ** 2 / mu) / 20, rel=1e-8)
    np.testing.assert_allclose(its.fitted, mu, rtol=1e-8)
    # counterfactual: the same model with b2 = b3 = 0
    b = ref.params
    np.testing.assert_allclose(its.counterfactual, np.exp(b[0] + b[1] * t + offset), rtol=1e-8)
    np.testing.assert_allclose(its.counterfactual[:12], its.fitted[:12], rtol=1e-8)  # identical before
    # the t-based interval is wider than the normal one
    z = InterruptedTimeSeries(y, months, start, use_t=False)
    ci_z = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2").conf_int(0.05)
    assert z.level_ci_low == pytest.approx(math.exp(ci_z[2, 0]), rel=1e-7)
    assert z.level_ci_low > its.level_ci_low


def test_without_the_days_offset():
    months, y, start = simulate(10, 8, seed=4)
    its = InterruptedTimeSeries(y, months, start, days_offset=False)
    t = np.arange(1, 19, dtype=float)
    post = (t >= 11).astype(float)
    X = np.column_stack([np.ones(18), t, post, (t - 11) * post])
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2", use_t=True)
    np.testing.assert_allclose(its.params.to_numpy(), ref.params, rtol=1e-8)
    np.testing.assert_allclose(its.counterfactual, np.exp(ref.params[0] + ref.params[1] * t), rtol=1e-8)


def test_month_of_year_terms_switch_on_at_24_months_before():
    months, y, start = simulate(23, 12, seed=5, season=0.3)
    assert not InterruptedTimeSeries(y, months, start).seasonal
    months, y, start = simulate(24, 12, seed=5, season=0.3)
    its = InterruptedTimeSeries(y, months, start)
    assert its.seasonal
    assert list(its.design.columns) == ["const", "t", "post", "t_since"] + [f"month_{k:02d}" for k in range(2, 13)]
    # against a hand-built design with 11 month indicators (January = reference)
    n = 36
    t = np.arange(1, n + 1, dtype=float)
    post = (t >= 25).astype(float)
    moy = (np.arange(n) % 12) + 1  # the series starts in January 2020
    dummies = np.column_stack([(moy == k).astype(float) for k in range(2, 13)])
    X = np.column_stack([np.ones(n), t, post, (t - 25) * post, dummies])
    offset = np.log([pd.Period(m, freq="M").days_in_month for m in months])
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2", use_t=True)
    np.testing.assert_allclose(its.params.to_numpy(), ref.params, rtol=1e-7)
    ci = ref.conf_int(0.05)
    assert its.level_ci_high == pytest.approx(math.exp(ci[2, 1]), rel=1e-6)
    # counterfactual keeps the season: b0 + b1 t + month terms + offset
    cf = np.exp(ref.params[0] + ref.params[1] * t + dummies @ ref.params[4:] + offset)
    np.testing.assert_allclose(its.counterfactual, cf, rtol=1e-7)
    # forced on and off
    assert not InterruptedTimeSeries(y, months, start, seasonal=False).seasonal
    m2, y2, s2 = simulate(12, 6, seed=5)
    assert InterruptedTimeSeries(y2, m2, s2, seasonal=True).seasonal
    m3, y3, s3 = simulate(11, 6)
    with pytest.raises(ValueError, match="at least 12 months before"):
        InterruptedTimeSeries(y3, m3, s3, seasonal=True)


def test_design_helper():
    X = its_design(months_from("2023-10", 6), "2024-01", seasonal=False)
    assert X["t"].tolist() == [1, 2, 3, 4, 5, 6]
    assert X["post"].tolist() == [0, 0, 0, 1, 1, 1]
    assert X["t_since"].tolist() == [0, 0, 0, 0, 1, 2]


def test_recovers_an_injected_thirty_percent_fall():
    months, y, start = simulate(24, 12, level=0.7, seed=11, base=40, season=0.2)
    its = InterruptedTimeSeries(y, months, start)
    assert its.level_ci_low <= 0.7 <= its.level_ci_high
    assert its.level_ci_high < 1 and its.level_p < 0.05
    assert its.slope_ci_low <= 1 <= its.slope_ci_high  # no slope change was injected


def test_coverage_of_the_level_interval():
    hits = []
    for seed in range(150):
        months, y, start = simulate(18, 12, level=0.7, seed=1000 + seed)
        its = InterruptedTimeSeries(y, months, start)
        hits.append(its.level_ci_low <= 0.7 <= its.level_ci_high)
    assert 0.89 <= np.mean(hits) <= 0.99


def test_series_input_and_to_dict():
    months, y, start = simulate(6, 6)
    its = InterruptedTimeSeries(pd.Series(y, index=months), start=start)
    d = its.to_dict()
    assert d["n_before"] == 6 and d["n_after"] == 6 and len(d["fitted"]) == 12 and d["seasonal"] is False
    assert "quasi-Poisson" in d["model"] and "offset" in d["model"]


def test_bad_input():
    months, y, start = simulate(12, 12)
    with pytest.raises(ValueError, match="at least 3 months before and 3 after"):
        InterruptedTimeSeries(y[:14], months[:14], start)  # 2 after
    with pytest.raises(ValueError, match="at least 3 months before and 3 after"):
        InterruptedTimeSeries(y, months, months[2])  # 2 before
    with pytest.raises(ValueError, match="not among the months"):
        InterruptedTimeSeries(y, months, "2030-01")
    with pytest.raises(ValueError, match="consecutive"):
        InterruptedTimeSeries(np.delete(y, 5), months[:5] + months[6:], start)
    with pytest.raises(ValueError, match="one count per month"):
        InterruptedTimeSeries(y[:-1], months, start)
    with pytest.raises(ValueError, match="no incidents after the start"):
        InterruptedTimeSeries(np.r_[y[:12], np.zeros(12)], months, start)
    with pytest.raises(ValueError, match="'YYYY-MM'"):
        InterruptedTimeSeries(y, months, "Jan 2021")
    with pytest.raises(ValueError, match=">= 0"):
        InterruptedTimeSeries(np.r_[-1, y[1:]], months, start)

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes

from analytics.rates import AreaRates, EmpiricalBayes, rate_per


def test_crude_rates_and_missing_population():
    r, n_bad = rate_per([5, 0, 3, 7], [2500, 1000, 0, np.nan])
    np.testing.assert_allclose(r[:2], [2.0, 0.0])
    assert np.isnan(r[2]) and np.isnan(r[3])
    assert n_bad == 2


def test_eb_matches_hand_computation():
    # counts 2, 18, 20 over populations 1,000, 1,000, 2,000:
    # b = 40 / 4000 = 0.01; raw rates 0.002, 0.018, 0.010
    # s2 = (1000 * 0.008^2 + 1000 * 0.008^2 + 0) / 4000 = 3.2e-5
    # a = s2 - b / mean(n) = 3.2e-5 - 0.01 / (4000/3) = 2.45e-5
    # w = a / (a + b/n): 2.45/3.45 = 49/69 for n = 1000, 49/59 for n = 2000
    # EB per 1,000: (49*2 + 20*10)/69 = 298/69, (49*18 + 20*10)/69 = 1082/69, 10
    eb = EmpiricalBayes([2, 18, 20], [1000, 1000, 2000])
    assert eb.global_rate == pytest.approx(10.0)
    assert eb.prior_variance == pytest.approx(2.45e-5)
    np.testing.assert_allclose(eb.rate, [298 / 69, 1082 / 69, 10.0])
    np.testing.assert_allclose(eb.shrinkage, [20 / 69, 20 / 69, 10 / 59])
    np.testing.assert_allclose(eb.raw_rate, [2.0, 18.0, 10.0])


def test_eb_matches_esda():
    rng = np.random.default_rng(4)
    pop = rng.integers(200, 3000, 300).astype(float)
    risk = rng.gamma(2.0, 0.01, 300)
    counts = rng.poisson(pop * risk).astype(float)
    eb = EmpiricalBayes(counts, pop, per=1)
    assert eb.prior_variance_untruncated > 0  # esda does not truncate, so compare where a > 0
    np.testing.assert_allclose(eb.rate, Empirical_Bayes(counts, pop).r.ravel(), rtol=1e-12)


def test_eb_with_no_extra_variance_gives_global_rate():
    eb = EmpiricalBayes([10, 11, 9, 10], [1000, 1000, 1000, 1000])
    assert eb.prior_variance_untruncated < 0 and eb.prior_variance == 0
    np.testing.assert_allclose(eb.rate, 10.0)


def test_area_rates_with_zero_and_missing_population():
    counts = pd.Series([4, 10, 3, 0, 6], index=list("abcde"))
    pop = [2000, 5000, 0, 1500, np.nan]
    u25 = [500, 1000, 100, 0, 300]
    r = AreaRates(counts, pop, u25)
    assert r.n_no_population == 2
    assert r.n_no_population_under25 == 1
    assert r.incidents_without_population == 9
    np.testing.assert_allclose(r.rate[[0, 1, 3]], [2.0, 2.0, 0.0])
    assert np.isnan(r.rate[2]) and np.isnan(r.eb_rate[4])
    np.testing.assert_allclose(r.rate_under25[[0, 1, 2, 4]], [8.0, 10.0, 30.0, 20.0])
    assert np.isnan(r.rate_under25[3])
    assert r.global_rate == pytest.approx(1000 * 14 / 8500)
    assert list(r.table.index) == list("abcde")
    assert {"rate_per_1000", "eb_rate_per_1000", "rate_per_1000_under25",
            "eb_rate_per_1000_under25"} <= set(r.table.columns)
    assert r.parameters["n_no_population"] == 2


def test_validation():
    with pytest.raises(ValueError, match="one value per area"):
        AreaRates([1, 2], [100])
    with pytest.raises(ValueError, match="negative"):
        AreaRates([1, 2], [100, -1])
    with pytest.raises(ValueError, match="fill"):
        AreaRates([1, np.nan], [100, 100])

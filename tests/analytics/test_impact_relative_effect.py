"""Relative effect (Ta/Tb)/(Ca/Cb): Wald and exact conditional inference, checked by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from analytics.relative_effect import RelativeEffect


def test_wald_by_hand():
    # Tb = 50, Ta = 30, Cb = 420, Ca = 400
    r = RelativeEffect(50, 30, 420, 400)
    # RE = (30/50) / (400/420) = 0.6 / 0.952381 = 0.63
    assert r.ratio == pytest.approx(0.63, rel=1e-12)
    assert r.percent_change == pytest.approx(-37.0)
    # se = sqrt(1/30 + 1/50 + 1/400 + 1/420) = sqrt(0.0333333 + 0.02 + 0.0025 + 0.00238095) = sqrt(0.0582143)
    se = math.sqrt(1 / 30 + 1 / 50 + 1 / 400 + 1 / 420)
    assert r.se == pytest.approx(se) and se == pytest.approx(0.241276, abs=1e-6)
    # log 0.63 = -0.462035; z = -0.462035 / 0.241276 = -1.91496; p = 2 * (1 - Phi(1.91496)) = 0.05549
    assert r.z == pytest.approx(math.log(0.63) / se)
    assert r.p == pytest.approx(2 * stats.norm.sf(abs(math.log(0.63) / se)))
    assert r.p == pytest.approx(0.05549, abs=5e-5)
    # CI = exp(-0.462035 -/+ 1.959964 * 0.241276) = exp(-0.934925), exp(0.010856) = 0.39263, 1.01091
    assert r.ci_low == pytest.approx(math.exp(math.log(0.63) - 1.959963985 * se))
    assert r.ci_high == pytest.approx(math.exp(math.log(0.63) + 1.959963985 * se))
    assert (r.ci_low, r.ci_high) == (pytest.approx(0.39263, abs=5e-5), pytest.approx(1.01091, abs=5e-5))
    # all counts >= 20: no exact test, the Wald numbers are the ones reported
    assert not r.exact_computed and r.reported_method == "wald" and r.reported_p == r.p
    assert not r.significant
    s = r.sentence()
    assert s.startswith("Violence in the target fell 37 % relative to the comparison area")
    # 1 - 0.39263 = 61 % fall; 1.01091 - 1 = 1 % rise
    assert "(95 % CI from a 61 % fall to a 1 % rise)" in s
    assert s.endswith("within what chance alone produces.")


def test_alpha_changes_the_interval_width():
    r90 = RelativeEffect(50, 30, 420, 400, alpha=0.10)
    se = math.sqrt(1 / 30 + 1 / 50 + 1 / 400 + 1 / 420)
    assert r90.ci_low == pytest.approx(0.63 * math.exp(-stats.norm.ppf(0.95) * se))
    assert r90.sentence().count("90 % CI") == 1


def test_exact_test_by_hand_and_it_is_the_conditional_odds_ratio():
    # table [[Ta, Tb], [Ca, Cb]] = [[1, 4], [4, 1]]: margins 5/5 and 5/5, N = 10
    r = RelativeEffect(target_before=4, target_after=1, comparison_before=1, comparison_after=4)
    # RE = (1/4) / (4/1) = 1/16 = the table's odds ratio (1 * 1) / (4 * 4)
    assert r.ratio == pytest.approx(1 / 16)
    assert r.exact_computed and r.reported_method == "exact"
    # hypergeometric P(X = x) = C(5, x) C(5, 5 - x) / C(10, 5): 1, 25, 100, 100, 25, 1 over 252
    # observed x = 1 (prob 25/252); two-sided p = tables no more probable: (1 + 25 + 25 + 1) / 252
    assert r.exact_p == pytest.approx(52 / 252)
    # symmetric table: the conditional MLE of the odds ratio solves E[X; psi] = 1
    mle = r.exact_estimate
    assert stats.nchypergeom_fisher(10, 5, 5, mle).mean() == pytest.approx(1.0, abs=1e-6)
    # exact CI by inverting two one-sided tests: P(X >= 1; low) = 0.025 and P(X <= 1; high) = 0.025
    assert stats.nchypergeom_fisher(10, 5, 5, r.exact_ci_low).sf(0) == pytest.approx(0.025, abs=1e-6)
    assert stats.nchypergeom_fisher(10, 5, 5, r.exact_ci_high).cdf(1) == pytest.approx(0.025, abs=1e-6)
    # central p = 2 x min(P(X <= 1), P(X >= 1)) = 2 x min(26, 251) / 252 = 52/252 (= Fisher's here: symmetric)
    assert r.exact_p_central == pytest.approx(52 / 252)
    assert r.reported_ci_low == r.exact_ci_low and r.reported_p == r.exact_p_central


def test_the_verdict_p_agrees_with_the_exact_interval():
    # [[5, 15], [200000, 210000]]: Fisher's two-sided p = 0.0426 < 0.05, yet the exact 95 % CI is 0.0995 to 1.013
    r = RelativeEffect(target_before=15, target_after=5, comparison_before=210000, comparison_after=200000)
    assert r.exact_p == pytest.approx(0.0426, abs=1e-4)
    assert r.exact_ci_low < 1 < r.exact_ci_high
    # central p = 2 x P(X <= 5 | RE = 1) = 2 x 0.02674 = 0.0535: not significant, as the interval says
    less = stats.fisher_exact([[5, 15], [200000, 210000]], alternative="less").pvalue
    assert r.exact_p_central == pytest.approx(2 * less) and r.exact_p_central == pytest.approx(0.0535, abs=1e-4)
    assert not r.significant and "within what chance alone produces" in r.sentence()


def test_exact_matches_scipy_for_an_asymmetric_table():
    # Ta = 7, Tb = 19, Ca = 300, Cb = 290: Ta < 20 -> exact test on [[7, 19], [300, 290]]
    r = RelativeEffect(19, 7, 290, 300)
    assert r.ratio == pytest.approx((7 * 290) / (19 * 300))
    res = stats.contingency.odds_ratio([[7, 19], [300, 290]], kind="conditional")
    ci = res.confidence_interval(0.95)
    assert r.exact_estimate == pytest.approx(res.statistic)
    assert (r.exact_ci_low, r.exact_ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert r.exact_p == pytest.approx(stats.fisher_exact([[7, 19], [300, 290]]).pvalue)
    # the Wald numbers are still there
    assert np.isfinite(r.ci_low) and np.isfinite(r.p)


def test_exact_switches():
    assert not RelativeEffect(25, 20, 400, 390).exact_computed  # every count >= 20
    assert RelativeEffect(25, 19, 400, 390).exact_computed  # 19 < 20
    assert RelativeEffect(25, 20, 400, 390, exact=True).exact_computed
    assert not RelativeEffect(5, 3, 400, 390, exact=False).exact_computed
    est = RelativeEffect(10.5, 3.2, 400, 390)  # estimated counts: no exact test, said in the note
    assert not est.exact_computed and "not whole numbers" in est.note and est.reported_method == "wald"


def test_zero_target_after_gives_zero_effect_and_an_exact_test():
    # Ta = 0: RE = 0 * 310 / (12 * 300) = 0; log undefined -> no Wald; exact test still reported
    r = RelativeEffect(12, 0, 310, 300)
    assert r.ratio == 0.0 and not r.wald_defined and math.isnan(r.p) and math.isnan(r.ci_low)
    assert r.exact_computed and r.exact_ci_low == 0.0 and 0 < r.exact_ci_high < 1
    assert r.exact_p == pytest.approx(stats.fisher_exact([[0, 12], [300, 310]]).pvalue)
    assert r.sentence().startswith("Violence in the target fell 100 %")
    assert r.significant


def test_zero_target_before_is_undefined_without_dividing_by_zero():
    with np.errstate(all="raise"):
        r = RelativeEffect(0, 5, 310, 300)
    assert math.isnan(r.ratio) and "undefined" in r.note and "target before" in r.note
    assert r.exact_computed  # Fisher still defined
    assert "undefined" in r.sentence()


def test_bad_counts():
    with pytest.raises(ValueError, match="cannot be negative"):
        RelativeEffect(-1, 3, 4, 5)
    with pytest.raises(ValueError, match="missing or infinite"):
        RelativeEffect(float("nan"), 3, 4, 5)
    with pytest.raises(ValueError, match="alpha must be"):
        RelativeEffect(10, 3, 4, 5, alpha=5)
    with pytest.raises(ValueError, match="exact must be"):
        RelativeEffect(10, 3, 4, 5, exact="yes")


def test_wald_interval_covers_a_true_thirty_percent_fall():
    # Poisson counts with a 30 % fall in the target relative to the comparison: ~95 % of intervals cover 0.7
    rng = np.random.default_rng(20240601)
    n = 400
    Tb, Ta = rng.poisson(200, n), rng.poisson(200 * 0.7 * 1.1, n)
    Cb, Ca = rng.poisson(3000, n), rng.poisson(3000 * 1.1, n)
    cover = [RelativeEffect(*x).ci_low <= 0.7 <= RelativeEffect(*x).ci_high for x in zip(Tb, Ta, Cb, Ca)]
    assert 0.92 <= np.mean(cover) <= 0.98

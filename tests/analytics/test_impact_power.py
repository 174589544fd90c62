"""Minimum detectable reduction of the relative-effect test."""

import math

import numpy as np
import pytest
from scipy import stats

from analytics.power import TOO_FEW, minimum_detectable_reduction, power_of_reduction


def _power_by_hand(r, Tb, Cb, k=1.0, alpha=0.05):
    # after counts under the alternative: Ta = Tb (1 - r) k, Ca = Cb k
    Ta, Ca = Tb * (1 - r) * k, Cb * k
    se = math.sqrt(1 / Ta + 1 / Tb + 1 / Ca + 1 / Cb)
    z = stats.norm.ppf(1 - alpha / 2)  # 1.959964
    d = abs(math.log(1 - r)) / se
    return stats.norm.cdf(d - z) + stats.norm.cdf(-d - z)


def test_power_formula_by_hand():
    # Tb = 200, Cb = 4000, r = 0.3, equal windows: Ta = 140, Ca = 4000
    # se = sqrt(1/140 + 1/200 + 1/4000 + 1/4000) = sqrt(0.0071429 + 0.005 + 0.00025 + 0.00025) = 0.112440
    # |log 0.7| / se = 0.356675 / 0.112440 = 3.17214; power = Phi(3.17214 - 1.95996) + tiny = 0.8873
    p = power_of_reduction(0.3, 200, 4000)
    assert p == pytest.approx(_power_by_hand(0.3, 200, 4000))
    assert p == pytest.approx(0.8873, abs=5e-4)
    assert power_of_reduction(0.0, 200, 4000) == pytest.approx(0.05)  # no effect: power = alpha


def test_minimum_detectable_reduction_solves_power_80():
    m = minimum_detectable_reduction(200, 4000)
    assert m.detectable and 0 < m.reduction < 0.3  # 30 % already has 89 % power (above)
    assert _power_by_hand(m.reduction, 200, 4000) == pytest.approx(0.80, abs=1e-8)
    # for large counts the closed form |log(1 - r)| = (z_0.975 + z_0.8) se holds: 2.80 se
    se = math.sqrt(1 / (200 * (1 - m.reduction)) + 1 / 200 + 2 / 4000)
    assert abs(math.log(1 - m.reduction)) == pytest.approx((1.959964 + 0.841621) * se, rel=1e-4)
    assert f"{m.reduction * 100:.0f} %" in m.verdict and "80 % power" in m.verdict


def test_shrinks_as_counts_grow():
    rs = [minimum_detectable_reduction(tb, 20 * tb).reduction for tb in (60, 150, 500, 2000, 10000)]
    assert all(a > b for a, b in zip(rs, rs[1:]))
    assert rs[-1] < 0.05


def test_after_window_matters():
    short = minimum_detectable_reduction(200, 4000, before_months=12, after_months=6)
    same = minimum_detectable_reduction(200, 4000, before_months=12, after_months=12)
    assert short.reduction > same.reduction
    assert _power_by_hand(short.reduction, 200, 4000, k=0.5) == pytest.approx(0.8, abs=1e-8)


def test_too_few_incidents():
    tiny = minimum_detectable_reduction(5, 4000)
    assert not tiny.detectable and tiny.verdict.startswith(TOO_FEW)
    # Tb = 30: even a 50 % fall has power Phi(0.693/sqrt(1/15 + 1/30 + ...) - 1.96) ~ 0.59 < 0.8
    assert _power_by_hand(0.5, 30, 1e6) < 0.8
    m = minimum_detectable_reduction(30, 10**6)
    assert not m.detectable and m.verdict.startswith(TOO_FEW)
    assert m.reduction is None or m.reduction > 0.5
    none = minimum_detectable_reduction(0, 4000)
    assert none.reduction is None and TOO_FEW in none.verdict


def test_power_is_not_monotone_and_can_never_reach_80():
    # Tb = 3: the power curve peaks well below 80 %, so there is no detectable reduction at all
    m = minimum_detectable_reduction(3, 10**5)
    assert m.reduction is None and m.max_power < 0.8
    grid = np.linspace(0.01, 0.999, 200)
    curve = [power_of_reduction(r, 3, 10**5) for r in grid]
    assert max(curve) == pytest.approx(m.max_power, abs=0.01)
    assert curve[-1] < max(curve)  # it falls again as r -> 1


def test_bad_input():
    with pytest.raises(ValueError, match="comparison has no incidents"):
        minimum_detectable_reduction(100, 0)
    with pytest.raises(ValueError, match="after_months must be"):
        minimum_detectable_reduction(100, 1000, after_months=0)
    with pytest.raises(ValueError, match="power must be"):
        minimum_detectable_reduction(100, 1000, power=80)
    with pytest.raises(ValueError, match="reduction must be"):
        power_of_reduction(1.5, 100, 1000)

"""How large a fall could the before counts show?  Power of the relative-effect test.

The relative effect RE = (Ta/Tb)/(Ca/Cb) is tested by the Wald test on its log
(see :mod:`analytics.relative_effect`).  Given the before counts Tb, Cb and the
window lengths, a true reduction r in the target relative to the comparison
would give, on average, after counts::

    k  = after_months / before_months
    Ta = Tb * (1 - r) * k
    Ca = Cb * k

so log RE = log(1 - r) with standard error se(r) = sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb).
The two-sided test at level alpha then rejects with probability (normal approximation)::

    power(r) = Phi(|log(1 - r)| / se(r) - z) + Phi(-|log(1 - r)| / se(r) - z),   z = Phi^-1(1 - alpha/2)

The minimum detectable reduction is the smallest r in (0, 1) with power(r) >= the
wanted power (default 80 %), found by a fine grid and root-finding
(``scipy.optimize.brentq``).  power(r) is not monotone: as r -> 1 the expected
Ta -> 0 and se(r) grows faster than |log(1 - r)|, so with few incidents no
reduction reaches 80 % and the result is None.

Verdict: "too few incidents to tell a change from chance" when no reduction up
to ``large`` (default 50 %) reaches the wanted power, or when Tb < 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from ._impact_common import count_value, pct
from ._inputs import check_fraction

__all__ = ["DetectableReduction", "minimum_detectable_reduction", "power_of_reduction", "TINY_TARGET"]

#: fewer target incidents before than this are "too few" whatever the arithmetic says
TINY_TARGET = 10

TOO_FEW = "too few incidents to tell a change from chance"


def _check_months(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{name} must be a number of months > 0, got {value!r}")
    return float(value)


def _power(r, Tb, Cb, k, z):
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore"):
        se = np.sqrt(1 / (Tb * (1 - r) * k) + 1 / Tb + 1 / (Cb * k) + 1 / Cb)
        d = np.abs(np.log1p(-r)) / se
    return stats.norm.cdf(d - z) + stats.norm.cdf(-d - z)


def power_of_reduction(reduction, target_before, comparison_before, before_months=12, after_months=12,
                       alpha: float = 0.05) -> float:
    """Power of the two-sided Wald test of the relative effect against a true reduction (0 <= r < 1)."""
    Tb = count_value(target_before, "target_before")
    Cb = count_value(comparison_before, "comparison_before")
    if Tb <= 0 or Cb <= 0:
        raise ValueError("power needs incidents before the start in both the target and the comparison (> 0)")
    r = float(reduction)
    if not 0 <= r < 1:
        raise ValueError(f"reduction must be a share between 0 and 1 (e.g. 0.3 for 30 %), got {reduction!r}")
    a = check_fraction(alpha, "alpha")
    k = _check_months(after_months, "after_months") / _check_months(before_months, "before_months")
    return float(_power(r, Tb, Cb, k, stats.norm.ppf(1 - a / 2)))


@dataclass(frozen=True)
class DetectableReduction:
    """Smallest detectable reduction and what it means.

    reduction : share (0-1) or None when no reduction reaches the wanted power
    detectable : reduction is not None, <= ``large`` and Tb >= TINY_TARGET
    verdict : a plain-words piece for a report, e.g. "the before counts could show a fall of 23 % or more
        (80 % power, 5 % two-sided test)" or "too few incidents to tell a change from chance: ..."
    max_power : the highest power any reduction reaches (the peak of power(r))
    """

    reduction: float | None
    detectable: bool
    verdict: str
    max_power: float
    target_before: float
    comparison_before: float
    before_months: float
    after_months: float
    alpha: float
    power: float
    large: float

    def to_dict(self) -> dict:
        return {"minimum_detectable_reduction": self.reduction, "detectable": self.detectable,
                "power_verdict": self.verdict, "max_power": self.max_power, "power": self.power,
                "alpha": self.alpha}


def minimum_detectable_reduction(target_before, comparison_before, before_months=12, after_months=12,
                                 alpha: float = 0.05, power: float = 0.80, large: float = 0.5) -> DetectableReduction:
    """Smallest reduction in the target (relative to the comparison) the relative-effect test would
    detect with probability ``power`` at two-sided level ``alpha`` (module docstring for the formulas).

    Parameters
    ----------
    target_before, comparison_before : Tb, Cb (incidents in the before window)
    before_months, after_months : window lengths (their ratio scales the expected after counts)
    alpha : two-sided level; power : wanted power; large : a reduction above this counts as "too large to be
        a useful test" (default 0.5: if even a 50 % fall would likely go unnoticed, there are too few incidents)
    """
    Tb = count_value(target_before, "target_before")
    Cb = count_value(comparison_before, "comparison_before")
    a = check_fraction(alpha, "alpha")
    pw = check_fraction(power, "power")
    large = check_fraction(large, "large")
    bm = _check_months(before_months, "before_months")
    am = _check_months(after_months, "after_months")
    if Cb <= 0:
        raise ValueError("the comparison has no incidents before the start, so power cannot be assessed; "
                         "choose a larger comparison")
    conf = f"{pct(100 * pw)} % power, {pct(100 * a)} % two-sided test"
    if Tb <= 0:
        return DetectableReduction(None, False, f"{TOO_FEW}: there were no incidents in the target before the start",
                                   0.0, Tb, Cb, bm, am, a, pw, large)
    z = stats.norm.ppf(1 - a / 2)
    k = am / bm
    grid = np.linspace(0.0, 0.9999, 10001)
    pow_grid = _power(grid, Tb, Cb, k, z)
    max_power = float(pow_grid.max())
    hit = np.flatnonzero(pow_grid >= pw)
    if len(hit) == 0:
        r = None
    else:
        i = int(hit[0])  # grid[0] = 0 has power alpha < pw, so i >= 1
        r = float(optimize.brentq(lambda x: _power(x, Tb, Cb, k, z) - pw, grid[i - 1], grid[i], xtol=1e-10))
    detectable = r is not None and r <= large and Tb >= TINY_TARGET
    big = pct(100 * large)
    if detectable:
        verdict = f"the before counts could show a fall of {pct(100 * r)} % or more ({conf})"
    elif Tb < TINY_TARGET:
        verdict = f"{TOO_FEW}: only {Tb:g} incidents in the target before the start"
    elif r is None:
        verdict = f"{TOO_FEW}: even a very large fall would probably go unnoticed ({conf})"
    else:
        verdict = (f"{TOO_FEW}: even a {big} % fall would probably go unnoticed; only a fall of "
                   f"{pct(100 * r)} % or more would reliably show ({conf})")
    return DetectableReduction(r, bool(detectable), verdict, max_power, Tb, Cb, bm, am, a, pw, large)

"""Relative effect of an intervention: the target's change over the comparison's change.

With T and C the incidents in the target and the comparison zone, b before and
a after the start (the same two windows for both zones)::

    RE = (Ta / Tb) / (Ca / Cb) = (Ta * Cb) / (Tb * Ca)

RE < 1: the target fared better than the comparison (a fall of 100 * (1 - RE) %
relative to it).  Window lengths cancel, so the before and after windows need
not be equally long.

Wald interval and test (on the log scale, counts treated as Poisson)::

    se(log RE) = sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb)
    CI         = exp(log RE -/+ z_{1 - alpha/2} * se)
    p          = 2 * (1 - Phi(|log RE| / se))

Exact conditional test.  The four counts form the 2 x 2 table
``[[Ta, Tb], [Ca, Cb]]`` whose odds ratio IS the relative effect.  For four
independent Poisson counts, conditioning on the row totals gives two binomials
and conditioning again on the column totals gives Fisher's noncentral
hypergeometric distribution for Ta with parameter the true relative effect (the
window lengths cancel).  So the exact p-value is Fisher's exact test
(``scipy.stats.fisher_exact``, two-sided: tables no more probable than the
observed one) and the exact interval is the conditional-MLE interval
(``scipy.stats.contingency.odds_ratio(kind="conditional")``, which inverts two
one-sided tests, as R's ``fisher.test``).  Fisher's two-sided p and that
interval use different two-sided rules and can disagree near alpha (e.g.
[[5, 15], [200000, 210000]]: Fisher p = 0.043 but the 95 % CI 0.10 to 1.01
includes 1).  So the p that goes with the interval, and that decides
significance when the exact test is reported, is the central one::

    exact_p_central = min(1, 2 * min(P(X <= Ta), P(X >= Ta)))   under RE = 1

which is below alpha exactly when the exact interval excludes 1.  Both are
kept (``exact_p`` = Fisher's, ``exact_p_central``).  The exact test is
computed when any count is under 20 (``exact="auto"``), and only for
whole-number counts.

Zero counts (no division by zero, nothing raised here):

- any count 0: the Wald interval and p are undefined (NaN) and ``wald_defined``
  is False; the exact test is still reported (for whole-number counts).
- Ta = 0 (with Tb, Ca > 0): RE = 0, an exact interval [0, upper].
- Tb = 0 or Ca = 0: RE is undefined (NaN); ``note`` says why.

Callers that need a defined effect (``analytics.impact.ImpactEvaluation``)
refuse Tb = 0, Cb = 0 and Ca = 0 up front.
"""

from __future__ import annotations

import math

from scipy import stats
from scipy.stats.contingency import odds_ratio

from ._impact_common import as_count, as_number, ci_words, count_value, is_whole, pct
from ._inputs import check_fraction

__all__ = ["RelativeEffect", "EXACT_BELOW"]

#: the exact conditional test is added (exact="auto") when any of the four counts is below this
EXACT_BELOW = 20


class RelativeEffect:
    """Relative effect (Ta/Tb)/(Ca/Cb) with its Wald and, for small counts, exact inference.

    Parameters
    ----------
    target_before, target_after, comparison_before, comparison_after : incident counts (>= 0)
    alpha : 1 - confidence level of the intervals (0.05 gives 95 % intervals)
    exact : "auto" (when any count < 20), True (always) or False (never).  Needs whole-number counts.

    Attributes
    ----------
    ratio : RE (NaN when Tb = 0 or Ca = 0); percent_change = 100 * (RE - 1) (negative = a relative fall)
    log_ratio, se, z : Wald quantities on the log scale (NaN when any count is 0)
    ci_low, ci_high, p : Wald interval and two-sided p (NaN when any count is 0)
    wald_defined : all four counts > 0
    exact_computed : whether the exact conditional test was run
    exact_estimate : conditional MLE of the odds ratio (close to, not equal to, RE)
    exact_p : Fisher's exact two-sided p (tables no more probable than the observed one; scipy / R convention)
    exact_p_central : twice the smaller one-sided exact p (capped at 1): the p that agrees with the exact interval
    exact_ci_low, exact_ci_high : exact conditional interval (may be 0 or inf with zero cells)
    reported_method : "exact" when the exact test was computed, else "wald" (or None if neither is defined)
    reported_p, reported_ci_low, reported_ci_high : the p and interval to quote: exact_p_central and the exact
        interval when the exact test was computed, else the Wald ones
    note : why something is undefined or skipped ("" when nothing is)
    """

    def __init__(self, target_before, target_after, comparison_before, comparison_after, alpha: float = 0.05,
                 exact="auto"):
        Tb = count_value(target_before, "target_before")
        Ta = count_value(target_after, "target_after")
        Cb = count_value(comparison_before, "comparison_before")
        Ca = count_value(comparison_after, "comparison_after")
        self.alpha = check_fraction(alpha, "alpha")
        if exact not in ("auto", True, False):
            raise ValueError(f"exact must be 'auto', True or False, got {exact!r}")
        self.target_before, self.target_after = Tb, Ta
        self.comparison_before, self.comparison_after = Cb, Ca
        self.confidence = 1.0 - self.alpha
        notes = []

        nan = float("nan")
        if Tb > 0 and Ca > 0:
            self.ratio = (Ta * Cb) / (Tb * Ca)
            self.percent_change = 100.0 * (self.ratio - 1.0)
        else:
            self.ratio = self.percent_change = nan
            which = " and ".join(n for n, v in (("the target before", Tb), ("the comparison after", Ca)) if v == 0)
            notes.append(f"relative effect undefined: no incidents in {which}")

        self.wald_defined = min(Tb, Ta, Cb, Ca) > 0
        if self.wald_defined:
            self.log_ratio = math.log(self.ratio)
            self.se = math.sqrt(1 / Ta + 1 / Tb + 1 / Ca + 1 / Cb)
            self.z = self.log_ratio / self.se
            self.p = float(math.erfc(abs(self.z) / math.sqrt(2.0)))
            zc = float(stats.norm.ppf(1 - self.alpha / 2))
            self.ci_low = math.exp(self.log_ratio - zc * self.se)
            self.ci_high = math.exp(self.log_ratio + zc * self.se)
        else:
            self.log_ratio = self.se = self.z = self.p = self.ci_low = self.ci_high = nan
            if Tb > 0 and Ca > 0:
                notes.append("Wald interval undefined: a count is zero (its log has no variance estimate)")

        small = min(Tb, Ta, Cb, Ca) < EXACT_BELOW
        wanted = small if exact == "auto" else bool(exact)
        self.exact_computed = False
        self.exact_estimate = self.exact_p = self.exact_p_central = self.exact_ci_low = self.exact_ci_high = nan
        if wanted and not is_whole(Tb, Ta, Cb, Ca):
            notes.append("no exact test: the counts are not whole numbers (estimated counts)")
        elif wanted:
            table = [[int(round(Ta)), int(round(Tb))], [int(round(Ca)), int(round(Cb))]]
            self.exact_p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
            p_less = float(stats.fisher_exact(table, alternative="less").pvalue)
            p_greater = float(stats.fisher_exact(table, alternative="greater").pvalue)
            self.exact_p_central = min(1.0, 2.0 * min(p_less, p_greater))
            res = odds_ratio(table, kind="conditional")
            ci = res.confidence_interval(confidence_level=self.confidence, alternative="two-sided")
            self.exact_estimate = float(res.statistic)
            self.exact_ci_low, self.exact_ci_high = float(ci.low), float(ci.high)
            self.exact_computed = True

        if self.exact_computed:
            self.reported_method = "exact"
            self.reported_p = self.exact_p_central
            self.reported_ci_low, self.reported_ci_high = self.exact_ci_low, self.exact_ci_high
        elif self.wald_defined:
            self.reported_method = "wald"
            self.reported_p, self.reported_ci_low, self.reported_ci_high = self.p, self.ci_low, self.ci_high
        else:
            self.reported_method = None
            self.reported_p = self.reported_ci_low = self.reported_ci_high = nan
        self.note = "; ".join(notes)

    @property
    def significant(self) -> bool:
        """The reported p is below alpha (False when no p is defined)."""
        return bool(math.isfinite(self.reported_p) and self.reported_p < self.alpha)

    def sentence(self, what: str = "Violence", target: str = "the target", comparison: str = "the comparison area") -> str:
        """One plain sentence, e.g. 'Violence in the target fell 24 % relative to the comparison area
        (95 % CI 8 % to 37 %), more than chance would explain.'"""
        if not math.isfinite(self.ratio):
            return f"The relative effect is undefined ({self.note})."
        if self.ratio < 1:
            change = f"fell {pct(100 * (1 - self.ratio))} %"
        elif self.ratio > 1:
            change = f"rose {pct(100 * (self.ratio - 1))} %"
        else:
            change = "changed in step"
        head = f"{what} in {target} {change} relative to {comparison}"
        if self.reported_method is None:
            return f"{head}; its uncertainty cannot be estimated from these counts ({self.note})."
        conf = f"{100 * self.confidence:g} % CI"
        interval = ci_words(self.reported_ci_low, self.reported_ci_high, conf)
        verdict = "more than chance would explain" if self.significant else "within what chance alone produces"
        return f"{head} ({interval}), {verdict}."

    def to_dict(self) -> dict:
        out = {
            "target_before": as_count(self.target_before), "target_after": as_count(self.target_after),
            "comparison_before": as_count(self.comparison_before), "comparison_after": as_count(self.comparison_after),
        }
        for k in ("ratio", "percent_change", "se", "ci_low", "ci_high", "p", "exact_estimate", "exact_p",
                  "exact_p_central", "exact_ci_low", "exact_ci_high", "reported_p", "reported_ci_low",
                  "reported_ci_high", "alpha"):
            out[k] = as_number(getattr(self, k))
        out.update(wald_defined=bool(self.wald_defined), exact_computed=bool(self.exact_computed),
                   reported_method=self.reported_method, note=self.note)
        return out

    def __repr__(self) -> str:
        return (f"RelativeEffect(ratio={self.ratio:.3f}, ci=({self.reported_ci_low:.3f}, {self.reported_ci_high:.3f}), "
                f"p={self.reported_p:.3g}, method={self.reported_method})")


"""Interrupted time series (segmented quasi-Poisson regression) on a zone's monthly counts.

Following Bernal, Cummins & Gasparrini (2017), with months t = 1..n and the
intervention starting in month t0 (the first "after" month)::

    log E[y_t] = b0 + b1 t + b2 post_t + b3 (t - t0) post_t  [+ month-of-year terms]  [+ log days_t]

    post_t = 1 from t0 on, else 0

- level change ``exp(b2)``: the ratio of the expected count in the start month to the
  pre-trend's projection for it (a step);
- slope change ``exp(b3)``: the ratio by which the monthly trend changes after the start
  (per month; 1 = same trend as before);
- month-of-year terms: 11 indicators (February..December; January is the
  reference), switched on by ``seasonal="auto"`` when there are at least 24
  months before the start (two full years to separate season from trend);
- offset: ``log(days in month)`` (``days_offset=True``, the default), so the model
  is for incidents per day and February's three missing days are not read as a fall.

Fitted by ``statsmodels.GLM(y, X, family=Poisson(), offset=...).fit(scale="X2")``:
Poisson estimates with the variance inflated by the Pearson dispersion
phi = X2 / (n - p) (quasi-Poisson).  Intervals and p-values use the t
distribution with n - p degrees of freedom (``use_t=True``, as R's
``glm(family=quasipoisson)`` summary); ``use_t=False`` gives normal ones.
phi < 1 (under-dispersion) is used as estimated, like R.

``fitted`` is the model's expected count per month; ``counterfactual`` is the same
model with b2 = b3 = 0 (the pre-start trend, season and offset carried on).

Needs at least 3 months before and 3 after the start, incidents in both
segments, and more months than parameters.

Bernal, J.L., Cummins, S. & Gasparrini, A. (2017) Interrupted time series
regression for the evaluation of public health interventions: a tutorial.
International Journal of Epidemiology 46(1):348-355.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ._impact_common import as_number, check_month, days_in_month, month_span
from ._inputs import check_fraction

__all__ = ["InterruptedTimeSeries", "its_design", "MIN_MONTHS", "SEASONAL_FROM"]

#: fewest months the model needs on each side of the start
MIN_MONTHS = 3
#: months before the start from which month-of-year terms switch on (seasonal="auto")
SEASONAL_FROM = 24


def its_design(months, start, seasonal: bool) -> pd.DataFrame:
    """The design matrix: const, t, post, t_since (= (t - t0) post), then month_02..month_12 when seasonal."""
    months = list(months)
    t = np.arange(1, len(months) + 1, dtype=float)
    t0 = months.index(start) + 1
    post = (t >= t0).astype(float)
    X = pd.DataFrame({"const": 1.0, "t": t, "post": post, "t_since": (t - t0) * post}, index=pd.Index(months, name="month"))
    if seasonal:
        moy = np.array([int(m[5:7]) for m in months])
        for k in range(2, 13):
            X[f"month_{k:02d}"] = (moy == k).astype(float)
    return X


class InterruptedTimeSeries:
    """Segmented quasi-Poisson regression of monthly counts around a start month.

    Parameters
    ----------
    counts : one count per month (a Series indexed by 'YYYY-MM' months, or an array with ``months``)
    months : consecutive 'YYYY-MM' months (needed unless ``counts`` is a Series indexed by month)
    start : first month of the intervention ('YYYY-MM', one of the months)
    seasonal : "auto" (on when >= 24 months before the start), True (needs >= 12 months before) or False
    days_offset : use log(days in month) as an offset (default True)
    alpha : 1 - confidence level (0.05 -> 95 % intervals)
    use_t : t-based intervals and p-values with n - p df (default, as R quasipoisson) or normal ones

    Attributes
    ----------
    months, y, n_before, n_after, seasonal (bool), days_offset (bool), design (DataFrame X)
    result : the statsmodels GLMResults
    params, bse : coefficients and standard errors (Series by design column)
    level_ratio, level_ci_low, level_ci_high, level_p : exp(b2), its interval and p
    slope_ratio, slope_ci_low, slope_ci_high, slope_p : exp(b3) per month, its interval and p
    pre_trend_ratio : exp(b1), the monthly trend before the start
    dispersion : Pearson chi-square / (n - p); df_resid : n - p
    fitted : expected count per month; counterfactual : expected count with the post terms set to zero
    """

    def __init__(self, counts, months=None, start=None, seasonal="auto", days_offset: bool = True,
                 alpha: float = 0.05, use_t: bool = True):
        import statsmodels.api as sm

        months, y = _series(counts, months)
        start = check_month(start, "start")
        if start not in months:
            raise ValueError(f"start {start} is not among the months of the series ({months[0]} to {months[-1]}); "
                             "pick a start within them")
        self.alpha = check_fraction(alpha, "alpha")
        for flag, name in ((days_offset, "days_offset"), (use_t, "use_t")):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        if seasonal not in ("auto", True, False):
            raise ValueError(f"seasonal must be 'auto', True or False, got {seasonal!r}")
        i0 = months.index(start)
        n_before, n_after = i0, len(months) - i0
        if n_before < MIN_MONTHS or n_after < MIN_MONTHS:
            raise ValueError(f"the interrupted time series needs at least {MIN_MONTHS} months before and {MIN_MONTHS} "
                             f"after the start; got {n_before} before and {n_after} after; use longer windows")
        if seasonal == "auto":
            seasonal = n_before >= SEASONAL_FROM
        elif seasonal and n_before < 12:
            raise ValueError(f"month-of-year terms need at least 12 months before the start, got {n_before}; "
                             "use seasonal=False or a longer before window")
        if y[:i0].sum() == 0 or y[i0:].sum() == 0:
            when = "before" if y[:i0].sum() == 0 else "after"
            raise ValueError(f"the series has no incidents {when} the start, so the level change cannot be "
                             "estimated; use the relative effect's exact test instead")
        X = its_design(months, start, bool(seasonal))
        if len(months) <= X.shape[1]:
            raise ValueError(f"{len(months)} months are too few for {X.shape[1]} model terms; use longer windows")
        offset = np.log(days_in_month(months)) if days_offset else None

        self.months, self.y, self.start = months, y, start
        self.n_before, self.n_after = n_before, n_after
        self.seasonal, self.days_offset, self.use_t = bool(seasonal), bool(days_offset), bool(use_t)
        self.design = X
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2", use_t=self.use_t)
        if not res.converged or not np.all(np.isfinite(res.bse)):
            raise ValueError("the model did not converge (too many months without incidents?); "
                             "use the relative effect, or a larger zone or longer windows")
        self.result = res
        self.params, self.bse = res.params, res.bse
        ci = res.conf_int(alpha=self.alpha)
        self.df_resid = float(res.df_resid)
        self.dispersion = float(res.scale)
        self.level_ratio = math.exp(res.params["post"])
        self.level_ci_low, self.level_ci_high = (math.exp(v) for v in ci.loc["post"])
        self.level_p = float(res.pvalues["post"])
        self.slope_ratio = math.exp(res.params["t_since"])
        self.slope_ci_low, self.slope_ci_high = (math.exp(v) for v in ci.loc["t_since"])
        self.slope_p = float(res.pvalues["t_since"])
        self.pre_trend_ratio = math.exp(res.params["t"])
        self.fitted = np.asarray(res.fittedvalues, dtype=float)
        Xc = X.copy()
        Xc[["post", "t_since"]] = 0.0
        eta = Xc.to_numpy() @ res.params.to_numpy() + (offset if offset is not None else 0.0)
        self.counterfactual = np.exp(eta)

    @property
    def model_description(self) -> str:
        terms = "b0 + b1 t + b2 post_t + b3 (t - t0) post_t"
        if self.seasonal:
            terms += " + month-of-year indicators (Feb..Dec, January reference)"
        if self.days_offset:
            terms += " + log(days in month) offset"
        dist = f"t with {self.df_resid:g} df" if self.use_t else "normal"
        return (f"log E[y_t] = {terms}; quasi-Poisson (Poisson GLM, Pearson chi-square scale), {dist} intervals; "
                f"{self.n_before} months before and {self.n_after} from the start ({self.start})")

    def to_dict(self) -> dict:
        out = {k: as_number(getattr(self, k)) for k in (
            "level_ratio", "level_ci_low", "level_ci_high", "level_p", "slope_ratio", "slope_ci_low",
            "slope_ci_high", "slope_p", "pre_trend_ratio", "dispersion", "df_resid")}
        out.update(seasonal=self.seasonal, days_offset=self.days_offset, n_before=self.n_before,
                   n_after=self.n_after, months=list(self.months), fitted=[float(v) for v in self.fitted],
                   counterfactual=[float(v) for v in self.counterfactual], model=self.model_description)
        return out

    def __repr__(self) -> str:
        return (f"InterruptedTimeSeries(level_ratio={self.level_ratio:.3f}, slope_ratio={self.slope_ratio:.4f}, "
                f"dispersion={self.dispersion:.2f}, seasonal={self.seasonal}, months={len(self.months)})")


def _series(counts, months):
    if isinstance(counts, pd.Series) and months is None:
        months = list(counts.index)
        values = counts.to_numpy()
    else:
        if months is None:
            raise ValueError("pass months=[...] ('YYYY-MM', one per count) or counts as a Series indexed by month")
        values = np.asarray(counts)
        months = list(months)
    months = [check_month(m, "each month") for m in months]
    try:
        y = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError("counts must be numbers of incidents, one per month") from None
    if len(y) != len(months):
        raise ValueError(f"counts has {len(y)} values but there are {len(months)} months; pass one count per month")
    if len(months) == 0:
        raise ValueError("the series is empty; pass one count per month")
    if months != month_span(months[0], months[-1]):
        raise ValueError(f"months must be consecutive calendar months in order ({months[0]} to {months[-1]} has "
                         "gaps or is unsorted); fill months without incidents with 0")
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("counts must be finite and >= 0; fill months without incidents with 0")
    return months, y

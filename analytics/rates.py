"""Incident rates per 1,000 residents, and empirical-Bayes smoothing.

Rates
-----
``rate = 1000 * incidents / population``.  The *under-25* rate divides the
same incident counts by the number of residents aged under 25 (pass counts of
incidents involving under-25s if you have them; police.uk data do not record
ages, so with all incidents it is a rate relative to the young population, not
the rate at which young people are involved).  Areas with zero or missing
population get a NaN rate; how many (and how many incidents they hold) is
reported instead of raising.  Note that police.uk points are snapped and about
5 % land in a different LSOA from the one recorded, so small-area rates are noisy.

Empirical-Bayes smoothing (global, Marshall 1991)
-------------------------------------------------
Small populations give extreme raw rates.  Each raw rate ``r_i = y_i / n_i``
is shrunk toward the global rate ``b = sum(y) / sum(n)``::

    s2   = sum(n_i (r_i - b)^2) / sum(n_i)        (population-weighted variance)
    a    = s2 - b / mean(n)                       (method-of-moments prior variance)
    a    = max(a, 0)                              (Marshall's truncation)
    w_i  = a / (a + b / n_i)                      (shrinkage weight, 0-1)
    EB_i = w_i r_i + (1 - w_i) b

Same as ``esda.smoothing.Empirical_Bayes`` (which does not truncate a
negative ``a``; with ``a < 0`` every EB rate equals ``b`` here).  Areas with
zero or missing population are left out of ``b``, ``s2`` and ``mean(n)`` and get NaN.

Marshall, R.J. (1991) Mapping disease and mortality rates using empirical
Bayes estimators. Applied Statistics 40(2):283-294.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["AreaRates", "EmpiricalBayes", "rate_per"]


def _as_float(values, name: str, n: int | None = None) -> np.ndarray:
    try:
        v = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers (got {type(values).__name__})") from None
    if n is not None and len(v) != n:
        raise ValueError(f"{name} has {len(v)} values but counts has {n}; pass one value per area in the same order")
    return v


def _check_counts(counts) -> np.ndarray:
    y = _as_float(counts, "counts")
    if np.any(~np.isfinite(y)):
        raise ValueError("counts contain missing values; fill areas with no incidents with 0")
    if np.any(y < 0):
        raise ValueError("counts must be non-negative")
    return y


def _check_population(pop, n: int, name: str):
    p = _as_float(pop, name, n)
    if np.any(p[np.isfinite(p)] < 0):
        raise ValueError(f"{name} has negative values; check the population table join")
    valid = np.isfinite(p) & (p > 0)
    return p, valid


def rate_per(counts, population, per: float = 1000.0):
    """Crude rate per ``per`` people.  Returns ``(rates, n_no_population)``;
    zero or missing population gives NaN."""
    y = _check_counts(counts)
    p, valid = _check_population(population, len(y), "population")
    r = np.full(len(y), np.nan)
    r[valid] = per * y[valid] / p[valid]
    return r, int((~valid).sum())


class EmpiricalBayes:
    """Global empirical-Bayes smoothed rates (Marshall 1991 method of moments).

    Attributes
    ----------
    rate : smoothed rate per ``per`` people (NaN where population is 0/missing).
    raw_rate : crude rate per ``per`` people.
    global_rate : ``b`` per ``per`` people.
    prior_variance : ``a`` (per person squared, after truncation at 0).
    prior_variance_untruncated : ``a`` before truncation.
    shrinkage : ``1 - w_i``, how far each area was pulled to the global rate (0-1).
    n_no_population : areas with zero or missing population (excluded, NaN).
    per : the multiplier (1,000 by default).
    """

    def __init__(self, counts, population, per: float = 1000.0):
        y = _check_counts(counts)
        p, valid = _check_population(population, len(y), "population")
        if not per > 0:
            raise ValueError(f"per must be positive (got {per!r})")
        self.per = float(per)
        self.n_no_population = int((~valid).sum())
        self.raw_rate = np.full(len(y), np.nan)
        self.rate = np.full(len(y), np.nan)
        self.shrinkage = np.full(len(y), np.nan)
        if valid.sum() == 0:
            self.global_rate = float("nan")
            self.prior_variance = float("nan")
            self.prior_variance_untruncated = float("nan")
            return
        yv, pv = y[valid], p[valid]
        r = yv / pv
        b = yv.sum() / pv.sum()
        s2 = np.sum(pv * (r - b) ** 2) / pv.sum()
        a_raw = s2 - b / pv.mean()
        a = max(a_raw, 0.0)
        denom = a + b / pv
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(denom > 0, a / denom, 0.0)  # b == 0 and a == 0: all rates 0
        eb = w * r + (1.0 - w) * b
        self.raw_rate[valid] = self.per * r
        self.rate[valid] = self.per * eb
        self.shrinkage[valid] = 1.0 - w
        self.global_rate = self.per * float(b)
        self.prior_variance = float(a)
        self.prior_variance_untruncated = float(a_raw)

    def __repr__(self) -> str:
        return (f"EmpiricalBayes(global_rate={self.global_rate:.3g} per {self.per:g}, "
                f"n_no_population={self.n_no_population})")


class AreaRates:
    """Rates per 1,000 residents (all ages and under 25), raw and EB-smoothed.

    Parameters
    ----------
    counts : incidents per area (zeros included).  If a Series, its index is kept.
    population : residents per area.
    population_under25 : residents aged under 25 per area (optional).
    per : multiplier, default 1,000.

    Attributes
    ----------
    rate, eb_rate : per 1,000 residents (NaN where population is 0/missing).
    rate_under25, eb_rate_under25 : per 1,000 residents aged under 25 (None if not given).
    n_no_population, n_no_population_under25 : areas with zero/missing population.
    incidents_without_population : incidents in those areas (not in any rate).
    global_rate, global_rate_under25 : overall rates (= the EB prior means).
    table : DataFrame with all the above per area.
    parameters : dict for reporting.
    """

    def __init__(self, counts, population, population_under25=None, per: float = 1000.0):
        index = counts.index if isinstance(counts, pd.Series) else None
        y = _check_counts(counts)
        n = len(y)
        eb = EmpiricalBayes(y, population, per=per)
        self.per = float(per)
        self.rate = eb.raw_rate
        self.eb_rate = eb.rate
        self.global_rate = eb.global_rate
        self.n_no_population = eb.n_no_population
        _, valid = _check_population(population, n, "population")
        self.incidents_without_population = float(y[~valid].sum())
        table = {"incidents": y, "rate_per_1000": self.rate, "eb_rate_per_1000": self.eb_rate}
        self.rate_under25 = self.eb_rate_under25 = None
        self.global_rate_under25 = float("nan")
        self.n_no_population_under25 = None
        if population_under25 is not None:
            eb25 = EmpiricalBayes(y, population_under25, per=per)
            self.rate_under25 = eb25.raw_rate
            self.eb_rate_under25 = eb25.rate
            self.global_rate_under25 = eb25.global_rate
            self.n_no_population_under25 = eb25.n_no_population
            table["rate_per_1000_under25"] = self.rate_under25
            table["eb_rate_per_1000_under25"] = self.eb_rate_under25
        if per != 1000:
            table = {k.replace("per_1000", f"per_{per:g}"): v for k, v in table.items()}
        self.table = pd.DataFrame(table, index=index)
        self.parameters = {
            "per": self.per,
            "smoothing": "global empirical Bayes, Marshall (1991) method of moments, prior variance truncated at 0",
            "prior_variance": eb.prior_variance,
            "n_no_population": self.n_no_population,
            "n_no_population_under25": self.n_no_population_under25,
            "incidents_without_population": self.incidents_without_population,
        }

    def __repr__(self) -> str:
        return (f"AreaRates(n_areas={len(self.table)}, global_rate={self.global_rate:.3g} per {self.per:g}, "
                f"n_no_population={self.n_no_population})")

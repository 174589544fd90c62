"""Change between two periods, per day, per area and for the whole area.

Period A is the earlier (baseline) period, B the later one, with A and B incidents over d_A and
d_B calendar days (exposure: June has 30 days, May 31, February 28 or 29).  Per area::

    rate ratio  RR = (B / d_B) / (A / d_A)         pct_change = 100 (RR - 1)   (per day)

Overdispersion
--------------
Monthly counts of violence vary more than a Poisson model allows (here about four times).  Given
the areas' monthly counts y_im with the days d_m of each month and the group g(m) of each month
("A", "B", or other labels for extra months used only for this estimate), the Poisson model with
a separate rate per area and group has fitted values mu_im = d_m * Y_ig / D_g (Y_ig the area's
count in group g, D_g that group's days).  The pooled Pearson dispersion is::

    X2  = sum over cells with mu > 0 of (y - mu)^2 / mu
    df  = sum over area-groups with Y_ig > 0 of (months in g - 1)
    phi = X2 / df                   overdispersed if phi > 1 and P(chi2_df > X2) < 0.05

Area-groups with no incident have mu = 0 in every month: they carry no information on the
dispersion and are left out of both X2 and df (a GLM would count their parameter and cells).  With
one month per group df = 0: phi cannot be estimated; pass months of a longer window (other labels)
or a ready :class:`Dispersion`.

Tests
-----
* overdispersed: quasi-Poisson Wald test on log RR, Var = phi (1/A + 1/B); two-sided normal p and
  CI exp(log RR -/+ z_{1-a/2} sqrt(Var)).  This is the Poisson GLM with offset log(days) and
  scale = Pearson X2 / df (statsmodels ``fit(scale='X2')``).  When exactly one of A, B is 0 the Wald
  test is undefined: p comes from the quasi-score test, X = (B - N q)^2 / (N q (1 - q)) / phi on
  1 df (N = A + B, q = d_B / (d_A + d_B)), RR is 0 or infinite, and the finite end of the CI is the
  Wald bound with 0.5 added to both counts (the other end is 0 or infinity).
* otherwise: the exact conditional test, B | A + B ~ Binomial(A + B, q) (``scipy.stats.binomtest``,
  two-sided), and the exact (Clopper-Pearson) CI for pi = B / (A + B) turned into RR = pi / (1 - pi) *
  d_A / d_B.  Counts must be whole numbers.  Without monthly counts the dispersion is not checked
  and this test is used, with a note.

Per area, significance is decided by Benjamini-Hochberg across the areas with at least one
incident (``fdr=True``, default) and gives "significantly up" / "significantly down" / "no evidence
of change"; areas with no incident in either period are "no incidents" and not tested.

:func:`compare_totals` is the whole-area version for one headline sentence (it supersedes
the equal-months Poisson test it replaced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import erfc

from . import _inputs
from .multiple_testing import benjamini_hochberg

__all__ = [
    "AreaPeriodChange",
    "CHANGE_CLASSES",
    "Dispersion",
    "PeriodChange",
    "compare_totals",
    "pearson_dispersion",
]

CHANGE_CLASSES = ("significantly up", "significantly down", "no evidence of change", "no incidents")
QUASI = "quasi-Poisson"
EXACT = "exact"
_DISPERSION_ALPHA = 0.05


# --------------------------------------------------------------------------- dispersion


@dataclass(frozen=True)
class Dispersion:
    """Pooled Pearson dispersion of a Poisson model with one rate per area and group of months.

    phi = x2 / df (NaN when df = 0); p = P(chi2_df > x2); overdispersed = phi > 1 and p < 0.05.
    """

    phi: float
    x2: float
    df: int
    p: float
    n_areas: int
    n_months: int

    @property
    def estimable(self) -> bool:
        return self.df > 0

    @property
    def overdispersed(self) -> bool:
        return bool(self.estimable and self.phi > 1 and self.p < _DISPERSION_ALPHA)

    def describe(self) -> str:
        if not self.estimable:
            return ("dispersion not estimable: each group of months has a single month (pass months of a longer "
                    "window to estimate it)")
        verdict = "overdispersed" if self.overdispersed else "no significant overdispersion"
        p = "< 0.001" if self.p < 0.001 else f"= {self.p:.2g}"
        return (f"Pearson dispersion {self.phi:.2f} ({verdict}: X2 = {self.x2:,.1f} on {self.df:,} df, p {p}; "
                f"{self.n_areas:,} area{'s' if self.n_areas != 1 else ''} x {self.n_months} months)")


def pearson_dispersion(monthly_counts, monthly_days, period) -> Dispersion:
    """Pearson dispersion (module docstring) of areas' monthly counts.

    Parameters
    ----------
    monthly_counts : areas x months (or one series of months: the whole area)
    monthly_days : calendar days of each month
    period : group label of each month (e.g. "A" / "B"); one rate per area and label
    """
    y = _counts_matrix(monthly_counts, "monthly_counts")
    M = y.shape[1]
    d = _positive(monthly_days, "monthly_days", M)
    g_codes, g_uniques = pd.factorize(np.asarray(period, dtype=object))
    if len(g_codes) != M:
        raise ValueError(f"period has {len(g_codes)} labels but there are {M} months; pass one label per month")
    if (g_codes < 0).any():
        raise ValueError("period has missing labels; label every month (e.g. 'A' or 'B')")
    G = len(g_uniques)
    onehot = np.zeros((M, G))
    onehot[np.arange(M), g_codes] = 1.0
    group_count = y @ onehot  # areas x groups
    group_days = d @ onehot
    group_months = onehot.sum(axis=0)
    mu = (group_count / group_days)[:, g_codes] * d
    pos = mu > 0
    x2 = float((((y - mu) ** 2)[pos] / mu[pos]).sum())
    df = int(((group_count > 0) * (group_months - 1)).sum())
    if df > 0:
        phi = x2 / df
        p = float(stats.chi2.sf(x2, df))
    else:
        phi = p = float("nan")
    return Dispersion(phi=phi, x2=x2, df=df, p=p, n_areas=y.shape[0], n_months=M)


# --------------------------------------------------------------------------- input helpers


def _counts_matrix(x, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"{name} must be areas x months (2-D) or one series of months, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or (a < 0).any():
        raise ValueError(f"{name} must be finite, non-negative counts; fill missing months with 0 first")
    return a


def _positive(x, name: str, n: int) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers of days") from None
    if len(a) != n:
        raise ValueError(f"{name} has {len(a)} values but there are {n} months; pass the days of each month")
    if not np.all(np.isfinite(a)) or (a <= 0).any():
        raise ValueError(f"{name} must be positive numbers of days (e.g. 31 for January)")
    return a


def _days(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) \
            or value <= 0:
        raise ValueError(f"{name} must be a positive number of days (the length of the period), got {value!r}")
    return float(value)


def _counts(x, name: str, n: int | None = None) -> np.ndarray:
    try:
        a = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers of incidents") from None
    if n is not None and len(a) != n:
        raise ValueError(f"{name} has {len(a)} values but counts_a has {n}; pass one count per area in the same order")
    if not np.all(np.isfinite(a)) or (a < 0).any():
        raise ValueError(f"{name} must be finite, non-negative counts; fill missing areas with 0 first")
    return a


def _period_labels(d, monthly_period, days_a, days_b) -> np.ndarray:
    M = len(d)
    if monthly_period is None:
        split = np.flatnonzero(np.isclose(np.cumsum(d), days_a))
        if not len(split) or not np.isclose(d.sum() - days_a, days_b):
            raise ValueError(
                "cannot tell which months belong to period A and which to B from the days; pass monthly_period "
                "('A' or 'B' per month, other labels for extra months)"
            )
        return np.array(["A"] * (split[0] + 1) + ["B"] * (M - split[0] - 1), dtype=object)
    period = np.asarray(monthly_period, dtype=object)
    if period.shape != (M,):
        raise ValueError(f"monthly_period has {period.size} labels but there are {M} months; pass one label per month")
    return period


def _monthly_dispersion(monthly_counts, monthly_days, monthly_period, count_a, count_b, days_a, days_b,
                        per_area: bool):
    """Dispersion from monthly data, after checking that it adds up to the two periods' counts and days.

    per_area: rows must be the areas of count_a / count_b; otherwise (whole area) the rows are either
    one series of totals or the areas, whose column sums must give the totals.
    """
    y = _counts_matrix(monthly_counts, "monthly_counts")
    if monthly_days is None:
        raise ValueError("monthly_days is needed with monthly_counts (the calendar days of each month)")
    M = y.shape[1]
    d = _positive(monthly_days, "monthly_days", M)
    if per_area and y.shape[0] != len(count_a):
        raise ValueError(f"monthly_counts has {y.shape[0]} rows but there are {len(count_a)} areas; pass one row "
                         "per area, in the same order")
    period = _period_labels(d, monthly_period, days_a, days_b)
    in_a, in_b = period == "A", period == "B"
    if not in_a.any() or not in_b.any():
        raise ValueError("monthly_period must label the months of period A 'A' and those of period B 'B'")
    for mask, days, counts, label in ((in_a, days_a, count_a, "A"), (in_b, days_b, count_b, "B")):
        if not np.isclose(d[mask].sum(), days):
            raise ValueError(f"the months labelled {label} have {d[mask].sum():g} days but days_{label.lower()} is "
                             f"{days:g}; the monthly data must cover the same periods")
        got = y[:, mask].sum(axis=1) if per_area else np.array([y[:, mask].sum()])
        if not np.allclose(got, counts, rtol=1e-9, atol=1e-6):
            raise ValueError(f"the monthly counts of period {label} do not add up to count{'s' if per_area else ''}_"
                             f"{label.lower()}; pass the same areas and months in the same order")
    return pearson_dispersion(y, d, period)


def _choose_method(dispersion):
    """(method, phi, note) from the dispersion decision."""
    if dispersion is None:
        note = ("Dispersion not checked (no monthly counts given): the exact Poisson test assumes counts vary no more "
                "than Poisson, which monthly violence usually does, so p-values may be too small.")
        return EXACT, float("nan"), note
    if not isinstance(dispersion, Dispersion):
        raise ValueError(f"dispersion must be a Dispersion from pearson_dispersion(...), got {type(dispersion).__name__}")
    if dispersion.overdispersed:
        return QUASI, dispersion.phi, None
    if not dispersion.estimable:
        note = ("Dispersion could not be estimated (one month per period): the exact Poisson test is used, and "
                "p-values may be too small if counts vary more than Poisson.")
        return EXACT, float("nan"), note
    return EXACT, dispersion.phi, None


# --------------------------------------------------------------------------- the tests


def _exact(a, b, q, conf):
    """Two-sided exact conditional p and Clopper-Pearson CI of pi = b / (a + b), per element.

    p is the sum of Binomial(n, q) probabilities not above that of the observed b (times 1 + 1e-7,
    the relative tolerance of ``scipy.stats.binomtest``, whose two-sided p this equals), computed
    once per distinct n: sort the pmf, cumulate, look each b up.  CI: beta quantiles, as
    ``proportion_ci(method='exact')``.
    """
    if not (np.allclose(a, np.round(a)) and np.allclose(b, np.round(b))):
        raise ValueError("the exact test needs whole numbers of incidents; pass counts, not weighted sums "
                         "(or monthly counts, so overdispersed data get the quasi-Poisson test)")
    a, b = np.round(a).astype(np.int64), np.round(b).astype(np.int64)
    n = a + b
    p = np.full(len(a), np.nan)
    for nn in np.unique(n[n > 0]):
        sel = np.flatnonzero(n == nn)
        pmf = stats.binom.pmf(np.arange(nn + 1), nn, q)
        order = np.sort(pmf)
        cum = np.cumsum(order)
        idx = np.searchsorted(order, pmf[b[sel]] * (1 + 1e-7), side="right")
        p[sel] = cum[idx - 1]
    tail = (1 - conf) / 2
    pos = n > 0
    with np.errstate(invalid="ignore"):
        lo = np.where(b > 0, stats.beta.ppf(tail, b, n - b + 1), 0.0)
        hi = np.where(b < n, stats.beta.isf(tail, b + 1, n - b), 1.0)
    lo[~pos] = hi[~pos] = np.nan
    return np.minimum(p, 1.0), lo, hi


def _tests(a, b, da, db, method, phi, conf):
    """(rate ratio, ci_low, ci_high, p) per element; NaN p where a + b == 0."""
    q = db / (da + db)
    expo = da / db
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where(a > 0, (b / db) / np.where(a > 0, a / da, 1.0), np.where(b > 0, np.inf, np.nan))
    zc = stats.norm.isf((1 - conf) / 2)
    if method == EXACT:
        p, lo_pi, hi_pi = _exact(a, b, q, conf)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(lo_pi < 1, lo_pi / (1 - lo_pi), np.inf) * expo
            hi = np.where(hi_pi < 1, hi_pi / (1 - hi_pi), np.inf) * expo
        return rr, lo, hi, p
    n = a + b
    both = (a > 0) & (b > 0)
    one = (n > 0) & ~both
    p = np.full(len(a), np.nan)
    lo = np.full(len(a), np.nan)
    hi = np.full(len(a), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(b) - np.log(a) + np.log(expo)
        se = np.sqrt(phi * (1 / a + 1 / b))
        p[both] = erfc(np.abs(log_rr[both] / se[both]) / np.sqrt(2.0))
        lo[both] = np.exp(log_rr[both] - zc * se[both])
        hi[both] = np.exp(log_rr[both] + zc * se[both])
        # one count zero: quasi-score test; Haldane (+0.5) Wald bound for the finite end of the CI
        score = (b - n * q) ** 2 / (n * q * (1 - q)) / phi
        p[one] = erfc(np.sqrt(score[one] / 2.0))
        log_h = np.log(b + 0.5) - np.log(a + 0.5) + np.log(expo)
        se_h = np.sqrt(phi * (1 / (a + 0.5) + 1 / (b + 0.5)))
    zero_b = one & (b == 0)
    zero_a = one & (a == 0)
    lo[zero_b], hi[zero_b] = 0.0, np.exp(log_h[zero_b] + zc * se_h[zero_b])
    lo[zero_a], hi[zero_a] = np.exp(log_h[zero_a] - zc * se_h[zero_a]), np.inf
    return rr, lo, hi, p


def _method_text(method, phi, dispersion) -> str:
    if method == QUASI:
        return f"quasi-Poisson, dispersion {phi:.1f}"
    if dispersion is not None and dispersion.estimable:
        return f"exact Poisson test, no overdispersion found (dispersion {phi:.1f})"
    if dispersion is not None:
        return "exact Poisson test, dispersion not estimable"
    return "exact Poisson test, dispersion not checked"


def _p_text(p) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


class AreaPeriodChange:
    """Per-area change between period A (earlier) and period B (later), per day.

    Parameters
    ----------
    counts_a, counts_b : incidents per area in A and in B (same order; a Series gives the ids)
    days_a, days_b : calendar days of each period (the same for every area)
    ids : area ids (default: the index of counts_a if a Series, else 0..n-1)
    monthly_counts, monthly_days, monthly_period : the areas' monthly counts (areas x months),
        each month's days and its group ("A", "B", or other labels for extra months); without
        monthly_period the months are split by days (the first months making d_A are A, the rest B).
        Used to estimate the dispersion (module docstring).
    dispersion : a ready Dispersion (e.g. from a longer window) instead of monthly data
    alpha : FDR level (or raw level with fdr=False);  conf_level : for the CIs (default 0.95)

    Attributes
    ----------
    ids, count_a, count_b, days_a, days_b, rate_a, rate_b (per day), rate_ratio, pct_change,
    ci_low, ci_high (rate ratio), p (NaN where no incidents), significant, classes (from
    ``CHANGE_CLASSES``), tested (A + B > 0), method ("quasi-Poisson" | "exact"), phi (NaN if not
    estimated), dispersion (Dispersion or None), method_basis (sentence), notes, parameters
    """

    def __init__(self, counts_a, counts_b, days_a, days_b, ids=None, *, monthly_counts=None, monthly_days=None,
                 monthly_period=None, dispersion=None, alpha: float = 0.05, fdr: bool = True,
                 conf_level: float = 0.95):
        if ids is None:
            ids = counts_a.index if isinstance(counts_a, pd.Series) else pd.RangeIndex(len(np.atleast_1d(counts_a)))
        if isinstance(counts_a, pd.Series) and isinstance(counts_b, pd.Series) and not counts_a.index.equals(counts_b.index):
            raise ValueError("counts_a and counts_b are indexed differently; pass counts_b.reindex(counts_a.index)")
        a = _counts(counts_a, "counts_a")
        b = _counts(counts_b, "counts_b", len(a))
        self.ids = pd.Index(ids)
        if len(self.ids) != len(a):
            raise ValueError(f"{len(self.ids)} ids for {len(a)} areas; pass one id per area")
        da, db = _days(days_a, "days_a"), _days(days_b, "days_b")
        alpha = _inputs.check_fraction(alpha, "alpha")
        conf_level = _inputs.check_fraction(conf_level, "conf_level")
        if not isinstance(fdr, (bool, np.bool_)):
            raise ValueError(f"fdr must be True or False, got {fdr!r}")
        if monthly_counts is not None:
            if dispersion is not None:
                raise ValueError("pass monthly_counts or dispersion, not both")
            dispersion = _monthly_dispersion(monthly_counts, monthly_days, monthly_period, a, b, da, db, per_area=True)
        method, phi, note = _choose_method(dispersion)
        rr, lo, hi, p = _tests(a, b, da, db, method, phi, conf_level)

        self.count_a, self.count_b, self.days_a, self.days_b = a, b, da, db
        self.rate_a, self.rate_b = a / da, b / db
        self.rate_ratio = rr
        with np.errstate(invalid="ignore"):
            self.pct_change = 100.0 * (rr - 1.0)
        self.ci_low, self.ci_high, self.p = lo, hi, p
        self.tested = tested = (a + b) > 0
        sig = np.zeros(len(a), dtype=bool)
        if tested.any():
            sig[tested] = benjamini_hochberg(p[tested], alpha) if fdr else p[tested] <= alpha
        self.significant = sig
        classes = np.full(len(a), "no evidence of change", dtype=object)
        classes[sig & (rr > 1)] = "significantly up"
        classes[sig & (rr < 1)] = "significantly down"
        classes[~tested] = "no incidents"
        self.classes = classes
        self.method, self.phi, self.dispersion = method, phi, dispersion
        self.alpha, self.fdr, self.conf_level = alpha, bool(fdr), conf_level
        self.notes = [note] if note else []
        test = ("quasi-Poisson Wald test on the log rate ratio, variance phi (1/A + 1/B)" if method == QUASI
                else "exact conditional binomial test of B given A + B")
        corr = (f"Benjamini-Hochberg FDR at {alpha:g} across {int(tested.sum()):,} areas with incidents" if fdr
                else f"raw p <= {alpha:g}, no multiple-testing correction")
        disp = dispersion.describe() if dispersion is not None else "dispersion not checked"
        self.method_basis = f"rate per day, {test}; {corr}; {disp}"
        self.parameters = {"days_a": da, "days_b": db, "alpha": alpha, "fdr": self.fdr, "conf_level": conf_level,
                           "method": method, "phi": phi, "n_areas": len(a)}

    def to_frame(self) -> pd.DataFrame:
        """One row per area: area_code, count_a, count_b, rate_ratio, pct_change, ci_low, ci_high, p, change."""
        return pd.DataFrame({
            "area_code": self.ids.to_numpy(),
            "count_a": self.count_a,
            "count_b": self.count_b,
            "rate_ratio": self.rate_ratio,
            "pct_change": self.pct_change,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p": self.p,
            "change": pd.Categorical(self.classes, categories=list(CHANGE_CLASSES)),
        })

    def class_counts(self) -> pd.Series:
        """Areas per class, in ``CHANGE_CLASSES`` order (zeros included)."""
        return pd.Series(self.classes).value_counts().reindex(list(CHANGE_CLASSES), fill_value=0).rename("areas")

    def metadata(self) -> dict:
        return {"method": self.method_basis, "method_used": self.method,
                "dispersion": "not estimated" if np.isnan(self.phi) else f"{self.phi:.3f}",
                "periods": f"A: {self.days_a:g} days, B: {self.days_b:g} days",
                "confidence": f"{self.conf_level:.0%} intervals for the rate ratio", "notes": " ".join(self.notes)}

    def __repr__(self) -> str:
        c = self.class_counts()
        return (f"AreaPeriodChange(n={len(self.ids)}, up={c.iloc[0]}, down={c.iloc[1]}, method={self.method!r}, "
                f"phi={self.phi:.2f})")


class PeriodChange:
    """Whole-area change between period A (earlier) and B (later), per day, for one headline sentence.

    Attributes
    ----------
    count_a, count_b, days_a, days_b, rate_a, rate_b (per day), rate_ratio, pct_change (per day;
    None when A has no incidents), ci (rate-ratio interval), ci_pct (the same as % change), p
    (None when both are zero), significant (p < alpha), method ("quasi-Poisson" | "exact"), phi,
    dispersion, notes, sentence
    """

    def __init__(self, count_a, count_b, days_a, days_b, *, monthly_counts=None, monthly_days=None,
                 monthly_period=None, dispersion=None, alpha: float = 0.05, conf_level: float = 0.95):
        a = _counts(count_a, "count_a")
        b = _counts(count_b, "count_b")
        if len(a) != 1 or len(b) != 1:
            raise ValueError("count_a and count_b must be single numbers (whole-area totals); use AreaPeriodChange per area")
        da, db = _days(days_a, "days_a"), _days(days_b, "days_b")
        self.alpha = _inputs.check_fraction(alpha, "alpha")
        self.conf_level = _inputs.check_fraction(conf_level, "conf_level")
        if monthly_counts is not None:
            if dispersion is not None:
                raise ValueError("pass monthly_counts or dispersion, not both")
            dispersion = _monthly_dispersion(monthly_counts, monthly_days, monthly_period, a, b, da, db, per_area=False)
        method, phi, note = _choose_method(dispersion)
        rr, lo, hi, p = _tests(a, b, da, db, method, phi, self.conf_level)
        self.count_a, self.count_b = float(a[0]), float(b[0])
        self.days_a, self.days_b = da, db
        self.rate_a, self.rate_b = self.count_a / da, self.count_b / db
        self.rate_ratio = float(rr[0])
        self.pct_change = 100.0 * (self.rate_ratio - 1.0) if self.count_a > 0 else None
        self.ci = (float(lo[0]), float(hi[0]))
        self.ci_pct = tuple(100.0 * (x - 1.0) for x in self.ci)
        self.p = None if np.isnan(p[0]) else float(p[0])
        self.significant = self.p is not None and self.p < self.alpha
        self.method, self.phi, self.dispersion = method, phi, dispersion
        self.notes = [note] if note else []
        self.sentence = self._sentence()

    def _sentence(self) -> str:
        if self.count_a == 0 and self.count_b == 0:
            return "No incidents in either period."
        how = f"{_p_text(self.p)}; {_method_text(self.method, self.phi, self.dispersion)}"
        if self.count_a == 0:
            return f"No incidents in the previous period to compare with ({self.count_b:,.0f} in this one; {how})."
        verdict = "more than chance would explain" if self.significant else "within what chance alone produces"
        pct = self.pct_change
        if abs(pct) < 0.5:
            head = "Unchanged per day on the previous period"
        else:
            head = f"{'Up' if pct > 0 else 'Down'} {abs(pct):.0f} % per day on the previous period"
        return f"{head} — {verdict} ({how})."

    def to_dict(self) -> dict:
        keys = ("count_a", "count_b", "days_a", "days_b", "rate_a", "rate_b", "rate_ratio", "pct_change", "ci",
                "ci_pct", "p", "significant", "method", "phi", "sentence")
        out = {k: getattr(self, k) for k in keys}
        out["phi"] = None if np.isnan(self.phi) else self.phi
        out["dispersion"] = self.dispersion.describe() if self.dispersion is not None else "not checked"
        out["notes"] = " ".join(self.notes)
        return out

    def __repr__(self) -> str:
        return f"PeriodChange({self.sentence!r})"


def compare_totals(count_a, count_b, days_a, days_b, monthly_counts=None, monthly_days=None, *, monthly_period=None,
                   dispersion=None, alpha: float = 0.05, conf_level: float = 0.95) -> PeriodChange:
    """Whole-area change from period A (previous) to B (this one), per day: a :class:`PeriodChange`.

    ``monthly_counts`` is either the area's monthly totals over both periods (one series) or the
    areas' monthly counts (areas x months, pooled dispersion); with ``monthly_days`` it decides
    between quasi-Poisson and the exact test (module docstring).  Example: 100 incidents in January
    (31 days) and 104 in February (28 days) is +15 % per day, not +4 %.

    Which to pass: the areas' matrix gives many degrees of freedom, but its pooled phi describes
    area-level extra variation; months that rise and fall together across areas (weather, events)
    make the total vary more still, which only the total's own series shows (with few df: months - 2).
    """
    return PeriodChange(count_a, count_b, days_a, days_b, monthly_counts=monthly_counts, monthly_days=monthly_days,
                        monthly_period=monthly_period, dispersion=dispersion, alpha=alpha, conf_level=conf_level)

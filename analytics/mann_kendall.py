"""Mann-Kendall test for a monotonic trend, for one series or for the rows of a matrix at once.

For a series x_1 .. x_n (in time order)::

    S     = sum_{i<j} sign(x_j - x_i)
    Var S = [n (n - 1) (2n + 5) - sum_t t (t - 1) (2t + 5)] / 18      (t: sizes of the groups of tied values)
    z     = (S - 1) / sqrt(Var S)  if S > 0,   0 if S = 0,   (S + 1) / sqrt(Var S)  if S < 0   (continuity correction)
    p     = 2 * (1 - Phi(|z|))                                                             (two-sided, normal)
    tau   = S / (n (n - 1) / 2)                                                            (Kendall's tau-a)
    slope = median over i<j of (x_j - x_i) / (j - i)                                      (Sen / Theil-Sen)
    intercept = median(x) - (n - 1) / 2 * slope                                           (Conover)

trend = "increasing" if p < alpha and z > 0, "decreasing" if p < alpha and z < 0, else "no trend".
These are the definitions of ``pymannkendall.original_test`` (Mann 1945, Kendall 1975, Gilbert
1987); a series with every value equal has Var S = 0 and gets z = 0, p = 1.  The p-value is
computed as erfc(|z| / sqrt 2), the same number without the cancellation of 1 - Phi for large |z|.

With few values the test can never reject: the most extreme series (strictly monotonic) has
z = (S_max - 1) / sqrt(Var S); :func:`min_p_value` gives that smallest attainable p (n = 4: 0.089,
so no trend is ever significant at 0.05 with four steps; n = 5: 0.027).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import erfc

__all__ = ["MannKendall", "MannKendallRows", "mann_kendall_rows", "min_p_value", "TRENDS"]

TRENDS = ("increasing", "decreasing", "no trend")

_PAIR_BUDGET = 4_000_000  # pairwise slopes held in memory at once by the vectorised Sen's slope


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1 (e.g. 0.05), got {alpha!r}")
    return float(alpha)


def _as_matrix(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers; convert it first, e.g. pd.to_numeric(..., errors='coerce')") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix (one series per row, time along the columns), got shape {arr.shape}")
    if arr.shape[1] < 3:
        raise ValueError(
            f"the Mann-Kendall test needs at least 3 time steps, got {arr.shape[1]}; use a longer period or a shorter step"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite values (rows {rows[:3].tolist()}); fill or drop them first"
        )
    return arr


def _variance_without_ties(n: int) -> float:
    return n * (n - 1) * (2 * n + 5) / 18.0


def _z_from_s(s, var_s):
    s = np.asarray(s, dtype=float)
    var_s = np.asarray(var_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(var_s)
        z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    return np.where(var_s > 0, z, 0.0)


def _p_from_z(z):
    return erfc(np.abs(z) / np.sqrt(2.0))


def _trend_labels(z, p, alpha):
    h = p < alpha
    out = np.full(np.shape(z), "no trend", dtype=object)
    out[h & (z > 0)] = "increasing"
    out[h & (z < 0)] = "decreasing"
    return out, h & (z != 0)


def min_p_value(n: int) -> float:
    """Smallest two-sided p the test can give with ``n`` values (a strictly monotonic series, no ties)."""
    if n < 2:
        return 1.0
    s = n * (n - 1) / 2
    return float(_p_from_z((s - 1) / np.sqrt(_variance_without_ties(n))))


class MannKendallRows:
    """Mann-Kendall results for the rows of an m x n matrix (see :func:`mann_kendall_rows`).

    Attributes (arrays of length m)
    ----------
    s, var_s, z, p, tau, trend (labels from ``TRENDS``), h (significant at alpha),
    slope, intercept (None unless computed), n (series length), alpha
    """

    def __init__(self, s, var_s, z, p, tau, trend, h, slope, intercept, n, alpha):
        self.s, self.var_s, self.z, self.p, self.tau = s, var_s, z, p, tau
        self.trend, self.h, self.slope, self.intercept = trend, h, slope, intercept
        self.n, self.alpha = n, alpha

    def __len__(self) -> int:
        return len(self.s)

    def to_frame(self, index=None) -> pd.DataFrame:
        cols = {"s": self.s, "var_s": self.var_s, "z": self.z, "p": self.p, "tau": self.tau, "trend": self.trend}
        if self.slope is not None:
            cols.update(slope=self.slope, intercept=self.intercept)
        return pd.DataFrame(cols, index=index)

    def __repr__(self) -> str:
        t = pd.Series(self.trend).value_counts().reindex(list(TRENDS), fill_value=0)
        return f"MannKendallRows(m={len(self)}, n={self.n}, " + ", ".join(f"{k}={v}" for k, v in t.items()) + ")"


def mann_kendall_rows(x, alpha: float = 0.05, slope: bool = True) -> MannKendallRows:
    """Mann-Kendall test on every row of ``x`` (m series x n time steps), vectorised.

    S is accumulated lag by lag (n - 1 array operations of size m x (n - k)); tie groups come from
    one row-wise sort; Sen's slope (``slope=True``) is the row median of the n (n - 1) / 2 pairwise
    slopes, computed in row blocks to bound memory.  35,000 x 36 takes well under a second without
    the slope.  Results equal ``pymannkendall.original_test`` row by row.
    """
    alpha = _check_alpha(alpha)
    x = _as_matrix(x, "x")
    m, n = x.shape
    s = np.zeros(m)
    for k in range(1, n):
        s += np.sign(x[:, k:] - x[:, :-k]).sum(axis=1)
    # tie correction: run lengths of equal values in each sorted row
    srt = np.sort(x, axis=1)
    new_run = np.ones((m, n), dtype=bool)
    new_run[:, 1:] = srt[:, 1:] != srt[:, :-1]
    flat = new_run.ravel()
    run_id = np.cumsum(flat) - 1
    t = np.bincount(run_id).astype(float)
    run_row = np.flatnonzero(flat) // n
    ties = np.bincount(run_row, weights=t * (t - 1) * (2 * t + 5), minlength=m)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    z = _z_from_s(s, var_s)
    p = _p_from_z(z)
    tau = s / (n * (n - 1) / 2.0)
    trend, h = _trend_labels(z, p, alpha)
    sl = ic = None
    if slope:
        sl, ic = _sen_rows(x)
    return MannKendallRows(s, var_s, z, p, tau, trend, h, sl, ic, n, alpha)


def _sen_rows(x):
    m, n = x.shape
    i, j = np.triu_indices(n, k=1)
    gap = (j - i).astype(float)
    out = np.empty(m)
    step = max(1, _PAIR_BUDGET // len(i))
    for a in range(0, m, step):
        block = x[a : a + step]
        out[a : a + step] = np.median((block[:, j] - block[:, i]) / gap, axis=1)
    intercept = np.median(x, axis=1) - (n - 1) / 2.0 * out
    return out, intercept


class MannKendall:
    """Mann-Kendall trend test of one series (time order = array order).

    Parameters
    ----------
    x : 1-D numbers, at least 3, no missing values
    alpha : significance level for ``trend`` / ``h`` (two-sided)

    Attributes
    ----------
    n, s, var_s (tie-corrected), z (continuity-corrected), p (two-sided normal), tau (tau-a),
    trend ("increasing" / "decreasing" / "no trend"), h (bool: p < alpha), slope (Sen),
    intercept, alpha.  Formulas in the module docstring.
    """

    def __init__(self, x, alpha: float = 0.05):
        if isinstance(x, pd.DataFrame):
            raise ValueError(f"x must be one series, got a DataFrame with {x.shape[1]} columns; pass df['column']")
        arr = np.asarray(x, dtype=float) if not isinstance(x, str) else None
        if arr is None or arr.ndim != 1:
            raise ValueError(f"x must be a 1-D series of numbers, got {type(x).__name__} of shape {np.shape(x)}")
        r = mann_kendall_rows(arr[None, :], alpha=alpha, slope=True)
        self.n = len(arr)
        self.alpha = r.alpha
        self.s = float(r.s[0])
        self.var_s = float(r.var_s[0])
        self.z = float(r.z[0])
        self.p = float(r.p[0])
        self.tau = float(r.tau[0])
        self.trend = str(r.trend[0])
        self.h = bool(r.h[0])
        self.slope = float(r.slope[0])
        self.intercept = float(r.intercept[0])

    def to_dict(self) -> dict:
        keys = ("n", "s", "var_s", "z", "p", "tau", "trend", "h", "slope", "intercept", "alpha")
        return {k: getattr(self, k) for k in keys}

    def __repr__(self) -> str:
        return (f"MannKendall(n={self.n}, S={self.s:g}, z={self.z:.3f}, p={self.p:.3g}, tau={self.tau:.3f}, "
                f"trend={self.trend!r}, slope={self.slope:.4g})")

"""Multiple-testing control for area-level tests."""

from __future__ import annotations

import numpy as np

__all__ = ["benjamini_hochberg"]


def benjamini_hochberg(p, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg step-up procedure: which hypotheses are rejected at FDR ``alpha``.

    Sort the m p-values, find the largest rank r with p_(r) <= r * alpha / m
    and reject the r smallest.  Equivalent to
    ``scipy.stats.false_discovery_control(p) <= alpha``.

    Parameters
    ----------
    p : array-like of p-values in [0, 1] (any shape; NaN is not allowed)
    alpha : false discovery rate, 0 < alpha < 1

    Returns
    -------
    numpy.ndarray of bool, same shape as ``p``: True where rejected.
    """
    p = np.asarray(p, dtype=float)
    if not (isinstance(alpha, (int, float, np.floating)) and 0 < float(alpha) < 1):
        raise ValueError(f"alpha must be a number strictly between 0 and 1, got {alpha!r}")
    if p.size == 0:
        return np.zeros(p.shape, dtype=bool)
    if np.isnan(p).any():
        raise ValueError(f"{int(np.isnan(p).sum())} p-values are NaN; drop or fill them before applying the FDR correction")
    if (p < 0).any() or (p > 1).any():
        raise ValueError("p-values must lie in [0, 1]; got values outside that range")
    flat = p.ravel()
    m = flat.size
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    below = ranked <= alpha * np.arange(1, m + 1) / m
    reject = np.zeros(m, dtype=bool)
    if below.any():
        r = np.flatnonzero(below)[-1]
        reject[order[: r + 1]] = True
    return reject.reshape(p.shape)

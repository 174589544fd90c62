"""Hot-spot stability between two consecutive periods, and how well period A's hot spots predict B.

Given hot-spot flags per area for period A (earlier) and period B (later)::

    still hot   = hot in A and in B            share still hot = still hot / hot in A
    new         = hot in B, not in A           ceased          = hot in A, not in B
    Jaccard     = still hot / (hot in A or B)

With period B's incident counts per area, the hit rate of A's hot spots is the share of B's
incidents inside them; with each area's size (m2) too, PAI and PEI of A's hot spots on B's
incidents (analytics.accuracy.HotspotAccuracy: PAI = hit rate / area share, PEI = captured /
the most any selection of the same total area could have captured).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .accuracy import HotspotAccuracy

__all__ = ["HotspotStability", "STABILITY_STATUSES", "stability_over_steps"]

STABILITY_STATUSES = ("still hot", "new", "ceased", "not hot")


def _flags(x, name: str, n: int | None = None) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != bool:
        if a.dtype.kind in "iuf" and np.isin(a, (0, 1)).all():
            a = a.astype(bool)
        else:
            raise ValueError(f"{name} must be True/False per area (e.g. gi.classes starting with 'Hot spot')")
    if a.ndim != 1:
        raise ValueError(f"{name} must be one flag per area (1-D), got shape {a.shape}")
    if n is not None and len(a) != n:
        raise ValueError(f"{name} has {len(a)} flags but hot_a has {n}; pass one flag per area in the same order")
    return a


def _share(num, den) -> float:
    return num / den if den else float("nan")


class HotspotStability:
    """How many of period A's hot spots are still hot in period B, and how well they predict B.

    Parameters
    ----------
    hot_a, hot_b : bool per area (Series are aligned by index when both are Series)
    counts_b : optional period-B incidents per area, for hit rate (and PAI / PEI with area_m2)
    area_m2 : optional area of each unit in m2, for PAI and PEI
    ids : area ids (default: the index of hot_a if a Series, else 0..n-1)

    Attributes
    ----------
    n_areas, n_hot_a, n_hot_b, n_still_hot, share_still_hot (of A's hot spots, NaN if none),
    n_new, n_ceased, jaccard, status (per area, from ``STABILITY_STATUSES``),
    hit_rate (None without counts_b), accuracy (HotspotAccuracy or None: pai, pei, ...),
    pai, pei (None without area_m2)
    """

    def __init__(self, hot_a, hot_b, counts_b=None, area_m2=None, ids=None):
        if isinstance(hot_a, pd.Series) and isinstance(hot_b, pd.Series) and not hot_a.index.equals(hot_b.index):
            if set(hot_a.index) != set(hot_b.index):
                raise ValueError("hot_a and hot_b cover different areas; pass flags for the same areas")
            hot_b = hot_b.reindex(hot_a.index)
        if ids is None:
            ids = hot_a.index if isinstance(hot_a, pd.Series) else pd.RangeIndex(len(np.asarray(hot_a)))
        a = _flags(hot_a, "hot_a")
        b = _flags(hot_b, "hot_b", len(a))
        self.ids = pd.Index(ids)
        if len(self.ids) != len(a):
            raise ValueError(f"{len(self.ids)} ids for {len(a)} areas; pass one id per area")
        self.hot_a, self.hot_b = a, b
        self.n_areas = len(a)
        self.n_hot_a, self.n_hot_b = int(a.sum()), int(b.sum())
        self.n_still_hot = int((a & b).sum())
        self.n_new = int((b & ~a).sum())
        self.n_ceased = int((a & ~b).sum())
        self.share_still_hot = _share(self.n_still_hot, self.n_hot_a)
        self.jaccard = _share(self.n_still_hot, int((a | b).sum()))
        status = np.full(len(a), "not hot", dtype=object)
        status[a & b] = "still hot"
        status[b & ~a] = "new"
        status[a & ~b] = "ceased"
        self.status = status

        self.hit_rate = self.pai = self.pei = self.accuracy = None
        self.n_captured = self.n_total_b = None
        if area_m2 is not None and counts_b is None:
            raise ValueError("area_m2 is used with counts_b (period B's incidents per area); pass both for PAI and PEI")
        if counts_b is not None:
            if isinstance(counts_b, pd.Series) and isinstance(hot_a, pd.Series) and not counts_b.index.equals(self.ids):
                counts_b = counts_b.reindex(self.ids)
            c = np.asarray(counts_b, dtype=float).ravel()
            if len(c) != len(a):
                raise ValueError(f"counts_b has {len(c)} values but there are {len(a)} areas; pass one count per area")
            if not np.all(np.isfinite(c)) or (c < 0).any():
                raise ValueError("counts_b must be finite, non-negative counts; fill missing areas with 0")
            self.n_captured, self.n_total_b = float(c[a].sum()), float(c.sum())
            self.hit_rate = _share(self.n_captured, self.n_total_b)
            if area_m2 is not None:
                self.accuracy = HotspotAccuracy(a, c, area_m2)
                self.pai, self.pei = self.accuracy.pai, self.accuracy.pei

    def summary(self) -> str:
        """One sentence, e.g. 'Of 120 hot spots in period A, 84 (70 %) were still hot in period B; 30 new, 36 ceased.'"""
        if not self.n_hot_a:
            text = f"No hot spots in period A; {self.n_new:,} in period B."
        else:
            text = (f"Of {self.n_hot_a:,} hot spot{'s' if self.n_hot_a != 1 else ''} in period A, {self.n_still_hot:,} "
                    f"({self.share_still_hot:.0%}) {'were' if self.n_still_hot != 1 else 'was'} still hot in period B; "
                    f"{self.n_new:,} new, {self.n_ceased:,} ceased.")
        if self.hit_rate is not None and self.n_hot_a and self.n_total_b:
            text += f" They held {self.hit_rate:.0%} of period B's incidents"
            if self.pai is not None and np.isfinite(self.pai):
                text += f" (PAI {self.pai:.1f}, PEI {self.pei:.2f})"
            text += "."
        return text

    def status_counts(self) -> pd.Series:
        return pd.Series(self.status).value_counts().reindex(list(STABILITY_STATUSES), fill_value=0).rename("areas")

    def to_dict(self) -> dict:
        keys = ("n_areas", "n_hot_a", "n_hot_b", "n_still_hot", "share_still_hot", "n_new", "n_ceased", "jaccard",
                "n_captured", "n_total_b", "hit_rate", "pai", "pei")
        out = {}
        for k in keys:
            v = getattr(self, k)
            out[k] = None if isinstance(v, float) and np.isnan(v) else v
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per area: area_code, hot_a, hot_b, status."""
        return pd.DataFrame({"area_code": self.ids.to_numpy(), "hot_a": self.hot_a, "hot_b": self.hot_b,
                             "status": pd.Categorical(self.status, categories=list(STABILITY_STATUSES))})

    def __repr__(self) -> str:
        return (f"HotspotStability(hot_a={self.n_hot_a}, hot_b={self.n_hot_b}, still_hot={self.n_still_hot}, "
                f"new={self.n_new}, ceased={self.n_ceased})")


def stability_over_steps(hot, counts=None, area_m2=None, steps=None) -> pd.DataFrame:
    """:class:`HotspotStability` for each pair of consecutive steps of a hot matrix (areas x steps),
    e.g. ``EmergingHotSpots.hot``; one row per pair (period_a, period_b, counts, shares, hit rate, PAI, PEI).
    ``counts`` (areas x steps) gives each later step's incidents."""
    h = np.asarray(hot)
    if h.ndim != 2 or h.dtype != bool:
        raise ValueError("hot must be a True/False matrix, areas x steps")
    T = h.shape[1]
    if T < 2:
        raise ValueError("need at least 2 steps to compare consecutive periods")
    labels = [str(s) for s in steps] if steps is not None else [str(t + 1) for t in range(T)]
    if len(labels) != T:
        raise ValueError(f"{len(labels)} step labels for {T} steps")
    c = None if counts is None else np.asarray(counts, dtype=float)
    if c is not None and c.shape != h.shape:
        raise ValueError(f"counts must have the shape of hot {h.shape}, got {c.shape}")
    rows = []
    for t in range(1, T):
        s = HotspotStability(h[:, t - 1], h[:, t], None if c is None else c[:, t], area_m2)
        rows.append({"period_a": labels[t - 1], "period_b": labels[t], **s.to_dict()})
    return pd.DataFrame(rows)

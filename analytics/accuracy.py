"""Out-of-sample accuracy of hotspot maps: hit rate, PAI and PEI.

Hotspots are chosen on period 1 and judged on the incidents of period 2, in
the same units (LSOAs or grid cells), each with an area in m2.

- **Hit rate** = n / N: share of period-2 incidents inside flagged units.
- **PAI** (Chainey, Tompson & Uhlig 2008) = (n / N) / (a / A): hit rate per
  share of the area flagged.  1 = no better than flagging at random.
- **PEI** (Hunt 2016, equal-area variant) = PAI / PAI_max, where PAI_max is the
  PAI of the best possible selection of the *same total area* a, chosen with
  hindsight from period-2 counts.  PEI = n / n_max, between 0 and 1.
  n_max is computed by ranking units by period-2 density (incidents / area)
  and filling area a, taking the last unit fractionally (the fractional
  knapsack bound).  With equal-area units (a grid) and a whole number of
  flagged cells this is exactly the top-k cells; with unequal units (LSOAs) it
  is an upper bound on what whole units could achieve, so the PEI reported is
  a conservative (slightly low) value.  This is not the PEI* variant of
  White, Hunt & Green (2023), which is not implemented here.

PAI is sensitive to the size of the flagged area (smaller areas score higher),
so methods must be compared at equal area: :func:`compare_at_equal_area`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "EqualAreaComparison",
    "HotspotAccuracy",
    "compare_at_equal_area",
    "evaluate_hotspots",
    "max_capturable",
    "select_top_by_area",
]


def _values(v, name: str, n: int | None = None) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if n is not None and len(a) != n:
        raise ValueError(f"{name} has {len(a)} values but there are {n} units; pass one per unit in the same order")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains missing values; fill them (0 incidents, or the unit's area) first")
    if np.any(a < 0):
        raise ValueError(f"{name} must be non-negative")
    return a


def _mask(flagged, n: int, index=None, name: str = "flagged") -> np.ndarray:
    arr = np.asarray(flagged)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(
                f"{name} is a boolean mask of length {len(arr)} but there are {n} units; "
                "pass one True/False per unit in the same order"
            )
        return arr
    if index is not None:
        m = index.isin(list(arr.ravel()))
        missing = len(set(arr.ravel().tolist()) - set(index[m].tolist()))
        if missing:
            raise ValueError(f"{missing} {name} labels are not in the counts index; check the unit codes")
        return np.asarray(m)
    raise ValueError(
        f"{name} must be a boolean mask (one per unit) or, when counts is a pandas Series, "
        "a list of its index labels"
    )


def max_capturable(counts, area_m2, target_area_m2: float) -> float:
    """Most period-2 incidents any selection of total area ``target_area_m2`` could hold.

    Fractional-knapsack bound: units by density (count/area) descending, the
    last one taken in proportion to the area left.  Exact for equal-area units
    when the target is a whole number of units.
    """
    c = np.asarray(counts, dtype=float)
    a = np.asarray(area_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dens = np.where(a > 0, c / a, np.where(c > 0, np.inf, 0.0))
    order = np.argsort(-dens, kind="stable")
    ca = np.cumsum(a[order])
    cc = np.cumsum(c[order])
    tol = 1e-9 * max(float(a.sum()), 1.0)
    k = int(np.searchsorted(ca, target_area_m2 + tol, side="right"))  # whole units that fit
    got = cc[k - 1] if k > 0 else 0.0
    used = ca[k - 1] if k > 0 else 0.0
    if k < len(order):
        left = target_area_m2 - used
        nxt = order[k]
        if left > tol and a[nxt] > 0:
            got += c[nxt] * min(left / a[nxt], 1.0)
    return float(got)


class HotspotAccuracy:
    """Accuracy of one set of flagged units against period-2 counts.

    Attributes
    ----------
    hit_rate : n / N (0-1).
    pai : (n / N) / (a / A).
    pei : PAI / PAI_max = n / n_max (equal-area PEI, see module docstring).
    pai_max, n_max : best achievable with the same flagged area.
    n_captured (n), n_total (N), flagged_area_m2 (a), total_area_m2 (A),
    area_share (a / A), n_flagged (units flagged), n_units.
    """

    def __init__(self, flagged, counts_period2, area_m2):
        index = counts_period2.index if isinstance(counts_period2, pd.Series) else None
        c = _values(counts_period2, "counts_period2")
        a = _values(area_m2, "area_m2", len(c))
        m = _mask(flagged, len(c), index)
        N = float(c.sum())
        A = float(a.sum())
        if A <= 0:
            raise ValueError("total area is zero; pass each unit's area in m2 (e.g. gdf.geometry.area)")
        self.n_units = int(len(c))
        self.n_flagged = int(m.sum())
        self.n_captured = float(c[m].sum())
        self.n_total = N
        self.flagged_area_m2 = float(a[m].sum())
        self.total_area_m2 = A
        self.area_share = self.flagged_area_m2 / A
        self.hit_rate = self.n_captured / N if N > 0 else float("nan")
        self.pai = self.hit_rate / self.area_share if self.area_share > 0 else float("nan")
        self.n_max = max_capturable(c, a, self.flagged_area_m2)
        self.pai_max = (self.n_max / N) / self.area_share if N > 0 and self.area_share > 0 else float("nan")
        self.pei = self.n_captured / self.n_max if self.n_max > 0 else float("nan")

    def to_dict(self) -> dict:
        keys = ["n_units", "n_flagged", "n_captured", "n_total", "flagged_area_m2", "total_area_m2",
                "area_share", "hit_rate", "pai", "n_max", "pai_max", "pei"]
        return {k: (None if isinstance(getattr(self, k), float) and np.isnan(getattr(self, k))
                    else getattr(self, k)) for k in keys}

    def __repr__(self) -> str:
        return (f"HotspotAccuracy(hit_rate={self.hit_rate:.3f}, pai={self.pai:.2f}, pei={self.pei:.3f}, "
                f"area_share={self.area_share:.4f})")


def evaluate_hotspots(flagged, counts_period2, area_m2) -> HotspotAccuracy:
    """Hit rate, PAI and PEI of ``flagged`` units (bool mask, or index labels
    of a ``counts_period2`` Series) against period-2 counts."""
    return HotspotAccuracy(flagged, counts_period2, area_m2)


def select_top_by_area(score, area_m2, target_area_m2: float) -> np.ndarray:
    """Flag the highest-``score`` units until their total area reaches ``target_area_m2``.

    Units are added in descending score order (ties: original order) while the
    total stays within the target; the next unit is added too if that brings
    the total closer to the target.  Returns a boolean mask.  Units with NaN
    score are never flagged.
    """
    s = np.asarray(score, dtype=float).ravel()
    a = _values(area_m2, "area_m2", len(s))
    if not np.isfinite(target_area_m2) or target_area_m2 < 0:
        raise ValueError("target_area_m2 must be a non-negative area in m2")
    ok = ~np.isnan(s)
    order = np.flatnonzero(ok)[np.argsort(-s[ok], kind="stable")]
    ca = np.cumsum(a[order])
    tol = 1e-9 * max(float(a.sum()), 1.0)
    k = int(np.searchsorted(ca, target_area_m2 + tol, side="right"))
    if k < len(order):
        under = target_area_m2 - (ca[k - 1] if k > 0 else 0.0)
        over = ca[k] - target_area_m2
        if over < under:
            k += 1
    m = np.zeros(len(s), dtype=bool)
    m[order[:k]] = True
    return m


class EqualAreaComparison:
    """Hotspot methods compared at (nearly) the same flagged area.

    Attributes
    ----------
    table : DataFrame, one row per method: ``method``, ``units``,
        ``n_flagged``, ``flagged_area_km2``, ``area_share``,
        ``incidents_captured``, ``incidents_total``, ``hit_rate``, ``pai``, ``pei``.
    results : {method: HotspotAccuracy}.
    target_area_m2 : area of the Gi* hot spots, which the others match.
    parameters : dict for reporting.
    """

    def __init__(self, results: dict, units: dict, target_area_m2: float, parameters: dict):
        self.results = results
        self.target_area_m2 = target_area_m2
        self.parameters = parameters
        rows = []
        for name, r in results.items():
            rows.append({
                "method": name,
                "units": units[name],
                "n_flagged": r.n_flagged,
                "flagged_area_km2": r.flagged_area_m2 / 1e6,
                "area_share": r.area_share,
                "incidents_captured": r.n_captured,
                "incidents_total": r.n_total,
                "hit_rate": r.hit_rate,
                "pai": r.pai,
                "pei": r.pei,
            })
        self.table = pd.DataFrame(rows)

    def __repr__(self) -> str:
        return f"EqualAreaComparison(target_area_km2={self.target_area_m2 / 1e6:.2f}, methods={list(self.results)})"


def compare_at_equal_area(counts_period2, area_m2, gistar_hot, counts_period1, kde_score=None, *,
                          kde_counts_period2=None, kde_area_m2=None, units: str = "areas",
                          kde_units: str = "grid cells") -> EqualAreaComparison:
    """Compare Gi* hot spots, top-KDE cells and the naive baseline at equal area.

    Parameters
    ----------
    counts_period2, area_m2 : period-2 incidents and area (m2) per unit (e.g. LSOA).
    gistar_hot : units flagged as Gi* hot spots on period 1 (bool mask or labels);
        their total area is the target every other method is held to.
    counts_period1 : period-1 incidents per unit; the naive baseline flags the
        units with the most period-1 incidents (by count, not density) up to
        the target area.
    kde_score : period-1 KDE value per unit.  Either per unit of ``counts_period2``
        (KDE summarised per area), or per grid cell, in which case pass that
        grid's ``kde_counts_period2`` and ``kde_area_m2`` too.  The top-KDE rule
        flags the highest-density units up to the target area.

    Each row is computed on its own units (its own N and A), so rows on a
    grid and on LSOAs are comparable through hit rate, PAI and PEI, not counts.
    Whole units are selected, so areas match the target only approximately;
    the table reports each method's actual area.
    """
    index = counts_period2.index if isinstance(counts_period2, pd.Series) else None
    c2 = _values(counts_period2, "counts_period2")
    a = _values(area_m2, "area_m2", len(c2))
    c1 = _values(counts_period1, "counts_period1", len(c2))
    hot = _mask(gistar_hot, len(c2), index, name="gistar_hot")
    target = float(a[hot].sum())
    if target <= 0:
        raise ValueError("no Gi* hot spots flagged (or they have zero area): nothing to compare at equal area")

    results = {"Gi* hot spots": HotspotAccuracy(hot, c2, a)}
    unit_names = {"Gi* hot spots": units}
    if kde_score is not None:
        if kde_counts_period2 is None and kde_area_m2 is None:
            ks = _values(kde_score, "kde_score", len(c2))
            kc, ka, ku = c2, a, units
        elif kde_counts_period2 is not None and kde_area_m2 is not None:
            kc = _values(kde_counts_period2, "kde_counts_period2")
            ka = _values(kde_area_m2, "kde_area_m2", len(kc))
            ks = _values(kde_score, "kde_score", len(kc))
            ku = kde_units
        else:
            raise ValueError("pass both kde_counts_period2 and kde_area_m2 (KDE on its own grid) or neither")
        km = select_top_by_area(ks, ka, target)
        results["top KDE"] = HotspotAccuracy(km, kc, ka)
        unit_names["top KDE"] = ku
    naive = select_top_by_area(c1, a, target)
    results["top by period-1 count"] = HotspotAccuracy(naive, c2, a)
    unit_names["top by period-1 count"] = units
    params = {
        "target_area_m2": target,
        "selection": "highest score first until the flagged area is closest to the Gi* area",
        "pei": "equal-area PEI (Hunt 2016), fractional-knapsack n_max",
    }
    return EqualAreaComparison(results, unit_names, target, params)

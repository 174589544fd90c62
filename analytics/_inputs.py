"""Up-front validation shared by the area statistics (one-line ValueErrors that say what to do)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from .multiple_testing import benjamini_hochberg
from .weights import SpatialWeights


def as_weights(weights) -> SpatialWeights:
    if isinstance(weights, SpatialWeights):
        return weights
    if sparse.issparse(weights) or isinstance(weights, np.ndarray):
        return SpatialWeights.from_adjacency(weights)
    raise ValueError(
        f"weights must be a SpatialWeights (from analytics.weights.build_weights) or an n x n adjacency matrix, "
        f"got {type(weights).__name__}"
    )


def as_values(y, w: SpatialWeights, name: str = "y") -> np.ndarray:
    """Validated float vector aligned with ``w.ids``."""
    if isinstance(y, pd.DataFrame):
        raise ValueError(f"{name} must be one column of values, got a DataFrame with {y.shape[1]} columns; pass df['column']")
    if isinstance(y, pd.Series) and not isinstance(y.index, pd.RangeIndex) and not y.index.equals(w.ids):
        if len(y) == w.n and set(y.index) == set(w.ids):
            raise ValueError(f"{name} is in a different order from the weights' areas; pass {name}.reindex(weights.ids)")
        raise ValueError(f"{name}'s index does not match the weights' area ids; align it with {name}.reindex(weights.ids)")
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; convert it first, e.g. pd.to_numeric({name}, errors='coerce')") from None
    if arr.ndim != 1:
        arr = arr.squeeze()
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one value per area (1-D), got shape {np.shape(y)}")
    if arr.shape[0] != w.n:
        raise ValueError(f"{name} has {arr.shape[0]} values but the weights have {w.n} areas; pass one value per area in weights.ids order")
    if w.n < 3:
        raise ValueError(f"need at least 3 areas for these statistics, got {w.n}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite values (e.g. areas {list(w.ids[bad][:3])}); fill them (e.g. 0 for counts) or drop the areas"
        )
    if np.ptp(arr) == 0:
        raise ValueError(
            f"{name} is constant (every area is {arr[0]:g}), so there is no variation to test; check the data join or pick another measure"
        )
    return arr


def check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 < float(value) < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1 (e.g. 0.05), got {value!r}")
    return float(value)


def significant(p: np.ndarray, alpha: float, fdr: bool, tested: np.ndarray) -> np.ndarray:
    """Which areas are significant at ``alpha``; untested areas (islands) never are."""
    out = np.zeros(len(p), dtype=bool)
    if fdr:
        out[tested] = benjamini_hochberg(p[tested], alpha)
    else:
        out[tested] = p[tested] <= alpha
    return out

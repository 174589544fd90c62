"""Target, buffer and comparison zones for evaluating an intervention in a patch.

Areas (e.g. LSOAs)
------------------
- **Target T**: the given area codes.
- **Buffer B** (``buffer=``):

  * ``"adjacent"`` (default): every neighbour (in the spatial weights, e.g.
    queen contiguity) of any target area that is not itself in the target.
    With asymmetric weights (k nearest) the neighbours are the target rows' neighbours.
  * a number of metres (``400`` or ``"400m"``): the ring of that width around the
    union of the target polygons.  ``ring_rule="intersects"`` (default): an area is in
    B when its polygon shares some area with the ring (touching the ring's outer
    edge alone does not count), so every area bordering the target is included;
    ``ring_rule="within"``: only areas lying entirely within ``metres`` of the target.
    Needs the polygons in metres (EPSG:27700).
  * ``"none"`` (or None, or an empty list): no buffer (displacement is not assessed).
  * a list of area codes (must not overlap the target).

- **Comparison C** (``comparison=``):

  * ``"rest"`` (default): every other area of the study area, not in T or B.
  * a list of area codes: must not overlap T or B.
  * ``"matched"``: the K areas most like the target, see :func:`matched_comparison`.

Points (incidents with easting/northing)
----------------------------------------
:func:`label_points`: target = incidents within ``radius_m`` of the centre
(distance <= radius), buffer = incidents in the ring radius < d <= radius + buffer_m,
comparison = every other incident of the study area (the points passed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._impact_common import as_code, first_few
from .weights import SpatialWeights

__all__ = [
    "Zones",
    "adjacent_buffer",
    "define_zones",
    "label_points",
    "matched_comparison",
    "point_zone_counts",
    "ring_buffer",
    "MATCH_PER_TARGET",
]

#: default number of matched comparison areas per target area
MATCH_PER_TARGET = 5

_BUFFER_HELP = 'use "adjacent", "none", a ring width in metres (e.g. 400 or "400m") or a list of area codes'
_COMPARISON_HELP = 'use "rest", "matched" or a list of area codes'


@dataclass
class Zones:
    """The three zones as lists of area codes (study-area order) and the rules that made them.

    buffer_kind : "adjacent" | "ring" | "none" | "list"; comparison_kind : "rest" | "matched" | "list"
    rules : {"target": ..., "buffer": ..., "comparison": ...} sentences; matching : details of a matched
    comparison (None otherwise); notes : things the reader should know
    """

    target: list
    buffer: list
    comparison: list
    buffer_kind: str
    comparison_kind: str
    rules: dict
    buffer_metres: float | None = None
    matching: dict | None = None
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------- validation helpers


def _codes(values, name: str) -> list:
    if values is None:
        raise ValueError(f"{name} is empty: pass at least one area code")
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        values = [values]
    codes = list(dict.fromkeys(as_code(v) for v in (values.tolist() if hasattr(values, "tolist") else values)))
    if not codes:
        raise ValueError(f"{name} is empty: pass at least one area code")
    return codes


def _check_known(codes, ids: pd.Index, name: str):
    missing = [c for c in codes if c not in ids]
    if missing:
        raise ValueError(f"{len(missing)} {name} code(s) are not among the {len(ids):,} areas of the boundaries "
                         f"(e.g. {first_few(missing)}); check the codes and the area selected")


def _ordered(ids: pd.Index, members) -> list:
    members = set(members)
    return [as_code(i) for i in ids if i in members]


def _weights_for(weights, ids: pd.Index, why: str) -> SpatialWeights:
    if weights is None:
        raise ValueError(f"{why} needs spatial weights; pass weights=build_weights(areas, 'queen') (or areas=...)")
    if not isinstance(weights, SpatialWeights):
        raise ValueError(f"weights must be a SpatialWeights (analytics.weights.build_weights), got {type(weights).__name__}")
    missing = ids.difference(weights.ids)
    if len(missing):
        raise ValueError(f"{len(missing)} areas are not in the weights (e.g. {first_few(missing)}); "
                         "build the weights from the same boundaries")
    return weights


def _neighbours(weights: SpatialWeights, codes) -> set:
    pos = weights.ids.get_indexer(list(codes))
    adj = weights.adjacency
    cols = np.concatenate([adj.indices[adj.indptr[i]:adj.indptr[i + 1]] for i in pos]) if len(pos) else np.empty(0, int)
    return {as_code(c) for c in weights.ids[np.unique(cols)]}


# ---------------------------------------------------------------- buffers


def adjacent_buffer(target, weights: SpatialWeights) -> list:
    """Neighbours (in ``weights``) of any target area that are not in the target, in ``weights.ids`` order."""
    w = _weights_for(weights, pd.Index([]), "an adjacent buffer")
    target = _codes(target, "target")
    _check_known(target, w.ids, "target")
    nb = _neighbours(w, target) - set(target)
    return _ordered(w.ids, nb)


def _areas_frame(areas):
    geometry = getattr(areas, "geometry", None)
    if geometry is None or not hasattr(geometry, "values"):
        raise ValueError(f"areas must be a GeoDataFrame of polygons, got {type(areas).__name__}")
    if "area_code" in getattr(areas, "columns", []):
        areas = areas.set_index("area_code")
    if not areas.index.is_unique:
        raise ValueError(f"area codes must be unique (duplicates: {first_few(areas.index[areas.index.duplicated()])})")
    crs = getattr(areas, "crs", None)
    if crs is not None and crs.is_geographic:
        raise ValueError(f"areas are in a geographic CRS ({crs.to_string()}, degrees); reproject to metres first, "
                         "e.g. areas.to_crs(27700)")
    return areas


def ring_buffer(target, areas, metres: float, rule: str = "intersects") -> list:
    """Areas in the ring of width ``metres`` around the union of the target polygons (not in the target).

    rule="intersects": the polygon shares some area with the ring (touching only its outer edge does not
    count); rule="within": the polygon lies entirely within ``metres`` of the target.  ``areas`` is a
    GeoDataFrame in metres (EPSG:27700), indexed by area code or with an ``area_code`` column.
    """
    import shapely

    areas = _areas_frame(areas)
    target = _codes(target, "target")
    _check_known(target, areas.index, "target")
    metres = _metres(metres)
    if rule not in ("intersects", "within"):
        raise ValueError(f"ring_rule must be 'intersects' or 'within', got {rule!r}")
    geoms = np.asarray(areas.geometry.values, dtype=object)
    is_t = areas.index.isin(target)
    union = shapely.union_all(geoms[is_t])
    grown = shapely.buffer(union, metres)
    if rule == "intersects":
        ring = shapely.difference(grown, union)
        hit = shapely.intersects(geoms, ring) & ~shapely.touches(geoms, ring)
    else:
        hit = shapely.within(geoms, grown)
    return [as_code(c) for c in areas.index[hit & ~is_t]]


def _is_ring(buffer) -> bool:
    if isinstance(buffer, bool):
        return False
    if isinstance(buffer, (int, float, np.integer, np.floating)):
        return True
    return isinstance(buffer, str) and bool(re.fullmatch(r"\s*(ring\s*:\s*)?[0-9.]+\s*(m|metres|meters)?\s*",
                                                         buffer.lower()))


def _metres(value) -> float:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:ring\s*:\s*)?([0-9]+(?:\.[0-9]*)?)\s*(?:m|metres|meters)?\s*", value.lower())
        if not m:
            raise ValueError(f"buffer {value!r} not understood; {_BUFFER_HELP}")
        value = float(m.group(1))
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) \
            or value <= 0:
        raise ValueError(f"a ring buffer needs a width in metres > 0, got {value!r}; e.g. buffer=400")
    return float(value)


# ---------------------------------------------------------------- matched comparison


def matched_comparison(target, before_counts: pd.Series, weights: SpatialWeights, exclude=(), deprivation=None,
                       k: int | None = None) -> tuple[list, dict]:
    """The ``k`` areas most like the target on before-period counts (and deprivation).

    Exactly:

    1. Candidates: every area in ``before_counts`` that is not in the target, not in ``exclude`` (the buffer),
       and not a neighbour (in ``weights``) of any target or excluded area; areas without a deprivation
       score are dropped when deprivation is used.
    2. Features per area: x1 = incidents in the before window; x2 = the deprivation score (e.g. IMD score)
       when given.  Each feature is standardised by its population standard deviation (ddof=0) over all
       areas of the study area with a value (``before_counts``' index); a feature with no spread is left out.
    3. The target profile is the mean of each feature over the target areas.
    4. Distance = Euclidean distance of the standardised features to the target profile; the ``k`` nearest
       candidates are chosen (ties broken by study-area order).  ``k`` defaults to 5 x the number of
       target areas, and is capped at the number of candidates.

    Returns ``(codes, metadata)``; metadata holds k, the candidate count, the features, the standard
    deviations, the target and matched profiles (means) and a one-paragraph ``rule``.
    """
    if not isinstance(before_counts, pd.Series):
        raise ValueError("before_counts must be a Series of before-window incidents indexed by area code")
    ids = before_counts.index
    w = _weights_for(weights, pd.Index([]), "a matched comparison (to exclude neighbours)")
    target = _codes(target, "target")
    _check_known(target, ids, "target")
    exclude = list(exclude or [])
    n_t = len(target)
    if k is None:
        k = MATCH_PER_TARGET * n_t
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"n_matched must be a whole number of areas >= 1, got {k!r}")
    k = int(k)

    features = {"before_count": before_counts.astype(float)}
    if deprivation is not None:
        dep = _deprivation_series(deprivation)
        dep = dep.reindex(ids)
        miss_t = [c for c in target if not np.isfinite(dep.get(c, np.nan))]
        if miss_t:
            raise ValueError(f"{len(miss_t)} target area(s) have no deprivation score (e.g. {first_few(miss_t)}); "
                             "pass a score for every target area")
        features["deprivation"] = dep
    blocked = set(target) | set(exclude)
    nbrs = _neighbours(w, [c for c in blocked if c in w.ids])
    no_score = set()
    if "deprivation" in features:
        no_score = set(ids[~np.isfinite(features["deprivation"].to_numpy(dtype=float))])
    cand_mask = ~ids.isin(list(blocked | nbrs | no_score))
    candidates = ids[cand_mask]
    if len(candidates) == 0:
        raise ValueError("the comparison is empty: no areas are left to match once the target, the buffer and their "
                         "neighbours are excluded; use comparison='rest' or a larger study area")
    notes = []
    sds, used = {}, []
    for name, s in features.items():
        v = s.to_numpy(dtype=float)
        sd = float(np.nanstd(v))
        sds[name] = sd
        if sd > 0:
            used.append(name)
        else:
            notes.append(f"{name} has no spread across the study area, so it was left out of the distance")
    dist2 = np.zeros(len(candidates))
    profile = {}
    for name in features:
        s = features[name]
        profile[name] = float(s.loc[target].mean())
        if name in used:
            dist2 += ((s.loc[candidates].to_numpy(dtype=float) - profile[name]) / sds[name]) ** 2
    if k > len(candidates):
        notes.append(f"only {len(candidates)} candidate areas: all are used (wanted {k})")
        k = len(candidates)
    order = np.argsort(dist2, kind="stable")[:k]
    chosen = set(candidates[order])
    codes = _ordered(ids, chosen)
    matched_profile = {name: float(features[name].loc[codes].mean()) for name in features}
    what = "before-window incidents per area" + (" and deprivation score" if "deprivation" in features else "")
    rule = (f"{k} areas nearest the target's mean profile on {what}, each standardised by its standard deviation "
            f"over the {len(ids):,} areas (Euclidean distance; ties by area order), chosen from "
            f"{len(candidates):,} candidates: areas not in the target or buffer and not neighbouring either")
    meta = {
        "rule": rule, "k": k, "n_candidates": int(len(candidates)), "features": list(features), "used": used,
        "sd": sds, "target_profile": profile, "matched_profile": matched_profile,
        "max_distance": float(np.sqrt(dist2[order].max())) if k else None, "notes": notes,
    }
    return codes, meta


def _deprivation_series(deprivation) -> pd.Series:
    if isinstance(deprivation, dict):
        deprivation = pd.Series(deprivation)
    if not isinstance(deprivation, pd.Series):
        raise ValueError("deprivation must be a Series (or dict) of scores indexed by area code, e.g. IMD score")
    try:
        return pd.to_numeric(deprivation, errors="raise").astype(float)
    except (TypeError, ValueError):
        raise ValueError("deprivation scores must be numbers (e.g. the IMD score)") from None


# ---------------------------------------------------------------- zones


def define_zones(area_ids, target, buffer="adjacent", comparison="rest", weights: SpatialWeights | None = None,
                 areas=None, before_counts: pd.Series | None = None, deprivation=None,
                 n_matched: int | None = None, ring_rule: str = "intersects", area_label: str = "areas") -> Zones:
    """Target, buffer and comparison zones over the study area ``area_ids`` (module docstring for the rules).

    ``weights`` is needed for ``buffer="adjacent"`` and ``comparison="matched"``; ``areas`` (GeoDataFrame in
    metres) for a ring buffer; ``before_counts`` (before-window incidents per area) and optionally
    ``deprivation`` (scores by area code) for ``comparison="matched"``.  Raises a one-line ValueError for an
    empty target, unknown codes, overlapping lists or an empty comparison.
    """
    ids = pd.Index(area_ids)
    target = _codes(target, "target")
    _check_known(target, ids, "target")
    t_set = set(target)
    notes = []
    rules = {"target": f"the given {area_label} ({len(target)})"}

    metres = None
    if isinstance(buffer, str) and buffer.strip().lower() in ("adjacent", "none"):
        kind = buffer.strip().lower()
        if kind == "adjacent":
            w = _weights_for(weights, ids, 'buffer="adjacent"')
            buf = _ordered(ids, _neighbours(w, target) - t_set)
            rules["buffer"] = (f"{area_label} adjacent to the target ({w.kind} neighbours of any target area) "
                               "that are not in the target")
        else:
            buf = []
            rules["buffer"] = "none (displacement not assessed)"
    elif _is_ring(buffer):
        kind = "ring"
        if areas is None:
            raise ValueError("a ring buffer needs the area polygons; pass areas=<GeoDataFrame in EPSG:27700>")
        metres = _metres(buffer)
        ring = set(ring_buffer(target, areas, metres, ring_rule))
        buf = _ordered(ids, ring)
        how = ("share some area with" if ring_rule == "intersects" else "lie entirely within")
        rules["buffer"] = (f"{area_label} that {how} the {metres:g} m ring around the union of the target "
                           "polygons, not in the target")
    elif isinstance(buffer, str):
        raise ValueError(f"buffer {buffer!r} not understood; {_BUFFER_HELP}")
    elif buffer is None or (not isinstance(buffer, str) and len(list(buffer)) == 0):
        kind, buf = "none", []
        rules["buffer"] = "none (displacement not assessed)"
    else:
        kind = "list"
        buf = _codes(buffer, "buffer")
        _check_known(buf, ids, "buffer")
        overlap = [c for c in buf if c in t_set]
        if overlap:
            raise ValueError(f"the buffer and target lists overlap ({len(overlap)} areas, e.g. {first_few(overlap)}); "
                             "an area can be in one zone only")
        buf = _ordered(ids, buf)
        rules["buffer"] = f"the given {area_label} ({len(buf)})"
    if kind in ("adjacent", "ring") and not buf:
        notes.append("the buffer is empty (no areas next to the target), so displacement is not assessed")
    b_set = set(buf)

    matching = None
    if isinstance(comparison, str) and comparison.strip().lower() == "rest":
        ckind = "rest"
        comp = [as_code(c) for c in ids if c not in t_set and c not in b_set]
        rules["comparison"] = f"all other {area_label} of the study area (not in the target or buffer)"
    elif isinstance(comparison, str) and comparison.strip().lower() == "matched":
        ckind = "matched"
        if before_counts is None:
            raise ValueError("comparison='matched' needs before-window counts per area (before_counts=...)")
        bc = before_counts.reindex(ids, fill_value=0.0)
        comp, matching = matched_comparison(target, bc, weights, exclude=buf, deprivation=deprivation, k=n_matched)
        rules["comparison"] = matching["rule"]
        notes.extend(matching["notes"])
    elif isinstance(comparison, str):
        raise ValueError(f"comparison {comparison!r} not understood; {_COMPARISON_HELP}")
    else:
        ckind = "list"
        if comparison is not None and not isinstance(comparison, str) and len(list(comparison)) == 0:
            raise ValueError("the comparison is empty: pass at least one area code, or comparison='rest'")
        comp = _codes(comparison, "comparison")
        _check_known(comp, ids, "comparison")
        overlap = [c for c in comp if c in t_set]
        if overlap:
            raise ValueError(f"the target and comparison lists overlap ({len(overlap)} areas, e.g. {first_few(overlap)}); "
                             "an area can be in one zone only")
        overlap = [c for c in comp if c in b_set]
        if overlap:
            raise ValueError(f"the comparison overlaps the buffer ({len(overlap)} areas, e.g. {first_few(overlap)}); "
                             "drop them from the comparison or use buffer='none'")
        comp = _ordered(ids, comp)
        rules["comparison"] = f"the given {area_label} ({len(comp)})"
    if not comp:
        raise ValueError("the comparison is empty: the target and buffer cover the whole study area; "
                         "use a larger study area, a smaller buffer or buffer='none'")
    return Zones(target=_ordered(ids, target), buffer=buf, comparison=comp, buffer_kind=kind, comparison_kind=ckind,
                 rules=rules, buffer_metres=metres, matching=matching, notes=notes)


# ---------------------------------------------------------------- points


def label_points(easting, northing, centre, radius_m: float, buffer_m: float = 0.0) -> np.ndarray:
    """'T' / 'B' / 'C' for each point around ``centre`` = (easting, northing) in metres (EPSG:27700).

    T: distance <= radius_m; B: radius_m < distance <= radius_m + buffer_m; C: farther.  buffer_m = 0: no B.
    """
    e = np.asarray(easting, dtype=float).ravel()
    n = np.asarray(northing, dtype=float).ravel()
    if e.shape != n.shape:
        raise ValueError(f"easting has {len(e)} values but northing has {len(n)}; pass one of each per point")
    bad = ~(np.isfinite(e) & np.isfinite(n))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} points have no coordinates; drop them first")
    try:
        cx, cy = (float(v) for v in centre)
    except (TypeError, ValueError):
        raise ValueError(f"centre must be (easting, northing) in metres, got {centre!r}") from None
    if not (np.isfinite(cx) and np.isfinite(cy)):
        raise ValueError(f"centre must be finite (easting, northing) in metres, got {centre!r}")
    if isinstance(radius_m, bool) or not np.isfinite(float(radius_m)) or float(radius_m) <= 0:
        raise ValueError(f"radius_m must be a distance in metres > 0, got {radius_m!r}")
    if isinstance(buffer_m, bool) or not np.isfinite(float(buffer_m)) or float(buffer_m) < 0:
        raise ValueError(f"buffer_m must be a distance in metres >= 0 (0 = no buffer), got {buffer_m!r}")
    if len(e) and (np.nanmax(np.abs(e)) <= 180 and np.nanmax(np.abs(n)) <= 90) and abs(cx) <= 180 and abs(cy) <= 90:
        raise ValueError("coordinates look like longitude/latitude (degrees); use easting/northing in metres (EPSG:27700)")
    d = np.hypot(e - cx, n - cy)
    out = np.full(len(e), "C", dtype="<U1")
    out[d <= float(radius_m) + float(buffer_m)] = "B"
    out[d <= float(radius_m)] = "T"
    return out


def point_zone_counts(points: pd.DataFrame, centre, radius_m: float, buffer_m: float = 0.0, *,
                      month_col: str = "month", easting_col: str = "easting", northing_col: str = "northing",
                      weight_col: str | None = None) -> pd.DataFrame:
    """Incidents per zone per month from points: columns ``zone`` ("target"/"buffer"/"comparison"),
    ``month`` and ``count`` (sum of ``weight_col`` when given, else one per point)."""
    if not isinstance(points, pd.DataFrame):
        raise ValueError(f"points must be a DataFrame with {easting_col}, {northing_col} and {month_col} columns")
    need = [easting_col, northing_col, month_col] + ([weight_col] if weight_col else [])
    missing = [c for c in need if c not in points.columns]
    if missing:
        raise ValueError(f"points lack column(s) {', '.join(missing)}; they need {', '.join(need)}")
    labels = label_points(points[easting_col], points[northing_col], centre, radius_m, buffer_m)
    zone = pd.Series(labels).map({"T": "target", "B": "buffer", "C": "comparison"}).to_numpy()
    w = points[weight_col].to_numpy(dtype=float) if weight_col else np.ones(len(points))
    df = pd.DataFrame({"zone": zone, "month": points[month_col].astype(str).to_numpy(), "count": w})
    return df.groupby(["zone", "month"], as_index=False)["count"].sum()

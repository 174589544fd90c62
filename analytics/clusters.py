"""DBSCAN clusters of incident points, in metres (EPSG:27700).

Why de-duplicate
----------------
police.uk publishes every crime at one of a fixed set of anonymised "map
points" (snapping anchors, usually a street centre point or a landmark), so a
year of West Midlands violence is a few hundred thousand rows on a few tens of
thousands of distinct coordinates.  scikit-learn's DBSCAN stores the full
neighbour list of every point, so the memory grows with the number of pairs
within ``eps``; with thousands of identical points per anchor that number is
enormous (500k snapped points were killed at 24 GB on this kind of machine).

DBSCAN only needs, for each point, the number of points within ``eps`` (core
test) and the neighbour graph between points.  Both are the same for every
copy of a location, so we fit on the *distinct* locations with
``sample_weight = number of incidents at each location`` (times the optional
per-incident weights).  sklearn's core test is then
``sum(sample_weight of neighbours) >= min_samples``, which is exactly the
count a plain fit on all points makes (min_samples counts duplicates).

Identical labels, not just the same partition
---------------------------------------------
sklearn numbers clusters in the order of their lowest-index core point and
gives a border point to the first cluster (in that order) that reaches it.
We order the distinct locations by their first occurrence in the input, so the
lowest-index core point of every cluster, and therefore the cluster numbers and
every border-point assignment, are the same as in a plain
``DBSCAN(eps, min_samples).fit(all_points)`` with the same ``algorithm``.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .grid import BNG, point_weights, points_to_xy

__all__ = [
    "DbscanClusters",
    "default_min_samples",
    "snap_spacing",
    "unique_locations",
]

#: Default neighbourhood radius in metres.
DEFAULT_EPS_M = 150.0

_LOCATION_PREFIX = "on or near "


def default_min_samples(n_incidents: int) -> int:
    """Default ``min_samples``: ``max(10, round(n_incidents / 1000))``.

    A core neighbourhood (a disc of radius eps = 150 m, i.e. 0.07 km2) must hold
    at least 0.1 % of all incidents, and never fewer than 10.  For a force area
    of about 900 km2 (the West Midlands) such a disc is about 0.008 % of the
    area, so 0.1 % is roughly 13 times what it would hold if incidents were
    spread evenly: only genuine concentrations become cores.  One month of West
    Midlands violence (~8,000 incidents) gives 10; a year (~100,000) gives 100.
    Scaling with volume keeps the result comparable between a month and a year;
    a fixed value would turn whole town centres into one cluster over a year.
    For much smaller study areas pass ``min_samples`` explicitly.
    """
    return max(10, int(round(n_incidents / 1000.0)))


def unique_locations(xy: np.ndarray):
    """Distinct coordinates in order of first occurrence.

    Returns ``(unique_xy, inverse, counts)`` with ``unique_xy[inverse] == xy``.
    Uses a hash table (``pandas.factorize`` on the coordinate pair viewed as
    one complex number): about 0.15 s for a million points.
    """
    xy = np.ascontiguousarray(xy, dtype=np.float64)
    if len(xy) == 0:
        return xy.reshape(0, 2), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = xy.view(np.complex128).ravel()
    codes, uniq = pd.factorize(key)  # codes numbered by first occurrence
    inverse = codes.astype(np.int64, copy=False)
    unique_xy = np.column_stack([uniq.real, uniq.imag])
    counts = np.bincount(inverse, minlength=len(unique_xy))
    return unique_xy, inverse, counts


def snap_spacing(unique_xy: np.ndarray) -> float:
    """Median distance (m) from each distinct location to the nearest other one.

    With police.uk data this estimates the spacing of the snapping anchors
    (typically a few tens of metres to ~100 m in towns).  NaN if fewer than two
    distinct locations.
    """
    if len(unique_xy) < 2:
        return float("nan")
    d, _ = cKDTree(unique_xy).query(unique_xy, k=2)
    return float(np.median(d[:, 1]))


def _clean_location(s) -> str | None:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    s = str(s).strip()
    if s.lower().startswith(_LOCATION_PREFIX):
        s = s[len(_LOCATION_PREFIX):].strip()
    return s or None


class DbscanClusters:
    """DBSCAN on incident points in metres, de-duplicated for snapped data.

    Parameters
    ----------
    points : GeoDataFrame/GeoSeries of points in EPSG:27700, or (n, 2) array
        of easting/northing in metres.  Rows without coordinates must be
        dropped first.
    eps_m : neighbourhood radius in metres, default 150 m: about one to three
        police.uk snapping-anchor spacings in town centres, i.e. a street block
        and the streets next to it.  An ``eps_m`` below the estimated anchor
        spacing (see ``snap_spacing_m``) means most anchors have no neighbour
        within eps, so "clusters" degenerate into single map points with many
        incidents; a ``UserWarning`` says so (and ``parameters`` records it).
    min_samples : incidents (including the point itself, duplicates counted)
        needed within ``eps_m`` for a core point.  ``None`` uses
        :func:`default_min_samples` (``max(10, round(n / 1000))``) and reports the
        rule in ``min_samples_rule``.
    weights : optional per-incident weights (e.g. harm scores); the core test
        then uses the weighted count, as ``sample_weight`` in sklearn.
    locations : optional per-incident location text, or the name of a column
        of ``points`` (e.g. police.uk ``"Location"``, "On or near Broad
        Street"); used for the ``top_locations`` column of ``summary``.
    algorithm : passed to sklearn (``"auto"``, ``"kd_tree"``, ``"ball_tree"``, ``"brute"``).
    n_top_locations : how many locations to list per cluster.

    Attributes
    ----------
    labels : int64 array, one per input point, cluster id or -1 for noise;
        identical to ``sklearn.cluster.DBSCAN(eps, min_samples).fit(points).labels_``.
    core_sample_mask : bool array per input point.
    eps_m, min_samples, min_samples_rule, n_clusters, n_noise
    n_incidents, n_locations : input points and distinct coordinates.
    snap_spacing_m : median nearest-neighbour distance between distinct
        locations (estimate of the snapping-anchor spacing).
    summary : DataFrame, one row per cluster, largest first: ``cluster``,
        ``incidents``, ``share_of_incidents`` (of all input incidents, 0-1),
        ``n_locations``, ``area_m2``, ``area_ha`` (of the outline),
        ``incidents_per_ha``, ``centroid_x``, ``centroid_y`` (incident-weighted
        mean, m), ``weighted_incidents`` (if weights) and ``top_locations``
        (if locations), e.g. "Broad Street (41); Hurst Street (12)".
    outlines : GeoDataFrame (EPSG:27700), one polygon per cluster with the same
        columns as ``summary``.  Outline = union of the cluster's distinct
        locations each buffered by ``eps_m / 2`` (16-sided discs).  Two points
        DBSCAN links are at most eps apart, so their discs touch or overlap and
        every cluster comes out as one connected shape that follows the streets
        it covers, with a margin of eps/2.  A concave hull was not used: it
        needs a tuning ratio, collapses to a line or nothing for clusters on 1-2
        anchors (common with snapped data) and bridges gaps DBSCAN did not link.
        Areas therefore include that margin (at least about 1.7 ha per cluster
        at eps 150 m); compare areas only between runs with the same eps.  Outlines
        of neighbouring clusters may overlap slightly.
    parameters : dict of the parameters used, for reporting.
    """

    def __init__(
        self,
        points,
        eps_m: float = DEFAULT_EPS_M,
        min_samples: int | None = None,
        *,
        weights=None,
        locations=None,
        algorithm: str = "auto",
        n_top_locations: int = 3,
    ):
        xy = points_to_xy(points)
        n = len(xy)
        if n == 0:
            raise ValueError("no points to cluster; check the filters (date range, crime type)")
        try:
            eps = float(eps_m)
        except (TypeError, ValueError):
            raise ValueError(f"eps_m must be a distance in metres (got {eps_m!r})") from None
        if not np.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps_m must be a positive distance in metres (got {eps_m!r})")
        if min_samples is None:
            ms = default_min_samples(n)
            rule = "max(10, round(n_incidents / 1000))"
        else:
            try:
                ok = not isinstance(min_samples, bool) and int(min_samples) == min_samples >= 1
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(f"min_samples must be a whole number >= 1 (got {min_samples!r})")
            ms = int(min_samples)
            rule = "given"
        if algorithm not in ("auto", "kd_tree", "ball_tree", "brute"):
            raise ValueError(f'algorithm must be "auto", "kd_tree", "ball_tree" or "brute" (got {algorithm!r})')

        w = point_weights(weights, n)

        loc = None
        if locations is not None:
            if isinstance(locations, str):
                if not isinstance(points, gpd.GeoDataFrame) or locations not in points.columns:
                    raise ValueError(
                        f"locations={locations!r} is not a column of points; pass a column "
                        "name of the GeoDataFrame or one text value per point"
                    )
                loc = points[locations].reset_index(drop=True)
            elif isinstance(locations, pd.Series):  # kept as it is (text in Arrow): only clustered rows are read
                loc = locations.reset_index(drop=True)
                if len(loc) != n:
                    raise ValueError(f"locations must have one value per point ({n}), got {len(loc)}")
            else:
                loc = np.asarray(locations, dtype=object)
                if loc.shape != (n,):
                    raise ValueError(f"locations must have one value per point ({n}), got shape {loc.shape}")

        uxy, inverse, counts = unique_locations(xy)
        sw = counts.astype(float) if w is None else np.bincount(inverse, weights=w, minlength=len(uxy))
        spacing = snap_spacing(uxy)
        below = bool(np.isfinite(spacing) and eps < spacing)
        if below:
            warnings.warn(
                f"eps_m={eps:g} m is below the median distance between neighbouring distinct "
                f"locations ({spacing:.0f} m; for police.uk data, the snapping-point spacing): "
                f"most map points have no neighbour within eps, so clusters are mostly "
                f"single busy map points. "
                f"Use eps_m >= {math.ceil(spacing / 10) * 10:.0f} m.",
                UserWarning,
                stacklevel=2,
            )

        from sklearn.cluster import DBSCAN  # imported here: scikit-learn costs ~1 s to import
        model = DBSCAN(eps=eps, min_samples=ms, algorithm=algorithm)
        model.fit(uxy, sample_weight=sw)
        ulabels = model.labels_.astype(np.int64)
        ucore = np.zeros(len(uxy), dtype=bool)
        ucore[model.core_sample_indices_] = True

        self.labels = ulabels[inverse]
        self.core_sample_mask = ucore[inverse]
        self.eps_m = eps
        self.min_samples = ms
        self.min_samples_rule = rule
        self.n_clusters = int(ulabels.max() + 1) if len(ulabels) else 0
        self.n_noise = int((self.labels < 0).sum())
        self.n_incidents = int(n)
        self.n_locations = int(len(uxy))
        self.snap_spacing_m = spacing
        self.parameters = {
            "eps_m": eps,
            "min_samples": ms,
            "min_samples_rule": rule,
            "algorithm": algorithm,
            "weighted": w is not None,
            "n_incidents": self.n_incidents,
            "n_locations": self.n_locations,
            "snap_spacing_m": spacing,
            "eps_below_snap_spacing": below,
            "outline": f"union of distinct locations buffered by eps/2 = {eps / 2:g} m",
        }
        self._build_summary(uxy, ulabels, counts, inverse, w, loc, n_top_locations)

    # ------------------------------------------------------------------
    def _build_summary(self, uxy, ulabels, counts, inverse, w, loc, n_top):
        k = self.n_clusters
        in_cl = ulabels >= 0
        lab = ulabels[in_cl]
        cnt = counts[in_cl]
        incidents = np.bincount(lab, weights=cnt, minlength=k).astype(np.int64)
        n_loc = np.bincount(lab, minlength=k).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            cx = np.bincount(lab, weights=cnt * uxy[in_cl, 0], minlength=k) / incidents
            cy = np.bincount(lab, weights=cnt * uxy[in_cl, 1], minlength=k) / incidents

        # outlines: union of eps/2 discs around each distinct location of the cluster
        discs = shapely.buffer(shapely.points(uxy[in_cl]), self.eps_m / 2.0, quad_segs=4)
        order = np.argsort(lab, kind="stable")
        bounds = np.searchsorted(lab[order], np.arange(k + 1))
        outlines = np.empty(k, dtype=object)
        sizes = np.diff(bounds)
        single = np.flatnonzero(sizes == 1)
        outlines[single] = discs[order[bounds[single]]]  # one location: the disc itself
        for c in np.flatnonzero(sizes > 1):
            outlines[c] = shapely.union_all(discs[order[bounds[c]:bounds[c + 1]]])
        area = shapely.area(outlines) if k else np.zeros(0)

        data = {
            "cluster": np.arange(k, dtype=np.int64),
            "incidents": incidents,
            "share_of_incidents": incidents / self.n_incidents,
            "n_locations": n_loc,
            "area_m2": area,
            "area_ha": area / 1e4,
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            data["incidents_per_ha"] = incidents / (area / 1e4)
        data["centroid_x"] = cx
        data["centroid_y"] = cy
        if w is not None:
            data["weighted_incidents"] = np.bincount(
                self.labels[self.labels >= 0], weights=w[self.labels >= 0], minlength=k
            )
        if loc is not None:
            data["top_locations"] = self._top_locations(loc, k, n_top)
        summary = pd.DataFrame(data)
        outlines_gdf = gpd.GeoDataFrame(summary.copy(), geometry=list(outlines) if k else [], crs=BNG)
        order_rows = np.lexsort((summary["cluster"].to_numpy(), -summary["incidents"].to_numpy()))
        self.summary = summary.iloc[order_rows].reset_index(drop=True)
        self.outlines = outlines_gdf.iloc[order_rows].reset_index(drop=True)

    def _top_locations(self, loc, k, n_top) -> list[str]:
        m = self.labels >= 0
        if k == 0:
            return []
        df = pd.DataFrame({"cluster": self.labels[m],
                           "loc": loc[m].to_numpy(dtype=object) if isinstance(loc, pd.Series) else loc[m]})
        df["loc"] = df["loc"].map(_clean_location)
        df = df.dropna(subset=["loc"])
        out = [""] * k
        if df.empty:
            return out
        vc = df.groupby(["cluster", "loc"], sort=False).size().rename("n").reset_index()
        vc = vc.sort_values(["cluster", "n", "loc"], ascending=[True, False, True])
        top = vc.groupby("cluster", sort=False).head(n_top)
        for c, grp in top.groupby("cluster", sort=False):
            out[int(c)] = "; ".join(f"{l} ({n:,})" for l, n in zip(grp["loc"], grp["n"]))
        return out

    def __repr__(self) -> str:
        return (
            f"DbscanClusters(n_clusters={self.n_clusters}, eps_m={self.eps_m:g}, "
            f"min_samples={self.min_samples}, n_incidents={self.n_incidents}, "
            f"n_noise={self.n_noise})"
        )

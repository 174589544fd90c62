"""Binary spatial weights for areas (polygons in a projected CRS, metres).

``build_weights`` returns a :class:`SpatialWeights`: a binary n x n CSR
adjacency without self-links plus the facts a user needs to judge it (islands,
connected components, mean number of neighbours).

Contiguity follows the PySAL "vertex set" rule (``libpysal.graph.Graph.
build_contiguity(..., strict=False)``): queen = the two polygons share at least
one vertex, rook = they share at least one edge (two consecutive vertices).
It assumes a clean coverage, as published boundary sets are; it is vectorised
numpy (hashing of coordinates), so it stays fast for 35,000 detailed polygons.
k-nearest-neighbour and distance-band weights use polygon centroids in metres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["SpatialWeights", "build_weights", "parse_weights_spec", "WEIGHT_KINDS"]

WEIGHT_KINDS = ("queen", "rook", "knn", "distance")

_SPEC_HELP = 'use "queen", "rook", "knn:<k>" (e.g. "knn:8") or "distance:<metres>" (e.g. "distance:1500")'


@dataclass(eq=False)
class SpatialWeights:
    """Binary neighbour structure of n areas.

    Attributes
    ----------
    adjacency : scipy.sparse.csr_matrix
        n x n, float64, entries 1.0 where area j is a neighbour of area i
        (row i), no self-links.  Symmetric for contiguity and distance
        weights, generally not for k-nearest neighbours.
    ids : pandas.Index
        Area identifiers in row order (the GeoDataFrame index).
    kind : str
        "queen", "rook", "knn", "distance" or "custom".
    parameter : int | float | None
        k for "knn", the band in metres for "distance", else None.
    islands : list
        ids of areas without neighbours.
    n_components : int
        Number of (weakly) connected components; every island is one.
    mean_neighbours : float
        Mean number of neighbours per area.
    """

    adjacency: sparse.csr_matrix
    ids: pd.Index
    kind: str
    parameter: int | float | None = None
    islands: list = field(init=False)
    n_components: int = field(init=False)
    mean_neighbours: float = field(init=False)

    def __post_init__(self):
        adj = self.adjacency
        n = adj.shape[0]
        self.ids = pd.Index(self.ids)
        if len(self.ids) != n:
            raise ValueError(f"ids has {len(self.ids)} entries but the adjacency has {n} rows; pass one id per area")
        card = self.cardinalities
        self.islands = list(self.ids[card == 0])
        self.n_components = int(connected_components(adj, directed=True, connection="weak")[0]) if n else 0
        self.mean_neighbours = float(card.mean()) if n else 0.0

    @property
    def n(self) -> int:
        return self.adjacency.shape[0]

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each area (int64, row order)."""
        return np.diff(self.adjacency.indptr).astype(np.int64)

    @property
    def n_islands(self) -> int:
        return len(self.islands)

    @property
    def is_symmetric(self) -> bool:
        a = self.adjacency
        return (a != a.T).nnz == 0

    def describe(self) -> str:
        """One line for a caption, e.g. 'queen contiguity: 1,700 areas, 5.85 neighbours on average ...'."""
        if self.kind == "knn":
            label = f"{self.parameter} nearest neighbours"
        elif self.kind == "distance":
            label = f"neighbours within {self.parameter:,.0f} m"
        elif self.kind in ("queen", "rook"):
            label = f"{self.kind} contiguity"
        else:
            label = f"{self.kind} weights"
        card = self.cardinalities
        rng = f" (min {card.min()}, max {card.max()})" if self.n else ""
        isl = f"{self.n_islands:,} island" + ("" if self.n_islands == 1 else "s")
        if self.n_islands:
            shown = ", ".join(str(i) for i in self.islands[:3])
            isl += f" ({shown}{', ...' if self.n_islands > 3 else ''})"
        comp = f"{self.n_components:,} connected component" + ("" if self.n_components == 1 else "s")
        return f"{label}: {self.n:,} areas, {self.mean_neighbours:.2f} neighbours on average{rng}, {isl}, {comp}"

    def __repr__(self) -> str:
        return f"SpatialWeights({self.describe()})"

    @classmethod
    def from_adjacency(cls, matrix, ids=None, kind: str = "custom", parameter=None) -> "SpatialWeights":
        """Wrap any square matrix: non-zero off-diagonal entries become 1, the diagonal is dropped."""
        if not sparse.issparse(matrix):
            matrix = np.asarray(matrix)
            if matrix.ndim != 2:
                raise ValueError(f"adjacency must be a square 2-D matrix, got shape {matrix.shape}")
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"adjacency must be square (n x n), got shape {matrix.shape}")
        coo = sparse.coo_matrix(matrix)
        keep = (coo.row != coo.col) & (coo.data != 0)
        n = matrix.shape[0]
        adj = _csr_from_pairs(coo.row[keep], coo.col[keep], n)
        ids = pd.RangeIndex(n) if ids is None else ids
        return cls(adj, ids, kind, parameter)


def parse_weights_spec(spec: str) -> tuple[str, int | float | None]:
    """Parse "queen" | "rook" | "knn:8" | "distance:1500" into (kind, parameter).

    Raises ValueError with the accepted forms when the text is not understood.
    """
    if not isinstance(spec, str):
        raise ValueError(f"weights spec must be text, got {type(spec).__name__}; {_SPEC_HELP}")
    text = spec.strip().lower()
    if text in ("queen", "rook"):
        return text, None
    m = re.fullmatch(r"(knn|distance)\s*:\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)", text)
    if not m:
        raise ValueError(f"weights spec {spec!r} not understood; {_SPEC_HELP}")
    kind, value = m.group(1), float(m.group(2))
    if kind == "knn":
        if not value.is_integer() or value < 1:
            raise ValueError(f"knn needs a whole number of neighbours >= 1, got {m.group(2)!r}; e.g. \"knn:8\"")
        return kind, int(value)
    if value <= 0:
        raise ValueError(f"distance band must be > 0 metres, got {m.group(2)!r}; e.g. \"distance:1500\"")
    return kind, value


def build_weights(gdf, kind: str = "queen", k: int | None = None, distance: float | None = None) -> SpatialWeights:
    """Binary spatial weights for the rows of ``gdf`` (ids = ``gdf.index``).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or GeoSeries
        Polygons (or, for knn/distance, any geometries) in a projected CRS in
        metres, e.g. British National Grid (EPSG:27700).
    kind : "queen" | "rook" | "knn" | "distance", or a full spec such as "knn:8"
    k : number of nearest neighbours (kind="knn")
    distance : band in metres between centroids (kind="distance"); pairs at
        exactly this distance are neighbours.
    """
    if isinstance(kind, str) and ":" in kind:
        kind, param = parse_weights_spec(kind)
        if kind == "knn":
            k = param if k is None else k
        else:
            distance = param if distance is None else distance
    if kind not in WEIGHT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(WEIGHT_KINDS)}, got {kind!r}")
    geoms, ids = _validate_gdf(gdf, kind)
    n = len(geoms)

    if kind in ("queen", "rook"):
        if k is not None or distance is not None:
            raise ValueError(f"{kind} contiguity takes no k or distance; use kind='knn' or kind='distance' for those")
        rows, cols = _vertex_contiguity(geoms, rook=(kind == "rook"))
        return SpatialWeights(_csr_from_pairs(rows, cols, n), ids, kind, None)

    xy = shapely.get_coordinates(shapely.centroid(geoms))
    if kind == "knn":
        if distance is not None:
            raise ValueError("knn weights take k, not distance")
        if k is None or isinstance(k, bool) or not float(k).is_integer() or int(k) < 1:
            raise ValueError(f"knn weights need a whole number k >= 1 (got {k!r}); e.g. build_weights(gdf, 'knn', k=8)")
        k = int(k)
        if k > n - 1:
            raise ValueError(f"k={k} is too large for {n} areas; use k <= {n - 1}")
        rows, cols = _knn_pairs(xy, k)
        return SpatialWeights(_csr_from_pairs(rows, cols, n), ids, "knn", k)

    if k is not None:
        raise ValueError("distance weights take distance (metres), not k")
    if distance is None or isinstance(distance, bool) or not np.isfinite(float(distance)) or float(distance) <= 0:
        raise ValueError(
            f"distance weights need a band in metres > 0 (got {distance!r}); e.g. build_weights(gdf, 'distance', distance=1500)"
        )
    distance = float(distance)
    pairs = cKDTree(xy).query_pairs(distance, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return SpatialWeights(_csr_from_pairs(rows, cols, n), ids, "distance", distance)


# --------------------------------------------------------------------------- helpers


def _validate_gdf(gdf, kind):
    geometry = getattr(gdf, "geometry", None)
    if geometry is None or not hasattr(geometry, "values"):
        raise ValueError(
            f"expected a GeoDataFrame or GeoSeries of polygons, got {type(gdf).__name__}; "
            "build one with geopandas.GeoDataFrame(df, geometry=...)"
        )
    if len(gdf) < 2:
        raise ValueError(f"need at least 2 areas to build weights, got {len(gdf)}")
    ids = pd.Index(gdf.index)
    if not ids.is_unique:
        dup = ids[ids.duplicated()][:3].tolist()
        raise ValueError(f"the index must identify areas uniquely (duplicates: {dup}); set_index on an area code or reset_index()")
    geoms = np.asarray(geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise ValueError(
            f"{int(missing.sum())} areas have no geometry (e.g. {ids[missing][:3].tolist()}); drop them or repair the boundaries first"
        )
    crs = getattr(gdf, "crs", None)
    if crs is not None and crs.is_geographic:
        raise ValueError(
            f"geometries are in a geographic CRS ({crs.to_string()}, degrees); reproject to metres first, e.g. gdf.to_crs(27700)"
        )
    if kind in ("knn", "distance"):
        if crs is None:
            raise ValueError(
                f"{kind} weights need distances in metres but the GeoDataFrame has no CRS; set it, e.g. gdf.set_crs(27700)"
            )
        unit = (crs.axis_info[0].unit_name if crs.axis_info else "").lower()
        if unit not in ("metre", "meter", "m"):
            raise ValueError(f"{kind} weights need a CRS in metres, this one is in {unit or 'unknown units'}; use gdf.to_crs(27700)")
    else:
        types = shapely.get_type_id(geoms)
        bad = ~np.isin(types, (3, 6))  # Polygon, MultiPolygon
        if bad.any():
            raise ValueError(
                f"{kind} contiguity needs Polygon/MultiPolygon geometries; {int(bad.sum())} are not "
                f"(e.g. {ids[bad][:3].tolist()}); use kind='knn' or 'distance' for points"
            )
    return geoms, ids


def _csr_from_pairs(rows, cols, n) -> sparse.csr_matrix:
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    # de-duplicate (i, j) pairs through a single integer key, then build CSR directly
    key = np.sort(rows * n + cols)
    if len(key):
        key = key[np.r_[True, key[1:] != key[:-1]]]
    r, c = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    adj = sparse.csr_matrix((np.ones(len(c)), c.astype(np.int32 if n < 2**31 else np.int64), indptr), shape=(n, n))
    adj.has_sorted_indices = True
    return adj


def _group_pairs(group, member):
    """All ordered (member_a, member_b) pairs of members sharing a group code.

    ``group`` and ``member`` are aligned int arrays; returned pairs may repeat
    and include a==b (callers de-duplicate).
    """
    order = np.lexsort((member, group))
    g, m = group[order], member[order]
    # drop exact repeats of (group, member) to keep groups small
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (m[1:] != m[:-1])
    g, m = g[first], m[first]
    # keep only groups with >= 2 members
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(g)])
    multi = np.repeat(sizes >= 2, sizes)
    g, m = g[multi], m[multi]
    rows, cols = [], []
    d = 1
    while d < len(g):
        same = g[d:] == g[:-d]
        if not same.any():
            break
        a, b = m[:-d][same], m[d:][same]
        rows += [a, b]
        cols += [b, a]
        d += 1
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _vertex_contiguity(geoms, rook):
    """Queen/rook neighbour pairs from shared vertices/edges (vectorised vertex-set rule)."""
    if not rook:
        coords, coord_geom = shapely.get_coordinates(geoms, return_index=True)
        coord_ring = None
    else:
        # rings are needed so that the step from one ring (or part) to the next is not taken as an edge;
        # only MultiPolygons are split into parts (get_parts is comparatively slow)
        multi = np.flatnonzero(shapely.get_type_id(geoms) == 6)
        single = np.flatnonzero(shapely.get_type_id(geoms) != 6)
        parts, part_of = shapely.get_parts(geoms[multi], return_index=True)
        polys = np.concatenate([geoms[single], parts])
        poly_geom = np.concatenate([single, multi[part_of]])
        rings, ring_poly = shapely.get_rings(polys, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        coord_geom = poly_geom[ring_poly[coord_ring]]
    # identical coordinates -> identical integer code (hash-based, no float sort)
    codes, _ = pd.factorize(coords[:, 0] + 1j * coords[:, 1])
    codes = codes.astype(np.int64)
    if not rook:
        return _group_pairs(codes, coord_geom)
    # edges = consecutive vertices of the same ring (each ring is closed, so this covers every side)
    same_ring = coord_ring[1:] == coord_ring[:-1]
    a, b = codes[:-1][same_ring], codes[1:][same_ring]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    ok = lo != hi  # repeated vertices are not edges
    edge_codes, _ = pd.factorize(lo[ok] * (int(codes.max()) + 1) + hi[ok])
    return _group_pairs(edge_codes.astype(np.int64), coord_geom[:-1][same_ring][ok])


def _knn_pairs(xy, k):
    n = len(xy)
    kk = min(k + 1, n)
    _, nbr = cKDTree(xy).query(xy, k=kk)
    nbr = np.asarray(nbr).reshape(n, kk)
    is_self = nbr == np.arange(n)[:, None]
    # each row keeps k entries: drop self if present, otherwise the farthest extra one
    drop = is_self.copy()
    no_self = ~is_self.any(axis=1)
    drop[no_self, kk - 1] = True
    rows = np.repeat(np.arange(n), kk)[~drop.ravel()]
    cols = nbr.ravel()[~drop.ravel()]
    return rows, cols

"""Synthetic England-scale LSOA-like polygons (fixed seed), shared by the benchmarks.

``england_lsoas(n=35_000)`` returns a GeoDataFrame in British National Grid: a Voronoi
tessellation of ``n`` points over a 361 x 361 km box (130,000 km2, England's area), 65 % of the
points around 90 towns of varied size and 35 % spread evenly, so cells range from a few hectares
in towns to tens of km2 in the country, like real LSOAs (~1,500 residents each). Every shared edge
is drawn once as a polyline with ``extra`` interior vertices displaced sideways (a tapered random
walk), and both neighbouring cells use exactly the same coordinates, so the result is a clean
coverage: queen contiguity by shared vertices works as on published boundaries. Cells are clipped
to the box by mirroring the points across its sides (exact, no floating intersection).

Vertex density: ``style="bsc"`` matches the bundled West Midlands file (ONS LSOA 2021 BSC,
super-generalised 200 m: a median of 8 coordinates per polygon, closing one included);
``style="bgc"`` gives ~20-60 (median ~35), like the generalised 20 m (BGC) boundaries.
"""

from __future__ import annotations

import numpy as np

BOX_M = 361_000.0
X0, Y0 = 150_000.0, 120_000.0  # lower-left corner in BNG metres (central England)
SEED = 20261126

# interior vertices added per shared edge: probabilities for 0, 1, 2, ... (Voronoi cells have ~6 edges)
_EXTRA = {
    "bsc": [0.78, 0.18, 0.04],
    "bgc": [0, 0, 0.05, 0.15, 0.25, 0.25, 0.15, 0.1, 0.05],
}


def _points(n, rng):
    n_town = int(0.65 * n)
    n_towns = 90
    centres = rng.uniform(0.05 * BOX_M, 0.95 * BOX_M, (n_towns, 2))
    size = rng.lognormal(0.0, 1.0, n_towns)
    sigma = np.clip(2500.0 * np.sqrt(size), 1200.0, 12_000.0)
    which = rng.choice(n_towns, size=n_town, p=size / size.sum())
    town = centres[which] + rng.normal(0.0, 1.0, (n_town, 2)) * sigma[which, None]
    spread = rng.uniform(0.0, BOX_M, (n - n_town, 2))
    pts = np.concatenate([town, spread])
    inside = (pts > 1.0).all(axis=1) & (pts < BOX_M - 1.0).all(axis=1)
    while not inside.all():  # redraw points that fell outside the box
        pts[~inside] = rng.uniform(0.0, BOX_M, ((~inside).sum(), 2))
        inside = (pts > 1.0).all(axis=1) & (pts < BOX_M - 1.0).all(axis=1)
    return pts


def _edge_polyline(p, q, m, amp, rng):
    """m interior points between p and q, displaced sideways by a tapered random walk (amp x length)."""
    if m == 0:
        return np.empty((0, 2))
    t = np.sort(rng.uniform(0.1, 0.9, m))
    d = q - p
    length = np.hypot(*d)
    normal = np.array([-d[1], d[0]]) / max(length, 1e-9)
    walk = np.cumsum(rng.normal(0.0, 1.0, m))
    walk -= t * walk[-1]  # bridge: ends near 0
    off = amp * length * np.sin(np.pi * t) * walk / max(1.0, np.abs(walk).max())
    return p + t[:, None] * d + off[:, None] * normal


def england_lsoas(n: int = 35_000, style: str = "bsc", seed: int = SEED, amp: float = 0.12):
    """GeoDataFrame (EPSG:27700) of ``n`` LSOA-like polygons with area_code/area_name/lad_name/ward_name."""
    import geopandas as gpd
    import shapely
    from scipy.spatial import Voronoi

    rng = np.random.default_rng(seed)
    pts = _points(n, rng)
    B = BOX_M
    mirrored = [pts, np.c_[-pts[:, 0], pts[:, 1]], np.c_[2 * B - pts[:, 0], pts[:, 1]],
                np.c_[pts[:, 0], -pts[:, 1]], np.c_[pts[:, 0], 2 * B - pts[:, 1]]]
    vor = Voronoi(np.concatenate(mirrored))
    V = vor.vertices
    probs = np.asarray(_EXTRA[style], float)
    probs /= probs.sum()

    rp, rv = vor.ridge_points, vor.ridge_vertices
    keep = (rp < n).any(axis=1)
    edges = {}
    ridge_list = [(int(a), int(b), bool((pp < n).all())) for (a, b), pp, k in zip(rv, rp, keep) if k]
    m_all = rng.choice(len(probs), size=len(ridge_list), p=probs)

    def build(straight):
        for (a, b, interior), m, key in zip(ridge_list, m_all, range(len(ridge_list))):
            lo, hi = (a, b) if a < b else (b, a)
            r = np.random.default_rng([seed, key])
            wiggle = amp if (interior and lo not in straight and hi not in straight) else 0.0
            edges[(lo, hi)] = _edge_polyline(V[lo], V[hi], int(m), wiggle, r)

    def polygons():
        coords, ring_idx = [], []
        for i in range(n):
            region = vor.regions[vor.point_region[i]]
            parts = []
            for j, a in enumerate(region):
                b = region[(j + 1) % len(region)]
                mid = edges[(a, b)] if a < b else edges[(b, a)][::-1]
                parts.append(V[a][None, :])
                parts.append(mid)
            ring = np.concatenate(parts + [V[region[0]][None, :]])
            coords.append(ring)
            ring_idx.append(np.full(len(ring), i))
        c = np.concatenate(coords)
        rings = shapely.linearrings(c + [X0, Y0], indices=np.concatenate(ring_idx))
        polys = shapely.polygons(rings)
        # orient like published boundaries (exterior counter-clockwise)
        return shapely.orient_polygons(polys) if hasattr(shapely, "orient_polygons") else polys

    straight: set[int] = set()
    build(straight)
    polys = polygons()
    for _ in range(6):  # straighten the edges of any self-intersecting cell, then rebuild
        bad = np.flatnonzero(~shapely.is_valid(polys))
        if not len(bad):
            break
        for i in bad:
            straight.update(vor.regions[vor.point_region[i]])
        build(straight)
        polys = polygons()

    # names like ONS's: "<LAD name> 012A", LAD = nearest of 296 seeds, ward = nearest of 6,900 (England's counts, scaled for other n)
    cent = shapely.get_coordinates(shapely.centroid(polys))
    from scipy.spatial import cKDTree

    n_lad, n_ward = max(1, round(296 * n / 35_000)), max(1, round(6_900 * n / 35_000))
    lad_seed = cent[rng.choice(n, n_lad, replace=False)]
    ward_seed = cent[rng.choice(n, n_ward, replace=False)]
    lad = cKDTree(lad_seed).query(cent)[1]
    ward = cKDTree(ward_seed).query(cent)[1]
    lad_names = np.array([f"{_word(rng)} {_word(rng)}".strip() for _ in range(n_lad)], dtype=object)
    ward_names = np.array([f"{_word(rng)} & {_word(rng)}" for _ in range(n_ward)], dtype=object)
    seq = np.zeros(n, dtype=np.int64)
    order = np.argsort(lad, kind="stable")
    seq[order] = np.arange(n) - np.searchsorted(lad[order], lad[order])
    names = [f"{lad_names[l]} {s // 4 + 1:03d}{'ABCD'[s % 4]}" for l, s in zip(lad, seq)]
    return gpd.GeoDataFrame(
        {"area_code": [f"E01{i:06d}" for i in range(n)], "area_name": names,
         "ward_code": [f"E05{w:06d}" for w in ward], "ward_name": ward_names[ward],
         "lad_code": [f"E06{l:06d}" for l in lad], "lad_name": lad_names[lad]},
        geometry=polys, crs=27700)


def _word(rng):
    syll = ["bar", "ton", "ley", "ham", "wick", "ford", "bury", "wood", "don", "mere", "ing", "stow", "by", "field"]
    k = rng.integers(2, 4)
    w = "".join(rng.choice(syll, k))
    return w.capitalize()


def clustered_values(gdf, seed: int = SEED + 1, integer: bool = False):
    """A violence-like measure with real hot spots: a smooth field plus 60 peaks, lognormal noise."""
    import shapely

    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(shapely.centroid(gdf.geometry.to_numpy()))
    x, y = c[:, 0], c[:, 1]
    lam = np.full(len(x), 4.0)
    for _ in range(60):
        i = rng.integers(len(x))
        lam += rng.uniform(5, 25) * np.exp(-((x - x[i]) ** 2 + (y - y[i]) ** 2) / (2 * rng.uniform(1500, 6000) ** 2))
    if integer:
        return rng.poisson(lam).astype(float)
    return lam * rng.lognormal(0.0, 0.35, len(x))


def vertex_stats(geoms) -> dict:
    """Coordinates per polygon (closing coordinate included), as percentiles."""
    import shapely

    nv = shapely.get_num_coordinates(np.asarray(geoms))
    p = np.percentile(nv, [10, 50, 90])
    return {"p10": float(p[0]), "median": float(p[1]), "p90": float(p[2]), "mean": float(nv.mean())}


def cached_england(n: int = 35_000, style: str = "bsc", seed: int = SEED):
    """``england_lsoas`` cached as GeoParquet in benchmarks/.cache/ (git-ignored; delete to regenerate)."""
    import hashlib
    from pathlib import Path

    import geopandas as gpd

    here = Path(__file__).resolve().parent
    code = hashlib.sha1((here / "england.py").read_bytes()).hexdigest()[:10]
    path = here / ".cache" / f"england_{style}_{n}_{seed}_{code}.parquet"
    if path.exists():
        return gpd.read_parquet(path)
    gdf = england_lsoas(n, style, seed)
    path.parent.mkdir(exist_ok=True)
    gdf.to_parquet(path)
    return gdf

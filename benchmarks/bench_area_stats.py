"""Time analytics' area statistics against esda on a synthetic England-sized lattice.

    .venv/bin/python benchmarks/bench_area_stats.py [--n-side 187] [--permutations 999] [--repeats 5] [--no-esda]

Builds n_side x n_side "brick" polygons (34,969 by default; queen contiguity
gives 6 neighbours inside, like hexagons; vertices jittered) and prints
median wall-clock seconds.  esda is run with n_jobs=1 (faster than -1 on 2
cores) and a libpysal.graph.Graph; its first ("cold") call includes numba
compilation, which esda repeats in every new process.  Run it alone: other
load on the machine distorts the numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def brick_lattice(n_side: int, size: float = 400.0, jitter: float = 60.0, seed: int = 0):
    """GeoDataFrame (EPSG:27700) of n_side^2 brick-bonded cells sharing jittered vertices exactly."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    nx = ny = n_side
    ax = np.arange(2 * nx + 2) * (size / 2)
    by = np.arange(ny + 1) * size
    X, Y = np.meshgrid(ax, by, indexing="ij")
    X = X + rng.uniform(-jitter, jitter, X.shape) + 300_000
    Y = Y + rng.uniform(-jitter, jitter, Y.shape) + 200_000
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    i, j = i.ravel(), j.ravel()
    a0 = 2 * i + (j % 2)
    ring_a = np.stack([a0, a0 + 1, a0 + 2, a0 + 2, a0 + 1, a0, a0], axis=1)
    ring_b = np.stack([j, j, j, j + 1, j + 1, j + 1, j], axis=1)
    coords = np.stack([X[ring_a, ring_b], Y[ring_a, ring_b]], axis=2)
    polys = shapely.polygons(coords)
    return gpd.GeoDataFrame({"code": [f"A{k:06d}" for k in range(len(polys))]}, geometry=polys, crs=27700).set_index("code")


def clustered_counts(gdf, seed: int = 1):
    rng = np.random.default_rng(seed)
    c = gdf.geometry.centroid
    x, y = c.x.to_numpy(), c.y.to_numpy()
    lam = 3.0 + 0 * x
    for _ in range(25):
        cx, cy = rng.choice(x), rng.choice(y)
        lam += 12 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 1500.0**2))
    return rng.poisson(lam).astype(float)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-side", type=int, default=187)
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-esda", action="store_true")
    args = ap.parse_args()
    P, R = args.permutations, args.repeats

    t = time.perf_counter()
    from analytics.getis_ord import GetisOrdGiStar
    from analytics.hotspot_stats import area_statistics
    from analytics.moran import BivariateLocalMoran, GlobalMoran, LocalMoran
    from analytics.weights import build_weights

    print(f"import analytics: {time.perf_counter() - t:.2f} s")
    gdf = brick_lattice(args.n_side)
    n = len(gdf)
    y = clustered_counts(gdf)
    print(f"{n:,} polygons, {P} permutations, median of {R}")

    t = time.perf_counter()
    w = build_weights(gdf, "queen")
    print(f"first call  build_weights queen: {time.perf_counter() - t:.3f} s   {w.describe()}")
    t = time.perf_counter()
    area_statistics(y, w, permutations=P, seed=0)
    print(f"first call  area_statistics (Gi* + local Moran): {time.perf_counter() - t:.3f} s")

    rows = [
        ("build_weights queen", lambda: build_weights(gdf, "queen")),
        ("build_weights rook", lambda: build_weights(gdf, "rook")),
        ("build_weights knn:8", lambda: build_weights(gdf, "knn", k=8)),
        ("area_statistics (Gi* + local Moran, shared draws)", lambda: area_statistics(y, w, permutations=P, seed=0)),
        ("GetisOrdGiStar alone", lambda: GetisOrdGiStar(y, w, permutations=P, seed=0)),
        ("LocalMoran alone", lambda: LocalMoran(y, w, permutations=P, seed=0)),
        ("BivariateLocalMoran", lambda: BivariateLocalMoran(y, np.sqrt(y + 1), w, permutations=P, seed=0)),
        ("GlobalMoran", lambda: GlobalMoran(y, w, permutations=P, seed=0)),
    ]
    for name, fn in rows:
        med, _ = median_time(fn, R)
        print(f"ours  {name:<52s} {med:8.3f} s")

    if args.no_esda:
        return
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    import esda
    from libpysal.graph import Graph

    print(f"import esda: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    g = Graph.build_contiguity(gdf, rook=False)
    print(f"esda  libpysal Graph.build_contiguity queen: {time.perf_counter() - t:.3f} s")

    def gl():
        return esda.G_Local(y, g, star=True, transform="B", permutations=P, n_jobs=1, seed=0, keep_simulations=False)

    def ml():
        return esda.Moran_Local(y, g, permutations=P, n_jobs=1, seed=0, keep_simulations=False)

    t = time.perf_counter()
    e = gl()
    print(f"esda  G_Local star B first call (numba compile): {time.perf_counter() - t:.3f} s")
    t = time.perf_counter()
    ml()
    print(f"esda  Moran_Local first call (numba compile):    {time.perf_counter() - t:.3f} s")
    gi = GetisOrdGiStar(y, w, permutations=0)
    print(f"check: max |z ours - esda Zs| = {np.abs(gi.z - e.Zs).max():.2e}")
    mg, _ = median_time(gl, R)
    mm, _ = median_time(ml, R)
    mgl, _ = median_time(lambda: esda.Moran(y, g, permutations=P), R)
    print(f"esda  G_Local star B warm                     {mg:8.3f} s")
    print(f"esda  Moran_Local warm                        {mm:8.3f} s")
    print(f"esda  Gi* + local Moran warm total            {mg + mm:8.3f} s")
    print(f"esda  Moran (global) warm                     {mgl:8.3f} s")


if __name__ == "__main__":
    main()

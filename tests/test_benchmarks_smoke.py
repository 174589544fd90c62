"""The benchmark helpers still work (no timing here: benchmarks run on demand, python -m benchmarks)."""

import numpy as np
import shapely

from benchmarks.england import clustered_values, england_lsoas, vertex_stats
from benchmarks.run import table, verdict


def test_synthetic_lsoas_are_a_clean_coverage_like_the_bundled_file():
    gdf = england_lsoas(400, "bsc", seed=7)
    geoms = gdf.geometry.to_numpy()
    assert len(gdf) == 400 and gdf.crs.to_epsg() == 27700
    assert shapely.is_valid(geoms).all()
    # a coverage: the cells tile the box without overlaps
    box = 361_000.0**2
    assert abs(shapely.area(geoms).sum() - box) / box < 1e-9
    assert abs(shapely.union_all(geoms).area - box) / box < 1e-9
    stats = vertex_stats(geoms)
    assert 6 <= stats["median"] <= 10  # like the bundled BSC LSOAs (median 8)
    from analytics.weights import build_weights

    w = build_weights(gdf, "queen")
    assert w.n_islands == 0 and w.n_components == 1 and 5 < w.mean_neighbours < 6.5
    y = clustered_values(gdf)
    assert y.shape == (400,) and np.isfinite(y).all() and (y > 0).all()


def test_denser_style_has_more_vertices_and_the_same_neighbours():
    from analytics.weights import build_weights

    bsc, bgc = england_lsoas(300, "bsc", seed=3), england_lsoas(300, "bgc", seed=3)
    assert vertex_stats(bgc.geometry.values)["median"] > 3 * vertex_stats(bsc.geometry.values)["median"]
    a, b = build_weights(bsc, "queen").adjacency, build_weights(bgc, "queen").adjacency
    assert (a != b).nnz == 0


def test_table_verdicts():
    ok = {"section": "2 x", "metric": "m", "value": 0.1, "unit": "s", "ratio": 0.02, "target": ["<=", 0.5]}
    miss = {"section": "1 x", "metric": "n", "value": 12.0, "unit": "s", "target": ["<=", 5.0], "note": ""}
    assert verdict(ok) == "PASS"
    assert verdict(miss) == "MISS 2.4x over"
    text = table([miss, ok])
    assert "PASS" in text and "MISS 2.4x over" in text

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from analytics.weights import SpatialWeights, build_weights, parse_weights_spec

REPO = Path(__file__).resolve().parents[2]


def grid(nx, ny, size=100.0, jitter=0.0, seed=0, x0=400_000.0, y0=280_000.0):
    """nx * ny quadrilaterals sharing (optionally jittered) vertices exactly; row-major ids 'c{i}_{j}'."""
    rng = np.random.default_rng(seed)
    X, Y = np.meshgrid(np.arange(nx + 1) * size + x0, np.arange(ny + 1) * size + y0, indexing="ij")
    if jitter:
        X = X + rng.uniform(-jitter, jitter, X.shape)
        Y = Y + rng.uniform(-jitter, jitter, Y.shape)
    polys, ids = [], []
    for j in range(ny):
        for i in range(nx):
            polys.append(shapely.Polygon([(X[i, j], Y[i, j]), (X[i + 1, j], Y[i + 1, j]),
                                          (X[i + 1, j + 1], Y[i + 1, j + 1]), (X[i, j + 1], Y[i, j + 1])]))
            ids.append(f"c{i}_{j}")
    return gpd.GeoDataFrame(geometry=polys, index=ids, crs=27700)


def neighbours(w, area):
    row = w.ids.get_loc(area)
    return sorted(w.ids[w.adjacency[row].indices])


def test_three_by_three_grid_by_hand():
    g = grid(3, 3)
    rook = build_weights(g, "rook")
    queen = build_weights(g, "queen")
    assert neighbours(rook, "c1_1") == ["c0_1", "c1_0", "c1_2", "c2_1"]
    assert neighbours(rook, "c0_0") == ["c0_1", "c1_0"]
    assert neighbours(queen, "c0_0") == ["c0_1", "c1_0", "c1_1"]
    assert len(neighbours(queen, "c1_1")) == 8
    # rook: 4 corners x 2 + 4 edges x 3 + centre 4 = 24 links; queen adds 2 diagonals per inner corner: 40
    assert rook.adjacency.nnz == 24 and queen.adjacency.nnz == 40
    for w in (rook, queen):
        a = w.adjacency
        assert a.shape == (9, 9) and a.diagonal().sum() == 0 and set(a.data) == {1.0}
        assert (a != a.T).nnz == 0
        assert w.islands == [] and w.n_components == 1
        assert list(w.ids) == list(g.index)
    assert rook.mean_neighbours == pytest.approx(24 / 9)
    assert "rook contiguity: 9 areas, 2.67 neighbours on average (min 2, max 4), 0 islands, 1 connected component" == rook.describe()


def _libpysal_adjacency(gdf, rook):
    from libpysal.graph import Graph

    a = Graph.build_contiguity(gdf, rook=rook).sparse.tocsr()
    a.setdiag(0)
    a.eliminate_zeros()
    a.data[:] = 1
    return a


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_matches_libpysal_on_jittered_grid(kind):
    g = grid(25, 20, jitter=30)
    w = build_weights(g, kind)
    assert abs(w.adjacency - _libpysal_adjacency(g, kind == "rook")).sum() == 0


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_matches_libpysal_on_real_west_midlands_lsoas(kind):
    path = REPO / "data" / "boundaries" / "lsoa21_wm.geojson"
    if not path.exists():
        pytest.skip("bundled WM LSOA boundaries not present")
    g = gpd.read_file(path).to_crs(27700)
    w = build_weights(g, kind)
    assert abs(w.adjacency - _libpysal_adjacency(g, kind == "rook")).sum() == 0
    assert w.islands == []


def test_multipolygon_parts_each_give_neighbours_and_no_phantom_edge():
    # area "m" has two parts: one touching "a" (left) by an edge, one touching "b" (right) by an edge
    a = box(0, 0, 100, 100)
    b = box(500, 0, 600, 100)
    m = MultiPolygon([box(100, 0, 200, 100), box(400, 0, 500, 100)])
    # "c" has an edge from the last vertex of m's first part to the first vertex of its second part:
    # a vertex-sequence approach that ignored part boundaries would invent a rook link m-c
    m_coords = shapely.get_coordinates(m)
    p_end, q_start = m_coords[4], m_coords[5]
    c = shapely.Polygon([p_end, q_start, (q_start[0], -300), (p_end[0], -300)])
    g = gpd.GeoDataFrame(geometry=[a, b, m, c], index=["a", "b", "m", "c"], crs=27700)
    rook = build_weights(g, "rook")
    assert neighbours(rook, "m") == ["a", "b"]
    assert abs(rook.adjacency - _libpysal_adjacency(g, True)).sum() == 0
    queen = build_weights(g, "queen")
    assert neighbours(queen, "m") == ["a", "b", "c"]  # c shares vertices with m, not an edge


def test_island_is_reported_not_fatal():
    g = grid(4, 4)
    far = gpd.GeoDataFrame(geometry=[box(900_000, 100_000, 900_100, 100_100)], index=["far"], crs=27700)
    g = gpd.GeoDataFrame(pd.concat([g, far]), crs=27700)
    for kind in ("queen", "rook"):
        w = build_weights(g, kind)
        assert w.islands == ["far"] and w.n_islands == 1
        assert w.n_components == 2
        assert w.cardinalities[-1] == 0
        assert "1 island (far)" in w.describe() and "2 connected components" in w.describe()
    d = build_weights(g, "distance", distance=150)
    assert d.islands == ["far"]


def test_knn_by_hand_and_against_brute_force():
    # five squares whose centroids lie at x = 0, 100, 250, 450, 1000 on one line
    xs = [0, 100, 250, 450, 1000]
    g = gpd.GeoDataFrame(geometry=[box(x - 10, -10, x + 10, 10) for x in xs], index=list("abcde"), crs=27700)
    w = build_weights(g, "knn", k=2)
    assert neighbours(w, "a") == ["b", "c"]
    assert neighbours(w, "c") == ["b", "d"]  # b is 150 m away, d 200 m, a 250 m
    assert neighbours(w, "e") == ["c", "d"]
    assert w.kind == "knn" and w.parameter == 2 and w.mean_neighbours == 2

    rng = np.random.default_rng(4)
    pts = rng.uniform(0, 10_000, size=(300, 2))
    g = gpd.GeoDataFrame(geometry=[box(x - 5, y - 5, x + 5, y + 5) for x, y in pts], crs=27700)
    w = build_weights(g, "knn:6")
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    expected = np.sort(np.argsort(d, axis=1)[:, :6], axis=1)
    got = np.array([np.sort(w.adjacency[i].indices) for i in range(300)])
    np.testing.assert_array_equal(got, expected)


def test_distance_band_includes_the_boundary_and_matches_brute_force():
    g = grid(6, 5, size=100)
    w = build_weights(g, "distance", distance=100)  # centroids 100 m apart: rook pattern, boundary included
    assert abs(w.adjacency - build_weights(g, "rook").adjacency).sum() == 0
    rng = np.random.default_rng(2)
    pts = rng.uniform(0, 5_000, size=(250, 2))
    g = gpd.GeoDataFrame(geometry=[box(x - 5, y - 5, x + 5, y + 5) for x, y in pts], crs=27700)
    w = build_weights(g, "distance:600")
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    expected = (d <= 600) & ~np.eye(250, dtype=bool)
    np.testing.assert_array_equal(w.adjacency.toarray() == 1, expected)
    assert w.parameter == 600.0 and w.kind == "distance"
    assert "neighbours within 600 m" in w.describe()


def test_ids_follow_the_index_and_reordering():
    g = grid(5, 4, jitter=20)
    perm = np.random.default_rng(0).permutation(len(g))
    w1, w2 = build_weights(g, "queen"), build_weights(g.iloc[perm], "queen")
    for area in g.index:
        assert neighbours(w1, area) == neighbours(w2, area)


@pytest.mark.parametrize(
    "spec, expected",
    [("queen", ("queen", None)), ("rook", ("rook", None)), (" KNN:8 ", ("knn", 8)), ("distance:1500", ("distance", 1500.0)),
     ("distance: 250.5", ("distance", 250.5))],
)
def test_parse_weights_spec(spec, expected):
    assert parse_weights_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "hexagon", "knn", "knn:", "knn:0", "knn:2.5", "knn:-3", "distance", "distance:0",
                                  "distance:-5", "distance:abc", "queen:3", 8, None])
def test_bad_weights_spec_raises(spec):
    with pytest.raises(ValueError, match=r"knn|distance|queen"):
        parse_weights_spec(spec)


def test_bad_inputs_raise_value_errors_that_say_what_to_do():
    g = grid(3, 3)
    with pytest.raises(ValueError, match="kind must be one of"):
        build_weights(g, "hex")
    with pytest.raises(ValueError, match="k >= 1"):
        build_weights(g, "knn")
    with pytest.raises(ValueError, match="too large"):
        build_weights(g, "knn", k=9)
    with pytest.raises(ValueError, match="metres > 0"):
        build_weights(g, "distance")
    with pytest.raises(ValueError, match="takes no k"):
        build_weights(g, "queen", k=4)
    with pytest.raises(ValueError, match=r"to_crs\(27700\)"):
        build_weights(g.to_crs(4326), "knn", k=2)
    with pytest.raises(ValueError, match="set_crs"):
        build_weights(g.set_crs(None, allow_override=True), "distance", distance=100)
    dup = g.copy()
    dup.index = ["x"] * 9
    with pytest.raises(ValueError, match="uniquely"):
        build_weights(dup, "queen")
    pts = g.copy()
    pts.geometry = g.centroid
    with pytest.raises(ValueError, match="Polygon"):
        build_weights(pts, "queen")
    assert build_weights(pts, "knn", k=2).mean_neighbours == 2  # points are fine for knn
    empty = g.copy()
    empty.loc["c0_0", "geometry"] = None
    with pytest.raises(ValueError, match="no geometry"):
        build_weights(empty, "queen")
    with pytest.raises(ValueError, match="GeoDataFrame"):
        build_weights(np.zeros(3), "queen")


def test_from_adjacency_drops_self_and_binarises():
    m = np.array([[5, 2, 0], [0.5, 1, 0], [0, 0, 3]])
    w = SpatialWeights.from_adjacency(m, ids=["a", "b", "c"])
    np.testing.assert_array_equal(w.adjacency.toarray(), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert w.islands == ["c"] and w.n_components == 2 and w.is_symmetric
    with pytest.raises(ValueError, match="square"):
        SpatialWeights.from_adjacency(np.zeros((2, 3)))

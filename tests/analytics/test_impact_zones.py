"""Target / buffer / comparison zones on small lattices, rings and points."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analytics.impact_zones import (adjacent_buffer, define_zones, label_points, matched_comparison,
                                    point_zone_counts, ring_buffer)
from analytics.weights import SpatialWeights, build_weights


def lattice(nrows, ncols, rook=True, prefix="A"):
    """Lattice weights with ids A00, A01, ... in row-major order."""
    import libpysal

    ids = [f"{prefix}{i:02d}" for i in range(nrows * ncols)]
    return SpatialWeights.from_adjacency(libpysal.weights.lat2W(nrows, ncols, rook=rook).sparse, ids=ids)


def squares(n=7):
    """n x n squares of 100 m in EPSG:27700, codes S<row><col>."""
    geoms = [shapely.box(x * 100, y * 100, x * 100 + 100, y * 100 + 100) for y in range(n) for x in range(n)]
    codes = [f"S{y}{x}" for y in range(n) for x in range(n)]
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs=27700)


# ---------------------------------------------------------------- adjacent buffer


def test_adjacent_buffer_on_a_3x3_rook_lattice():
    #  A00 A01 A02
    #  A03 A04 A05
    #  A06 A07 A08
    w = lattice(3, 3)
    assert adjacent_buffer(["A04"], w) == ["A01", "A03", "A05", "A07"]
    assert adjacent_buffer(["A00"], w) == ["A01", "A03"]
    # two target areas: neighbours of either, minus the target itself
    assert adjacent_buffer(["A00", "A01"], w) == ["A02", "A03", "A04"]
    z = define_zones(w.ids, ["A04"], weights=w)
    assert z.target == ["A04"] and z.buffer == ["A01", "A03", "A05", "A07"]
    assert z.comparison == ["A00", "A02", "A06", "A08"]  # the rest
    assert z.buffer_kind == "adjacent" and z.comparison_kind == "rest"


def test_adjacent_buffer_queen():
    w = lattice(3, 3, rook=False)
    assert adjacent_buffer(["A00"], w) == ["A01", "A03", "A04"]
    assert adjacent_buffer(["A04"], w) == [c for c in w.ids if c != "A04"]


def test_adjacent_buffer_from_polygons_equals_queen_contiguity():
    g = squares(5).set_index("area_code")
    w = build_weights(g, "queen")
    z = define_zones(w.ids, "S22", weights=w)
    assert z.buffer == ["S11", "S12", "S13", "S21", "S23", "S31", "S32", "S33"]
    assert len(z.comparison) == 25 - 9


def test_no_buffer_and_listed_zones():
    w = lattice(3, 3)
    z = define_zones(w.ids, ["A04"], buffer="none", weights=w)
    assert z.buffer == [] and len(z.comparison) == 8 and z.buffer_kind == "none"
    z = define_zones(w.ids, ["A04"], buffer=["A05"], comparison=["A00", "A08"])
    assert z.buffer == ["A05"] and z.comparison == ["A00", "A08"] and z.comparison_kind == "list"


# ---------------------------------------------------------------- ring buffer


def test_ring_buffer_rules():
    g = squares(7)
    # 50 m ring around the centre square S33: the 8 squares around it share area with the ring
    assert ring_buffer("S33", g, 50) == ["S22", "S23", "S24", "S32", "S34", "S42", "S43", "S44"]
    # 100 m: the next squares only touch the ring's outer edge, which does not count
    assert len(ring_buffer("S33", g, 100)) == 8
    # 150 m: the 5 x 5 block (corners are 141 m from the target's corners) minus the target
    assert len(ring_buffer("S33", g, 150)) == 24
    # "within": only squares lying entirely within 150 m (the 8 around it; their far corners are <= 141 m)
    assert len(ring_buffer("S33", g, 150, rule="within")) == 8
    z = define_zones(g["area_code"], ["S33"], buffer="150m", areas=g)
    assert len(z.buffer) == 24 and z.buffer_kind == "ring" and z.buffer_metres == 150
    assert "share some area with the 150 m ring" in z.rules["buffer"]
    assert len(z.comparison) == 49 - 25


def test_ring_buffer_needs_metres():
    g = squares(3)
    with pytest.raises(ValueError, match="geographic CRS"):
        ring_buffer("S11", g.to_crs(4326), 100)
    with pytest.raises(ValueError, match="width in metres > 0"):
        define_zones(g["area_code"], ["S11"], buffer=0, areas=g)
    with pytest.raises(ValueError, match="needs the area polygons"):
        define_zones(g["area_code"], ["S11"], buffer=200)
    with pytest.raises(ValueError, match="ring_rule"):
        ring_buffer("S11", g, 100, rule="touches")


# ---------------------------------------------------------------- matched comparison


def test_matched_comparison_excludes_target_buffer_and_their_neighbours():
    # 5 x 5 rook lattice, target A12 (centre); buffer = A07, A11, A13, A17
    # neighbours of target or buffer: A02, A06, A08, A10, A14, A16, A18, A22 -> excluded too
    w = lattice(5, 5)
    counts = pd.Series(10.0, index=w.ids)
    dep = pd.Series(10.0, index=w.ids)
    counts["A12"], dep["A12"] = 50.0, 30.0
    # the perfect twins are neighbours of the buffer: never chosen
    for c in ("A06", "A08", "A16", "A18"):
        counts[c], dep[c] = 50.0, 30.0
    # allowed candidates, by distance to the target (50, 30)
    counts["A00"], dep["A00"] = 48.0, 30.0
    counts["A24"], dep["A24"] = 50.0, 27.0
    counts["A04"], dep["A04"] = 40.0, 25.0
    z = define_zones(w.ids, ["A12"], comparison="matched", weights=w, before_counts=counts, deprivation=dep,
                     n_matched=2)
    assert z.buffer == ["A07", "A11", "A13", "A17"]
    # sd(counts) over 25 areas: values 50 x5, 48, 40, 10 x18 -> population sd; same for deprivation
    sd_c, sd_d = np.std(counts.to_numpy()), np.std(dep.to_numpy())
    d00 = np.hypot(2 / sd_c, 0 / sd_d)
    d24 = np.hypot(0 / sd_c, 3 / sd_d)
    d04 = np.hypot(10 / sd_c, 5 / sd_d)
    assert d00 < d24 < d04  # so the two nearest are A00 and A24
    assert z.comparison == ["A00", "A24"]
    m = z.matching
    assert m["n_candidates"] == 25 - 1 - 4 - 8 and m["k"] == 2
    assert m["sd"]["before_count"] == pytest.approx(sd_c)
    assert m["target_profile"] == {"before_count": 50.0, "deprivation": 30.0}
    assert m["matched_profile"] == {"before_count": 49.0, "deprivation": 28.5}
    assert not set(z.comparison) & {"A02", "A06", "A08", "A10", "A14", "A16", "A18", "A22"}


def test_matched_default_k_and_cap():
    w = lattice(6, 6)
    counts = pd.Series(np.arange(36.0), index=w.ids)
    # counts 0..35 in id order; target A00 (count 0), rook buffer A01, A06
    codes, meta = matched_comparison(["A00"], counts, w, exclude=["A01", "A06"])
    assert len(codes) == 5 and meta["k"] == 5  # 5 x 1 target area
    assert meta["used"] == ["before_count"] and "deprivation" not in meta["features"]
    # count-only matching: the lowest counts among the candidates; out are the target, the buffer and
    # their neighbours A02, A07, A12
    assert codes == ["A03", "A04", "A05", "A08", "A09"]
    # without the buffer passed as exclude only the target's own neighbours (A01, A06) are out
    assert matched_comparison(["A00"], counts, w)[0] == ["A02", "A03", "A04", "A05", "A07"]
    codes, meta = matched_comparison(["A00"], counts, w, k=1000)
    assert len(codes) == meta["n_candidates"] and "all are used" in meta["notes"][0]


def test_matched_needs_weights_and_scores():
    w = lattice(4, 4)
    counts = pd.Series(1.0, index=w.ids)
    with pytest.raises(ValueError, match="needs spatial weights"):
        matched_comparison(["A00"], counts, None)
    with pytest.raises(ValueError, match="no deprivation score"):
        matched_comparison(["A00"], counts, w, deprivation={"A01": 3.0})
    # 3 x 3 rook: target A04, buffer A01/A03/A05/A07, and their neighbours are the four corners: none left
    w3 = lattice(3, 3)
    with pytest.raises(ValueError, match="comparison is empty: no areas are left to match"):
        define_zones(w3.ids, ["A04"], comparison="matched", weights=w3, before_counts=pd.Series(1.0, index=w3.ids))


# ---------------------------------------------------------------- points


def test_label_points():
    cx, cy = 400000.0, 280000.0
    d = np.array([0.0, 99.9, 100.0, 100.5, 150.0, 150.1, 5000.0])  # radius 100, buffer 50
    e, n = cx + d * 0.6, cy + d * 0.8  # the same distances along a 3-4-5 direction
    assert label_points(e, n, (cx, cy), 100, 50).tolist() == ["T", "T", "T", "B", "B", "C", "C"]
    assert label_points(e, n, (cx, cy), 100).tolist() == ["T", "T", "T", "C", "C", "C", "C"]
    with pytest.raises(ValueError, match="longitude/latitude"):
        label_points([-1.9], [52.5], (-1.9, 52.48), 100)
    with pytest.raises(ValueError, match="radius_m must be"):
        label_points(e, n, (cx, cy), 0)
    with pytest.raises(ValueError, match="no coordinates"):
        label_points([np.nan], [1.0], (cx, cy), 100)


def test_point_zone_counts():
    pts = pd.DataFrame({"easting": [0, 50, 120, 130, 900, 900], "northing": [0, 0, 0, 0, 0, 0],
                        "month": ["2024-01", "2024-02", "2024-01", "2024-01", "2024-01", "2024-02"]})
    pts[["easting", "northing"]] += [400000, 280000]
    zc = point_zone_counts(pts, (400000, 280000), 100, 50)
    got = {(r.zone, r.month): r.count for r in zc.itertuples()}
    assert got == {("target", "2024-01"): 1, ("target", "2024-02"): 1, ("buffer", "2024-01"): 2,
                   ("comparison", "2024-01"): 1, ("comparison", "2024-02"): 1}


# ---------------------------------------------------------------- bad zones


def test_bad_zones():
    w = lattice(3, 3)
    with pytest.raises(ValueError, match="target is empty"):
        define_zones(w.ids, [], weights=w)
    with pytest.raises(ValueError, match=r"2 target code\(s\) are not among the 9 areas .*E01999999"):
        define_zones(w.ids, ["A04", "E01999999", "E01999998"], weights=w)
    with pytest.raises(ValueError, match="target and comparison lists overlap"):
        define_zones(w.ids, ["A04"], buffer="none", comparison=["A04", "A00"])
    with pytest.raises(ValueError, match="comparison overlaps the buffer"):
        define_zones(w.ids, ["A04"], weights=w, comparison=["A01"])
    with pytest.raises(ValueError, match="buffer and target lists overlap"):
        define_zones(w.ids, ["A04"], buffer=["A04"])
    with pytest.raises(ValueError, match="comparison is empty"):
        define_zones(w.ids, ["A04"], weights=lattice(3, 3, rook=False))  # queen buffer covers the rest
    with pytest.raises(ValueError, match="comparison is empty"):
        define_zones(w.ids, ["A04"], buffer="none", comparison=[])
    with pytest.raises(ValueError, match='buffer="adjacent" needs spatial weights'):
        define_zones(w.ids, ["A04"])
    with pytest.raises(ValueError, match="not understood"):
        define_zones(w.ids, ["A04"], buffer="nearby", weights=w)
    with pytest.raises(ValueError, match="not understood"):
        define_zones(w.ids, ["A04"], comparison="similar", weights=w)

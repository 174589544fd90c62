import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from analytics.grid import auto_cell_size, count_points_in_grid, make_grid

X0, Y0 = 400_000.0, 280_000.0  # somewhere in the West Midlands (BNG metres)


def study_area():
    """An irregular area: L-shaped block with a hole, plus a separate disc."""
    l_shape = shapely.Polygon(
        [(X0, Y0), (X0 + 6000, Y0), (X0 + 6000, Y0 + 2500), (X0 + 2500, Y0 + 2500),
         (X0 + 2500, Y0 + 7000), (X0, Y0 + 7000)],
        holes=[[(X0 + 700, Y0 + 700), (X0 + 1300, Y0 + 700), (X0 + 1300, Y0 + 1900), (X0 + 700, Y0 + 1900)]],
    )
    disc = shapely.Point(X0 + 9000, Y0 + 6000).buffer(1700, quad_segs=32)
    return shapely.MultiPolygon([l_shape, disc])


@pytest.mark.parametrize("shape", ["square", "hexagon"])
@pytest.mark.parametrize("cell", [None, 333.0])
def test_cells_are_clipped_and_tile_the_study_area(shape, cell):
    area = study_area()
    g = make_grid(area, cell_size_m=cell, shape=shape)
    cells = g.cells
    assert cells.crs.to_epsg() == 27700
    # no part of any cell lies outside the study area
    outside = shapely.area(shapely.difference(cells.geometry.values, area))
    assert outside.max() < 1e-6
    # the clipped cells add up to the study area, without overlaps
    assert cells["area_m2"].sum() == pytest.approx(area.area, rel=1e-9)
    assert shapely.union_all(cells.geometry.values).area == pytest.approx(area.area, rel=1e-9)
    assert (cells["area_m2"] > 0).all()
    assert ((cells["coverage"] > 0) & (cells["coverage"] <= 1)).all()
    # not the convex hull: nothing in the gap between the L and the disc
    gap = shapely.box(X0 + 6300, Y0 + 300, X0 + 7000, Y0 + 2000)
    assert not shapely.intersects(cells.geometry.values, gap).any()
    full = cells["full_area_m2"].iloc[0]
    expected_full = g.cell_size_m**2 if shape == "square" else np.sqrt(3) / 2 * g.cell_size_m**2
    assert full == pytest.approx(expected_full)


def test_auto_cell_size_rule_is_reported():
    # shorter side 7,000 m -> 7000 / 50 = 140 -> rounded down to 100 m
    g = make_grid(shapely.box(X0, Y0, X0 + 12_000, Y0 + 7_000))
    assert g.cell_size_m == 100
    assert g.cell_size_rule.startswith("auto")
    assert g.parameters["cell_size_m"] == 100
    # 40 km -> 800 m; small areas are rounded to one significant figure
    assert auto_cell_size((0, 0, 60_000, 40_000)) == 800
    assert auto_cell_size((0, 0, 3_650, 9_000)) == 70  # 73 -> 70
    assert make_grid(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), cell_size_m=250).cell_size_rule == "given"


def test_square_grid_aligned_to_multiples_of_cell_size():
    g = make_grid(shapely.box(X0 + 130, Y0 + 70, X0 + 2000, Y0 + 1500), cell_size_m=200)
    assert np.allclose((g.cells["x"] - 100) % 200, 0)
    assert np.allclose((g.cells["y"] - 100) % 200, 0)


def _brute_force_counts(cells, xy):
    # each point to the first clipped cell that covers it (boundaries are rare with random floats)
    geoms = cells.geometry.values
    counts = np.zeros(len(cells), dtype=int)
    for x, y in xy:
        hit = np.flatnonzero(shapely.intersects_xy(geoms, x, y))
        if len(hit):
            counts[hit[0]] += 1
    return counts


@pytest.mark.parametrize("shape", ["square", "hexagon"])
def test_count_points_matches_point_in_polygon(shape):
    area = study_area()
    g = make_grid(area, cell_size_m=500, shape=shape)
    rng = np.random.default_rng(3)
    xy = rng.uniform([X0 - 500, Y0 - 500], [X0 + 11_000, Y0 + 8_000], (3000, 2))
    counts = count_points_in_grid(g, xy)
    assert counts.index.equals(g.cells.index)
    np.testing.assert_array_equal(counts.to_numpy(), _brute_force_counts(g.cells, xy))
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1]).sum()
    assert counts.sum() == inside
    assert counts.attrs["n_outside"] == len(xy) - inside
    assert counts.attrs["n_points"] == len(xy)


def test_count_accepts_geodataframe_and_counts_duplicates():
    g = make_grid(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), cell_size_m=500)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([X0 + 100] * 5 + [X0 + 900], [Y0 + 100] * 5 + [Y0 + 900]),
                           crs=27700)
    counts = count_points_in_grid(g, pts)
    assert sorted(counts.tolist()) == [0, 0, 1, 5]


def test_input_validation():
    with pytest.raises(ValueError, match="to_crs"):
        make_grid(gpd.GeoSeries([shapely.box(-2, 52, -1.9, 52.1)], crs=4326))
    with pytest.raises(ValueError, match="degrees"):
        make_grid(shapely.box(-2, 52, -1.9, 52.1))
    with pytest.raises(ValueError, match="shape"):
        make_grid(study_area(), shape="triangle")
    with pytest.raises(ValueError, match="positive"):
        make_grid(study_area(), cell_size_m=0)
    with pytest.raises(ValueError, match="larger cell size"):
        make_grid(study_area(), cell_size_m=1)
    g = make_grid(study_area())
    with pytest.raises(ValueError, match="longitude/latitude"):
        count_points_in_grid(g, [[-1.9, 52.48]])
    with pytest.raises(ValueError, match="missing"):
        count_points_in_grid(g, [[X0, np.nan]])


def test_grid_cells_are_protected_and_gi_star_computed_after_suppression():
    """Two worlds that differ only in which of two cells holds 3 and which 2 incidents look the same."""
    from analytics.disclosure import DisclosurePolicy
    from analytics.grid_hotspots import grid_hotspots

    area = box(0, 0, 1000, 1000)
    busy = [(150.0 + i, 150.0) for i in range(40)]  # one busy cell

    def world(a, b):
        pts = busy + [(550.0, 550.0)] * a + [(850.0, 150.0)] * b + [(150.0, 850.0)] * 6
        return grid_hotspots(np.array(pts), area, cell_size_m=100, permutations=0, policy=DisclosurePolicy())

    one, two = world(3, 2), world(2, 3)
    assert one.cells["incidents_shown"].tolist() == two.cells["incidents_shown"].tolist()
    assert np.allclose(one.cells["gi_z"], two.cells["gi_z"])
    shown = one.cells.set_index("cell_id")["incidents_shown"]
    assert (shown[one.cells.set_index("cell_id")["incidents"].between(1, 4)] == "<5").all()
    assert "40" in set(shown) and "6" in set(shown)

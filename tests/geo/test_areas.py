"""Counting points in areas: strict point-in-polygon, checked against geopandas' own spatial join."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import bundled
from geo.areas import IN_GAP, OUTSIDE_EDGE, AreaIndex, assign_areas

BNG = "EPSG:27700"


def _frame(polys, codes):
    return gpd.GeoDataFrame({"area_code": codes}, geometry=polys, crs=BNG)


def _points(xy):
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=BNG)


def _with_inner_gap():
    """Two squares 2 m apart inside a frame: the strip between them is a gap inside the outer edge."""
    a = box(0, 0, 100, 100)
    b = box(102, 0, 202, 100)
    frame = box(-50, -50, 252, 150).difference(box(0, 0, 202, 100))
    return _frame([a, b, frame], ["A", "B", "F"])


def test_interior_points_match_the_geopandas_within_join():
    lsoa = bundled.boundaries("lsoa21")
    rng = np.random.default_rng(4)
    minx, miny, maxx, maxy = lsoa.total_bounds
    pts = _points(np.c_[rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
    ours = assign_areas(pts, lsoa)
    joined = gpd.sjoin(pts, lsoa[["area_code", "geometry"]], how="left", predicate="within")
    theirs = joined["area_code"].groupby(level=0).first().reindex(pts.index).fillna("")
    assert (ours.codes == theirs).all()
    assert ours.in_polygon == int(theirs.ne("").sum()) and ours.outside == int(theirs.eq("").sum())
    assert ours.snapped == 0


def test_points_beyond_the_outer_edge_are_outside_even_with_a_snap_tolerance():
    areas = _with_inner_gap()
    beyond = _points([(-60, 0), (260, 50), (100, 160), (101, 155)])  # 5-10 m beyond the frame's outer edge
    res = assign_areas(beyond, areas, snap_tolerance_m=250)
    assert res.codes.tolist() == ["", "", "", ""]
    assert (res.in_polygon, res.snapped, res.outside) == (0, 0, 4)
    assert res.outside_reason.eq(OUTSIDE_EDGE).all()


def test_inner_gaps_snap_only_within_the_tolerance_and_say_how_far():
    areas = _with_inner_gap()
    gap = _points([(100.5, 50), (101.6, 20)])
    strict = assign_areas(gap, areas)
    assert strict.codes.tolist() == ["", ""] and strict.outside == 2 and strict.outside_reason.eq(IN_GAP).all()
    snapped = assign_areas(gap, areas, snap_tolerance_m=5)
    assert snapped.codes.tolist() == ["A", "B"]
    assert snapped.snapped == 2 and snapped.max_snap_m == pytest.approx(0.5)
    assert "at most 0 m away" not in snapped.sentence() and "snap tolerance 5 m" in snapped.sentence()
    assert assign_areas(gap, areas, snap_tolerance_m=0.4).snapped == 0


def test_points_on_shared_edges_are_counted_once_in_the_first_area():
    areas = _frame([box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 100, 200)], ["A", "B", "C"])
    pts = _points([(100, 50), (50, 100), (100, 100), (0, 0), (200, 100), (150, 50)])
    res = assign_areas(pts, areas)
    assert res.codes.tolist() == ["A", "A", "A", "A", "B", "B"]
    assert res.in_polygon == 6 and res.outside == 0
    # geopandas "within" leaves edge points in no area: ours agree with it wherever it finds one
    joined = gpd.sjoin(pts, areas, how="left", predicate="within")["area_code"].groupby(level=0).first()
    interior = joined.notna()
    assert (res.codes[interior] == joined[interior]).all()


def test_repeated_coordinates_are_placed_once_and_every_copy_counted():
    areas = _frame([box(0, 0, 100, 100), box(100, 0, 200, 100)], ["A", "B"])
    pts = _points([(10, 10)] * 500 + [(150, 10)] * 300 + [(500, 500)] * 7)
    res = assign_areas(pts, AreaIndex.of(areas))
    assert res.codes.value_counts().to_dict() == {"A": 500, "B": 300, "": 7}
    assert "800 points fell inside" in res.sentence() and "7 lie outside every area" in res.sentence()


def test_supplied_codes_are_only_compared():
    areas = _frame([box(0, 0, 100, 100), box(100, 0, 200, 100)], ["A", "B"])
    pts = _points([(10, 10), (150, 10), (50, 50)])
    res = assign_areas(pts, areas, supplied=pd.Series(["A", "A", ""]))
    assert res.codes.tolist() == ["A", "B", "A"]
    assert (res.compared, res.disagree) == (2, 1)

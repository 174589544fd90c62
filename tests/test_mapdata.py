"""ui.mapdata: what the browser is sent for polygon maps (shapes, properties, unique edges)."""

import json

import geopandas as gpd
import numpy as np
import pydeck as pdk
import pytest
import shapely
import shapely.affinity
from shapely.geometry import Polygon, shape

from ui.layers import palette_index
from ui.mapdata import (COARSE, EDGES_MAX_AREAS, FINE, FINE_MAX_AREAS, REGIONAL, detail_for, edge_segments,
                         polygon_rows, to_geojson)
from ui.maps import palette_accessor

X0, Y0 = 407_000, 286_000  # central Birmingham, in British National Grid metres


def _squares() -> gpd.GeoDataFrame:
    """Two 100 m squares side by side: 8 ring segments, one of them shared."""
    left = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])
    right = Polygon([(X0 + 100, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0 + 100, Y0 + 100)])
    return gpd.GeoDataFrame({"code": ["A", "B"], "n": [np.int64(3), np.nan]}, geometry=[left, right], crs=27700)


def _zigzag_pair() -> gpd.GeoDataFrame:
    """Two areas whose shared boundary zigzags by 4 m (below a 15 m tolerance) every 50 m."""
    shared = [(X0 + 500 + (4 if i % 2 else 0), Y0 + 50 * i) for i in range(21)]  # south to north, 1 km
    west = Polygon([(X0, Y0), *shared, (X0, Y0 + 1000)])
    east = Polygon([*shared, (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0)])
    return gpd.GeoDataFrame({"code": ["W", "E"]}, geometry=[west, east], crs=27700)


def test_a_shared_edge_is_one_segment():
    segs = edge_segments(_squares(), tolerance_m=0)
    assert len(segs) == 7  # 4 + 4 ring segments, the middle edge counted once
    assert all(len(s) == 4 for s in segs)
    lon = np.array(segs)[:, [0, 2]]
    assert np.all((lon > -1.95) & (lon < -1.85))  # converted to WGS84 longitudes around Birmingham


def test_to_geojson_keeps_only_the_named_properties_json_ready():
    gj = to_geojson(_squares(), ["code", "n"], tolerance_m=0)
    props = [f["properties"] for f in gj["features"]]
    assert props == [{"code": "A", "n": 3}, {"code": "B", "n": None}]  # numpy int -> int, NaN -> null
    coords = np.array(gj["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, coords.round(5))  # 5 decimal places: about 1 m


def test_simplified_neighbours_still_meet_without_gap_or_overlap():
    pair = _zigzag_pair()
    gj = to_geojson(pair, ["code"], tolerance_m=15)
    west, east = (shape(f["geometry"]) for f in gj["features"])
    assert shapely.get_num_coordinates(west) < shapely.get_num_coordinates(pair.geometry[0])  # it did simplify
    # lon/lat degrees: compare with the shapes' own sizes rather than in square metres
    assert west.intersection(east).area < 1e-9 * west.area  # no overlap
    union = shapely.union_all([west, east])
    assert union.geom_type == "Polygon" and len(union.interiors) == 0  # no gap between them
    # and the shared boundary, drawn once, is the same line in both shapes
    segs = edge_segments(pair, tolerance_m=15)
    ring_segments = sum(shapely.get_num_coordinates(g.exterior) - 1 for g in (west, east))
    common = shapely.line_merge(west.boundary.intersection(east.boundary))
    assert common.geom_type == "LineString" and common.length > 0
    assert len(segs) == ring_segments - (shapely.get_num_coordinates(common) - 1)


def test_detail_outlines_lsoas_locally_and_is_coarse_for_a_nation():
    assert detail_for(659) == FINE and FINE.area_edges  # Birmingham: every LSOA outlined
    assert detail_for(EDGES_MAX_AREAS + 1) == REGIONAL and detail_for(1_719) == REGIONAL
    assert not REGIONAL.area_edges and REGIONAL.ward_lines and REGIONAL.full_tooltips
    assert (REGIONAL.tolerance_m, REGIONAL.decimals) == (FINE.tolerance_m, FINE.decimals)
    assert detail_for(FINE_MAX_AREAS) == REGIONAL and detail_for(33_755) == COARSE
    assert COARSE.tolerance_m > FINE.tolerance_m and not COARSE.area_edges and not COARSE.ward_lines


@pytest.mark.parametrize("tolerance", [0, 15])
def test_shapes_that_overlap_are_simplified_one_by_one(tolerance):
    sq = _squares()
    overlapping = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[sq.geometry[0], sq.geometry[0].buffer(10)],
                                   crs=27700)
    gj = to_geojson(overlapping, ["code"], tolerance_m=tolerance)  # not a coverage: must not fail or drop shapes
    assert [f["properties"]["code"] for f in gj["features"]] == ["A", "B"]


def test_polygon_rows_are_flat_rings_with_their_areas_position():
    rows, positions = polygon_rows(_squares(), ["code"], tolerance_m=0)
    assert [r["code"] for r in rows] == ["A", "B"] and positions.tolist() == [0, 1]
    assert len(rows[0]["p"]) == 8  # 4 corners × (lon, lat): the closing corner is left to deck.gl
    assert all(isinstance(v, float) for v in rows[0]["p"])


def test_polygon_rows_keep_holes_and_split_parts():
    outer = Polygon([(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 300), (X0, Y0 + 300)],
                    holes=[[(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100), (X0 + 200, Y0 + 200), (X0 + 100, Y0 + 200)]])
    two_parts = shapely.MultiPolygon([_squares().geometry[0], shapely.affinity.translate(_squares().geometry[0], 500)])
    frame = gpd.GeoDataFrame({"code": ["donut", "pair"]}, geometry=[outer, two_parts], crs=27700)
    rows, positions = polygon_rows(frame, ["code"], tolerance_m=0)
    assert positions.tolist() == [0, 1, 1]  # the two-part area gives two rows, both its own
    donut = rows[0]["p"]
    assert len(donut) == 2 and [len(ring) for ring in donut] == [4, 4]  # outer ring and hole, as [lon, lat] points
    assert [r["code"] for r in rows] == ["donut", "pair", "pair"]


def test_a_palette_is_sent_once_and_indexed_per_area():
    palette, index = palette_index([[1, 2, 3, 4], [5, 6, 7, 8], [1, 2, 3, 4]])
    assert palette == [[1, 2, 3, 4], [5, 6, 7, 8]] and index == [0, 1, 0]
    assert palette_accessor(palette) == "k==0?[1,2,3,4]:[5,6,7,8]"
    assert palette_accessor([[9, 9, 9, 9]]) == "[9,9,9,9]"


def test_outlines_are_remembered_by_shape_not_by_name():
    """A recolouring reuses the outlines; other shapes under the same codes get their own."""
    first, _ = polygon_rows(_squares(), ["code"], tolerance_m=0)
    again, _ = polygon_rows(_squares().assign(code=["A2", "B2"]), ["code"], tolerance_m=0)
    assert [r["p"] for r in again] == [r["p"] for r in first] and again[0]["code"] == "A2"
    moved = _squares().set_geometry(_squares().geometry.translate(1000, 0))
    shifted, _ = polygon_rows(moved, ["code"], tolerance_m=0)
    assert shifted[0]["p"] != first[0]["p"]


def test_compact_deck_splices_raw_json_layer_data_as_it_is():
    from ui.maps import CompactDeck, RawJson, line_layer

    rows = [[-1.9, 52.4, -1.8, 52.5]]
    decoy = [{"tip": '"@@raw0@@" written by a user'}]  # looks like a placeholder: must stay text
    layers = [line_layer("a", RawJson(json.dumps(rows)), (0, 0, 0, 255), 1.0),
              pdk.Layer("ScatterplotLayer", decoy, id="b"),
              line_layer("c", RawJson("[]"), (0, 0, 0, 255), 1.0)]
    text = CompactDeck(layers=layers).to_json()
    spec = json.loads(text)
    assert [layer["data"] for layer in spec["layers"]] == [rows, decoy, []]
    assert ": " not in text and "\n" not in text  # compact


def test_prefetcher_runs_each_key_once_one_at_a_time_and_survives_failures():
    import threading

    from ui.background import Prefetcher

    calls, running, overlap = [], [0], []
    gate = threading.Event()

    def work(x):
        running[0] += 1
        overlap.append(running[0])
        gate.wait(5)
        calls.append(x)
        running[0] -= 1
        if x == "bad":
            raise ValueError("a guess that fails")

    pf = Prefetcher(max_pending=3)
    assert pf.submit("a", work, "a") and pf.submit("bad", work, "bad") and pf.submit("c", work, "c")
    assert not pf.submit("a", work, "a")  # queued already
    assert not pf.submit("d", work, "d")  # queue full: a guess is dropped, not piled up
    gate.set()
    pf.join()
    assert calls == ["a", "bad", "c"] and max(overlap) == 1
    assert not pf.submit("a", work, "a")  # done recently: not again
    assert pf.submit("bad", work, "bad")  # a failed guess may be tried again
    pf.join()
    assert pf._thread.name.startswith("hotspots-")  # its Streamlit warnings are dropped (ui.background)


def test_the_map_page_prefetches_the_other_measures_of_its_view():
    from geo.datasets import MEASURES, Selection
    from ui import hotspot_map as M
    from ui.background import PREFETCH

    asked = []
    sel, params = Selection(measure="rate"), M.MethodParams(permutations=99)
    assert M.prefetch_other_measures(sel, params, "gi", build=lambda s, p, m: asked.append((s.measure, p, m))) == 2
    assert M.prefetch_other_measures(sel, params, "grid", build=asked.append) == 0  # point maps: no measures
    PREFETCH.join()
    assert sorted(a[0] for a in asked) == sorted(set(MEASURES) - {"rate"})
    assert all(a[1:] == (params, "gi") for a in asked)


def test_prefetching_runs_at_a_lower_priority_than_the_server():
    import os
    import sys

    from ui.background import Prefetcher

    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are Linux's")
    seen = []
    pf = Prefetcher()
    pf.submit("nice", lambda: seen.append(os.getpriority(os.PRIO_PROCESS, 0)))  # 0: the calling thread
    pf.join()
    assert seen == [os.getpriority(os.PRIO_PROCESS, 0) + 10] or seen == [19]


def test_area_layers_name_the_lsoas_a_map_event_selected():
    from ui.hotspot_map import AreaLayers

    layers = AreaLayers(rows="[]", row_codes=("E01", "E02", "E02"), palette=[], edges=None, n_areas=2, legend=[],
                        title="")
    selection = {"indices": {"pick": [2, 0, 7], "other": [1]}, "objects": {}}
    assert layers.picked(selection, "pick") == ["E02", "E01"]  # row 7 is not a row: dropped
    assert layers.picked(selection, "areas") == [] and layers.picked({}, "pick") == []

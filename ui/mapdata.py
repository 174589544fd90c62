"""Preparing polygons for the browser: simplified, trimmed, WGS84 GeoJSON with only the properties needed.

pydeck sends its JSON as text, so every vertex and property costs bytes in a meeting room's
Wi-Fi. A set of polygons that tile the ground without overlaps (LSOAs, wards, authorities: a
*coverage*) is simplified as a coverage (``shapely.coverage_simplify``): a boundary shared by two
areas is simplified once, so neighbours keep meeting exactly, with no slivers or gaps, and the
shared edge can be drawn once (:func:`edge_segments`). Other shapes (grid cells, cluster
outlines) are simplified one by one. Coordinates are rounded to 5 decimal places (about 1 m)
and only the named properties kept.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.projection import bng_shapes_to_lonlat, to_bng

COORD_DECIMALS = 5  # ~1.1 m of latitude
DEFAULT_TOLERANCE_M = 15.0


@dataclass(frozen=True)
class Detail:
    """How much of a polygon map to send and draw, by how many areas it shows.

    - **Local** (up to :data:`EDGES_MAX_AREAS` LSOAs: an authority, e.g. Birmingham's 659, or a
      ward): shapes simplified at 15 m, 1 m coordinates, every LSOA's outline, ward lines, full
      tooltips.
    - **Regional** (up to :data:`FINE_MAX_AREAS`, e.g. the West Midlands' 1,719): the same but
      without LSOA outlines. Seen whole, an LSOA is ~10 px across and its 1-px outline barely
      shows, but in a browser drawing WebGL in software (no GPU: many meeting-room PCs) the
      6,494 outline segments took 160 of the 264 ms of every frame (benchmarks/README.md), on
      each filter change, pan and zoom. Hovering an area still highlights it.
    - **National** (England's 33,755 LSOAs, seen at ~600 m a pixel): 30 m simplification and
      ~10 m coordinates lose nothing visible there, lines of 33,755 areas or 6,900 wards would be
      a grey smear (authorities' lines are kept), and tooltips are brief (name, value, class;
      the area's card, a click away, has the rest), which keeps the map within 10 MB.
    """

    tolerance_m: float
    decimals: int
    area_edges: bool
    ward_lines: bool
    full_tooltips: bool


EDGES_MAX_AREAS = 1_000
FINE_MAX_AREAS = 5_000
FINE = Detail(tolerance_m=DEFAULT_TOLERANCE_M, decimals=COORD_DECIMALS, area_edges=True, ward_lines=True,
              full_tooltips=True)
REGIONAL = Detail(tolerance_m=DEFAULT_TOLERANCE_M, decimals=COORD_DECIMALS, area_edges=False, ward_lines=True,
                  full_tooltips=True)
COARSE = Detail(tolerance_m=30.0, decimals=4, area_edges=False, ward_lines=False, full_tooltips=False)


def detail_for(n_areas: int) -> Detail:
    return FINE if n_areas <= EDGES_MAX_AREAS else REGIONAL if n_areas <= FINE_MAX_AREAS else COARSE


def _clean(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is pd.NA or value is None:
        return None
    return value if isinstance(value, (int, str, bool)) else str(value)


def _simplify(geom: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Coverage simplification when the shapes tile without overlaps; else one shape at a time."""
    if tolerance_m <= 0 or len(geom) == 0:
        return geom
    polygonal = np.isin(shapely.get_type_id(geom), (3, 6))  # Polygon, MultiPolygon
    if polygonal.all() and shapely.coverage_is_valid(geom):
        return shapely.coverage_simplify(geom, tolerance_m, simplify_boundary=True)
    return shapely.simplify(geom, tolerance_m, preserve_topology=True)


class _Memo:
    """A small thread-safe memo of results derived from a set of shapes (keyed by their WKB digest).

    A filter change recolours the same areas: their simplified, reprojected outlines (~0.4 s for
    the West Midlands' 1,719 LSOAs) need not be computed again. The key is the shapes' own bytes,
    so different shapes under the same codes (tests, benchmarks) never collide.
    """

    def __init__(self, size: int = 8):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_SHAPES = _Memo()
_RINGS = _Memo()
_EDGES = _Memo()  # shared: callers must not change the lists they get


def _shapes_key(bng: np.ndarray, tolerance_m: float, decimals: int) -> tuple:
    return hashlib.blake2b(b"".join(shapely.to_wkb(bng)), digest_size=16).digest(), float(tolerance_m), int(decimals)


def _frame_key(gdf: gpd.GeoDataFrame, tolerance_m: float, decimals: int) -> tuple:
    return _shapes_key(to_bng(gdf).geometry.to_numpy(), tolerance_m, decimals)


def lonlat_shapes(gdf: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_TOLERANCE_M,
                  decimals: int = COORD_DECIMALS) -> np.ndarray:
    """The shapes of ``gdf`` simplified in metres, in WGS84, coordinates rounded to ``decimals``."""
    bng = to_bng(gdf).geometry.to_numpy()

    def compute():
        return shapely.set_precision(bng_shapes_to_lonlat(_simplify(bng, tolerance_m)), 10.0 ** -decimals)

    return _SHAPES.get(_shapes_key(bng, tolerance_m, decimals), compute)


def to_geojson(gdf: gpd.GeoDataFrame, properties: list[str], tolerance_m: float = DEFAULT_TOLERANCE_M,
               decimals: int = COORD_DECIMALS) -> dict:
    """A FeatureCollection dict of the simplified polygons with only ``properties``."""
    geom = lonlat_shapes(gdf, tolerance_m, decimals)
    keep = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    texts = shapely.to_geojson(geom[keep])  # GEOS writes the coordinates: ~10x faster than mapping() per shape
    records = gdf.loc[keep, properties].to_dict("records")
    features = [f'{{"type":"Feature","geometry":{g},"properties":{json.dumps({k: _clean(v) for k, v in p.items()})}}}'
                for g, p in zip(texts, records)]
    return {"type": "FeatureCollection", "features": json.loads("[" + ",".join(features) + "]")}


def polygon_rows(gdf: gpd.GeoDataFrame, properties: list[str], tolerance_m: float = DEFAULT_TOLERANCE_M,
                 decimals: int = COORD_DECIMALS) -> tuple[list[dict], np.ndarray]:
    """Rows for a deck.gl ``PolygonLayer`` (``get_polygon="p"``, ``position_format="XY"``), and each row's
    position in ``gdf``.

    A polygon without holes is one flat ``[lon, lat, lon, lat, …]`` list (the closing point left
    out: deck.gl closes rings): with no GeoJSON Feature wrapper and no brackets around every pair,
    about a third fewer bytes than :func:`to_geojson`. A polygon with holes is a list of rings of
    ``[lon, lat]`` points. An area in several parts gives one row per part, each with the
    area's properties (so map clicks name rows, and ``positions[row]`` says whose row it is).
    """
    def compute():
        parts, owner = shapely.get_parts(lonlat_shapes(gdf, tolerance_m, decimals), return_index=True)
        keep = ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        # every exterior ring's coordinates at once (a loop of shapely calls per polygon took 0.07-0.11 s
        # for the West Midlands); a polygon with holes, rare, is done on its own
        xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
        xy = xy.round(decimals)
        ends = np.cumsum(np.bincount(ring, minlength=len(parts)))
        starts = ends - np.bincount(ring, minlength=len(parts))
        holes = shapely.get_num_interior_rings(parts) > 0
        rings = []
        for part, start, end, has_holes in zip(parts, starts, ends, holes):
            if not has_holes:
                rings.append(xy[start:end - 1].ravel().tolist())  # the closing point left out
            else:
                rings.append([shapely.get_coordinates(r)[:-1].round(decimals).tolist()
                              for r in (part.exterior, *part.interiors)])
        return rings, owner.astype(int)

    rings, positions = _RINGS.get(_frame_key(gdf, tolerance_m, decimals), compute)
    records = [{k: _clean(v) for k, v in props.items()} for props in gdf[properties].to_dict("records")]
    return [{"p": ring, **records[i]} for ring, i in zip(rings, positions)], positions


def edge_segments(gdf: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_TOLERANCE_M,
                  decimals: int = COORD_DECIMALS) -> list[list[float]]:
    """Every boundary segment of the shapes once, as ``[lon1, lat1, lon2, lat2]``.

    A shared edge between two areas appears in both their rings; drawn as polygon outlines it
    would be sent and drawn twice. After coverage simplification the two copies have the same
    vertices, so they collapse to one segment here. The segments are for a deck.gl
    ``LineLayer``: in software rendering (no GPU) it draws a map's lines several times faster
    than the path layer a GeoJSON outline uses.
    """
    def compute():
        geom = lonlat_shapes(gdf, tolerance_m, decimals)
        rings = shapely.get_parts(shapely.boundary(geom[~(shapely.is_missing(geom) | shapely.is_empty(geom))]))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        seg = np.hstack([xy[:-1][same], xy[1:][same]]).round(decimals)
        swap = (seg[:, 0] > seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] > seg[:, 3]))
        seg[swap] = seg[swap][:, [2, 3, 0, 1]]
        seg = seg[(seg[:, 0] != seg[:, 2]) | (seg[:, 1] != seg[:, 3])]
        return np.unique(seg, axis=0).tolist()

    return _EDGES.get(_frame_key(gdf, tolerance_m, decimals), compute)


def compact_json(obj) -> str:
    """``obj`` as JSON text without spaces (what the browser is sent), non-ASCII as UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)

"""Preparing polygons for the browser: simplified, trimmed, WGS84 GeoJSON with only the properties needed.

pydeck sends its JSON as text, so every vertex and property costs bytes in a meeting room's
Wi-Fi. Shapes are simplified in metres (topology-preserving per polygon), coordinates rounded
to 5 decimal places (about 1 m), and only the named properties kept.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.projection import to_bng

COORD_DECIMALS = 5  # ~1.1 m of latitude
DEFAULT_TOLERANCE_M = 15.0


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


def to_geojson(gdf: gpd.GeoDataFrame, properties: list[str], tolerance_m: float = DEFAULT_TOLERANCE_M) -> dict:
    """A FeatureCollection dict of the simplified polygons with only ``properties``."""
    geom = to_bng(gdf).geometry
    if tolerance_m > 0:
        geom = geom.simplify(tolerance_m, preserve_topology=True)
    geom = gpd.GeoSeries(geom, crs=gdf.crs if gdf.crs.to_epsg() == 27700 else "EPSG:27700").to_crs("EPSG:4326")
    geom = shapely.set_precision(geom.to_numpy(), 10 ** -COORD_DECIMALS)
    features = []
    records = gdf[properties].to_dict("records")
    for shape, props in zip(geom, records):
        if shape is None or shape.is_empty:
            continue
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(shape),
                         "properties": {k: _clean(v) for k, v in props.items()}})
    return {"type": "FeatureCollection", "features": features}


def payload_bytes(obj) -> int:
    """Bytes of compact JSON for ``obj`` (what the browser receives, before pydeck's own indentation)."""
    return len(json.dumps(obj, separators=(",", ":")).encode())


def geometry_only(collection: dict) -> dict:
    """The same features without properties (an outline layer needs no tooltips or colours)."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": f["geometry"], "properties": {}}
                         for f in collection["features"]]}

"""Coordinate reference systems: British National Grid for distance, WGS84 for display."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

BNG = "EPSG:27700"  # British National Grid, metres: every distance, area and cluster
WGS84 = "EPSG:4326"  # longitude/latitude: display and police.uk input

# Generous boxes used to recognise (and diagnose) coordinates.
GB_LONLAT_BOX = (-9.0, 49.0, 2.5, 61.5)  # min lon, min lat, max lon, max lat
BNG_BOX = (0.0, 0.0, 700_000.0, 1_300_000.0)


@lru_cache(maxsize=None)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer(WGS84, BNG).transform(np.asarray(lon, float), np.asarray(lat, float))


def bng_to_lonlat(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer(BNG, WGS84).transform(np.asarray(easting, float), np.asarray(northing, float))


def bng_shapes_to_lonlat(shapes: np.ndarray) -> np.ndarray:
    """Shapely geometries in BNG metres to WGS84 lon/lat, with the one cached transformer.

    (GeoSeries.to_crs builds a new pyproj transformer on every call: ~0.1 s each, per map drawn.)
    """
    t = _transformer(BNG, WGS84)
    return shapely.transform(shapes, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf if gdf.crs is not None and gdf.crs.to_epsg() == 27700 else gdf.to_crs(BNG)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf if gdf.crs is not None and gdf.crs.to_epsg() == 4326 else gdf.to_crs(WGS84)

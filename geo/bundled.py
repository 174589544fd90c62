"""The bundled real West Midlands layers, read through the catalogue and cached per process."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from geo.boundaries import read_boundaries
from geo.catalogue import layer
from geo.incidents import Incidents
from geo.police_uk import read_police

STUDY_AREA_BUFFER_M = 500.0  # generalised (200 m) LSOA edges: points just outside still belong
# Points in a gap *between* the bundled (200 m generalised) LSOAs go to the nearest one within this
# distance (geo.areas); the 2021 set is a clean coverage, so none has been seen. Never beyond the edge.
SNAP_TOLERANCE_M = 250.0


@lru_cache(maxsize=None)
def _boundaries(key: str) -> gpd.GeoDataFrame:
    return read_boundaries(layer(key).path).data


def boundaries(key: str) -> gpd.GeoDataFrame:
    """A bundled boundary layer ('lsoa21', 'lsoa11', 'wards24', 'lad24', 'pfa20') in EPSG:27700.

    Columns: ``area_code``, ``area_name``, the file's own columns, ``geometry``. A copy: safe to change.
    """
    return _boundaries(key).copy()


@lru_cache(maxsize=None)
def _table(key: str) -> pd.DataFrame:
    entry = layer(key)
    code = entry.code_column
    return pd.read_csv(entry.path, dtype={code: str} if code else None, low_memory=False)


def table(key: str) -> pd.DataFrame:
    """A bundled tabular layer as a DataFrame (area-code column as text). A copy: safe to change."""
    return _table(key).copy()


@lru_cache(maxsize=None)
def area_index(key: str):
    """A bundled boundary layer prepared for placing points (:class:`geo.areas.AreaIndex`)."""
    from geo.areas import AreaIndex

    return AreaIndex.of(_boundaries(key))


@lru_cache(maxsize=1)
def study_area() -> shapely.Geometry:
    """The West Midlands (7 boroughs) as one polygon in EPSG:27700, buffered by 500 m."""
    union = shapely.union_all(_boundaries("lad24").geometry.to_numpy())
    return shapely.buffer(union, STUDY_AREA_BUFFER_M)


@lru_cache(maxsize=1)
def _police_bham_2017() -> Incidents:
    return read_police(layer("police_bham_2017").path, study_area_bng=study_area())


def police_bham_2017() -> Incidents:
    """Real police.uk street crimes within a mile of Birmingham city centre, Jan–Nov 2017."""
    inc = _police_bham_2017()
    return Incidents(inc.data.copy(), inc.report)

"""Regular square or hexagonal grids over a study area, and point counts per cell.

All coordinates are British National Grid (EPSG:27700), in metres.

The grid covers the *study area* (e.g. the West Midlands boundary), not the
convex hull of the points: cells that intersect the area are kept and their
geometry is clipped to it, so the clipped cells tile the study area exactly
(their areas add up to the area of the study area).

Public API
----------
- ``make_grid(study_area, cell_size_m=None, shape="square") -> Grid``
- ``count_points_in_grid(grid, points) -> pandas.Series``
- ``auto_cell_size(bounds) -> float``
- ``points_to_xy(points) -> numpy.ndarray`` (shared input validation)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

__all__ = [
    "BNG",
    "Grid",
    "auto_cell_size",
    "count_points_in_grid",
    "make_grid",
    "points_to_xy",
]

BNG = "EPSG:27700"

#: Refuse to build grids larger than this (memory and drawing time explode).
MAX_CELLS = 2_000_000

_SQRT3 = math.sqrt(3.0)


# --------------------------------------------------------------------------
# Input helpers (shared by clusters.py and density.py)
# --------------------------------------------------------------------------
def _check_crs(obj, what: str) -> None:
    crs = getattr(obj, "crs", None)
    if crs is None:
        return
    if crs.to_epsg() != 27700:
        raise ValueError(
            f"{what} is in {crs.to_string()}, not British National Grid; "
            f"reproject first with .to_crs(27700)"
        )


def points_to_xy(points, what: str = "points") -> np.ndarray:
    """Return an ``(n, 2)`` float array of easting/northing in metres.

    Accepts a GeoSeries/GeoDataFrame of points (CRS must be EPSG:27700 when
    set), or anything array-like of shape ``(n, 2)``.  Rows without
    coordinates are an error, not silently dropped: callers need one result
    per input row, and about 9 % of police.uk violence rows have no
    coordinates, so they must be filtered out explicitly first.
    """
    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        _check_crs(points, what)
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        arr = geoms.values
        missing = shapely.is_missing(arr) | shapely.is_empty(arr)
        if missing.any():
            raise ValueError(
                f"{int(missing.sum())} of {len(arr)} {what} have no geometry; "
                f"drop them first, e.g. gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]"
            )
        kinds = shapely.get_type_id(arr)
        if len(arr) and not np.all(kinds == 0):
            raise ValueError(
                f"{what} must be Point geometries; use .centroid or "
                f".representative_point() for other shapes"
            )
        xy = shapely.get_coordinates(arr).astype(float, copy=False)
    else:
        xy = np.asarray(points, dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(
                f"{what} must be an (n, 2) array of easting/northing in metres "
                f"(got shape {xy.shape}); pass np.column_stack([x, y])"
            )
    if len(xy) == 0:
        return xy.reshape(0, 2)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} of {len(xy)} {what} have missing/non-finite "
            f"coordinates; drop those rows first"
        )
    if np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90):
        raise ValueError(
            f"{what} look like longitude/latitude degrees; project them to "
            f"British National Grid (EPSG:27700, metres) first"
        )
    return xy


def point_weights(weights, n: int) -> np.ndarray | None:
    """Per-point weights as a float array (None stays None), checked: one per point, finite, non-negative."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per point ({n}), got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative; fill missing weights with 0")
    return w


def _as_area_geometry(study_area):
    """Return a single (Multi)Polygon in EPSG:27700 from a geometry or GeoPandas object."""
    if isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        _check_crs(study_area, "study_area")
        if len(study_area) == 0:
            raise ValueError("study_area is empty; pass the boundary polygon(s) of the area")
        geom = shapely.union_all(study_area.geometry.values if isinstance(
            study_area, gpd.GeoDataFrame) else study_area.values)
    elif isinstance(study_area, shapely.Geometry):
        geom = study_area
    else:
        raise ValueError(
            "study_area must be a shapely (Multi)Polygon or a GeoDataFrame/GeoSeries "
            f"of polygons in EPSG:27700 (got {type(study_area).__name__})"
        )
    if geom is None or geom.is_empty or geom.area <= 0:
        raise ValueError("study_area has no area; pass polygon boundaries, not points or lines")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        # make_valid may return a collection; keep only its areal parts
        polys = [g for g in shapely.get_parts(geom) if g.area > 0]
        geom = shapely.union_all(polys)
    minx, miny, maxx, maxy = geom.bounds
    if abs(minx) <= 180 and abs(maxx) <= 180 and abs(miny) <= 90 and abs(maxy) <= 90:
        raise ValueError(
            "study_area looks like it is in degrees; reproject it to EPSG:27700 "
            "(.to_crs(27700)) first"
        )
    return geom


# --------------------------------------------------------------------------
# Cell size
# --------------------------------------------------------------------------
def _floor_1sf(x: float) -> float:
    """Round down to one significant figure (73 -> 70, 7.3 -> 7)."""
    base = 10.0 ** math.floor(math.log10(x))
    return math.floor(x / base * (1 + 1e-12)) * base


def auto_cell_size(bounds) -> float:
    """Automatic cell size in metres from a bounding box ``(minx, miny, maxx, maxy)``.

    Rule (sfhotspot's ``set_cell_size``): 1/50 of the shorter side of the
    study area's bounding box, rounded *down* to a multiple of 100 m; when that
    would be below 100 m (areas less than 5 km across), rounded down to one
    significant figure instead (sfhotspot leaves it unrounded).  A county-sized
    area 40 km across gets 800 m cells; a 3.6 km town centre 70 m cells.
    """
    minx, miny, maxx, maxy = bounds
    side = min(maxx - minx, maxy - miny)
    if not np.isfinite(side) or side <= 0:
        raise ValueError("cannot choose a cell size for an area with no extent; pass cell_size_m")
    raw = side / 50.0
    if raw >= 100.0:
        return float(math.floor(raw / 100.0) * 100.0)
    return float(_floor_1sf(raw))


# --------------------------------------------------------------------------
# Grid
# --------------------------------------------------------------------------
@dataclass
class Grid:
    """A grid clipped to a study area.

    Attributes
    ----------
    cells : GeoDataFrame (EPSG:27700), one row per cell intersecting the area:
        ``cell_id`` (0..n-1), ``x``, ``y`` (centre of the *full* cell, m),
        ``area_m2`` (clipped area), ``full_area_m2``, ``coverage``
        (clipped/full, 1 for interior cells) and the clipped ``geometry``.
    cell_size_m : for squares the side length; for hexagons the distance
        between opposite flat edges (= distance between neighbouring centres,
        as in ``sf::st_make_grid``).  Hexagon area is ``sqrt(3)/2 * s**2``.
    shape : "square" or "hexagon" (hexagons are pointy-topped).
    cell_size_rule : how the cell size was chosen ("given" or the automatic rule).
    study_area : the (Multi)Polygon the grid was clipped to.
    parameters : dict of the above plus origin, for reporting.
    """

    cells: gpd.GeoDataFrame
    cell_size_m: float
    shape: str
    cell_size_rule: str
    study_area: object = field(repr=False)
    origin: tuple = (0.0, 0.0)
    parameters: dict = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        return len(self.cells)

    @property
    def full_cell_area_m2(self) -> float:
        s = self.cell_size_m
        return s * s if self.shape == "square" else _SQRT3 / 2.0 * s * s

    def in_full_cell(self, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """True where offsets (dx, dy) from a cell centre fall inside the full cell (closed)."""
        half = self.cell_size_m / 2.0
        tol = 1e-9 * self.cell_size_m
        adx, ady = np.abs(dx), np.abs(dy)
        if self.shape == "square":
            return (adx <= half + tol) & (ady <= half + tol)
        # pointy-topped hexagon with flat-to-flat width s: |dx| <= s/2 and
        # |dx|/2 + sqrt(3)/2 |dy| <= s/2
        return (adx <= half + tol) & (adx / 2.0 + _SQRT3 / 2.0 * ady <= half + tol)


def _square_centres(bounds, s):
    minx, miny, maxx, maxy = bounds
    x0 = math.floor(minx / s) * s
    y0 = math.floor(miny / s) * s
    nx = max(1, math.ceil((maxx - x0) / s))
    ny = max(1, math.ceil((maxy - y0) / s))
    if nx * ny > MAX_CELLS:
        raise ValueError(
            f"cell_size_m={s:g} gives {nx * ny:,} cells over this area (limit "
            f"{MAX_CELLS:,}); use a larger cell size"
        )
    xs = x0 + s / 2.0 + s * np.arange(nx)
    ys = y0 + s / 2.0 + s * np.arange(ny)
    cx, cy = np.meshgrid(xs, ys)
    return cx.ravel(), cy.ravel(), (x0, y0)


def _hex_centres(bounds, s):
    minx, miny, maxx, maxy = bounds
    r = s / _SQRT3  # circumradius
    dy = s * _SQRT3 / 2.0  # row spacing
    x0 = math.floor(minx / s) * s - s
    y0 = math.floor(miny / s) * s - r
    nx = math.ceil((maxx - x0) / s) + 2
    ny = math.ceil((maxy + r - y0) / dy) + 1
    if nx * ny > MAX_CELLS:
        raise ValueError(
            f"cell_size_m={s:g} gives about {nx * ny:,} hexagons over this area "
            f"(limit {MAX_CELLS:,}); use a larger cell size"
        )
    j = np.arange(ny)
    i = np.arange(nx)
    ii, jj = np.meshgrid(i, j)
    cx = x0 + ii * s + (jj % 2) * (s / 2.0)
    cy = y0 + jj * dy
    cx, cy = cx.ravel(), cy.ravel()
    keep = (cx + s / 2 >= minx) & (cx - s / 2 <= maxx) & (cy + r >= miny) & (cy - r <= maxy)
    return cx[keep], cy[keep], (x0, y0)


def _hexagons(cx, cy, s):
    r = s / _SQRT3
    ang = np.deg2rad(90.0 + 60.0 * np.arange(6))  # pointy top: vertex at 90 deg
    vx = r * np.cos(ang)
    vy = r * np.sin(ang)
    coords = np.empty((len(cx), 7, 2))
    coords[:, :6, 0] = cx[:, None] + vx[None, :]
    coords[:, :6, 1] = cy[:, None] + vy[None, :]
    coords[:, 6] = coords[:, 0]
    return shapely.polygons(coords)


def make_grid(study_area, cell_size_m: float | None = None, shape: str = "square") -> Grid:
    """Build a square or hexagonal grid over ``study_area``, clipped to it.

    Parameters
    ----------
    study_area : shapely (Multi)Polygon, or GeoDataFrame/GeoSeries of polygons
        in EPSG:27700 (several polygons are unioned, e.g. the LSOAs of a force).
    cell_size_m : side (square) or flat-to-flat width (hexagon) in metres.
        ``None`` chooses it with :func:`auto_cell_size` (sfhotspot's rule:
        shorter side of the bounding box / 50, rounded down to 100 m);
        the choice is reported as ``grid.cell_size_m`` / ``grid.cell_size_rule``.
    shape : ``"square"`` or ``"hexagon"``.

    Square grids are aligned to multiples of the cell size in BNG
    coordinates, so grids of the same cell size over different areas line up.
    Cells that only touch the boundary (zero overlap area) are dropped.
    """
    if shape not in ("square", "hexagon"):
        raise ValueError(f'shape must be "square" or "hexagon" (got {shape!r})')
    area = _as_area_geometry(study_area)
    bounds = area.bounds
    if cell_size_m is None:
        s = auto_cell_size(bounds)
        rule = "auto: shorter side of study-area bounding box / 50, rounded down to 100 m (sfhotspot)"
    else:
        try:
            s = float(cell_size_m)
        except (TypeError, ValueError):
            raise ValueError(f"cell_size_m must be a number of metres (got {cell_size_m!r})") from None
        if not np.isfinite(s) or s <= 0:
            raise ValueError(f"cell_size_m must be a positive number of metres (got {cell_size_m!r})")
        rule = "given"

    if shape == "square":
        cx, cy, origin = _square_centres(bounds, s)
        half = s / 2.0
        geoms = shapely.box(cx - half, cy - half, cx + half, cy + half)
        full_area = s * s
    else:
        cx, cy, origin = _hex_centres(bounds, s)
        geoms = _hexagons(cx, cy, s)
        full_area = _SQRT3 / 2.0 * s * s

    shapely.prepare(area)
    hit = shapely.intersects(area, geoms)
    cx, cy, geoms = cx[hit], cy[hit], geoms[hit]
    inside = shapely.contains_properly(area, geoms)
    clipped = geoms.copy()
    edge = ~inside
    if edge.any():
        clipped[edge] = shapely.intersection(geoms[edge], area)
    areas = shapely.area(clipped)
    keep = areas > 1e-9 * full_area
    cx, cy, clipped, areas = cx[keep], cy[keep], clipped[keep], areas[keep]
    # a clipped cell may be a collection with slivers of lines; keep areal parts
    mixed = shapely.get_type_id(clipped) == 7  # GeometryCollection
    if mixed.any():
        clipped[mixed] = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.area > 0])
            for g in clipped[mixed]
        ]

    n = len(cx)
    if n == 0:
        raise ValueError("no grid cell overlaps the study area; check its coordinates")
    cells = gpd.GeoDataFrame(
        {
            "cell_id": np.arange(n, dtype=np.int64),
            "x": cx,
            "y": cy,
            "area_m2": areas,
            "full_area_m2": np.full(n, full_area),
            "coverage": np.minimum(areas / full_area, 1.0),
        },
        geometry=clipped,
        crs=BNG,
    )
    params = {
        "cell_size_m": s,
        "cell_size_rule": rule,
        "shape": shape,
        "n_cells": n,
        "origin": tuple(float(v) for v in origin),
        "study_area_m2": float(area.area),
    }
    return Grid(
        cells=cells,
        cell_size_m=s,
        shape=shape,
        cell_size_rule=rule,
        study_area=area,
        origin=tuple(float(v) for v in origin),
        parameters=params,
    )


# --------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------
def assign_points_to_cells(grid: Grid, points) -> np.ndarray:
    """Row position in ``grid.cells`` of the cell holding each point, -1 if none.

    Each point goes to exactly one cell.  The nearest cell centre is the
    containing full cell for both square and hexagonal lattices; points
    whose nearest *kept* centre is not their cell (their cell lies outside
    the area) are rejected, and in clipped edge cells the point must also lie
    in the clipped geometry (points on the study-area boundary count).
    """
    if not isinstance(grid, Grid):
        raise ValueError("grid must be a Grid returned by make_grid()")
    xy = points_to_xy(points)
    out = np.full(len(xy), -1, dtype=np.int64)
    if len(xy) == 0:
        return out
    centres = grid.cells[["x", "y"]].to_numpy()
    tree = cKDTree(centres)
    _, idx = tree.query(xy, k=1)
    dx = xy[:, 0] - centres[idx, 0]
    dy = xy[:, 1] - centres[idx, 1]
    ok = grid.in_full_cell(dx, dy)
    coverage = grid.cells["coverage"].to_numpy()
    check = ok & (coverage[idx] < 1.0 - 1e-12)
    if check.any():
        geoms = grid.cells.geometry.values
        pos = np.flatnonzero(check)
        inside = shapely.intersects_xy(geoms[idx[pos]], xy[pos, 0], xy[pos, 1])
        ok[pos[~inside]] = False
    out[ok] = idx[ok]
    return out


def count_points_in_grid(grid: Grid, points) -> pd.Series:
    """Number of points in each cell of ``grid``.

    Returns an int64 ``pandas.Series`` named ``"incidents"``, aligned with
    ``grid.cells`` (same index).  Points outside every cell (outside the study
    area) are not counted; ``series.attrs`` holds ``n_points`` and
    ``n_outside`` so they can be reported.
    """
    pos = assign_points_to_cells(grid, points)
    inside = pos >= 0
    counts = np.bincount(pos[inside], minlength=grid.n_cells).astype(np.int64)
    s = pd.Series(counts, index=grid.cells.index, name="incidents")
    s.attrs["n_points"] = int(len(pos))
    s.attrs["n_outside"] = int((~inside).sum())
    return s

"""Assigning points to areas by point-in-polygon, never trusting codes supplied in the file.

The rule, the same for the command line, the store and the pages:

* **Inside**: a point in (or on the edge of) an area's polygon takes that area. A point exactly
  on an edge shared by two areas takes the first of them in the boundary file's order, so it
  is counted once.
* **Outside**: a point beyond the outer edge of the boundaries is outside the study area. It
  is counted and reported, never given to the nearest area: a point 200 m beyond the user's
  boundaries is not in their area, and placing it would inflate the border areas.
* **Inner gaps**: generalised boundaries can leave slivers *between* neighbouring polygons. A
  point in such a gap (inside the outer edge, in no polygon) is given to the nearest area when
  that is within the boundary set's snap tolerance (``snap_tolerance_m``; 0 for a user's file
  unless asked for, e.g. ``--snap-m 50``), and reported as snapped with the largest distance;
  further away it is outside.

The work is done once per distinct coordinate (police.uk snaps points to shared anchors: a
million rows hold a few tens of thousands of places), with shapely's STRtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.projection import to_bng

OUTSIDE_EDGE = "beyond the outer edge of the boundaries"
IN_GAP = "in a gap between areas, farther than the snap tolerance from any"


@dataclass
class AreaIndex:
    """Boundaries prepared for placing points: the polygons' tree and the filled outer edge."""

    codes: np.ndarray  # area code of each polygon, in file order
    polygons: np.ndarray  # shapely polygons (EPSG:27700)
    tree: shapely.STRtree = field(repr=False)
    shell: shapely.Geometry = field(repr=False)  # the union with its holes filled: the outer edge

    @classmethod
    def of(cls, areas: gpd.GeoDataFrame, code_column: str = "area_code") -> "AreaIndex":
        areas = to_bng(areas)
        polygons = areas.geometry.to_numpy()
        union = shapely.union_all(polygons)
        parts = getattr(union, "geoms", [union])
        shell = shapely.union_all([shapely.Polygon(p.exterior) for p in parts if p.geom_type == "Polygon"])
        shapely.prepare(shell)
        return cls(areas[code_column].astype(str).to_numpy(), polygons, shapely.STRtree(polygons), shell)


@dataclass
class AreaAssignment:
    """The area code of each point (``""`` when outside) and how it was found."""

    codes: pd.Series
    in_polygon: int
    snapped: int
    outside: int
    compared: int  # points that came with a supplied code we could compare
    disagree: int  # of those, how many point-in-polygon put in a different area
    max_snap_m: float = 0.0
    snap_tolerance_m: float = 0.0
    outside_reason: pd.Series | None = None  # per point: "" when placed, else why not

    @property
    def unassigned(self) -> int:
        """Points in no area (the same as :attr:`outside`)."""
        return self.outside

    def sentence(self, level: str = "area") -> str:
        """The report line: how many points were inside, snapped (and how far at most) and outside."""
        article = "an" if level[:1].lower() in "aeiou" or level.startswith("LSOA") else "a"
        text = f"{self.in_polygon:,} points fell inside {article} {level}"
        if self.snapped:
            far = f"{self.max_snap_m:,.1f}" if self.max_snap_m < 10 else f"{self.max_snap_m:,.0f}"
            text += (f", {self.snapped:,} in gaps between {level}s were given to the nearest one (at most "
                     f"{far} m away; snap tolerance {self.snap_tolerance_m:,.0f} m)")
        text += f", {self.outside:,} lie outside every {level} and are not counted"
        if self.compared:
            share = 100 * self.disagree / self.compared
            text += (f"; {self.disagree:,} of {self.compared:,} supplied codes ({share:.1f} %) disagree with "
                     "point-in-polygon (police.uk snapping moves points across boundaries); the computed area is used")
        return text + "."


def _unique_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # one complex number per point hashes both coordinates exactly: 0.07 s for a million points,
    # where a two-level MultiIndex took 1.5 s
    inverse, uniq = pd.factorize(x + 1j * y, use_na_sentinel=False)  # a missing coordinate stays a point
    return uniq.real.copy(), uniq.imag.copy(), inverse


def place_xy(x, y, index: AreaIndex, snap_tolerance_m: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(area code per point, "" outside; state per point: 0 inside, 1 snapped, 2 outside the edge,
    3 in a gap too far from any area; snap distance per point; the largest snap distance)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    codes = np.full(n, "", dtype=object)
    state = np.full(n, 2, dtype=np.int8)
    distance = np.zeros(n)
    if n == 0:
        return codes, state, distance, 0.0
    ux, uy, inverse = _unique_xy(x, y)
    pts = shapely.points(ux, uy)
    ucode = np.full(len(ux), -1, dtype=np.int64)
    hit_pt, hit_poly = index.tree.query(pts, predicate="intersects")
    if len(hit_pt):
        order = np.lexsort((hit_poly, hit_pt))  # per point, the first polygon in file order
        hit_pt, hit_poly = hit_pt[order], hit_poly[order]
        first = np.r_[True, hit_pt[1:] != hit_pt[:-1]]
        ucode[hit_pt[first]] = hit_poly[first]
    ustate = np.where(ucode >= 0, 0, 2).astype(np.int8)
    udist = np.zeros(len(ux))
    miss = np.flatnonzero(ucode < 0)
    if len(miss):
        in_shell = shapely.contains_xy(index.shell, ux[miss], uy[miss])
        gaps = miss[in_shell]
        ustate[gaps] = 3
        if len(gaps) and snap_tolerance_m > 0:
            near_pt, near_poly = index.tree.query_nearest(pts[gaps], max_distance=snap_tolerance_m, all_matches=True)
            if len(near_pt):
                order = np.lexsort((near_poly, near_pt))
                near_pt, near_poly = near_pt[order], near_poly[order]
                first = np.r_[True, near_pt[1:] != near_pt[:-1]]
                got = gaps[near_pt[first]]
                ucode[got] = near_poly[first]
                ustate[got] = 1
                udist[got] = shapely.distance(pts[got], index.polygons[near_poly[first]])
    placed = ucode >= 0
    ucodes = np.full(len(ux), "", dtype=object)
    ucodes[placed] = index.codes[ucode[placed]]
    max_snap = float(udist[ustate == 1].max()) if (ustate == 1).any() else 0.0
    return ucodes[inverse], ustate[inverse], udist[inverse], max_snap


def assign_areas(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | AreaIndex, code_column: str = "area_code",
                 snap_tolerance_m: float = 0.0, supplied: pd.Series | None = None,
                 equivalent_codes: set[tuple[str, str]] | None = None) -> AreaAssignment:
    """Area code for each point (see the module docstring). ``supplied`` codes (e.g. police.uk
    ``LSOA code``) are only compared, never used.

    ``equivalent_codes`` holds (supplied, assigned) pairs that count as agreement — for example
    the LSOA 2011 → 2021 lookup, since police.uk gives 2011 codes in older months.
    """
    index = areas if isinstance(areas, AreaIndex) else AreaIndex.of(areas, code_column)
    points = to_bng(points)
    if len(points):
        xy = shapely.get_coordinates(points.geometry.to_numpy())
        found, state, _, max_snap = place_xy(xy[:, 0], xy[:, 1], index, snap_tolerance_m)
    else:
        found, state, max_snap = np.array([], dtype=object), np.array([], dtype=np.int8), 0.0
    codes = pd.Series(found, index=points.index, dtype=object)
    reason = pd.Series(np.select([state == 2, state == 3], [OUTSIDE_EDGE, IN_GAP], ""), index=points.index,
                       dtype=object)
    compared = disagree = 0
    if supplied is not None and len(points):
        sup = supplied.reindex(points.index).fillna("").astype(str).str.strip()
        both = sup.ne("") & codes.ne("")
        compared = int(both.sum())
        same = sup[both].to_numpy() == codes[both].to_numpy()
        if equivalent_codes:
            pairs = zip(sup[both].to_numpy(), codes[both].to_numpy())
            same |= np.fromiter((p in equivalent_codes for p in pairs), bool, count=compared)
        disagree = int(compared - same.sum())
    return AreaAssignment(codes, int((state == 0).sum()), int((state == 1).sum()), int((state >= 2).sum()),
                          compared, disagree, max_snap, float(snap_tolerance_m), reason)

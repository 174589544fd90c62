"""Assigning points to areas by point-in-polygon, never trusting codes supplied in the file.

Generalised boundaries (the bundled LSOAs are 200 m generalised) leave slivers between
neighbouring polygons and along the coast of the study area; a point in such a gap within
``snap_tolerance_m`` of an area is given to the nearest area and counted as such. Points
further away stay unassigned and are counted: they are never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.projection import to_bng


@dataclass
class AreaAssignment:
    """The area code of each point (``""`` when none) and how it was found."""

    codes: pd.Series
    in_polygon: int
    snapped: int
    unassigned: int
    compared: int  # points that came with a supplied code we could compare
    disagree: int  # of those, how many point-in-polygon put in a different area

    def sentence(self, level: str = "area") -> str:
        article = "an" if level[:1].lower() in "aeiou" or level.startswith("LSOA") else "a"
        text = f"{self.in_polygon:,} points fell inside {article} {level}"
        if self.snapped:
            text += f", {self.snapped:,} in boundary gaps were given to the nearest {level}"
        if self.unassigned:
            text += f", {self.unassigned:,} lie outside every {level}"
        if self.compared:
            share = 100 * self.disagree / self.compared
            text += (f"; {self.disagree:,} of {self.compared:,} supplied codes ({share:.1f} %) disagree with "
                     "point-in-polygon (police.uk snapping moves points across boundaries); the computed area is used")
        return text + "."


def assign_areas(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, code_column: str = "area_code",
                 snap_tolerance_m: float = 250.0, supplied: pd.Series | None = None,
                 equivalent_codes: set[tuple[str, str]] | None = None) -> AreaAssignment:
    """Area code for each point. ``supplied`` codes (e.g. police.uk ``LSOA code``) are only compared.

    ``equivalent_codes`` holds (supplied, assigned) pairs that count as agreement — for example
    the LSOA 2011 → 2021 lookup, since police.uk gives 2011 codes in older months.
    """
    points, areas = to_bng(points), to_bng(areas)
    codes = pd.Series("", index=points.index, dtype=object)
    if len(points):
        left = gpd.GeoDataFrame(geometry=points.geometry.reset_index(drop=True), crs=points.crs)
        right = areas[[code_column, "geometry"]].reset_index(drop=True)
        hit = gpd.sjoin(left, right, how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]  # a point on a shared edge: first area
        found = hit[code_column].fillna("").astype(str).to_numpy()
        codes[:] = found
        miss = codes.eq("")
        in_polygon = int((~miss).sum())
        snapped = 0
        if miss.any() and snap_tolerance_m > 0:
            gap = left[miss.to_numpy()]
            near = gpd.sjoin_nearest(gap, right, how="left", max_distance=snap_tolerance_m)
            near = near[~near.index.duplicated(keep="first")]
            got = near[code_column].fillna("").astype(str)
            codes.iloc[got.index.to_numpy()] = got.to_numpy()
            snapped = int(got.ne("").sum())
        unassigned = int(codes.eq("").sum())
    else:
        in_polygon = snapped = unassigned = 0
    compared = disagree = 0
    if supplied is not None:
        sup = supplied.reindex(points.index).fillna("").astype(str).str.strip()
        both = sup.ne("") & codes.ne("")
        compared = int(both.sum())
        same = sup[both].to_numpy() == codes[both].to_numpy()
        if equivalent_codes:
            pairs = zip(sup[both].to_numpy(), codes[both].to_numpy())
            same |= np.fromiter((p in equivalent_codes for p in pairs), bool, count=compared)
        disagree = int(compared - same.sum())
    return AreaAssignment(codes, in_polygon, snapped, unassigned, compared, disagree)

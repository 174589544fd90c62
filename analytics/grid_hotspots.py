"""Gi* on a regular grid built from incident points, for when LSOAs are too coarse.

The grid is clipped to the study area (not the points' convex hull), so empty cells inside the
area count as the zeros they are, and cells in the sea or beyond the boundary do not exist.
Cells are neighbours by queen contiguity of the *full* cells (sharing an edge or a corner: the
8 surrounding squares, or the 6 surrounding hexagons), found from the cell centres, so clipped
cells at the boundary keep their natural neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

import pandas as pd

from analytics.disclosure import DisclosurePolicy, ProtectedCounts
from analytics.getis_ord import GetisOrdGiStar
from analytics.grid import Grid, count_points_in_grid, make_grid
from analytics.weights import SpatialWeights, build_weights


@dataclass
class GridHotspots:
    """Per-cell counts and Gi* results (``cells``), with the grid and the parameters used."""

    cells: gpd.GeoDataFrame  # cell_id, incidents, incidents_shown, gi_z, gi_p, gi_p_sim, gi_class, geometry (EPSG:27700)
    grid: Grid
    gi: GetisOrdGiStar
    parameters: dict


def grid_hotspots(points, study_area, cell_size_m: float | None = None, shape: str = "square",
                  permutations: int = 999, seed: int | None = 12345, fdr: bool = True,
                  policy: DisclosurePolicy | None = None) -> GridHotspots:
    """Count points per grid cell and find Gi* hot and cold spots among the cells.

    Under a disclosure ``policy`` the cells' counts are protected against the grid's total (which
    is the area's, shown elsewhere): ``incidents_shown`` holds each count as it may be shown, and
    Gi* runs on the counts as shown (hidden ones estimated from what is shown).
    """
    grid = make_grid(study_area, cell_size_m=cell_size_m, shape=shape)
    if grid.n_cells < 3:
        raise ValueError(f"the grid has only {grid.n_cells} cell(s); choose a smaller cell size")
    counts = count_points_in_grid(grid, points)
    w = lattice_weights(grid)
    values = counts.to_numpy(float)
    shown = [f"{v:,.0f}" for v in values]
    if policy is not None and policy.enabled:
        protected = ProtectedCounts(pd.Series(values, index=counts.index), None, None, policy)
        values = protected.statistics_values().to_numpy(float)
        shown = protected.leaf_labels().tolist()
    gi = GetisOrdGiStar(values, w, permutations=permutations, seed=seed, fdr=fdr)
    cells = grid.cells[["cell_id", "geometry"]].copy()
    cells["incidents"] = counts.to_numpy()
    cells["incidents_shown"] = shown
    cells = cells.join(gi.to_frame().reset_index(drop=True))
    cells["gi_class"] = cells["gi_class"].astype(str)
    params = {**grid.parameters, "permutations": permutations, "seed": seed, "fdr": fdr,
              "cells": grid.n_cells, "incidents_outside_grid": counts.attrs.get("n_outside", 0),
              "gi_class_basis": gi.class_basis}
    return GridHotspots(cells, grid, gi, params)


def lattice_weights(grid: Grid) -> SpatialWeights:
    """Queen neighbours of full cells: centres within s·√2 (squares) or s (hexagons) of each other."""
    centres = gpd.GeoSeries(gpd.points_from_xy(grid.cells["x"], grid.cells["y"]), crs=grid.cells.crs)
    reach = grid.cell_size_m * (np.sqrt(2) if grid.shape == "square" else 1.0) * 1.001
    w = build_weights(gpd.GeoDataFrame(geometry=centres), kind="distance", distance=reach)
    return SpatialWeights.from_adjacency(w.adjacency, ids=w.ids, kind="queen (grid)", parameter=None)

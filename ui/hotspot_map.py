"""Building the hotspot map's layers and legends (cached), from AreaData and analytics results."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from analytics.density import kernel_density
from analytics.grid import make_grid
from analytics.grid_hotspots import grid_hotspots
from geo import datasets as D
from geo.projection import bng_to_lonlat
from geo.risk_factors import lsoa_risk_factors, schools
from ui import cache
from ui.background import PREFETCH
from ui.colours import NO_DATA, SEQUENTIAL, class_colours, legend_rows, quantile_breaks
from ui.layers import (GI_COLOURS, LISA_COLOURS, LISA_LABELS, area_tips, class_fill, palette_index, tip)
from ui.mapdata import FINE, Detail, compact_json, detail_for, edge_segments, polygon_rows, to_geojson
from ui.maps import RawJson, line_layer, polygon_layer
from ui.privacy import policy, protected, shown_areas

MODES = {
    "gi": "Gi* hot spots (LSOA)",
    "lisa": "Local Moran clusters (LSOA)",
    "value": "Counts / rates (LSOA)",
    "grid": "Gi* on a grid",
    "kde": "Kernel density",
}
POINT_MODES = ("grid", "kde")


@dataclass(frozen=True)
class MethodParams:
    """The method settings of the map page's expander (defaults are the recommended ones)."""

    weights: str = "queen"
    permutations: int = 999
    fdr: bool = True
    grid_shape: str = "square"
    cell_size_m: float = 150.0
    bandwidth_m: float | None = None  # automatic
    eps_m: float = 150.0
    min_samples: int | None = None  # automatic


def area_frame(selection: D.Selection, p: MethodParams) -> gpd.GeoDataFrame:
    """Areas of the analysed extent with value, counts and the Gi*/LISA results."""
    data = cache.area_data(selection)
    hot = cache.hotspots(selection, p.weights, p.permutations, p.fdr)
    cols = ["area_code", "gi_z", "gi_p", "gi_p_sim", "gi_class", "lisa_quadrant", "lisa_p_sim", "lisa_class", "rank"]
    return data.areas.merge(hot.table[cols], on="area_code", how="left")


@dataclass(frozen=True)
class AreaLayers:
    """The LSOA map's data, its big parts as JSON text ready for the deck (see :class:`ui.maps.RawJson`)."""

    rows: str  # polygon rows of the shown areas: ring "p", palette index "k", tooltip "tip"
    row_codes: tuple[str, ...]  # the LSOA code of each row (a clicked row's index is looked up here)
    palette: list  # RGBA colours indexed by "k"
    edges: str | None  # the areas' unique boundary segments; None on a national map (see ui.mapdata.Detail)
    n_areas: int
    legend: list
    title: str

    def layers(self, layer_id: str, line_colour=(255, 255, 255, 150)) -> list[pdk.Layer]:
        """The clickable fill layer and, when drawn, the areas' edges over it."""
        out = [polygon_layer(layer_id, RawJson(self.rows), self.palette)]
        if self.edges is not None:
            out.append(line_layer(f"{layer_id}_lines", RawJson(self.edges), line_colour, 1.0))
        return out

    def picked(self, selection: dict, layer_id: str) -> list[str]:
        """LSOA codes of the rows a map event reports selected in the ``layer_id`` layer (``event.selection``)."""
        rows = (selection.get("indices") or {}).get(layer_id, [])
        return [self.row_codes[r] for r in rows if 0 <= r < len(self.row_codes)]


def area_layer_data(selection: D.Selection, p: MethodParams, mode: str) -> AreaLayers:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`): see :func:`_area_layer_data`."""
    return _area_layer_data(selection, p, mode, cache.data_key())


@st.cache_data(show_spinner="Drawing the map…", max_entries=64)
def _area_layer_data(selection: D.Selection, p: MethodParams, mode: str, key: str) -> AreaLayers:
    """The shown areas coloured by ``mode`` (Gi* class, local Moran class or value), with tooltips."""
    data = cache.area_data(selection)
    frame = area_frame(selection, p)
    shown = frame[D.geography_mask(frame, selection.geography)].copy()
    if mode == "lisa":
        shown["fill"] = class_fill(shown["lisa_class"], LISA_COLOURS)
        legend = [(LISA_COLOURS[k], LISA_LABELS[k]) for k in LISA_COLOURS]
        title = "Local Moran's I clusters"
    elif mode == "value":
        prot = None if data.counts_are_estimates else protected(selection)
        hidden = (prot.leaf_hidden.reindex(frame["area_code"]).to_numpy() if prot is not None
                  else np.zeros(len(frame), dtype=bool))
        visible = frame["value"][~hidden]  # classes over the whole extent, so areas compare across views
        breaks = quantile_breaks(visible)
        values = shown["value"].where(~pd.Series(hidden, index=frame.index).reindex(shown.index))
        shown["fill"] = class_colours(values, breaks)  # a hidden area: the no-data grey, never its class
        legend = legend_rows(breaks, visible, SEQUENTIAL)
        if hidden.any():
            legend.append((NO_DATA, f"hidden: small numbers (\"{prot.policy.label}\" or \"*\")"))
        title = data.value_label + (" (estimated)" if data.counts_are_estimates and selection.measure != "rate" else "")
    else:
        shown["fill"] = class_fill(shown["gi_class"], GI_COLOURS)
        legend = [(c, k) for k, c in GI_COLOURS.items()]
        title = "Getis-Ord Gi* (confidence)"
    safe = shown_areas(shown, selection, data.counts_are_estimates)
    return area_layers(shown, safe, data.value_label, data.counts_are_estimates, mode, legend, title)


def area_layers(shown: gpd.GeoDataFrame, safe: pd.DataFrame, value_label: str, estimate: bool, mode: str,
                legend: list, title: str) -> AreaLayers:
    """The map data of ``shown`` areas (with ``area_code`` and ``fill``), at the detail their number calls for.

    ``safe``: the same rows as they may be displayed (small counts suppressed), for the tooltips.
    """
    detail = detail_for(len(shown))
    palette, index = palette_index(shown["fill"])
    shown = shown.assign(k=index, tip=area_tips(safe, value_label, estimate, brief=not detail.full_tooltips,
                                                mode=mode))
    rows, positions = polygon_rows(shown, ["k", "tip"], detail.tolerance_m, detail.decimals)
    edges = edge_segments(shown, detail.tolerance_m, detail.decimals) if detail.area_edges else None
    return AreaLayers(rows=compact_json(rows), row_codes=tuple(shown["area_code"].to_numpy()[positions]),
                      palette=palette, edges=None if edges is None else compact_json(edges),
                      n_areas=len(set(positions)), legend=legend, title=title)


def headline(selection: D.Selection, p: MethodParams, mode: str, unit: str) -> str:
    """One sentence for the map: how many of the shown areas are hot spots (or high-high clusters)."""
    frame = area_frame(selection, p)
    shown = frame[D.geography_mask(frame, selection.geography)]
    n = len(shown)
    if mode == "lisa":
        k = int(shown["lisa_class"].eq("HH").sum())
        return (f"{k:,} of {n:,} {unit}s are high-violence {unit}s among high-violence neighbours (local Moran, "
                "95 %).")
    hot = shown["gi_class"].astype(str)
    k = int(hot.str.startswith("Hot").sum())
    k99 = int(hot.eq("Hot spot 99%").sum())
    cold = int(hot.str.startswith("Cold").sum())
    return (f"{k:,} of {n:,} {unit}s are hot spots of violence (Gi*, 90 % or more; {k99:,} at 99 %)"
            + (f"; {cold:,} are cold spots." if cold else "."))


def prefetch_other_measures(selection: D.Selection, p: MethodParams, mode: str, build=None) -> int:
    """Queue this view's map under the other measures (the sidebar's Measure), computed in the background.

    Flicking between counts and rates is the commonest change in a meeting; computed ahead
    (~0.5 s each for the West Midlands, one at a time, see :class:`ui.background.Prefetcher`),
    the switch is a cache hit. ``build`` defaults to :func:`area_layer_data`. The number queued.
    """
    if mode in POINT_MODES:
        return 0
    build = build or area_layer_data
    others = [selection.with_(measure=m) for m in D.MEASURES if m != selection.measure]
    return sum(PREFETCH.submit((build, s, p, mode), build, s, p, mode) for s in others)


def grid_layer_data(selection: D.Selection, p: MethodParams) -> tuple[dict, list, str, dict]:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`): see :func:`_grid_layer_data`."""
    return _grid_layer_data(selection, p, cache.data_key())


@st.cache_data(show_spinner="Finding hot spots on a grid…", max_entries=16)
def _grid_layer_data(selection: D.Selection, p: MethodParams, key: str) -> tuple[dict, list, str, dict]:
    data = cache.area_data(selection)
    xy = data.points[["easting", "northing"]].to_numpy()
    pol = policy(selection)
    result = grid_hotspots(xy, data.areas.union_all(), cell_size_m=p.cell_size_m, shape=p.grid_shape,
                           permutations=p.permutations, fdr=p.fdr, policy=pol)
    cells = result.cells
    cells["fill"] = class_fill(cells["gi_class"], GI_COLOURS)
    cells["tip"] = [tip(f"Grid cell {c}", [("Incidents", n), ("Gi*", k), ("z", round(z, 2))])
                    for c, n, k, z in zip(cells["cell_id"], cells["incidents_shown"], cells["gi_class"],
                                          cells["gi_z"])]
    legend = [(c, k) for k, c in GI_COLOURS.items()]
    return (to_geojson(cells, ["fill", "tip"], tolerance_m=0), legend,
            f"Gi* on {p.cell_size_m:g} m {p.grid_shape}s", result.parameters)


def kde_layer_data(selection: D.Selection, p: MethodParams) -> tuple[dict, list, str, dict]:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`): see :func:`_kde_layer_data`."""
    return _kde_layer_data(selection, p, cache.data_key())


@st.cache_data(show_spinner="Estimating kernel density…", max_entries=16)
def _kde_layer_data(selection: D.Selection, p: MethodParams, key: str) -> tuple[dict, list, str, dict]:
    data = cache.area_data(selection)
    grid = make_grid(data.areas.union_all(), cell_size_m=max(25.0, p.cell_size_m / 3), shape="square")
    kde = kernel_density(grid, data.points[["easting", "northing"]].to_numpy(), bandwidth_m=p.bandwidth_m,
                         weights=data.points["weight"].to_numpy(float))
    cells = kde.cells
    positive = cells[cells["kde_per_km2"] > 0].copy()
    breaks = quantile_breaks(positive["kde_per_km2"])
    positive["fill"] = class_colours(positive["kde_per_km2"], breaks, alpha=190)
    positive["tip"] = [tip("Kernel density", [("Incidents per km²", v)]) for v in positive["kde_per_km2"]]
    legend = legend_rows(breaks, positive["kde_per_km2"], SEQUENTIAL, decimals=0)
    return (to_geojson(positive, ["fill", "tip"], tolerance_m=0), legend,
            f"Incidents per km² (quartic kernel, bandwidth {kde.bandwidth_m:,.0f} m)", kde.parameters)


def cluster_layer_data(selection: D.Selection, p: MethodParams) -> tuple[dict, pd.DataFrame, dict]:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`): see :func:`_cluster_layer_data`."""
    return _cluster_layer_data(selection, p, cache.data_key())


@st.cache_data(show_spinner="Clustering incidents (DBSCAN)…", max_entries=16)
def _cluster_layer_data(selection: D.Selection, p: MethodParams, key: str) -> tuple[dict, pd.DataFrame, dict]:
    from analytics.clusters import DbscanClusters  # imports scikit-learn: only when clusters are asked for

    data = cache.area_data(selection)
    pts = data.points
    result = DbscanClusters(pts[["easting", "northing"]].to_numpy(), eps_m=p.eps_m, min_samples=p.min_samples,
                            locations=pts["location"])
    outlines = result.outlines.copy()  # one row per cluster, with its summary columns
    outlines["fill"] = [[0, 0, 0, 0]] * len(outlines)
    outlines["tip"] = [tip(f"Cluster {c}", [("Incidents", n), ("Share of all", f"{100 * s:.1f} %"),
                                            ("Area", f"{a:.1f} ha"), ("Top locations", t)])
                       for c, n, s, a, t in zip(outlines["cluster"], outlines["incidents"],
                                                outlines["share_of_incidents"], outlines["area_ha"],
                                                outlines["top_locations"])]
    return to_geojson(outlines, ["fill", "tip"], tolerance_m=5), result.summary, result.parameters


def available_overlays() -> list[str]:
    """The overlays the study area has data for (IMD 2019 is bundled for all of England)."""
    area = cache.study_area()
    wm = area.has("risk_factors")  # the bundled West Midlands, or areas cut from it
    return [name for name in OVERLAYS if wm or (name == "imd2019" and area.has("imd2019"))]


def overlay_layer_data(name: str, geography: str) -> tuple[object, str]:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`): see :func:`_overlay_layer_data`."""
    return _overlay_layer_data(name, geography, cache.data_key())


@st.cache_data(show_spinner=False, max_entries=4)
def _overlay_layer_data(name: str, geography: str, key: str) -> tuple[object, str]:
    """Data for an overlay layer and a one-line legend."""
    area = cache.study_area()
    if not area.has("risk_factors"):
        if name != "imd2019":
            raise ValueError(area.missing_layer_text(name))
        from geo.risk_factors import imd2019_deciles

        frame = area.areas.merge(imd2019_deciles(), on="area_code")
        frame = frame[(frame["imd2019_decile"] <= 2) & D.geography_mask(frame, geography)].copy()
        frame["fill"] = [[0, 0, 0, 0]] * len(frame)
        frame["tip"] = [tip(f"{n} ({c})", [("IMD 2019 decile", int(d))])
                        for n, c, d in zip(frame["area_name"], frame["area_code"], frame["imd2019_decile"])]
        return to_geojson(frame, ["fill", "tip"]), "Purple outline: 20 % most deprived LSOAs in England (IMD 2019)"
    rf = lsoa_risk_factors()
    lsoa = D.lsoa_frame()
    lsoa = lsoa[lsoa["area_code"].isin(area.areas["area_code"])]  # an area cut from the West Midlands: its part
    if name in ("imd2025", "imd2019"):
        col = f"{name}_decile"
        frame = lsoa.merge(rf[["area_code", col]], on="area_code")
        frame = frame[(frame[col] <= 2) & D.geography_mask(frame, geography)].copy()
        frame["fill"] = [[0, 0, 0, 0]] * len(frame)
        frame["tip"] = [tip(f"{n} ({c})", [(f"IMD {name[-4:]} decile", int(d))])
                        for n, c, d in zip(frame["area_name"], frame["area_code"], frame[col])]
        return to_geojson(frame, ["fill", "tip"]), f"Purple outline: 20 % most deprived LSOAs in England (IMD {name[-4:]})"
    if name == "schools":
        sch = schools().dropna(subset=["lat", "lon"])
        sch = sch[sch["lsoa21cd"].isin(area.areas["area_code"])]
        sch["position"] = sch[["lon", "lat"]].round(5).to_numpy().tolist()
        absence = sch["abs_overall_pct"]
        sch["r"] = np.where(absence.notna(), 40 + 25 * absence.fillna(0), 40)
        sch["tip"] = [tip(n, [("Type", t), ("Pupils", p), ("Overall absence %", a), ("Persistently absent %", pa)])
                      for n, t, p, a, pa in zip(sch["school_name"], sch["minor_group"], sch["nor"], absence,
                                                sch["abs_persistent_pct"])]
        return (sch[["position", "r", "tip"]].to_dict("records"),
                "Green dots: schools (DfE 2017/18), sized by overall absence 2018/19; grey = not published")
    if name == "under25":
        pts = lsoa.copy()
        pts["share"] = 100 * pts["population_u25"] / pts["population"]
        c = pts.geometry.representative_point()
        lon, lat = bng_to_lonlat(c.x.to_numpy(), c.y.to_numpy())
        pts["position"] = np.c_[np.round(lon, 5), np.round(lat, 5)].tolist()
        pts["r"] = 8 * pts["share"]
        pts["tip"] = [tip(f"{n} ({code})", [("Aged under 25", f"{s:.0f} %"), ("Residents", p)])
                      for n, code, s, p in zip(pts["area_name"], pts["area_code"], pts["share"], pts["population"])]
        pts = pts[D.geography_mask(pts, geography)]
        return pts[["position", "r", "tip"]].to_dict("records"), "Blue dots: share of residents aged under 25 (ONS mid-2020)"
    if name == "substance":
        la = cache.boundaries("lad24")
        la = la[la["area_code"].isin(area.areas["lad_code"])]
        la = la.merge(rf.drop_duplicates("lad_code")[["lad_code", "la_drug_misuse",
                                                                             "la_alcohol_misuse"]],
                                             left_on="area_code", right_on="lad_code", how="left")
        la["fill"] = [[0, 0, 0, 0]] * len(la)
        la["tip"] = [tip(n, [("Drug misuse (ONS Health Index 2020)", d), ("Alcohol misuse (ONS Health Index 2020)", a)])
                     for n, d, a in zip(la["area_name"], la["la_drug_misuse"], la["la_alcohol_misuse"])]
        return (to_geojson(la, ["fill", "tip"], tolerance_m=25),
                "Substance misuse is published by local authority only: hover an authority's edge for its values")
    raise ValueError(f"unknown overlay {name!r}")


OVERLAYS = {"imd2025": "IMD 2025: most deprived 20 %", "imd2019": "IMD 2019: most deprived 20 %",
            "schools": "Schools (absence)", "under25": "Under-25 population", "substance": "Substance misuse (LA)"}


def overlay_layer(name: str, geography: str) -> tuple[pdk.Layer, str]:
    data, legend = overlay_layer_data(name, geography)
    if name in ("imd2025", "imd2019"):
        return pdk.Layer("GeoJsonLayer", data, id=f"ov_{name}", filled=True, stroked=True, pickable=True,
                         get_fill_color="properties.fill", get_line_color=[118, 42, 131, 230],
                         get_line_width=0, line_width_min_pixels=2.5), legend
    if name == "substance":
        return pdk.Layer("GeoJsonLayer", data, id="ov_substance", filled=True, stroked=True, pickable=True,
                         get_fill_color="properties.fill", get_line_color=[200, 120, 0, 220],
                         get_line_width=0, line_width_min_pixels=4), legend
    colour = [27, 120, 55, 200] if name == "schools" else [33, 102, 172, 150]
    return pdk.Layer("ScatterplotLayer", data, id=f"ov_{name}", get_position="position", get_radius="r",
                     radius_units="meters", get_fill_color=colour, pickable=True, stroked=True,
                     get_line_color=[255, 255, 255, 200], line_width_min_pixels=0.5), legend


def boundary_lines(kind: str, lad_code: str | None = None) -> str | None:
    """Unique boundary segments (JSON text) of the wards (of one authority, if given) or of the authorities;
    None when the study area names none."""
    return _boundary_lines(kind, lad_code, cache.study_area().key)


@st.cache_data(show_spinner=False, max_entries=16)
def _boundary_lines(kind: str, lad_code: str | None, area_key: str) -> str | None:
    area = cache.study_area()
    if area.is_bundled:  # the published ward and authority polygons
        frame = cache.boundaries("wards24" if kind == "wards" else "lad24")
        if lad_code:
            frame = frame[frame["LAD24CD"] == lad_code]
        return boundary_json(frame)
    column = "ward_code" if kind == "wards" else "lad_code"
    areas = area.areas[area.areas[column].ne("")]
    if lad_code:
        areas = areas[areas["lad_code"] == lad_code]
    if areas.empty:
        return None
    return boundary_json(areas.dissolve(by=column).reset_index())  # the groups' outlines, from their areas


def boundary_json(frame: gpd.GeoDataFrame) -> str:
    """A coverage's (wards', authorities') unique boundary segments as JSON text, simplified at 25 m."""
    return compact_json(edge_segments(frame[["geometry"]], tolerance_m=25.0))


def boundary_layers(wards: str | None, authorities: str | None) -> list[pdk.Layer]:
    """Grey ward lines (when given) under thick black authority lines, from :func:`boundary_json` text."""
    layers = [line_layer("wards", RawJson(wards), (80, 80, 80, 150), 1.0)] if wards is not None else []
    if authorities is not None:
        layers.append(line_layer("lad", RawJson(authorities), (20, 20, 20, 230), 2.2))
    return layers


def context_layers(geography: str, detail: Detail = FINE) -> list[pdk.Layer]:
    """Ward and authority lines drawn over everything (no internet basemap is needed)."""
    lad_code = None
    if geography.startswith(("lad:", "ward:")):
        kind, _, code = geography.partition(":")
        if kind == "ward":
            lad_code = cache.lsoa_lookup_frame().loc[lambda f: f["ward_code"] == code, "lad_code"].iloc[0] or None
        else:
            lad_code = code
    return boundary_layers(boundary_lines("wards", lad_code) if detail.ward_lines else None, boundary_lines("lad"))


def boundary_note(detail: Detail, areas: bool) -> str:
    """The map's caption for its lines (``areas``: an LSOA map, whose outlines depend on ``detail``)."""
    area = cache.study_area()
    parts = []
    if area.has_authorities:
        parts.append("Thick black lines: local authorities")
    if detail.ward_lines and area.has_wards:
        parts.append("grey: wards (2024, best fit)" if area.is_bundled else "grey: wards")
    note = "; ".join(parts) or "Outlines: the study area's areas"
    if not areas:
        return note + "."
    if detail.area_edges:
        return note + f"; white: {area.unit}s."
    return note + (f". {area.unit} outlines appear once an authority or ward is chosen (Area); hovering highlights "
                   f"one {area.unit}.")


def view_for(frame: gpd.GeoDataFrame) -> pdk.ViewState:
    """A view that fits ``frame`` (EPSG:27700) on a map about 700 × 600 px (deck.gl: 512-px world at zoom 0)."""
    return _view_for_bounds(tuple(float(b) for b in frame.total_bounds))


@lru_cache(maxsize=256)
def _view_for_bounds(bounds: tuple[float, float, float, float]) -> pdk.ViewState:
    # Cached: pyproj builds its transformation again in every new thread, and Streamlit runs each
    # rerun in a new one (~0.15 s a rerun, measured with py-spy).
    minx, miny, maxx, maxy = bounds
    lon, lat = bng_to_lonlat(np.array([(minx + maxx) / 2]), np.array([(miny + maxy) / 2]))
    metres_per_px = max((maxx - minx) / 700, (maxy - miny) / 560, 3.0)
    zoom = float(np.clip(np.log2(78271.52 * np.cos(np.radians(lat[0])) / metres_per_px), 7, 16))
    return pdk.ViewState(latitude=float(lat[0]), longitude=float(lon[0]), zoom=round(zoom - 0.15, 2))

"""Hotspot map: where violence concentrates, by Gi*, local Moran, rates, grid, density and clusters."""

import pydeck as pdk
import streamlit as st

from ui import cache
from ui import hotspot_map as M
from ui.colours import legend_html
from ui.layers import TOOLTIP_HTML, points_layer
from ui.mapdata import FINE, detail_for
from ui.maps import deck
from ui.page import area_data_or_stop, footer, map_attribution, showing
from ui.privacy import policy
from ui.state import current_view
from ui.area_card import area_card

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
meeting = view.meeting
st.title("Hotspot map")
# Meeting mode puts the headline, the map and its legend on the first screen; what is shown, the notes
# and the controls follow below it. Containers keep that order while the controls are read first.
headline_box, map_box, below = st.container(), st.container(), st.container()
if not meeting:
    with headline_box:
        showing(data)
has_points = data.points is not None and len(data.points) > 0

method_box = below.expander("Method parameters", expanded=False)  # below the map, folded
with method_box:
    c1, c2, c3 = st.columns(3)
    weights = c1.selectbox("Neighbours (spatial weights)", ["queen", "rook", "knn:6", "knn:8", "distance:1000",
                                                              "distance:2000"],
                           help="Queen: LSOAs sharing an edge or a corner (the default). Rook: an edge only. "
                                "knn:K: the K nearest LSOAs. distance:M: LSOAs whose centres are within M metres.")
    permutations = c2.select_slider("Permutations", [99, 199, 499, 999, 4999, 9999], value=999,
                                    help="Random reshuffles behind the pseudo p-values: 999 gives p down to 0.002.")
    fdr = c3.checkbox("Control false discoveries (FDR)", value=True,
                      help="Benjamini–Hochberg: keeps the share of false hot spots among those flagged near the "
                           "confidence level. Without it, about 1 in 10 areas would be a '90 %' hot spot by chance.")
    params = M.MethodParams(weights=weights, permutations=permutations, fdr=fdr)
    if has_points:
        d1, d2, d3, d4 = st.columns(4)
        shape = d1.radio("Grid cells", ["square", "hexagon"], horizontal=True)
        cell = d2.number_input("Cell size (m)", 50, 1000, 150, 25,
                               help="For the grid Gi* map. police.uk snaps points to anchors tens of metres apart: "
                                    "cells much smaller than that add noise, not detail.")
        eps = d3.number_input("DBSCAN radius eps (m)", 50, 1000, 150, 10,
                              help="Incidents within this distance are neighbours. Below the snapping spacing it is "
                                   "meaningless.")
        min_samples = d4.number_input("DBSCAN min. incidents (0 = automatic)", 0, 500, 0, 1,
                                      help="Incidents needed within eps to seed a cluster; automatic = max(10, n/1000).")
        bandwidth = st.slider("Kernel bandwidth (m, 0 = automatic)", 0, 1500, 0, 50,
                              help="Automatic: the normal-reference rule on eastings and northings (as sfhotspot).")
        params = M.MethodParams(weights=weights, permutations=permutations, fdr=fdr, grid_shape=shape,
                                cell_size_m=float(cell), eps_m=float(eps), min_samples=int(min_samples) or None,
                                bandwidth_m=float(bandwidth) or None)

suppressing = policy(sel).enabled
# under small-number suppression a density surface, cluster outlines and points would place single incidents
modes = [m for m in M.MODES if (has_points or m not in M.POINT_MODES) and not (suppressing and m == "kde")]
if st.session_state.get("map_mode") not in modes:
    st.session_state.pop("map_mode", None)  # e.g. kernel density, no longer offered once suppression is on
c_mode, c_over = (below if meeting else headline_box).columns([3, 2])
unit = cache.study_area().unit
mode = c_mode.radio("Colour the map by", modes, format_func=lambda m: M.MODES[m].replace("LSOA", unit),
                    horizontal=True, key="map_mode")
offered_overlays = M.available_overlays()
overlays = c_over.multiselect("Overlays", offered_overlays, format_func=M.OVERLAYS.get, key="map_overlays",
                              help="Risk factors on top of the hot spots. Each says its geography level."
                              + ("" if len(offered_overlays) == len(M.OVERLAYS) else
                                 " Schools, under-25s, IMD 2025 and substance misuse are bundled for the West "
                                 "Midlands only."))
extras = []
if has_points:
    offered = [] if suppressing else ["clusters", "points"]
    extras = (below if meeting else headline_box).multiselect("Also show", offered, key="map_extras",
                            format_func={"clusters": "DBSCAN cluster outlines", "points": "Incident points"}.get,
                            disabled=suppressing,
                            help="Kernel density, cluster outlines and incident points are not shown while "
                                 "small-number suppression is on: each can place a single incident."
                            if suppressing else None)

layers, legends, notes = [], [], []
detail = FINE  # point maps cover a city or a force: always drawn in full
if mode in M.POINT_MODES:
    builder = M.grid_layer_data if mode == "grid" else M.kde_layer_data
    geo_json, legend, title, method = builder(sel, params)
    layers.append(pdk.Layer("GeoJsonLayer", geo_json, id=mode, filled=True, stroked=False, pickable=True,
                            get_fill_color="properties.fill"))
    notes.append(", ".join(f"{k}: {v}" for k, v in method.items() if k in ("cell_size_m", "shape", "bandwidth_m",
                                                                              "bandwidth_rule", "cells")))
else:
    area_map = M.area_layer_data(sel, params, mode)
    layers += area_map.layers("areas")
    legend, title, detail = area_map.legend, area_map.title, detail_for(area_map.n_areas)
legends.append((title, legend))
layers += M.context_layers(sel.geography, detail)
for name in overlays:
    layer, line = M.overlay_layer(name, sel.geography)
    layers.append(layer)
    notes.append(line)
cluster_summary = None
if "clusters" in extras:
    outlines, cluster_summary, cparams = M.cluster_layer_data(sel, params)
    layers.append(pdk.Layer("GeoJsonLayer", outlines, id="clusters", filled=True, stroked=True, pickable=True,
                            get_fill_color="properties.fill", get_line_color=[0, 0, 0, 255], get_line_width=0,
                            line_width_min_pixels=2.5))
    notes.append(f"Black outlines: DBSCAN clusters (eps {cparams['eps_m']:g} m, min. {cparams['min_samples']} "
                 "incidents)")
if "points" in extras:
    layers.append(points_layer("points", data.points))
    notes.append("Dark dots: incidents at their police.uk snap points, sized by how many share the point")

shown = data.areas[data.in_geography(sel.geography)]
if mode not in M.POINT_MODES:
    with (headline_box if meeting else map_box):  # the sentence the room reads first
        st.markdown(f"<div style='font-size:1.35rem;line-height:1.3;margin:.2em 0 .5em'>"
                    f"{M.headline(sel, params, mode, unit)}</div>", unsafe_allow_html=True)
with map_box:
    map_col, side_col = st.columns([3, 1])
    with map_col:
        event = st.pydeck_chart(deck(layers, tooltip_html=TOOLTIP_HTML,
                                     view=M.view_for(shown if len(shown) else data.areas)),
                                height=540 if meeting else 620, on_select="rerun", selection_mode="single-object",
                                key="hotspot_map")
        st.caption(map_attribution(sel.dataset))
    with side_col:
        for title, rows in legends:
            st.markdown(legend_html(title, rows), unsafe_allow_html=True)
        if not meeting:
            for line in notes:
                st.caption(line)
            st.caption(M.boundary_note(detail, areas=mode not in M.POINT_MODES))
if meeting:
    with below.expander("What is shown, and how"):
        showing(data)
        for line in notes:
            st.caption(line)
        st.caption(M.boundary_note(detail, areas=mode not in M.POINT_MODES))

selected = None
if event is not None and mode not in M.POINT_MODES:
    selected = (area_map.picked(event.selection, "areas") or [None])[-1]  # single-object selection: one at most
if selected:
    area_card(sel, params, selected)
else:
    st.caption(f"Click an {unit} on the map to see its card: values, class, p-values, risk factors and rank."
               if unit[0] in "AEIOUL" else
               f"Click a {unit} on the map to see its card: values, class, p-values, risk factors and rank.")

if cluster_summary is not None and len(cluster_summary):
    st.subheader("Clusters")
    st.dataframe(cluster_summary, hide_index=True, width="stretch")
footer(sel.dataset)
M.prefetch_other_measures(sel, params, mode)  # last: the guesses start once this page is drawn

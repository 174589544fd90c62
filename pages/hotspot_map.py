"""Hotspot map: where police-recorded violence concentrates across West Midlands LSOAs."""

import streamlit as st

from geo.catalogue import attribution_lines, layer
from ui.colours import class_colours, legend_html, legend_rows, quantile_breaks
from ui.mapdata import to_geojson
from ui.maps import deck, polygon_layer
from geo import bundled
from geo.layers import lsoa_violence_rates


@st.cache_data(show_spinner="Preparing the LSOA map…")
def _map_layers():
    lsoa = lsoa_violence_rates()
    breaks = quantile_breaks(lsoa["violence_rate"])
    lsoa["fill"] = class_colours(lsoa["violence_rate"], breaks)
    lsoa["rate"] = lsoa["violence_rate"].round(1)
    polys = to_geojson(lsoa, ["area_code", "area_name", "WD24NM", "LAD24NM", "rate", "fill"])
    lad = to_geojson(bundled.boundaries("lad24"), ["area_name"], tolerance_m=25)
    wards = to_geojson(bundled.boundaries("wards24"), ["area_name"], tolerance_m=25)
    return polys, wards, lad, legend_rows(breaks, lsoa["violence_rate"]), len(lsoa)


st.title("Where violence concentrates")
polys, wards, lad, legend, n = _map_layers()
st.caption(f"Police-recorded violence (with and without injury) per 1,000 at-risk population, for each of the "
           f"{n:,} LSOAs of the seven West Midlands boroughs — {layer('iod2025_indicators').title}, "
           f"{layer('iod2025_indicators').vintage}.")
map_col, legend_col = st.columns([4, 1])
with map_col:
    st.pydeck_chart(deck([
        polygon_layer("lsoa", polys, pickable=True, line_colour=(255, 255, 255, 90), line_width_px=0.4),
        polygon_layer("wards", wards, fill=False, line_colour=(90, 90, 90, 140), line_width_px=0.8),
        polygon_layer("lad", lad, fill=False, line_colour=(20, 20, 20, 230), line_width_px=2.2),
    ], tooltip_html="<b>{area_name}</b> ({area_code})<br/>{WD24NM}, {LAD24NM}<br/>"
                    "Violence: <b>{rate}</b> per 1,000"), height=640)
with legend_col:
    st.markdown(legend_html("Violence per 1,000 at-risk population", legend,
                            "Quintiles of the 1,719 LSOAs. Grey: no data. Thick lines: local authorities; "
                            "thin: wards (2024, best fit)."), unsafe_allow_html=True)
st.caption(" ".join(attribution_lines(["lsoa21", "iod2025_indicators"])))

"""Risk factors: the four the West Midlands needs assessments named, against violence."""

from dataclasses import replace

import numpy as np
import streamlit as st

from geo.errors import InputError
from ui import cache
from ui import hotspot_map as M
from ui import risk as R
from ui.layers import LISA_COLOURS, LISA_LABELS, TOOLTIP_HTML, tip
from ui.mapdata import edge_segments, to_geojson
from ui.maps import area_layer, deck, line_layer
from ui.page import area_data_or_stop, footer, header, map_attribution
from ui.privacy import protected
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
header("Risk factors", data, "Education (school absence and exclusion), substance misuse, demography (young "
       "people under 25) and deprivation, against violence. **These are associations, not causes**: an area can be "
       "deprived and violent because of a third thing, and area-level links do not hold for individuals.")

area = cache.study_area()
uploaded = None
with st.expander("Your own risk factors (CSV or XLSX)", expanded=not area.is_bundled):
    st.caption("One row per area: a column of area codes (area_code, or a column ending in CD) and one numeric column "
               "per factor, at the study area's geography. Each column becomes a factor below.")
    if not area.is_bundled:
        st.info(area.missing_layer_text("risk_factors"))
    upload = st.file_uploader("Factor file", type=["csv", "xlsx"], key="factor_file")
    if upload is not None:
        try:
            uploaded, factor_notes = R.read_factor_file(upload.getvalue(), upload.name, set(area.areas["area_code"]))
        except InputError as exc:
            st.error(str(exc))
        else:
            for note in factor_notes:
                st.caption(note)
fs = R.factor_set(area, uploaded)
if not fs.factors:
    st.warning("No risk factor is available for this study area yet: give a factor file above.")
    footer(sel.dataset)
    st.stop()
labels = {f.column: f"{f.label} — {f.geography}" for f in fs.factors}
column = st.selectbox("Risk factor", list(labels), format_func=labels.get)
prot = None if data.counts_are_estimates else protected(sel)
if prot is not None:  # statistics on the counts as shown; no dot shows a hidden count
    data = replace(data, areas=cache.statistics_areas(sel))
frame, violence_label = R.factor_frame(data, column, fs)
rho, p, n = R.spearman(frame)
factor = fs.get(column)
c1, c2 = st.columns([2, 1])
with c1:
    plotted = R.without_hidden(frame, prot, factor.geography)
    st.altair_chart(R.scatter(plotted, factor.label, violence_label), width="stretch")
    if len(plotted) < len(frame):
        st.caption(f"{len(frame) - len(plotted):,} areas with hidden counts (small numbers) are not plotted; the "
                   "correlation uses the counts as shown, hidden ones estimated from what is shown.")
with c2:
    st.metric("Spearman rank correlation", "–" if np.isnan(rho) else f"{rho:+.2f}")
    p_text = "< 0.0001" if p < 1e-4 else f"{p:.2g}"
    st.markdown(f"p {p_text if p_text.startswith('<') else '= ' + p_text}, n = **{n}** {factor.geography}s"
                if not np.isnan(p) else f"n = {n}: too few")
    st.caption(f"Geography: {factor.geography}. Source: {factor.source}. Higher values mean {factor.higher_is}.")
    if column in ("imd2025_score", "imd2019_rank"):
        st.warning("The overall IMD includes a Crime domain that counts violence, so part of this link is "
                   "circular: compare with the income, employment, education and health domains.")
    if factor.geography == "local authority":
        st.warning("Only 7 local authorities: a correlation over 7 points is weak evidence either way.")

if fs.deprivation is None:
    footer(sel.dataset)
    st.stop()
st.subheader(f"Violence × {'deprivation' if 'IMD' in fs.deprivation_label else fs.deprivation_label} (3 × 3)")
bv = R.bivariate_classes(data, fs)
shapes = data.areas[["area_code", "area_name", "geometry"]].merge(bv, on="area_code")
shapes["fill"] = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] + [220] for c in shapes["colour"]]
tiers = ["low", "middle", "high"]
shapes["tip"] = [tip(f"{n} ({c})", [("Violence", tiers[v] + " third"), (fs.deprivation_label, tiers[d] + " third")])
                 for n, c, v, d in zip(shapes["area_name"], shapes["area_code"], shapes["v"], shapes["d"])]
left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(deck([area_layer("bivariate", to_geojson(shapes, ["fill", "tip"])),
                          line_layer("bivariate_lines", edge_segments(shapes), (255, 255, 255, 150), 1.0),
                          *M.context_layers("all")],
                         tooltip_html=TOOLTIP_HTML, view=M.view_for(data.areas)), height=520)
    st.caption(map_attribution(sel.dataset))
with right:
    grid = "".join(f'<div style="width:2.2em;height:2.2em;background:{R.BIVARIATE[2 - r][c]}"></div>'
                   for r in range(3) for c in range(3))
    st.markdown(f'<div style="display:grid;grid-template-columns:repeat(3,2.2em);gap:2px">{grid}</div>'
                '<div style="font-size:.9rem">↑ violence (thirds) &nbsp; → deprivation (thirds)</div>',
                unsafe_allow_html=True)
    st.caption("Dark blue: high violence and high deprivation. Pink: high violence, lower deprivation. "
               "Teal: deprived, less violence.")

st.subheader("Bivariate local Moran: violence against deprivation nearby")
lisa = R.bivariate_lisa(data, fs=fs)
counts = lisa["class"].value_counts()
st.markdown(" · ".join(f"**{LISA_LABELS.get(k, k)}**: {int(counts.get(k, 0))}" for k in LISA_COLOURS))
st.caption(f"HH: a violent area surrounded by deprived areas; permutation p, false-discovery-rate controlled. "
           f"Deprivation: {fs.deprivation_label}.")
footer(sel.dataset)

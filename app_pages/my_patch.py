"""My patch: a navigator's own local authority, ward or list of LSOAs, against the whole area."""

import altair as alt
import streamlit as st

from geo.datasets import geography_mask
from ui import cache
from ui import hotspot_map as M
from ui import patch as P
from ui.layers import TOOLTIP_HTML
from ui.maps import deck
from ui.page import area_data_or_stop, footer, geography_words, header
from ui.privacy import policy, protected, shown_areas, total_text
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
header("My patch", data, "Choose a local authority or ward in the sidebar, or paste or pick a custom list of areas.")
lookup = cache.lsoa_lookup_frame()
area = cache.study_area()

with st.expander(f"Custom patch: paste {area.unit} codes or pick them on the map",
                 expanded=sel.geography.startswith("lsoas")):
    text = st.text_area(f"{area.unit} codes (any separators)", value=st.session_state.get("geo_custom", "").replace(",", "\n"),
                        height=110, placeholder="\n".join(lookup["area_code"].head(2)))
    known, unknown = P.parse_codes(text, set(lookup["area_code"]))
    if unknown:
        st.warning(f"{len(unknown)} code(s) are not areas of {area.name} and were left out: "
                   f"{', '.join(unknown[:10])}")
    picked = st.session_state.get("patch_picked", [])
    c1, c2 = st.columns(2)
    if c1.button(f"Use these {area.unit}s as my patch", disabled=not (known or picked), type="primary"):
        st.session_state["geo_custom"] = ",".join(dict.fromkeys(known + picked))
        st.session_state["geo_lad"] = "all"
        st.rerun()
    if c2.button("Clear the custom patch", disabled="geo_custom" not in st.session_state):
        st.session_state.pop("geo_custom", None)
        st.session_state["patch_picked"] = []
        st.rerun()
    all_areas = M.area_layer_data(sel.with_(geography="all"), M.MethodParams(), "gi")
    event = st.pydeck_chart(
        deck(all_areas.layers("pick", line_colour=(90, 90, 90, 120)), tooltip_html=TOOLTIP_HTML, view=M.view_for(data.areas)),
        height=380, on_select="rerun", selection_mode="multi-object", key="patch_picker")
    chosen = all_areas.picked(event.selection, "pick")
    if chosen:
        st.session_state["patch_picked"] = chosen
        st.caption(f"Picked on the map: {', '.join(st.session_state['patch_picked'])} (hold Shift to pick several).")

if sel.geography == "all":
    st.info("Choose a local authority or ward in the sidebar (Area), or set a custom patch above.")
    footer(sel.dataset)
    st.stop()

where = geography_words(sel.geography, lookup, sel.dataset)
frame = M.area_frame(sel, M.MethodParams())
mine = frame[geography_mask(frame, sel.geography)]
if mine.empty:
    st.warning(f"None of {where}'s {area.unit}s is in the analysed extent ({data.extent_note})")
    st.stop()
codes = list(mine["area_code"])
st.subheader(f"{where}: {len(mine):,} {area.unit}s")

n_hot = int(mine["gi_class"].str.startswith("Hot").sum())
c1, c2, c3 = st.columns(3)
total = float(mine["count"].sum())
shown_total = f"{total:,.0f}" if data.counts_are_estimates else total_text(mine["count"], sel)
whole = f"{data.areas['count'].sum():,.0f}" if data.counts_are_estimates else total_text(data.areas["count"], sel, "all")
c1.metric("Incidents" + (" (estimated)" if data.counts_are_estimates else ""), shown_total)
both_shown = all(t.replace(",", "").replace(".", "").isdigit() for t in (shown_total, whole))
c2.metric("Share of the analysed area's incidents", f"{100 * total / max(data.areas['count'].sum(), 1e-9):.1f} %"
          if both_shown else "withheld", help=None if both_shown else "A hidden total is not shown as a share either.")
c3.metric(f"Hot-spot {area.unit}s (Gi*)", f"{n_hot} of {len(mine)}")
prot = None if data.counts_are_estimates else protected(sel)
if prot is not None and sel.geography.startswith("lsoas:"):
    note = prot.custom_total(codes)[1]
    if note:
        st.caption(note)

value_cols = ["count"] if sel.measure == "count" else ["count", "value"]
table = mine.sort_values(["gi_z"], ascending=False)[["area_name", "area_code", "ward_name", *value_cols,
                                                        "gi_class", "gi_z", "gi_p", "lad_code"]]
safe = shown_areas(table, sel, data.counts_are_estimates).drop(columns="lad_code")
safe = safe.rename(columns={"area_name": area.unit, "area_code": "Code", "ward_name": "Ward", "count": "Incidents",
                            "value": data.value_label, "gi_class": "Gi* class", "gi_z": "z", "gi_p": "p"})
st.dataframe(safe, hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("Trend against the whole area")
    trend, trend_note = P.trend_against_all(data, codes, prot, sel.geography)
    if trend_note:
        st.caption(trend_note)
    if trend is None:
        if not trend_note:
            st.info("The IoD2025 rates are one period: no trend to compare.")
    else:
        st.altair_chart(alt.Chart(trend).mark_line(point=True, strokeWidth=3).encode(
            x=alt.X("yearmonth(month):T", title="Month"), y=alt.Y("index:Q", title="Index (own monthly mean = 100)"),
            color=alt.Color("series:N", title=None)).properties(height=280), width="stretch")
with right:
    st.subheader("Top streets and places")
    top, top_note = P.top_locations(data, codes, policy(sel))
    if top is None:
        st.info("Needs incident points (police.uk or stored data).")
    else:
        if top_note:
            st.caption(top_note)
        st.dataframe(top, hide_index=True, width="stretch")

if area.has("risk_factors"):
    st.subheader("Risk factors: the patch against the West Midlands")
    profile = P.risk_profile(codes)
    st.dataframe(profile, hide_index=True, width="stretch")
    st.caption("Population-weighted means. Associations, not causes; local-authority factors are the same for "
               "every LSOA of an authority.")
else:
    profile = None
    st.caption(area.missing_layer_text("risk_factors") + " The Risk factors page takes your own factor file.")

brief = P.brief_html(f"Violence brief — {where}", data, mine, safe.head(25), profile, data.notes, sel.dataset)
st.download_button("Download the one-page patch brief (printable HTML)", brief.encode("utf-8"),
                   file_name="patch-brief.html", mime="text/html", type="primary")
footer(sel.dataset)

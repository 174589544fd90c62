"""Overview: the headline figures a Violence Prevention Group needs, readable from the back of the room."""

import streamlit as st

from analytics.concentration import Concentration
from ui import cache
from ui import overview as O
from ui.page import area_data_or_stop, footer, geography_words, header
from ui.privacy import policy, protected, shown_areas, total_text
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
header("Overview", data)
lookup = cache.lsoa_lookup_frame()
where = geography_words(sel.geography, lookup, sel.dataset)
unit = cache.study_area().unit
areas = data.areas[data.in_geography(sel.geography)]
if areas.empty:
    st.warning(f"No analysed {unit}s in {where}: this dataset covers {data.extent_note[4:]}")
    st.stop()
hot = cache.hotspots(sel)
classes = hot.table.set_index("area_code").loc[areas["area_code"], "gi_class"]
total = float(areas["count"].sum())
est = data.counts_are_estimates
prot = None if est else protected(sel)
stats = cache.statistics_areas(sel)  # the counts as shown (hidden ones estimated from what is shown)
stats = stats[data.in_geography(sel.geography)]

c1, c2, c3 = st.columns(3)
c1.metric("Incidents" + (" (estimated)" if est else ""), f"{total:,.0f}" if est else total_text(areas["count"], sel),
          help="IoD2025 rates × mid-2020 population ÷ 1,000" if est else "Recorded incidents in the period")
change = O.previous_period_change(sel, data, areas)
if change is None:
    c2.metric("Change on the previous period", "–",
              help="This dataset has no earlier period of the same length to compare with, or small-number "
                   "suppression hides one of the two totals.")
else:
    pct = change.pct_change
    c2.metric("Change on the previous period (per day)", "–" if pct is None or pct != pct else f"{pct:+.0f} %",
              help=change.sentence)
n_hot = int(classes.str.startswith("Hot").sum())
c3.metric(f"Hot-spot {unit}s (Gi*, 90 %+)", f"{n_hot:,} of {len(areas):,}",
          help="Getis-Ord Gi*, queen neighbours, false-discovery-rate controlled; see Data & method.")
if change is not None:
    st.caption(change.sentence)
if prot is not None:
    st.caption(f"Small-number suppression is on: {prot.policy.rule}")

st.subheader("How concentrated is it?")
conc = Concentration(stats["count"].to_numpy(float), unit=unit, what="recorded violence" if not est else
                     "estimated violence", area_name=where)
left, right = st.columns([1, 1])
with left:
    st.markdown(f"<div style='font-size:1.6rem;line-height:1.3'>{conc.sentence}</div>", unsafe_allow_html=True)
    st.markdown(O.gini_words(conc))
    st.caption(f"Share of incidents in the highest {unit}s — " + "; ".join(O.top_share_words(conc)) + ".")
with right:
    st.altair_chart(O.lorenz_chart(conc), width="stretch")

st.subheader("Trend by month")
if data.points is None:
    st.info("The IoD2025 rates are one period: there is no monthly trend. Load police.uk months (Data page) or "
            "choose the Birmingham city centre data to see one.")
else:
    monthly, note = O.monthly_counts(data, areas, prot, sel.geography)
    if note:
        st.caption(note)
    if monthly["incidents"].notna().any():
        st.altair_chart(O.trend_chart(monthly), width="stretch")

heat, heat_note = O.day_hour_table(data, areas, policy(sel), sel.geography)
if heat is not None or heat_note:
    st.subheader("Day of week × hour")
    st.caption("Incidents by the hour they happened, where the source gives a time (partner data; police.uk gives "
               "months only).")
    if heat_note:
        st.caption(heat_note)
    if heat is not None:
        st.dataframe(heat, width="stretch")

c_la, c_top = st.columns([1, 1.4]) if not view.meeting else (st.container(), st.container())
with c_la:
    st.subheader("By local authority")
    st.dataframe(O.by_authority(areas, prot), hide_index=True, width="stretch")
with c_top:
    st.subheader(f"Top 10 {unit}s")
    order = stats.set_index("area_code")["value"].reindex(areas["area_code"]).set_axis(areas.index)
    top = O.top_areas(shown_areas(areas, sel, est), classes, data.value_label, order=order)
    if view.meeting:  # a shared screen: the name, the number and the class, whole
        top = top[["LSOA", data.value_label, "Gi* class"]]
    st.dataframe(top, hide_index=True, width="stretch")
footer(sel.dataset)

"""Trends: is it changing? Emerging hot spots, the change between two periods, and how stable hot spots are."""

import streamlit as st

from analytics.emerging import PATTERN_RULES
from ui import cache
from ui import hotspot_map as M
from ui import trends as T
from ui.colours import legend_html
from ui.layers import TOOLTIP_HTML
from ui.maps import deck
from ui.page import area_data_or_stop, footer, header, map_attribution, showing
from ui.privacy import policy
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
meeting = view.meeting
if data.points is None or data.monthly is None or len(data.monthly) < 2:
    header("Trends", data)
    st.info("Trends need incidents with months: the IoD2025 rates are one period. Choose the Birmingham city-centre "
            "police.uk data or your stored incidents in the sidebar.")
    footer(sel.dataset)
    st.stop()
unit = cache.study_area().unit
suppressing = policy(sel).enabled
months = list(data.monthly.index)

st.title("Trends")
top, body, below = st.container(), st.container(), st.container()  # meeting mode: sentence and map first
if not meeting:
    with top:
        showing(data)
if st.session_state.get("trend_split") not in months[1:]:
    st.session_state.pop("trend_split", None)  # other data since: back to the middle month
with (below if meeting else top).expander("Method parameters", expanded=False):
    c1, c2, c3, c4 = st.columns(4)
    step = c1.radio("Time step", ["month", "quarter"], horizontal=True, key="trend_step")
    window = c2.number_input("Time window (previous steps)", 0, 3, 1, 1, key="trend_window",
                             help="A bin's neighbours are its area and the touching ones in the same step and this "
                                  "many previous steps.")
    where = c3.radio("Locations", ["areas", "grid"], horizontal=True, key="trend_locations",
                     format_func={"areas": f"{unit}s", "grid": "grid"}.get)
    cell = c4.number_input("Grid cell (m)", 100, 2000, 250, 50, key="trend_cell", disabled=where != "grid")
    split = st.select_slider("Period B starts in", options=months[1:], value=months[len(months) // 2],
                             key="trend_split", format_func=lambda m: f"{m}")
params = T.TrendParams(step=step, time_window=int(window), locations=where, cell_size_m=float(cell))

emerging = None
if suppressing:
    note = ("Emerging hot spots are not shown for health or sensitive data while small numbers are suppressed: they "
            "need every area's count in every month, and such a table of small counts cannot be protected. The "
            "change between two periods and the stability of hot spots (below) are.")
else:
    try:
        emerging = T.emerging_view(sel, params)
        note = None
    except ValueError as exc:  # too few steps, a month missing from the data, …
        note = str(exc)

if emerging is not None:  # meeting mode leads with the sentence, then the map and its legend
    body.markdown(f"<div style='font-size:1.5rem;line-height:1.3;margin-bottom:.4em'>{emerging.headline}</div>",
                  unsafe_allow_html=True)
left, right = body.columns([3, 1])
if emerging is not None:
    with left:
        event = st.pydeck_chart(deck(emerging.layers.layers("trend") + M.context_layers(sel.geography),
                                     tooltip_html=TOOLTIP_HTML,
                                     view=M.view_for(data.areas)), height=560 if meeting else 520,
                                on_select="rerun", selection_mode="single-object", key="trend_map")
        st.caption(map_attribution(sel.dataset))
    with right:
        counts = emerging.pattern_counts
        rows = [(T.PATTERN_COLOURS[p], f"{p} ({int(counts[p])})") for p in counts.index
                if counts[p] or p in ("New Hot Spot", "Intensifying Hot Spot", "Persistent Hot Spot")]
        st.markdown(legend_html(f"Pattern ({unit}s)", rows), unsafe_allow_html=True)
        st.caption("Hot patterns in warm colours, cold in cool; patterns with no areas are listed in the table below.")
else:
    body.info(note)

if meeting:
    with below.expander("What is shown"):  # meeting mode: the map first, the explanations folded below it
        showing(data)
with below.expander("What the patterns mean, and the rules", expanded=not meeting and emerging is not None):
    if emerging is not None:
        st.dataframe(T.legend_rows(emerging), hide_index=True, width="stretch")
        for line in emerging.notes:
            st.caption(line)
    st.markdown(PATTERN_RULES)

if emerging is not None:
    picked = (emerging.layers.picked(event.selection, "trend") or [None])[-1] if event is not None else None
    if picked:
        row = emerging.table.set_index("area_code").loc[picked]
        st.subheader(f"{row['area_name']} ({picked}): {row['pattern']}")
        st.altair_chart(T.series_chart(emerging, picked), width="stretch")
        st.caption(f"Bars: incidents per {step}, red where the {unit} and its neighbours were a significant hot spot, "
                   f"blue a cold spot. Line: the Gi* z-score. Trend of z: Mann-Kendall z {row['trend_z']:.2f}, "
                   f"p {row['trend_p']:.3g}.")
    else:
        st.caption(f"Click a {unit} on the map for its incidents and z-score step by step.")

st.subheader("Change between two periods")
change = T.change_view(sel, split)
st.markdown(f"**{change.headline}**")
if change.layers is None:
    st.info("The map of change per area is not shown while small numbers are suppressed: an area's counts in two "
            "periods, beside its total on the other pages, would reveal small numbers. `python -m analytics change` "
            "writes the per-area table as its own protected output.")
else:
    c_map, c_side = st.columns([3, 1])
    with c_map:
        st.pydeck_chart(deck(change.layers.layers("change") + M.context_layers(sel.geography),
                             tooltip_html=TOOLTIP_HTML, view=M.view_for(data.areas)), height=440, key="change_map")
    with c_side:
        st.markdown(legend_html("Per day, after false-discovery-rate control",
                                [(T.CHANGE_COLOURS[k], f"{k} ({int(v)})") for k, v in change.class_counts.items()]),
                    unsafe_allow_html=True)
    with st.expander("How the change is tested"):
        st.caption(change.method)

st.subheader("Are the hot spots stable?")
text, status = T.stability_text(sel, split)
st.markdown(text)
if len(status):
    st.dataframe(status, hide_index=True)
footer(sel.dataset)

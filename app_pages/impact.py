"""Impact: did what we commissioned work? Before and after in the target, against a comparison, with displacement."""

import json

import streamlit as st

from geo.briefs import ZONE_COLOURS, impact_brief
from geo.datasets import geography_mask
from ui import cache
from ui import hotspot_map as M
from ui import impact as I
from ui import patch as P
from ui.colours import legend_html
from ui.layers import TOOLTIP_HTML
from ui.maps import deck
from ui.page import area_data_or_stop, footer, geography_words, map_attribution, showing
from ui.privacy import policy
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
meeting = view.meeting
st.title("Impact")
if data.points is None or data.monthly is None or len(data.monthly) < 6:
    showing(data)
    st.info("An evaluation needs incidents with months before and after the start (at least three of each): the "
            "IoD2025 rates are one period. Choose the Birmingham city-centre police.uk data or your stored incidents.")
    footer(sel.dataset)
    st.stop()
area = cache.study_area()
lookup = cache.lsoa_lookup_frame()
months = list(data.monthly.index)
top, result_box, below = st.container(), st.container(), st.container()

with (below if meeting else top):
    if not meeting:
        showing(data)
    with st.expander("The scheme: where, when, compared with what", expanded=not meeting):
        how = st.radio("Target", ["area", "codes", "point"], horizontal=True, key="impact_how",
                       format_func={"area": "The sidebar's area (authority, ward or custom patch)",
                                    "codes": f"Pasted or picked {area.unit}s", "point": "A point and a radius"}.get)
        choice_kw = {}
        if how == "area":
            codes = list(data.areas.loc[geography_mask(data.areas, sel.geography), "area_code"]) \
                if sel.geography != "all" else []
            st.caption(f"Target: {geography_words(sel.geography, lookup, sel.dataset)} ({len(codes)} {area.unit}s)."
                       if codes else "Choose an authority or ward in the sidebar (Area), or a custom patch on My patch.")
            choice_kw["target"] = tuple(codes)
        elif how == "codes":
            text = st.text_area(f"{area.unit} codes (any separators)", key="impact_codes", height=90,
                                placeholder="\n".join(data.areas["area_code"].head(2)))
            known, unknown = P.parse_codes(text, set(data.areas["area_code"]))
            if unknown:
                st.warning(f"{len(unknown)} code(s) are not analysed {area.unit}s and were left out: "
                           f"{', '.join(unknown[:8])}")
            picked = st.session_state.get("impact_picked", [])
            choice_kw["target"] = tuple(dict.fromkeys(known + picked))
        else:
            cx, cy = (float(v) for v in data.points[["easting", "northing"]].median())
            c1, c2, c3 = st.columns(3)
            e = c1.number_input("Easting (m, EPSG:27700)", value=round(cx), step=50, key="impact_e")
            n = c2.number_input("Northing (m)", value=round(cy), step=50, key="impact_n")
            r = c3.number_input("Radius (m)", 50, 5000, 400, 50, key="impact_r")
            choice_kw.update(point=(float(e), float(n)), radius_m=float(r))
        c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1.3, 1.3])
        if st.session_state.get("impact_start") not in months[3:-2]:
            st.session_state.pop("impact_start", None)
        start = c1.select_slider("Start of the scheme", options=months[3:-2] or months[1:],
                                 value=months[len(months) // 2], key="impact_start")
        avail_before, avail_after = months.index(start), len(months) - months.index(start)
        before = c2.number_input("Months before", 3, max(3, avail_before), min(12, avail_before), key="impact_before")
        after = c3.number_input("Months after", 3, max(3, avail_after), min(12, avail_after), key="impact_after")
        buffer = c4.selectbox("Buffer (displacement)", ["adjacent", "none", "300", "500", "1000"], key="impact_buffer",
                              format_func=lambda b: {"adjacent": f"Adjacent {area.unit}s", "none": "None"}.get(
                                  b, f"A {b} m ring"))
        comparison = c5.selectbox("Comparison", ["rest", "matched"], key="impact_comparison",
                                  format_func={"rest": "Everywhere else", "matched": "Matched areas"}.get,
                                  disabled=how == "point",
                                  help="Matched: the areas most like the target on before-period counts and "
                                       "deprivation, not next to it (see the method).")
choice = I.ImpactChoice(start=start, before=int(before), after=int(after), buffer=buffer,
                        comparison="rest" if how == "point" else comparison, **choice_kw)

if how != "point" and not choice.target:
    result_box.info("Choose the target: an authority or ward in the sidebar, or paste or pick areas.")
    footer(sel.dataset)
    st.stop()
try:
    result = I.evaluate(sel, choice)
except ValueError as exc:
    result_box.error(str(exc))
    footer(sel.dataset)
    st.stop()

with result_box:
    st.markdown(f"<div style='font-size:1.45rem;line-height:1.35;border-left:5px solid #b2182b;padding:.2em .7em;"
                f"margin:.3em 0 .8em'>{result['verdict']}</div>", unsafe_allow_html=True)
    left, right = st.columns([3, 2])
    with left:
        if result["zones_from"] == "areas":
            zones = I.zones_frame(data, result)
            layers = I.zone_layers(zones)
            event = st.pydeck_chart(deck(layers.layers("zones") + M.context_layers(sel.geography),
                                         tooltip_html=TOOLTIP_HTML, view=M.view_for(zones[zones["zone"] != "comparison"]
                                                                                    if (zones["zone"] != "comparison").any()
                                                                                    else zones)),
                                    height=460 if meeting else 420, on_select="rerun",
                                    selection_mode="multi-object", key="impact_map")
            if how == "codes":
                picked = layers.picked(event.selection, "zones")
                if picked and picked != st.session_state.get("impact_picked"):
                    st.session_state["impact_picked"] = picked
                    st.rerun()
            st.caption(map_attribution(sel.dataset) + (" Click areas (Shift for several) to add them to the target."
                                                      if how == "codes" else ""))
        else:
            zones = None
            st.caption(f"Target: incidents within {choice.radius_m:,.0f} m of ({choice.point[0]:,.0f}, "
                       f"{choice.point[1]:,.0f}); buffer: {'none' if buffer in ('none', 'adjacent') else buffer + ' m ring'}; "
                       "comparison: every other incident of the analysed area.")
    with right:
        st.markdown(legend_html("Zones", [(c, z) for z, c in ZONE_COLOURS.items()]), unsafe_allow_html=True)
        st.dataframe(I.counts_table(result), hide_index=True, width="stretch")
        re_ = result["relative_effect"]
        if re_ is not None and result.get("verdict_ci_low") is not None:
            st.metric("Relative effect (target against comparison)", f"{re_:.2f}",
                      help=f"95 % CI {result['verdict_ci_low']:.2f} to {result['verdict_ci_high']:.2f}; "
                           f"p = {result['verdict_p']:.2g} ({result['verdict_basis']}). Below 1: the target fell "
                           "relative to the comparison.")
        st.caption(f"Displacement: {result['wdq_reading']}")
        if result.get("its_level_ratio") is not None:
            st.caption(f"Interrupted time series: level change x{result['its_level_ratio']:.2f} (95 % CI "
                       f"{result['its_level_ci_low']:.2f} to {result['its_level_ci_high']:.2f}).")
        st.caption(result["power_verdict"][:1].upper() + result["power_verdict"][1:])
    st.altair_chart(I.chart(result), width="stretch")
    st.caption("Each line is indexed to its own before-period mean (= 100). Dashed: the interrupted time series fitted "
               "to the target, and its counterfactual (the same model without the scheme). The dotted rule marks the "
               "start." + (" Months with hidden counts (small numbers) are left out." if policy(sel).enabled else ""))
    title = f"Did it work? {result['verdict'].split(' in the target')[0]} in the target from {choice.start}"
    brief = impact_brief(result, title, zones, policy(sel).rule,
                         "Boundaries and incidents as shown in the dashboard.")
    c1, c2 = st.columns(2)
    c1.download_button("Download the one-page brief (printable HTML)", brief.encode("utf-8"),
                       file_name="impact-brief.html", mime="text/html", type="primary")
    c2.download_button("Download the results (JSON)", json.dumps(result, indent=2, allow_nan=False).encode("utf-8"),
                       file_name="impact.json", mime="application/json")

with st.expander("How the evaluation works", expanded=False):
    for k, v in result["method"].items():
        st.markdown(f"**{k}**: {v}")
    for note in result.get("notes", []):
        st.caption(note)
footer(sel.dataset)

"""The shared sidebar: dataset, crime types, months, geography and measure — kept in the URL.

``app.py`` draws the sidebar once per run, before the page (widgets drawn by the entry point keep
their state when the user switches pages; widgets drawn by a page file are reset), and every page
reads the result with :func:`current_view`. The selection is
written to the query string (``?ds=bham2017&types=…&from=2017-03``) so a view can be bookmarked
and shared, and read back from it when a link is opened.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from geo import datasets as D
from ui import cache

PARAM_KEYS = ("ds", "types", "from", "to", "geo", "measure", "src", "meet")
SOURCE_LABELS = {"police": "Police", "ed": "Emergency departments (ISTV)", "ambulance": "Ambulance", "other": "Other"}


@dataclass(frozen=True)
class View:
    """The selection plus how to show it."""

    selection: D.Selection
    meeting: bool


def _from_url() -> None:
    """On a session's first run, seed the widgets from the query string."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    q = st.query_params
    if q.get("ds") in D.DATASET_TITLES:
        st.session_state["ds"] = q["ds"]
    if q.get("types"):
        st.session_state["types_url"] = tuple(t for t in q["types"].split("|") if t)
    for key in ("from", "to", "geo", "src"):
        if q.get(key):
            st.session_state[f"{key}_url"] = q[key]
    if q.get("measure") in D.MEASURES:
        st.session_state["measure"] = q["measure"]
    if q.get("meet") == "1":
        st.session_state["meeting"] = True


def _to_url(view: View) -> None:
    s = view.selection
    params = {"ds": s.dataset, "measure": s.measure}
    if s.crime_types:
        params["types"] = "|".join(s.crime_types)
    if s.month_from:
        params["from"] = s.month_from
    if s.month_to:
        params["to"] = s.month_to
    if s.geography != "all":
        params["geo"] = s.geography
    if s.sources:
        params["src"] = "|".join(s.sources)
    if view.meeting:
        params["meet"] = "1"
    current = {k: st.query_params.get(k) for k in PARAM_KEYS if st.query_params.get(k) is not None}
    if current != params:
        st.query_params.from_dict(params)


def _datasets() -> list[str]:
    """The bundled datasets where the study area is the bundled West Midlands, and the store when it holds data."""
    options = [D.IOD, D.BHAM] if cache.study_area().is_bundled else []
    if cache.store_has_incidents() or not options:
        options.append(D.STORE)
    return options


def sidebar() -> View:
    """Draw the shared filters in the sidebar and return the view every page honours."""
    _from_url()
    with st.sidebar:
        st.markdown("### What to show")
        options = _datasets()
        if st.session_state.get("ds") not in options:
            st.session_state["ds"] = options[0]
        dataset = st.selectbox("Data", options, key="ds", format_func=D.DATASET_TITLES.get,
                               help="The bundled real data, or incidents you have loaded into the store.")
        sources: tuple[str, ...] = ()
        points = cache.dataset_points(dataset)
        if dataset == D.STORE and points is not None:
            present = sorted(points["source"].unique())
            wanted = tuple(s for s in st.session_state.pop("src_url", "").split("|") if s in present) or tuple(present)
            sources = tuple(st.multiselect("Sources", present, default=list(wanted), format_func=SOURCE_LABELS.get,
                                           key=f"src_{dataset}", help="Police only, health only, or combined."))
        choices = D.crime_type_choices(dataset, points)
        from_url = tuple(t for t in st.session_state.pop("types_url", ()) if t in choices)
        default = from_url or D.default_crime_types(dataset, choices)
        types = st.multiselect("Crime types", choices, default=list(default), key=f"types_{dataset}",
                               help="Serious violence: violence and sexual offences (default), robbery, possession "
                                    "of weapons.")
        month_from = month_to = None
        if points is not None:
            months = sorted(points["month"].unique())
            lo = st.session_state.pop("from_url", months[0])
            hi = st.session_state.pop("to_url", months[-1])
            lo = lo if lo in months else months[0]
            hi = hi if hi in months else months[-1]
            if len(months) > 1:
                month_from, month_to = st.select_slider(
                    "Months", options=months, value=(lo, hi), key=f"months_{dataset}",
                    format_func=lambda m: pd.Period(m, freq="M").strftime("%b %Y"))
            else:
                month_from = month_to = months[0]
        else:
            st.caption("Months: this dataset has one period (IoD2025), so there is no month filter.")
        light = "all"
        if points is not None and "after_dark" in points.columns and points["after_dark"].notna().any():
            light = st.radio("Time of day", ["all", "day", "dark"], key="light", horizontal=True,
                             format_func={"all": "Any", "day": "Daylight", "dark": "After dark"}.get,
                             help="Where incident times are known: after dark = the sun more than 6° below the "
                                  "horizon at that date and place. Young people report feeling unsafe after dark.")
        geography = _geography_picker()
        measures = list(D.MEASURES) if cache.study_area().has("population") else ["count"]
        if st.session_state.get("measure") not in measures:
            st.session_state["measure"] = "count"
        measure = st.radio("Measure", measures, key="measure", format_func=D.MEASURES.get,
                           help="Rates use ONS mid-2020 resident populations (converted to 2021 LSOAs)."
                           if len(measures) > 1 else cache.study_area().missing_layer_text("population"))
        meeting = st.toggle("Meeting mode", key="meeting",
                            help="Larger type; each map page leads with its headline, map and legend, and method "
                                 "controls are put away, for a shared screen.")
        suppress_below = _suppression(dataset, sources)
    selection = D.Selection(dataset=dataset, crime_types=tuple(types), month_from=month_from, month_to=month_to,
                            geography=geography, measure=measure, sources=sources, suppress_below=suppress_below,
                            light=light)
    view = View(selection, meeting)
    _to_url(view)
    if meeting:
        apply_meeting_style()
    st.session_state["_view"] = view
    return view


def default_selection() -> D.Selection | None:
    """What the sidebar shows a new visitor with no link: the bundled IoD2025 data, all areas, counts
    (None when the study area is not the bundled one: its first view depends on the store)."""
    if not cache.study_area().is_bundled:
        return None
    return D.Selection(dataset=D.IOD, crime_types=D.default_crime_types(D.IOD, D.crime_type_choices(D.IOD, None)))


def current_view() -> View:
    """The view the sidebar chose in this run (drawn by app.py before the page)."""
    return st.session_state.get("_view") or sidebar()


def _suppression(dataset: str, sources: tuple[str, ...]) -> int:
    """Small-number suppression: always on for health sources, optional for police.uk (already public)."""
    from analytics.disclosure import DEFAULT_THRESHOLD, HEALTH_SOURCES

    sensitive = set(HEALTH_SOURCES) | cache.store_sensitive_sources()
    health = dataset == D.STORE and any(s in sensitive for s in sources)
    with st.expander("Small-number suppression", expanded=False):
        if dataset == D.IOD:
            st.caption("IoD2025 counts are estimates (rate × population): nothing to suppress.")
            return 0
        on = True if health else st.checkbox("Suppress small counts", value=False, key="suppress_on",
                                              help="police.uk data is already public; health data is always "
                                                   "suppressed.")
        if health:
            st.caption("On: health or sensitive data is included (ED, ambulance, or batches marked sensitive).")
        lowest = DEFAULT_THRESHOLD if health else 2  # health data: raise the threshold, never lower it
        if st.session_state.get("suppress_threshold", DEFAULT_THRESHOLD) < lowest:
            st.session_state["suppress_threshold"] = lowest
        threshold = st.number_input("Show counts below this as \"<n\"", lowest, 20, DEFAULT_THRESHOLD, 1,
                                    key="suppress_threshold", disabled=not on,
                                    help="Hidden to protect others, larger counts show as \"*\".")
    return int(threshold) if on else 0


def _geography_picker() -> str:
    area = cache.study_area()
    frame = cache.lsoa_lookup_frame()
    lads = frame[frame["lad_code"].ne("")].drop_duplicates("lad_code").sort_values("lad_name")
    url_geo = st.session_state.pop("geo_url", None)
    if url_geo:
        kind, _, code = url_geo.partition(":")
        if kind == "lad" and code in set(lads["lad_code"]):
            st.session_state["geo_lad"] = code
        elif kind == "ward" and code in set(frame["ward_code"]) and code:
            st.session_state["geo_lad"] = frame.loc[frame["ward_code"] == code, "lad_code"].iloc[0] or "all"
            st.session_state["geo_ward"] = code
        elif kind == "lsoas":
            st.session_state["geo_custom"] = code
    lad_names = dict(zip(lads["lad_code"], lads["lad_name"]))
    everywhere = "All West Midlands" if area.is_bundled else f"All of {area.name}"
    if st.session_state.get("geo_lad") not in ("all", *lad_names):
        st.session_state["geo_lad"] = "all"
    lad = st.selectbox("Area", ["all", *lad_names], key="geo_lad",
                       format_func=lambda c: everywhere if c == "all" else lad_names[c],
                       help=None if lad_names else "These boundaries name no local authorities (give "
                                                   "--authority-column when loading them).")
    custom = st.session_state.get("geo_custom")
    wards = frame[frame["ward_code"].ne("")]
    if lad == "all":
        if custom:
            st.caption(f"Custom patch: {len(custom.split(','))} areas (set on My patch).")
            return f"lsoas:{custom}"
        if not lad_names and len(wards):  # wards without authorities: pick a ward directly
            ward_names = dict(zip(wards.drop_duplicates("ward_code")["ward_code"],
                                  wards.drop_duplicates("ward_code")["ward_name"]))
            if st.session_state.get("geo_ward") not in ("all", *ward_names):
                st.session_state["geo_ward"] = "all"
            ward = st.selectbox("Ward", ["all", *sorted(ward_names, key=ward_names.get)], key="geo_ward",
                                format_func=lambda c: everywhere if c == "all" else ward_names[c])
            return "all" if ward == "all" else f"ward:{ward}"
        return "all"
    wards = wards[wards["lad_code"] == lad].drop_duplicates("ward_code").sort_values("ward_name")
    if wards.empty:
        return f"lad:{lad}"
    ward_names = dict(zip(wards["ward_code"], wards["ward_name"]))
    if st.session_state.get("geo_ward") not in ward_names:
        st.session_state["geo_ward"] = "all"
    ward = st.selectbox("Ward", ["all", *ward_names], key="geo_ward",
                        format_func=lambda c: f"All of {lad_names[lad]}" if c == "all" else ward_names[c])
    return f"lad:{lad}" if ward == "all" else f"ward:{ward}"


def apply_meeting_style() -> None:
    """Larger type and a wider canvas for a meeting room's shared screen."""
    st.markdown(
        """<style>
        html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
        [data-testid="stMetricValue"] { font-size: 3rem !important; }
        [data-testid="stMetricLabel"] p { font-size: 1.2rem !important; }
        .block-container { max-width: 100% !important; padding-left: 1.5rem; padding-right: 1.5rem;
                           padding-top: 1.2rem !important; }
        h1 { font-size: 2.2rem !important; padding-top: 0 !important; }
        </style>""", unsafe_allow_html=True)

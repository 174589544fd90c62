"""What every page shows around its content: which data it is, caveats, and attributions."""

from __future__ import annotations

import streamlit as st

from geo.catalogue import attribution_lines
from geo.datasets import BHAM, IOD, AreaData

ATTRIBUTION_KEYS = {IOD: ["lsoa21", "iod2025_indicators", "population2020"],
                    BHAM: ["lsoa21", "police_bham_2017", "population2020"]}


def cache_lookup():
    from ui import cache

    return cache.lsoa_lookup_frame()


def area_data_or_stop(selection) -> AreaData:
    """The selection's AreaData, or a one-line error (e.g. an empty store) and the page stops there."""
    from ui import cache

    try:
        return cache.area_data(selection)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()


def header(title: str, data: AreaData | None, intro: str | None = None) -> None:
    st.title(title)
    if intro:
        st.markdown(intro)
    if data is not None:
        showing(data)


def showing(data: AreaData) -> None:
    """The "Showing / Analysed" box and the data's notes (pages in meeting mode put it after their map)."""
    from ui.state import current_view

    geography = current_view().selection.geography
    shown = "" if geography == "all" else f" **Shown:** {geography_words(geography, cache_lookup())}; " \
                                           "hot spots are found over the whole analysed extent."
    st.info(f"**Showing:** {data.title}. **Analysed:** {data.extent_note}{shown}", icon="ℹ️")
    for note in data.notes:
        st.caption(note)


def footer(dataset: str | None = None) -> None:
    from ui import cache

    area = cache.study_area()
    if area.is_bundled:
        keys = ATTRIBUTION_KEYS.get(dataset, ["lsoa21", "police_bham_2017"])
        st.caption(" ".join(attribution_lines(keys)))
    else:
        st.caption(f"Boundaries: {area.source} (as loaded; see its own licence). Incidents: your loaded data.")


def geography_words(geography: str, lookup, dataset: str = IOD) -> str:
    """The chosen geography in words, for sentences ("Birmingham", "Ladywood ward (Birmingham)")."""
    if geography == "all":
        from ui import cache

        area = cache.study_area()
        if not area.is_bundled:
            return area.name
        return "the West Midlands" if dataset == IOD else "the analysed area"
    kind, _, code = geography.partition(":")
    if kind == "lad":
        return lookup.loc[lookup["lad_code"] == code, "lad_name"].iloc[0]
    if kind == "ward":
        row = lookup.loc[lookup["ward_code"] == code].iloc[0]
        return f"{row['ward_name']} ward" + (f" ({row['lad_name']})" if row["lad_name"] else "")
    return f"a custom patch of {len(code.split(','))} areas"


def map_attribution(dataset: str | None = None) -> str:
    """The short attribution printed under every map."""
    from ui import cache

    area = cache.study_area()
    source = {IOD: "IoD2025 (MHCLG)", BHAM: "data.police.uk"}.get(dataset, "your loaded data")
    if not area.is_bundled:
        return f"Boundaries: {area.source}. Incidents: {source}."
    return (f"Boundaries: ONS, contains OS data © Crown copyright and database right 2024. Violence: {source}. "
            "Open Government Licence v3.0.")

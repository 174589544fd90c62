"""Data & method: every source, what the statistics mean, and what the data can and cannot show."""

import pandas as pd
import streamlit as st

from geo.catalogue import LAYERS, attribution_lines
from geo.study_area import LAYER_NAMES
from ui import cache
from ui.method_notes import METHOD_NOTES
from ui.page import footer, header
from ui.state import current_view

view = current_view()
sel = view.selection
header("Data & method", None)

area = cache.study_area()
st.subheader("Study area")
st.markdown(f"**{area.describe()}.** Snap tolerance for gaps between its areas: {area.snap_tolerance_m:g} m.")
st.dataframe(pd.DataFrame([{"Layer": label, "Available": "yes" if area.has(key) else "no (give your own file)"}
                           for key, label in LAYER_NAMES.items()]), hide_index=True, width="stretch")

st.subheader("Sources")
st.dataframe(pd.DataFrame([{"Layer": l.title, "Geography": l.geography, "Vintage": l.vintage, "Units": l.units,
                            "Publisher": l.publisher, "Licence": l.licence, "File": f"data/{l.file}"}
                           for l in LAYERS.values()]), hide_index=True, width="stretch")
st.markdown("**Attributions.**\n\n" + "\n".join(f"* {line}" for line in attribution_lines()))

for title, text in METHOD_NOTES:
    st.subheader(title)
    st.markdown(text)

st.subheader("Data quality: rows loaded and rejected")
quality = cache.data_quality()
st.dataframe(quality, hide_index=True, width="stretch")
footer(sel.dataset)

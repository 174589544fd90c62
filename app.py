"""West Midlands violence hotspots — the Streamlit entry point (run: streamlit run app.py)."""

import streamlit as st

st.set_page_config(page_title="Violence hotspots — West Midlands", page_icon="🗺️", layout="wide")

pages = [
    st.Page("pages/hotspot_map.py", title="Hotspot map", icon="🗺️", default=True),
]
st.navigation(pages).run()

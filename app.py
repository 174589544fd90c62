"""West Midlands violence hotspots — the Streamlit entry point (run: streamlit run app.py).

Pages are declared here with st.navigation, so the page list, order and URLs are ours. They live
in ``app_pages/``, not ``pages/``: Streamlit auto-discovers a ``pages/`` folder before this script
runs, which flashes a second menu and answers a page's URL with "Page not found" on first load.
"""

import streamlit as st

from ui.state import sidebar

st.set_page_config(page_title="Violence hotspots — West Midlands", page_icon="static/favicon.png", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("app_pages/hotspot_map.py", title="Hotspot map", icon=":material/map:", url_path="map"),
    st.Page("app_pages/trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
    st.Page("app_pages/my_patch.py", title="My patch", icon=":material/my_location:", url_path="patch"),
    st.Page("app_pages/impact.py", title="Impact", icon=":material/fact_check:", url_path="impact"),
    st.Page("app_pages/risk_factors.py", title="Risk factors", icon=":material/query_stats:", url_path="risk-factors"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page("app_pages/load_data.py", title="Load data", icon=":material/upload:", url_path="load"),
    st.Page("app_pages/data_method.py", title="Data & method", icon=":material/menu_book:", url_path="data"),
]
page = st.navigation(PAGES)
sidebar()  # shared filters: drawn here so they keep their state across pages (pages read current_view())
page.run()

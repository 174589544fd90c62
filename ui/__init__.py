"""Streamlit/pydeck helpers shared by pages: map layers, legends, colours, cached loaders."""

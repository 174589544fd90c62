"""Pure statistics for violence hotspots: no Streamlit imports allowed here."""

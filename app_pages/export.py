"""Export: the hotspot list (as the command line writes it), cluster outlines, with the suppression rule."""

import tempfile
from pathlib import Path

import streamlit as st

from geo.writers import LAYER_FORMATS, TABLE_FORMATS, write_output
from ui import cache
from ui import hotspot_map as M
from ui.page import area_data_or_stop, footer, header
from ui.privacy import policy, protected, shown_areas
from ui.state import current_view

view = current_view()
sel = view.selection
data = area_data_or_stop(sel)
header("Export", data, "Hot-spot lists in the same columns and formats as `python -m analytics hotspots`, with a "
       "metadata sheet (parameters, data vintages, time of the run). CSV and Excel open cleanly in Excel; GeoJSON "
       "and GeoPackage in QGIS.")
pol = policy(sel)
st.markdown(f"**Small numbers:** {pol.rule}" + ("" if pol.enabled else " Switch suppression on in the sidebar "
                                                                       "(Small-number suppression) to apply it."))

hot = cache.hotspots(sel)
# the statistics as computed (on the counts as shown), beside each area's own value
table = hot.table.drop(columns="value").merge(
    data.areas[["area_code", "ward_name", "lad_code", "lad_name", "count", "value"]], on="area_code")
table = table[[*hot.table.columns, "ward_name", "lad_code", "lad_name",
               *(["count"] if sel.measure != "count" else [])]]  # with counts as the measure, value is the count
table = shown_areas(table, sel, data.counts_are_estimates)
prot = None if data.counts_are_estimates else protected(sel)
meta = {**hot.metadata, **pol.metadata()}
if prot is not None:
    meta["total_value"] = prot.total_label()
shown = data.in_geography(sel.geography).to_numpy()
table = table[shown].reset_index(drop=True)
geometry = hot.geometry[shown].reset_index(drop=True)
st.dataframe(table.sort_values("gi_z", ascending=False, kind="stable").head(200), hide_index=True, width="stretch")
st.caption(f"{len(table):,} areas{' (the 200 with the highest Gi* z shown here; the files hold all)' if len(table) > 200 else ''}. "
           "Gi* computed over the whole analysed extent; the table holds the chosen area.")


@st.cache_data(show_spinner="Writing the file…", max_entries=16)
def _file_bytes(suffix: str, _table, _geometry, _meta, key: tuple) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"hotspots{suffix}"
        write_output(_table, path, _meta, TABLE_FORMATS + LAYER_FORMATS, _geometry)
        return path.read_bytes()


key = (sel, pol.threshold, pol.enabled)
mimes = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".geojson": "application/geo+json", ".gpkg": "application/geopackage+sqlite3"}
cols = st.columns(4)
for col, suffix in zip(cols, mimes):
    col.download_button(f"Hot spots {suffix}", _file_bytes(suffix, table, geometry, meta, key),
                        file_name=f"hotspots{suffix}", mime=mimes[suffix], width="stretch")
st.caption("The CSV's metadata is in the Excel file and the map formats; the command line also writes it beside the "
           "CSV as hotspots.metadata.csv.")

if data.points is not None and len(data.points) and pol.enabled:
    st.subheader("Cluster outlines (DBSCAN)")
    st.caption("Not offered while small-number suppression is on: an outline's corners are incident locations.")
elif data.points is not None and len(data.points):
    st.subheader("Cluster outlines (DBSCAN)")
    outlines, summary, params = M.cluster_layer_data(sel, M.MethodParams())
    st.dataframe(summary, hide_index=True, width="stretch")
    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(outlines["features"], crs="EPSG:4326")
    frame = frame.drop(columns=["fill", "tip"], errors="ignore").merge(summary, left_index=True, right_index=True)
    frame = frame[[c for c in frame.columns if c != "geometry"] + ["geometry"]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clusters.geojson"
        write_output(frame.drop(columns="geometry"), path, {k: str(v) for k, v in params.items()}, LAYER_FORMATS,
                     frame.geometry)
        st.download_button("Cluster outlines .geojson", path.read_bytes(), file_name="clusters.geojson",
                           mime="application/geo+json")
footer(sel.dataset)

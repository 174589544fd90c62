"""Load data: police.uk months and partner extracts (ED, ambulance) into the incident store."""

import streamlit as st

from geo.errors import InputError
from geo.partner import FIELDS, detect_columns
from geo.sources import NamedBytes
from geo.store import IncidentStore, current_user
from geo.tabular import read_table
from ui import ingest as I
from ui.page import header
from ui.state import current_view

view = current_view()
header("Load data", None, "Add police.uk months (the monthly CSVs or the archive zip) or a partner extract "
       "(emergency-department assault attendances under ISTV, ambulance call-outs) to the incident store. "
       "Loading the same file twice adds nothing; overlapping police.uk months are de-duplicated on Crime ID.")
path = I.store_path()
st.caption(f"Store: `{path}` (set `HOTSPOT_STORE` or `store_path` in `.streamlit/secrets.toml` to move it).")
area = I.study_area()
held = I.store_area()
if held is not None:
    st.markdown(f"**Study area of this store:** {held.describe()}. Points outside it are rejected, with that reason. "
                "To analyse another force's or partnership's area, start another store (set `HOTSPOT_STORE`) and "
                "load its boundaries with the first files: `python -m analytics ingest FILES --source police "
                "--boundaries LSOAS.geojson`.")
else:
    st.markdown(f"**Study area:** {area.describe()}. The store is empty: the first load fixes this as its study "
                "area. For another area, set `HOTSPOT_AREA` to its boundary file before starting the app, or load "
                "the first files from the command line with `--boundaries`.")

source = st.radio("What are you loading?", list(I.SOURCE_LABELS), format_func=I.SOURCE_LABELS.get, horizontal=True)
loaded_by = st.text_input("Loaded by", value=st.session_state.get("loaded_by", current_user()),
                          help="Recorded with the batch so the team knows who loaded what.")
st.session_state["loaded_by"] = loaded_by
sensitive = source in ("ed", "ambulance") or st.checkbox(
    "These data are sensitive (suppress small numbers wherever they are shown)", key=f"sensitive_{source}",
    help="Emergency-department and ambulance data always are. Mark any other partner data shared under a "
         "data-sharing agreement that forbids small numbers.")
uploads = st.file_uploader("Files", accept_multiple_files=True, type=I.ACCEPTED_TYPES[source],
                           help=I.UPLOAD_HELP[source], key=f"uploads_{source}")
if not uploads:
    st.info(I.UPLOAD_HELP[source])
else:
    items = [NamedBytes(u.name, u.getvalue()) for u in uploads]
    mapping = None
    if source != "police":
        st.subheader("1. Match the columns")
        try:
            table, _ = read_table(items[0].data, items[0].name, allow_excel=True)
        except InputError as exc:
            st.error(str(exc))
            st.stop()
        columns = [c for c in table.columns if c not in ("file", "row")]
        st.dataframe(table[columns].head(8), hide_index=True, width="stretch")
        detected = detect_columns(columns)
        mapping = {}
        cols = st.columns(4)
        for i, field in enumerate(FIELDS):
            options = ["(none)", *columns]
            default = options.index(detected[field]) if field in detected else 0
            choice = cols[i % 4].selectbox(I.FIELD_LABELS.get(field, field), options, index=default,
                                           key=f"map_{field}")
            if choice != "(none)":
                mapping[field] = choice
        st.caption("Detected columns are pre-filled. A location (latitude/longitude, easting/northing or postcode) "
                   "and a date, datetime or month are required.")
    st.subheader("2. Check" if source != "police" else "1. Check")
    try:
        report = I.check(items, source, mapping)
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows read", f"{report.rows_read:,}")
    c2.metric("Accepted", f"{report.accepted:,}")
    c3.metric("Rejected", f"{report.n_rejected:,}")
    if report.n_rejected:
        st.dataframe(report.reason_counts().rename_axis("Reason").reset_index(), hide_index=True)
        st.download_button("Download the rejected rows (CSV)", I.rejects_csv(report), file_name="rejected-rows.csv",
                           mime="text/csv")
    outside = int(report.reason_counts().get("outside the study area", 0))
    for note in report.notes:
        if outside and "the store's study area" in note and outside >= 0.5 * max(report.rows_read, 1):
            st.warning(note)  # another force's file: say whose, and how to analyse that area
        else:
            st.caption(note)
    st.subheader("3. Confirm" if source != "police" else "2. Confirm")
    if st.button(f"Load {report.accepted:,} rows into the store", type="primary", disabled=report.accepted == 0):
        try:
            with I.ProgressBar("Loading (one transaction per file)…") as bar, IncidentStore(path, area=area) as store:
                result = store.ingest(items, source, loaded_by=loaded_by, mapping=mapping,
                                      sensitive=bool(sensitive), progress=bar)
        except InputError as exc:
            st.error(str(exc))
        else:
            st.success(result.summary())
            I.forget_cached_store()

st.subheader("Batches in the store")
try:
    batches = I.batches(path)
except InputError as exc:
    st.error(f"{exc} The bundled data still works on every other page.")
    st.stop()
if batches is None or batches.empty:
    st.caption("The store is empty.")
else:
    st.dataframe(batches, hide_index=True, width="stretch")
    c1, c2 = st.columns([1, 3])
    victim = c1.selectbox("Batch to delete", batches["batch_id"].tolist())
    sure = c2.checkbox(f"Yes, delete batch {victim} and its incidents")
    if st.button("Delete batch", disabled=not sure):
        try:
            with IncidentStore(path) as store:
                st.success(store.delete_batch(int(victim)).summary())
            I.forget_cached_store()
            st.rerun()
        except InputError as exc:
            st.error(str(exc))

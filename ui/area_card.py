"""The card of one LSOA: its values, hot-spot class and p-values, risk factors and rank."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from geo import datasets as D
from geo.risk_factors import FACTORS, lsoa_risk_factors
from ui import cache
from ui import hotspot_map as M
from ui.layers import GI_COLOURS, LISA_LABELS
from ui.privacy import protected


def _num(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{v:,.{digits}f}"


def area_card(selection: D.Selection, params: M.MethodParams, area_code: str) -> None:
    data = cache.area_data(selection)
    frame = M.area_frame(selection, params)
    rows = frame[frame["area_code"] == area_code]
    if rows.empty:
        st.warning(f"{area_code} is outside the analysed extent.")
        return
    r = rows.iloc[0]
    n = len(frame)
    colour = GI_COLOURS.get(r["gi_class"], "#f2f2f2")
    with st.container(border=True):
        st.markdown(
            f'<div style="display:flex;gap:.8em;align-items:center"><span style="width:1.2em;height:1.2em;'
            f'background:{colour};border:1px solid #555;display:inline-block"></span>'
            f'<span style="font-size:1.4rem;font-weight:600">{html.escape(str(r["area_name"]))} '
            f'({html.escape(area_code)})</span></div>'
            f'<div>{html.escape(", ".join(p for p in (str(r["ward_name"]) + " ward" if r["ward_name"] else "", str(r["lad_name"])) if p))}</div>',
            unsafe_allow_html=True)
        c1, c2, c3, c4 = st.columns(4)
        est = " (estimate)" if data.counts_are_estimates else ""
        prot = None if data.counts_are_estimates else protected(selection)
        hidden = prot is not None and bool(prot.leaf_hidden.get(area_code, False))
        c1.metric(f"Incidents{est}", prot.leaf_labels()[area_code] if hidden
                  else _num(r["count"], 0 if not data.counts_are_estimates else 1))
        c2.metric(data.value_label, "withheld" if hidden else _num(r["value"]))
        c3.metric("Rank", "withheld" if hidden else f"{int(r['rank'])} of {n:,}",
                  help="1 = highest value in the analysed extent")
        c4.metric("Gi* class", r["gi_class"])
        st.markdown(
            f"Gi* z = **{_num(r['gi_z'], 2)}**, two-sided p = **{_num(r['gi_p'], 4)}**, "
            f"permutation p = **{_num(r['gi_p_sim'], 3)}** · Local Moran: "
            f"**{LISA_LABELS.get(r['lisa_class'], r['lisa_class'])}** (quadrant {r['lisa_quadrant']}, "
            f"p = {_num(r['lisa_p_sim'], 3)}) · Residents {_num(r['population'], 0)}, "
            f"aged under 25 {_num(r['population_u25'], 0)}")
        rf = lsoa_risk_factors().set_index("area_code") if cache.study_area().has("risk_factors") else None
        if rf is not None and area_code in rf.index:
            me = rf.loc[area_code]
            table = pd.DataFrame([
                {"Risk factor": f.label, "This LSOA": _num(me[f.column], 2),
                 "West Midlands average": _num(rf[f.column].mean(), 2), "Geography": f.geography}
                for f in FACTORS])
            table.loc[len(table)] = {"Risk factor": "IMD 2025 decile (1 = most deprived 10 %)",
                                     "This LSOA": _num(me["imd2025_decile"], 0), "West Midlands average": "–",
                                     "Geography": "LSOA"}
            st.dataframe(table, hide_index=True, width="stretch")

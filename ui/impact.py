"""The Impact page's data: one evaluation per choice (cached), its zones' map layers and its chart."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from geo import datasets as D
from geo.briefs import ZONE_COLOURS
from ui import cache
from ui.colours import hex_to_rgba
from ui.layers import tip
from ui.privacy import policy


@dataclass(frozen=True)
class ImpactChoice:
    """What the page asks: the target (codes, or a point and radius), the start and the windows, buffer, comparison."""

    target: tuple[str, ...] = ()
    point: tuple[float, float] | None = None
    radius_m: float = 400.0
    start: str = ""
    before: int | None = None
    after: int | None = None
    buffer: str = "adjacent"  # "adjacent" | "none" | metres as text
    comparison: str = "rest"  # "rest" | "matched"


def evaluate(selection: D.Selection, choice: ImpactChoice) -> dict:
    """``ImpactEvaluation.to_dict()`` of the choice, cached with the study area and the store's content."""
    return _evaluate(selection.disclosed(), choice, cache.data_key())


@st.cache_data(show_spinner="Evaluating: before and after, against the comparison…", max_entries=16)
def _evaluate(selection: D.Selection, choice: ImpactChoice, key: str) -> dict:
    from analytics.impact import ImpactEvaluation

    data = cache.area_data(selection)
    pol = policy(selection)
    months = list(data.months)
    public = None
    prot = cache.protected_counts(selection)
    if prot is not None:  # the Overview shows the whole area's months: never hidden here either
        series = prot.step_series()
        public = pd.Series(~series["hidden"].to_numpy(), index=series["step"].to_numpy())
    pts = data.points
    what = ", ".join(selection.crime_types) or "Incidents"
    buffer = choice.buffer if choice.buffer in ("adjacent", "none") else float(choice.buffer)
    if choice.point is not None:
        result = ImpactEvaluation.from_points(pts, choice.point, choice.radius_m,
                                              0.0 if isinstance(buffer, str) else buffer, choice.start,
                                              before=choice.before, after=choice.after, months=months,
                                              weight_col="weight", what=what, disclosure=pol, public_months=public)
    else:
        counts = pts.groupby(["area_code", "month"])["weight"].sum().rename("count").reset_index()
        deprivation = None
        if cache.study_area().has("imd2025"):
            from geo import bundled

            deprivation = bundled.table("imd2025").set_index("LSOA21CD")["IMD_score"].reindex(
                data.areas["area_code"]).dropna()
        result = ImpactEvaluation(counts, list(choice.target), choice.start, before=choice.before, after=choice.after,
                                  buffer=buffer, comparison=choice.comparison, areas=data.areas[
                                      ["area_code", "geometry"]].set_index("area_code"),
                                  deprivation=deprivation, months=months,
                                  area_label=f"{cache.study_area().unit}s", what=what, disclosure=pol,
                                  public_months=public)
    out = result.to_dict()
    out.update(pol.metadata())
    return out


def zones_frame(data: D.AreaData, result: dict):
    """The analysed areas with their zone (target, buffer, comparison), for the map and the brief."""
    zone = np.select([data.areas["area_code"].isin(result["target_areas"]),
                      data.areas["area_code"].isin(result["buffer_areas"]),
                      data.areas["area_code"].isin(result["comparison_areas"])], ["target", "buffer", "comparison"], "")
    out = data.areas[["area_code", "area_name", "geometry"]].assign(zone=zone)
    return out[out["zone"] != ""]


def zone_layers(frame):
    from ui.trends import _layers

    frame = frame.assign(fill=[hex_to_rgba(ZONE_COLOURS[z], 200) for z in frame["zone"]],
                         tip=[tip(f"{n} ({c})", [("Zone", z)]) for n, c, z in
                              zip(frame["area_name"], frame["area_code"], frame["zone"])])
    return _layers(frame, [(c, z) for z, c in ZONE_COLOURS.items()], "Zones")


def chart(result: dict) -> alt.Chart:
    """Target and comparison indexed to their before-period means (= 100), with the fitted line and the
    counterfactual; hidden months (small numbers) left out."""
    s = result["series"]
    before = np.array([w == "before" for w in s["window"]])
    rows = []

    def indexed(values):
        nums = np.array([np.nan if isinstance(v, str) or v is None else float(v) for v in values])
        mean = np.nanmean(nums[before]) if np.isfinite(nums[before]).any() else np.nan
        return nums, mean

    target, t_mean = indexed(s["target"])
    comparison, c_mean = indexed(s["comparison"])
    for label, values, mean in (("Target", target, t_mean), ("Comparison", comparison, c_mean)):
        rows += [{"month": m, "series": label, "index": 100 * v / mean} for m, v in zip(s["month"], values)
                 if np.isfinite(v) and mean]
    for key, label in (("target_fitted", "Target, fitted"), ("target_counterfactual", "Counterfactual (no scheme)")):
        if s.get(key) and t_mean:
            rows += [{"month": m, "series": label, "index": 100 * v / t_mean} for m, v in zip(s["month"], s[key])]
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M").to_timestamp()
    colours = alt.Scale(domain=["Target", "Comparison", "Target, fitted", "Counterfactual (no scheme)"],
                        range=["#b2182b", "#2166ac", "#444444", "#999999"])
    lines = alt.Chart(frame).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("yearmonth(month):T", title="Month"), y=alt.Y("index:Q", title="Index (before-period mean = 100)"),
        color=alt.Color("series:N", scale=colours, title=None),
        strokeDash=alt.condition(alt.FieldOneOfPredicate("series", ["Target, fitted", "Counterfactual (no scheme)"]),
                                 alt.value([5, 3]), alt.value([1, 0])))
    start = pd.DataFrame({"month": [pd.Period(result["start"], freq="M").to_timestamp()]})
    rule = alt.Chart(start).mark_rule(strokeDash=[3, 3], color="#222").encode(x="month:T")
    return (lines + rule).properties(height=320)


def counts_table(result: dict) -> pd.DataFrame:
    rows = [("Target", result["target_before"], result["target_after"]),
            ("Buffer", result["buffer_before"], result["buffer_after"]),
            ("Comparison", result["comparison_before"], result["comparison_after"])]
    return pd.DataFrame([(z, b, a) for z, b, a in rows if b is not None], columns=["Zone", "Before", "After"])

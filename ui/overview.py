"""Tables and charts for the Overview page (kept out of the page so it stays a thin view)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.change import Change, compare_counts
from analytics.concentration import Concentration
from geo import datasets as D
from ui import cache


def previous_period_change(sel: D.Selection, data: D.AreaData, areas: pd.DataFrame) -> Change | None:
    """Change against the equal-length period just before, when the dataset holds it."""
    if data.points is None or not data.months or not sel.month_from or not sel.month_to:
        return None
    months = pd.period_range(sel.month_from, sel.month_to, freq="M")
    prev = pd.period_range(end=months[0] - 1, periods=len(months), freq="M")
    if prev[0].strftime("%Y-%m") < data.months[0]:
        return None
    before = cache.area_data(sel.with_(month_from=prev[0].strftime("%Y-%m"), month_to=prev[-1].strftime("%Y-%m")))
    prev_total = float(before.areas.loc[before.areas["area_code"].isin(areas["area_code"]), "count"].sum())
    return compare_counts(float(areas["count"].sum()), prev_total)


def monthly_counts(data: D.AreaData, areas: pd.DataFrame) -> pd.DataFrame:
    pts = data.points[data.points["area_code"].isin(areas["area_code"])]
    months = list(data.monthly.index)
    counts = pts.groupby("month")["weight"].sum().reindex(months, fill_value=0.0)
    return pd.DataFrame({"month": pd.PeriodIndex(months, freq="M").to_timestamp(), "incidents": counts.to_numpy()})


def trend_chart(monthly: pd.DataFrame) -> alt.Chart:
    return (alt.Chart(monthly).mark_line(point=True, strokeWidth=3)
            .encode(x=alt.X("yearmonth(month):T", title="Month"), y=alt.Y("incidents:Q", title="Incidents"),
                    tooltip=[alt.Tooltip("yearmonth(month):T", title="Month"), "incidents:Q"])
            .properties(height=280).configure_axis(labelFontSize=15, titleFontSize=16))


def lorenz_chart(conc: Concentration) -> alt.Chart:
    lorenz = conc.lorenz.assign(pct_areas=lambda d: 100 * d["share_of_areas"],
                                pct_incidents=lambda d: 100 * d["share_of_incidents"])
    equality = pd.DataFrame({"pct_areas": [0, 100], "pct_incidents": [0, 100]})
    line = alt.Chart(lorenz).mark_line(strokeWidth=3, color="#b2182b").encode(
        x=alt.X("pct_areas:Q", title="% of LSOAs (highest first)"),
        y=alt.Y("pct_incidents:Q", title="% of incidents"))
    diag = alt.Chart(equality).mark_line(strokeDash=[6, 4], color="#777").encode(x="pct_areas:Q", y="pct_incidents:Q")
    return (diag + line).properties(height=280).configure_axis(labelFontSize=15, titleFontSize=16)


def by_authority(areas: pd.DataFrame, policy=None) -> pd.DataFrame:
    """Incidents, residents and rate per local authority (small counts suppressed under ``policy``)."""
    g = areas.groupby("lad_name").agg(incidents=("count", "sum"), residents=("population", "sum"),
                                       lsoas=("area_code", "count")).reset_index()
    g["per 1,000 residents"] = (1000 * g["incidents"] / g["residents"]).round(1)
    g["incidents"] = g["incidents"].round(0).astype(int)
    g["residents"] = g["residents"].round(0).astype(int)
    g = g.sort_values("incidents", ascending=False)
    if policy is not None and policy.enabled:
        from analytics.disclosure import suppress_table

        g = suppress_table(g, ["incidents"], ["per 1,000 residents"], policy)
    return g.rename(columns={"lad_name": "Local authority", "lsoas": "LSOAs"})


def top_areas(areas: pd.DataFrame, classes: pd.Series, value_label: str, n: int = 10,
              order: pd.Series | None = None) -> pd.DataFrame:
    """The ``n`` highest areas (ranked by ``order``, default ``value``), values as given (possibly suppressed)."""
    key = (order if order is not None else areas["value"]).astype(float)
    top = areas.loc[key.sort_values(ascending=False).index[:n]]
    return pd.DataFrame({"LSOA": top["area_name"], "Code": top["area_code"], "Ward": top["ward_name"],
                         "Authority": top["lad_name"], value_label: [round(v, 1) if isinstance(v, float) else v for v in top["value"]],
                         "Gi* class": classes.reindex(top["area_code"]).to_numpy()})


DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def day_hour_table(data: D.AreaData, areas: pd.DataFrame, policy=None) -> pd.DataFrame | None:
    """Incidents by day of week (rows) and hour (columns), where dates and times are known; small counts
    shown as the suppression label under ``policy``."""
    if data.points is None or "time" not in data.points.columns:
        return None
    pts = data.points[data.points["area_code"].isin(areas["area_code"])]
    pts = pts[(pts["time"].astype(str) != "") & pts["date"].notna()]
    if pts.empty:
        return None
    hours = pd.to_numeric(pts["time"].astype(str).str.slice(0, 2), errors="coerce")
    days = pd.to_datetime(pts["date"]).dt.day_of_week
    table = (pd.crosstab(pd.Categorical(days.map(dict(enumerate(DAYS))), categories=DAYS),
                         pd.Categorical(hours, categories=range(24)), values=pts["weight"], aggfunc="sum",
                         dropna=False).fillna(0))
    table.columns = [f"{h:02d}" for h in range(24)]
    if policy is not None and policy.enabled:
        table = table.map(lambda v: policy.label if policy.hides(v) else int(v)).astype(object)
    return table

"""Tables and charts for the Overview page (kept out of the page so it stays a thin view)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.period_change import PeriodChange, compare_totals
from analytics.concentration import Concentration
from geo import datasets as D
from ui import cache
from ui.privacy import protected, total_text


def previous_period_change(sel: D.Selection, data: D.AreaData, areas: pd.DataFrame) -> PeriodChange | None:
    """Change per day against the period of as many months just before, when the dataset holds it (and,
    under small-number suppression, when both totals may be shown): the same test as ``python -m
    analytics change`` (analytics.period_change: exposure in days, quasi-Poisson when the months vary
    more than Poisson, else the exact conditional test)."""
    from analytics.space_time import month_days

    if data.points is None or not data.months or not sel.month_from or not sel.month_to:
        return None
    months = pd.period_range(sel.month_from, sel.month_to, freq="M")
    prev = pd.period_range(end=months[0] - 1, periods=len(months), freq="M")
    if prev[0].strftime("%Y-%m") < data.months[0]:
        return None
    earlier = sel.with_(month_from=prev[0].strftime("%Y-%m"), month_to=prev[-1].strftime("%Y-%m"))
    if not data.counts_are_estimates and protected(sel) is not None:
        shown = [total_text(None, s) for s in (sel, earlier)]
        if not all(t.replace(",", "").isdigit() for t in shown):
            return None  # a hidden total: its change would reveal it
    both = cache.area_data(sel.with_(month_from=earlier.month_from))
    pts = both.points[both.points["area_code"].isin(areas["area_code"])]
    labels = [m.strftime("%Y-%m") for m in (*prev, *months)]
    monthly = pts.groupby("month")["weight"].sum().reindex(labels, fill_value=0.0).to_numpy(float)
    days = np.array([month_days(m) for m in labels], dtype=float)
    period = ["A"] * len(prev) + ["B"] * len(months)
    return compare_totals(float(monthly[: len(prev)].sum()), float(monthly[len(prev):].sum()),
                          float(days[: len(prev)].sum()), float(days[len(prev):].sum()), monthly, days,
                          monthly_period=period)


def monthly_counts(data: D.AreaData, areas: pd.DataFrame, prot=None, geography: str = "all") -> tuple[pd.DataFrame, str | None]:
    """Incidents per month in ``areas`` (the chosen geography), and a note. With ``prot`` (ProtectedCounts)
    the months are the protected ones of that geography: hidden months blank; a custom list has none."""
    months = list(data.monthly.index)
    stamps = pd.PeriodIndex(months, freq="M").to_timestamp()
    if prot is not None:
        kind, _, code = geography.partition(":")
        if kind in ("lsoas", "ward"):
            return (pd.DataFrame({"month": stamps, "incidents": [None] * len(months)}),
                    "While small numbers are suppressed the monthly trend is shown for the whole area and for local "
                    "authorities only: a ward's or a custom list's months, beside them, would reveal hidden counts "
                    "(and at ward level most months would be hidden anyway).")
        series = prot.step_series("all" if kind in ("", "all") else f"{kind}_code", code or "all")
        hidden = int(series["hidden"].sum())
        note = (f"{hidden} month(s) are left blank: fewer than {prot.policy.threshold} incidents, or hidden so that "
                "a total cannot reveal one (small-number suppression).") if hidden else None
        return pd.DataFrame({"month": stamps, "incidents": series["count"].to_numpy()}), note
    pts = data.points[data.points["area_code"].isin(areas["area_code"])]
    counts = pts.groupby("month")["weight"].sum().reindex(months, fill_value=0.0)
    return pd.DataFrame({"month": stamps, "incidents": counts.to_numpy()}), None


def trend_chart(monthly: pd.DataFrame) -> alt.Chart:
    return (alt.Chart(monthly).mark_line(point=True, strokeWidth=3)
            .encode(x=alt.X("yearmonth(month):T", title="Month"), y=alt.Y("incidents:Q", title="Incidents"),
                    tooltip=[alt.Tooltip("yearmonth(month):T", title="Month"), "incidents:Q"])
            .properties(height=280).configure_axis(labelFontSize=15, titleFontSize=16))


def gini_words(conc: Concentration) -> str:
    """The Gini sentence, with its real maximum: the sample Gini never reaches 1."""
    return (f"Gini **{conc.gini:.2f}** (0 = spread evenly; its maximum with {conc.n_areas:,} {conc.unit_plural} is "
            f"{conc.max_gini:.3f}, when one {conc.unit} holds everything; bias-corrected **{conc.corrected_gini:.2f}** on a "
            f"scale to 1); generalized Gini (Bernasco & Steenbeek) **{conc.generalized_gini:.2f}**.")


def top_share_words(conc: Concentration) -> list[str]:
    """'top 1 % (1 LSOA, 3 % of them): 12 %' — each row says the share of areas it really is."""
    out = []
    for p, share in conc.top_shares.items():
        k = conc.top_counts[p]
        out.append(f"top {p} % ({k:,} {conc.unit if k == 1 else conc.unit_plural}, "
                   f"{100 * conc.top_area_shares[p]:.0f} % of them): "
                   f"{100 * share:.0f} %")
    return out


def lorenz_chart(conc: Concentration) -> alt.Chart:
    lorenz = conc.lorenz.assign(pct_areas=lambda d: 100 * d["share_of_areas"],
                                pct_incidents=lambda d: 100 * d["share_of_incidents"])
    equality = pd.DataFrame({"pct_areas": [0, 100], "pct_incidents": [0, 100]})
    line = alt.Chart(lorenz).mark_line(strokeWidth=3, color="#b2182b").encode(
        x=alt.X("pct_areas:Q", title=f"% of {conc.unit_plural} (highest first)"),
        y=alt.Y("pct_incidents:Q", title="% of incidents"))
    diag = alt.Chart(equality).mark_line(strokeDash=[6, 4], color="#777").encode(x="pct_areas:Q", y="pct_incidents:Q")
    return (diag + line).properties(height=280).configure_axis(labelFontSize=15, titleFontSize=16)


def by_authority(areas: pd.DataFrame, prot=None) -> pd.DataFrame:
    """Incidents, residents and rate per local authority; with ``prot`` (ProtectedCounts) each total as it
    may be shown and the rate of a hidden one withheld."""
    g = areas.groupby(["lad_code", "lad_name"]).agg(incidents=("count", "sum"), residents=("population", "sum"),
                                                     lsoas=("area_code", "count")).reset_index()
    g["per 1,000 residents"] = (1000 * g["incidents"] / g["residents"]).round(1)
    g["residents"] = g["residents"].round(0).astype(int)
    g = g.sort_values(["incidents", "lad_name"], ascending=[False, True])
    if prot is not None:
        hidden = [prot.total_hidden("lad_code", c) for c in g["lad_code"]]
        g["incidents"] = [prot.total_label("lad_code", c) for c in g["lad_code"]]
        g["per 1,000 residents"] = g["per 1,000 residents"].astype(object).where(~pd.Series(hidden, index=g.index))
        g = g.iloc[pd.Series(hidden).argsort(kind="stable").to_numpy()]  # hidden ones last: order reveals nothing
    else:
        g["incidents"] = g["incidents"].round(0).astype(int)
    return g.drop(columns="lad_code").rename(columns={"lad_name": "Local authority", "lsoas": "LSOAs"})


def top_areas(areas: pd.DataFrame, classes: pd.Series, value_label: str, n: int = 10,
              order: pd.Series | None = None) -> pd.DataFrame:
    """The ``n`` highest areas (ranked by ``order``, default ``value``), values as given (possibly suppressed)."""
    key = (order if order is not None else areas["value"]).astype(float)
    top = areas.loc[key.sort_values(ascending=False).index[:n]]
    return pd.DataFrame({"LSOA": top["area_name"], "Code": top["area_code"], "Ward": top["ward_name"],
                         "Authority": top["lad_name"], value_label: [round(v, 1) if isinstance(v, float) else v for v in top["value"]],
                         "Gi* class": classes.reindex(top["area_code"]).to_numpy()})


DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def day_hour_table(data: D.AreaData, areas: pd.DataFrame, policy=None, geography: str = "all"):
    """Incidents by day of week (rows) and hour (columns), where dates and times are known, and a note.

    Under an enabled ``policy`` the 168 cells are protected against their total (the period's,
    shown on the page), and the table is shown for the whole analysed area only: an authority's
    or a ward's table, beside the whole area's, would reveal cells by difference.
    """
    if data.points is None or "time" not in data.points.columns:
        return None, None
    suppressing = policy is not None and policy.enabled
    if suppressing and geography != "all":
        return None, ("The day × hour table is shown for the whole analysed area only while small numbers are "
                      "suppressed (a smaller area's table, beside it, would reveal hidden counts by difference).")
    pts = data.points[data.points["area_code"].isin(areas["area_code"])]
    pts = pts[(pts["time"].astype(str) != "") & pts["date"].notna()]
    if pts.empty:
        return None, None
    hours = pd.to_numeric(pts["time"].astype(str).str.slice(0, 2), errors="coerce")
    days = pd.to_datetime(pts["date"]).dt.day_of_week
    table = (pd.crosstab(pd.Categorical(days.map(dict(enumerate(DAYS))), categories=DAYS),
                         pd.Categorical(hours, categories=range(24)), values=pts["weight"], aggfunc="sum",
                         dropna=False).fillna(0))
    table.columns = [f"{h:02d}" for h in range(24)]
    table.index.name = "Day"
    if suppressing:
        from analytics.disclosure import protect_column

        labels, _ = protect_column(table.to_numpy(float).ravel(), policy)
        table = pd.DataFrame(pd.Series(labels).to_numpy().reshape(table.shape), index=table.index,
                             columns=table.columns)
        return table, (f"Counts from 1 to {policy.threshold - 1} show as \"{policy.label}\"; \"*\" marks counts "
                       "hidden so that the total cannot reveal one.")
    return table.astype(int), None

"""The Trends page's data: emerging hot-spot patterns, the two-period change, and hot-spot stability.

Each is computed once per selection and parameters (``st.cache_data``) from the selection's
incident points, on the analysed areas or on a grid, and returned as plain frames and map layers.
Under small-number suppression the emerging patterns and the per-area change map are not
computed (they need every area's count in every step, or in two periods beside its total: see
analytics.disclosure); the whole area's change and the stability panel work on counts as shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from analytics.emerging import COLD_PATTERNS, HOT_PATTERNS, NO_PATTERN, PATTERN_DEFINITIONS, PATTERNS
from analytics.period_change import CHANGE_CLASSES
from geo import datasets as D
from ui import cache
from ui.colours import hex_to_rgba
from ui.hotspot_map import AreaLayers
from ui.layers import palette_index, tip
from ui.mapdata import compact_json, detail_for, edge_segments, polygon_rows
from ui.privacy import policy

# warm hues for the hot patterns, cool for the cold ones, each pattern its own hue or lightness
PATTERN_COLOURS = {
    "New Hot Spot": "#ffd92f", "Consecutive Hot Spot": "#fdae61", "Intensifying Hot Spot": "#a50026",
    "Persistent Hot Spot": "#d73027", "Diminishing Hot Spot": "#f4a6c0", "Sporadic Hot Spot": "#f46d43",
    "Oscillating Hot Spot": "#c51b7d", "Historical Hot Spot": "#8c510a",
    "New Cold Spot": "#c7eae5", "Consecutive Cold Spot": "#80cdc1", "Intensifying Cold Spot": "#053061",
    "Persistent Cold Spot": "#2166ac", "Diminishing Cold Spot": "#92c5de", "Sporadic Cold Spot": "#4393c3",
    "Oscillating Cold Spot": "#762a83", "Historical Cold Spot": "#35978f", NO_PATTERN: "#f2f2f2",
}
CHANGE_COLOURS = {"significantly up": "#d73027", "significantly down": "#4575b4", "no evidence of change": "#e0e0e0",
                  "no incidents": "#ffffff"}
EMERGING_NEWS = ("New Hot Spot", "Intensifying Hot Spot")


@dataclass(frozen=True)
class TrendParams:
    step: str = "month"
    time_window: int = 1
    locations: str = "areas"  # "areas" | "grid"
    cell_size_m: float = 250.0
    fdr: bool = True


@dataclass
class EmergingView:
    """What the page shows of one emerging hot-spot run."""

    table: pd.DataFrame  # area_code, area_name, pattern, trend_z, trend_p, hot_steps, cold_steps, final_z, count
    steps: pd.DataFrame  # area_code, step, count, z, p, hot, cold
    pattern_counts: pd.Series
    metadata: dict
    notes: list[str]
    first_step: str
    last_step: str
    layers: AreaLayers
    unit: str

    @property
    def headline(self) -> str:
        n = int(self.pattern_counts.reindex(list(EMERGING_NEWS)).sum())
        noun = self.unit if n == 1 else f"{self.unit}s"
        verb = "became a new or intensifying hot spot" if n == 1 else "became new or intensifying hot spots"
        persistent = int(self.pattern_counts.get("Persistent Hot Spot", 0))
        fading = int(self.pattern_counts.reindex(["Diminishing Hot Spot", "Historical Hot Spot"]).sum())
        return (f"{n:,} {noun} {verb} between {_label(self.first_step)} and {_label(self.last_step)}; {persistent:,} "
                f"stayed "
                f"persistent hot spots and {fading:,} are fading (diminishing or historical).")


def _label(step: str) -> str:
    """'2017-01' as 'Jan 2017' (quarters and blocks of months as they are)."""
    try:
        return pd.Period(step, freq="M").strftime("%b %Y") if len(step) == 7 else step
    except ValueError:
        return step


def _locations(data: D.AreaData, params: TrendParams):
    """(location per incident, location ids, names, geometry GeoDataFrame, weights)."""
    import geopandas as gpd

    from analytics.weights import SpatialWeights

    pts = data.points
    if params.locations == "grid":
        from analytics.grid import assign_points_to_cells, make_grid
        from analytics.grid_hotspots import lattice_weights

        grid = make_grid(data.areas.union_all(), cell_size_m=params.cell_size_m)
        rows = assign_points_to_cells(grid, pts[["easting", "northing"]].to_numpy())
        ids = grid.cells["cell_id"].astype(str).to_numpy()
        codes = np.where(rows >= 0, ids[np.clip(rows, 0, None)], "")
        w = SpatialWeights.from_adjacency(lattice_weights(grid).adjacency, ids=pd.Index(ids), kind="queen (grid)")
        shapes = gpd.GeoDataFrame({"area_code": ids, "area_name": [f"Grid cell {i}" for i in ids]},
                                  geometry=grid.cells.geometry.to_numpy(), crs=grid.cells.crs)
        return codes, ids, shapes, w
    areas = data.areas.set_index("area_code", drop=False)
    return (pts["area_code"].to_numpy(), areas["area_code"].to_numpy(),
            gpd.GeoDataFrame(areas[["area_code", "area_name"]].reset_index(drop=True),
                             geometry=areas.geometry.to_numpy(), crs=areas.crs),
            cache.contiguity_weights(areas))


def emerging_view(selection: D.Selection, params: TrendParams) -> EmergingView:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`)."""
    return _emerging_view(selection.disclosed(), params, cache.data_key())


@st.cache_data(show_spinner="Finding emerging hot spots (space-time Gi*, Mann-Kendall)…", max_entries=16)
def _emerging_view(selection: D.Selection, params: TrendParams, key: str) -> EmergingView:
    from analytics.emerging import EmergingHotSpots
    from analytics.space_time import build_cube

    data = cache.area_data(selection)
    codes, ids, shapes, weights = _locations(data, params)
    placed = codes != ""
    cube = build_cube(codes[placed], data.points["month"].to_numpy()[placed], ids,
                      weights=data.points["weight"].to_numpy(float)[placed], step=params.step,
                      first_month=selection.month_from, last_month=selection.month_to, months_covered=data.months)
    result = EmergingHotSpots(cube, weights, time_window=params.time_window, fdr=params.fdr)
    table = result.to_frame()
    table["pattern"] = table["pattern"].astype(str)
    table.insert(1, "area_name", shapes.set_index("area_code")["area_name"].reindex(table["area_code"]).to_numpy())
    unit = "grid cell" if params.locations == "grid" else cache.study_area().unit
    frame = shapes[["area_code", "geometry"]].merge(table, on="area_code")
    frame["fill"] = [hex_to_rgba(PATTERN_COLOURS[p], 215) for p in frame["pattern"]]
    steps = result.steps_frame()
    hot_months = steps[steps["hot"]].groupby("area_code")["step"].apply(lambda s: ", ".join(map(str, s)))
    frame["tip"] = [tip(f"{n} ({c})", [("Pattern", p), ("Incidents", int(k)), ("Hot steps", f"{h} of {cube.n_steps}"),
                                       ("Cold steps", f"{cd} of {cube.n_steps}"), ("Trend z", round(tz, 2)),
                                       ("Hot in", hot_months.get(c, "–"))])
                    for c, n, p, k, h, cd, tz in zip(frame["area_code"], frame["area_name"], frame["pattern"],
                                                      frame["count"], frame["hot_steps"], frame["cold_steps"],
                                                      frame["trend_z"])]
    layers = _layers(frame, [(PATTERN_COLOURS[p], p) for p in PATTERNS], "Emerging hot-spot pattern")
    return EmergingView(table, steps.assign(step=steps["step"].astype(str)), result.pattern_counts(),
                        result.metadata(), list(cube.notes) + list(result.notes), cube.steps[0], cube.steps[-1],
                        layers, unit)


def _layers(frame, legend, title) -> AreaLayers:
    detail = detail_for(len(frame))
    palette, index = palette_index(frame["fill"])
    rows, positions = polygon_rows(frame.assign(k=index), ["k", "tip"], detail.tolerance_m, detail.decimals)
    edges = edge_segments(frame, detail.tolerance_m, detail.decimals) if detail.area_edges else None
    return AreaLayers(rows=compact_json(rows), row_codes=tuple(frame["area_code"].to_numpy()[positions]),
                      palette=palette, edges=None if edges is None else compact_json(edges),
                      n_areas=len(set(positions)), legend=legend, title=title)


def legend_rows(view: EmergingView) -> pd.DataFrame:
    """Pattern, areas, definition: every pattern, hot ones first (zeros included)."""
    return pd.DataFrame({"Pattern": list(PATTERNS), _plural_title(view.unit): view.pattern_counts.to_numpy(),
                         "What it means": [PATTERN_DEFINITIONS[p] for p in PATTERNS]})


def series_chart(view: EmergingView, code: str) -> alt.Chart:
    """One location's counts per step (bars) and z (line), hot steps red and cold steps blue."""
    s = view.steps[view.steps["area_code"] == code].copy()
    s["state"] = np.select([s["hot"], s["cold"]], ["hot", "cold"], "not significant")
    colour = alt.Color("state:N", scale=alt.Scale(domain=["hot", "cold", "not significant"],
                                                  range=["#d73027", "#4575b4", "#bdbdbd"]), title="Step")
    bars = alt.Chart(s).mark_bar().encode(x=alt.X("step:N", title=None, sort=list(s["step"])),
                                          y=alt.Y("count:Q", title="Incidents"), color=colour,
                                          tooltip=["step", "count", alt.Tooltip("z:Q", format=".2f"), "state"])
    line = alt.Chart(s).mark_line(point=True, color="#222").encode(
        x=alt.X("step:N", sort=list(s["step"])), y=alt.Y("z:Q", title="Gi* z"))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=260)


# ------------------------------------------------------------------------------------------- change
@dataclass
class ChangeView:
    table: pd.DataFrame  # area_code, area_name, count_a, count_b (as shown), rate_ratio, pct_change, p, change
    class_counts: pd.Series
    headline: str
    method: str
    period_a: tuple[str, str]
    period_b: tuple[str, str]
    layers: AreaLayers | None  # None under small-number suppression: no per-area map


def split_periods(months: list[str], split: str | None = None) -> tuple[tuple[str, str], tuple[str, str]]:
    """Period A = the months before ``split`` (default: the first half), B = from ``split`` on."""
    if len(months) < 2:
        raise ValueError("two periods need at least two months of data")
    i = months.index(split) if split in months else len(months) // 2
    i = min(max(i, 1), len(months) - 1)
    return (months[0], months[i - 1]), (months[i], months[-1])


def change_view(selection: D.Selection, split: str | None) -> ChangeView:
    """Cached with the study area and the store's content (:func:`ui.cache.data_key`)."""
    return _change_view(selection.disclosed(), split, cache.data_key())


@st.cache_data(show_spinner="Comparing the two periods…", max_entries=16)
def _change_view(selection: D.Selection, split: str | None, key: str) -> ChangeView:
    from analytics.period_change import AreaPeriodChange, compare_totals, pearson_dispersion
    from analytics.space_time import month_days

    data = cache.area_data(selection)
    months = list(data.monthly.index)
    a, b = split_periods(months, split)
    months_a = [m for m in months if m <= a[1]]
    months_b = [m for m in months if m >= b[0]]
    codes = data.areas["area_code"]
    monthly = (data.points.pivot_table(index="area_code", columns="month", values="weight", aggfunc="sum",
                                       fill_value=0.0).reindex(index=codes, columns=months, fill_value=0.0))
    count_a, count_b = monthly[months_a].sum(axis=1), monthly[months_b].sum(axis=1)
    days = np.array([month_days(m) for m in months], dtype=float)
    labels = ["A" if m <= a[1] else "B" for m in months]
    pol = policy(selection)
    if pol.enabled and not data.counts_are_estimates:
        return _protected_change(data, selection, a, b, months_a, monthly, days, labels)
    dispersion = pearson_dispersion(monthly.to_numpy(float), days, labels)
    result = AreaPeriodChange(count_a, count_b, days[: len(months_a)].sum(), days[len(months_a):].sum(),
                              dispersion=dispersion)
    stats = result.to_frame()[["area_code", "rate_ratio", "pct_change", "ci_low", "ci_high", "p", "change"]]
    stats["change"] = stats["change"].astype(str)
    table = pd.DataFrame({"area_code": codes.to_numpy(), "area_name": data.areas["area_name"].to_numpy(),
                          "count_a": count_a.map("{:,.0f}".format).to_numpy(),
                          "count_b": count_b.map("{:,.0f}".format).to_numpy()})
    table = table.merge(stats, on="area_code", how="left")
    whole = compare_totals(float(count_a.sum()), float(count_b.sum()), days[: len(months_a)].sum(),
                           days[len(months_a):].sum(), monthly.sum(axis=0).to_numpy(float), days,
                           monthly_period=labels)
    headline = whole.sentence.replace("on the previous period", f"from {_words(a)} to {_words(b)}")
    frame = data.areas[["area_code", "geometry"]].merge(table, on="area_code")
    frame["fill"] = [hex_to_rgba(CHANGE_COLOURS[c], 210) for c in frame["change"]]
    frame["tip"] = [tip(f"{n} ({c})", [(f"Incidents {_words(a)}", ca), (f"Incidents {_words(b)}", cb), ("Change per day",
                                        "–" if pd.isna(pct) else f"{pct:+.0f} %"), ("Verdict", ch)])
                    for c, n, ca, cb, pct, ch in zip(frame["area_code"], frame["area_name"], frame["count_a"],
                                                     frame["count_b"], frame["pct_change"], frame["change"])]
    classes = list(CHANGE_CLASSES)
    layers = _layers(frame, [(CHANGE_COLOURS[c], c) for c in classes], "Change between the two periods")
    return ChangeView(table, table["change"].value_counts().reindex(classes, fill_value=0), headline,
                      result.method_basis, a, b, layers)


def _protected_change(data, selection, a, b, months_a, monthly, days, labels) -> ChangeView:
    """Under suppression: the whole area's change only, when its months are all shown (the Overview's
    trend shows them: their sums reveal nothing new). Per-area counts of two periods, beside the
    areas' totals on the other pages, would reveal small numbers, so no per-area map is drawn."""
    from analytics.period_change import compare_totals

    prot = cache.protected_counts(selection)
    months = prot.step_series()
    if months["hidden"].any() or prot.total_hidden():
        headline = "The whole area's change is withheld: some of its months are hidden (small numbers)."
    else:
        totals = months["count"].to_numpy(float)
        whole = compare_totals(float(totals[: len(months_a)].sum()), float(totals[len(months_a):].sum()),
                               days[: len(months_a)].sum(), days[len(months_a):].sum(), totals, days,
                               monthly_period=labels)
        headline = whole.sentence.replace("on the previous period", f"from {_words(a)} to {_words(b)}")
    return ChangeView(pd.DataFrame(), pd.Series(dtype=int), headline, "", a, b, None)


def _words(period: tuple[str, str]) -> str:
    first, last = (pd.Period(m, freq="M").strftime("%b %Y") for m in period)
    return first if first == last else f"{first}–{last}"


# ------------------------------------------------------------------------------------------- stability
def stability_text(selection: D.Selection, split: str | None) -> tuple[str, pd.DataFrame]:
    """Of period A's Gi* hot spots, how many are still hot in B, and their PAI/PEI on B's incidents."""
    return _stability_text(selection.disclosed(), split, cache.data_key())


@st.cache_data(show_spinner="Checking how stable the hot spots are…", max_entries=16)
def _stability_text(selection: D.Selection, split: str | None, key: str) -> tuple[str, pd.DataFrame]:
    from analytics.disclosure import ProtectedCounts
    from analytics.getis_ord import GetisOrdGiStar
    from analytics.stability import HotspotStability

    data = cache.area_data(selection)
    months = list(data.monthly.index)
    a, b = split_periods(months, split)
    areas = data.areas.set_index("area_code", drop=False)
    w = cache.contiguity_weights(areas)
    pol = policy(selection)
    hot = {}
    counts_b = None
    month, code, weight = (data.points[c] for c in ("month", "area_code", "weight"))
    for name, (lo, hi) in (("A", a), ("B", b)):
        inside = ((month >= lo) & (month <= hi)).to_numpy()  # only the three columns needed are read
        counts = weight[inside].groupby(code[inside]).sum().reindex(areas.index, fill_value=0.0)
        if pol.enabled and not data.counts_are_estimates:
            counts = ProtectedCounts(counts, None, None, pol).statistics_values()  # after suppression
        if np.ptp(counts.to_numpy()) == 0:
            return f"Too few incidents in {_words((lo, hi))} to find hot spots.", pd.DataFrame()
        gi = GetisOrdGiStar(counts.to_numpy(float), w, permutations=0)
        hot[name] = pd.Series(np.char.startswith(gi.classes.astype(str), "Hot"), index=areas.index)
        counts_b = counts
    st_ = HotspotStability(hot["A"], hot["B"], counts_b, areas.geometry.area.to_numpy())
    unit = cache.study_area().unit
    if not st_.n_hot_a:
        text = f"No {unit} was a Gi* hot spot in {_words(a)}, so there is nothing to follow into {_words(b)}."
    else:
        text = (f"Of the {st_.n_hot_a:,} hot-spot {unit}s of {_words(a)}, {st_.n_still_hot:,} "
                f"({100 * st_.share_still_hot:.0f} %) were still hot in {_words(b)}; {st_.n_new:,} became hot and "
                f"{st_.n_ceased:,} stopped being hot. They held {100 * st_.hit_rate:.0f} % of {_words(b)}'s incidents "
                f"on {100 * st_.hit_rate / st_.pai:.1f} % of the area: a predictive accuracy index (PAI) of "
                f"{st_.pai:.1f}" + (f", and {100 * st_.pei:.0f} % of the most any areas of that size could have held "
                                    "(PEI)." if st_.pei is not None and st_.pei == st_.pei else "."))
    table = pd.DataFrame({"Status": list(st_.status_counts().index), _plural_title(unit): st_.status_counts().to_numpy()})
    return text, table


def _plural_title(unit: str) -> str:
    """'LSOAs', 'Areas', 'Grid cells' for a column header."""
    return f"{unit}s" if unit.isupper() else f"{unit[:1].upper()}{unit[1:]}s"


def pattern_group(pattern: str) -> str:
    return "hot" if pattern in HOT_PATTERNS else "cold" if pattern in COLD_PATTERNS else "none"

"""``python -m analytics change``: change between two periods per area, per day, honest about chance.

One row per area: count_a, count_b, days of each period, rate ratio per day with its 95 % CI, p,
and "significantly up / down / no evidence of change" after false-discovery-rate control across
areas. The test accounts for exposure (the periods' lengths in days) and for overdispersion: a
pooled Pearson dispersion of the areas' monthly counts decides between quasi-Poisson inference
(overdispersed) and the exact conditional test (analytics.period_change).

Under small-number suppression each area's A and B are protected together with their sum (the
area's total) and each period's total (analytics.disclosure.TwoPeriodCounts); the rate ratio,
CI, p and class of an area with a hidden count are withheld, and only the other areas are tested
(so no classification depends on a hidden count).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.commands import common as C
from geo.errors import InputError

HELP = "change between two periods per area: rate ratio per day, test, up/down/no evidence"
FORMATS = (".csv", ".xlsx", ".geojson", ".gpkg")
OWN = ("rate_ratio", "pct_change", "ci_low", "ci_high", "p", "change", "rate_a_per_1000", "rate_b_per_1000")


def add_parser(sub) -> None:
    p = sub.add_parser("change", help=HELP)
    C.add_area_options(p)
    p.add_argument("--period-a", required=True, metavar="YYYY-MM:YYYY-MM", help="the earlier period, e.g. 2024-01:2024-06")
    p.add_argument("--period-b", required=True, metavar="YYYY-MM:YYYY-MM", help="the later period, e.g. 2024-07:2024-12")
    p.add_argument("--no-fdr", dest="fdr", action="store_false", help="classify on raw p <= 0.05, no FDR control")
    p.add_argument("--out", required=True, metavar="PATH", help="PATH.csv | .xlsx | .geojson | .gpkg")


def parse_period(text: str, flag: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*(\d{4}-(?:0[1-9]|1[0-2]))\s*(?::\s*(\d{4}-(?:0[1-9]|1[0-2])))?\s*", text or "")
    if not m:
        raise InputError(None, f"{flag} {text!r} is not a period", f"write it as YYYY-MM:YYYY-MM, e.g. {flag} 2024-01:2024-06")
    lo, hi = m.group(1), m.group(2) or m.group(1)
    if lo > hi:
        raise InputError(None, f"{flag} {text} ends before it starts", "write the earlier month first")
    return lo, hi


def check(args) -> None:
    C.check_incident_options(args)
    if args.values:
        raise InputError(None, "change needs incidents (--incidents or --store), not --values", "a value has no months")
    C.check_values_options(args)
    a, b = parse_period(args.period_a, "--period-a"), parse_period(args.period_b, "--period-b")
    if not a[1] < b[0]:
        raise InputError(None, f"--period-a ({args.period_a}) must end before --period-b ({args.period_b}) starts",
                         "give the earlier period as A")
    if not args.out.lower().endswith(FORMATS):
        raise InputError(args.out, "unsupported output type", "use .csv, .xlsx, .geojson or .gpkg")
    C.check_out_folder(args.out)


def months_of(period: tuple[str, str]) -> list[str]:
    return list(pd.period_range(period[0], period[1], freq="M").strftime("%Y-%m"))


def run(args, say: C.Progress) -> int:
    from analytics.disclosure import TwoPeriodCounts
    from analytics.period_change import AreaPeriodChange, compare_totals, pearson_dispersion
    from analytics.space_time import month_days
    from geo.areas import assign_areas

    period_a, period_b = parse_period(args.period_a, "--period-a"), parse_period(args.period_b, "--period-b")
    args.month_from, args.month_to = period_a[0], period_b[1]  # read what both periods need
    area = C.study_area(args, say)
    loaded = C.load_incidents(args, say)
    policy = C.disclosure_policy(args, loaded, say)
    months_a, months_b = months_of(period_a), months_of(period_b)
    missing = sorted(set(months_a + months_b) - loaded.months_covered)
    if missing:
        raise InputError(None, f"the data do not cover {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}",
                         "load those months, or choose periods the data cover")
    data = loaded.data
    snap = args.snap_m if args.snap_m is not None else area.snap_tolerance_m
    assigned = assign_areas(data, area.index, snap_tolerance_m=snap)
    say(assigned.sentence(area.unit))
    codes = area.areas["area_code"]
    placed = data.assign(area_code=assigned.codes.to_numpy())
    placed = placed[placed["area_code"] != ""]
    monthly = (placed.pivot_table(index="area_code", columns="month", values="weight", aggfunc="sum", fill_value=0.0)
               .reindex(index=codes, columns=months_a + months_b, fill_value=0.0))
    count_a, count_b = monthly[months_a].sum(axis=1), monthly[months_b].sum(axis=1)
    days_a = sum(month_days(m) for m in months_a)
    days_b = sum(month_days(m) for m in months_b)
    month_days_all = np.array([month_days(m) for m in months_a + months_b], dtype=float)
    labels = ["A"] * len(months_a) + ["B"] * len(months_b)
    hidden = pd.Series(False, index=codes)
    labels_a = labels_b = None
    total_a, total_b = f"{count_a.sum():,.0f}", f"{count_b.sum():,.0f}"
    totals_shown = True
    if policy.enabled:  # A and B per area, their sums and the columns' totals, protected together
        two = TwoPeriodCounts(count_a, count_b, policy)
        hidden = two.hidden
        labels_a, labels_b = two.labels_a, two.labels_b
        total_a, total_b = two.total_label("A"), two.total_label("B")
        totals_shown = two.totals_shown
        say(f"{int(hidden.sum()):,} area(s) with a hidden count in A or B (small numbers) are not tested")
    tested = codes[~hidden.to_numpy()]
    # the dispersion from the areas that are tested: nothing published depends on a hidden count
    dispersion = pearson_dispersion(monthly.reindex(tested).to_numpy(float), month_days_all, labels)
    say(f"period A {period_a[0]} to {period_a[1]} ({days_a} days), B {period_b[0]} to {period_b[1]} ({days_b} days); "
        + dispersion.describe())
    result = AreaPeriodChange(count_a.reindex(tested), count_b.reindex(tested), days_a, days_b,
                              dispersion=dispersion, fdr=args.fdr)
    table = pd.DataFrame({"area_code": codes.to_numpy(), "area_name": area.areas["area_name"].to_numpy(),
                          "count_a": count_a.to_numpy(), "count_b": count_b.to_numpy(),
                          "days_a": days_a, "days_b": days_b})
    stats = result.to_frame().drop(columns=["count_a", "count_b"])
    stats["change"] = stats["change"].astype(str)
    table = table.merge(stats, on="area_code", how="left")
    pop = area.frame().set_index("area_code")["population"].reindex(codes).to_numpy()
    if np.isfinite(pop).any():
        table["rate_a_per_1000"] = 1000 * table["count_a"] / np.where(pop > 0, pop, np.nan)
        table["rate_b_per_1000"] = 1000 * table["count_b"] / np.where(pop > 0, pop, np.nan)
    for col in ("count_a", "count_b"):  # whole incidents are written as whole numbers (19, not 19.0)
        if np.allclose(table[col], table[col].round()):
            table[col] = table[col].round().astype("int64")
    if policy.enabled:
        table["count_a"] = labels_a.reindex(codes).to_numpy()
        table["count_b"] = labels_b.reindex(codes).to_numpy()
        for col in OWN:
            if col in table.columns:
                table[col] = table[col].astype(object)
                table.loc[hidden.to_numpy(), col] = None
    headline = None
    if totals_shown:
        totals = monthly.sum(axis=0).to_numpy(float)
        headline = compare_totals(float(count_a.sum()), float(count_b.sum()), days_a, days_b, totals, month_days_all,
                                  monthly_period=labels)
        say(headline.sentence)
    classes = table["change"].fillna("withheld (small numbers)").value_counts()
    say("areas: " + ", ".join(f"{k} {v}" for k, v in classes.items()))
    meta = {"title": "Change between two periods", **loaded.metadata, "study_area": area.describe(),
            "period_a": f"{period_a[0]} to {period_a[1]} ({days_a} days), total {total_a}",
            "period_b": f"{period_b[0]} to {period_b[1]} ({days_b} days), total {total_b}",
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            **{k: str(v) for k, v in result.metadata().items()},
            "whole_area": headline.sentence if headline else "withheld: a period's total is hidden",
            "areas_not_tested": (f"{int(hidden.sum()):,} areas with a hidden count (small numbers) are not tested"
                                 if policy.enabled else "none")}
    written = C.write_protected(table, args.out, meta, FORMATS, policy, area.areas.geometry.reset_index(drop=True),
                                layer="change")
    say("wrote " + ", ".join(map(str, written)))
    return 0

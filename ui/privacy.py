"""Applying disclosure control (analytics.disclosure) to what the pages show.

One :class:`~analytics.disclosure.ProtectedCounts` per selection (whatever area is chosen) holds
the counts of every LSOA, ward, authority and month of the analysed extent as any page may show
them; every page reads its numbers from it, and computes its statistics on
:func:`statistics_areas`, so no page shows a hidden count or anything that reveals one.
"""

from __future__ import annotations

import pandas as pd

from analytics.disclosure import DisclosurePolicy, ProtectedCounts, default_policy
from geo import datasets as D

# under a policy, monthly trends are shown for the whole area and for authorities (not wards: see
# analytics.disclosure.ProtectedCounts.step_levels)
TREND_LEVELS = ("lad_code", "all")
# columns that describe an area's own count: withheld where the count is hidden
OWN_COUNT = ("value", "rate_per_1000", "eb_rate_per_1000", "rate_per_1000_under25", "eb_rate_per_1000_under25",
             "share_of_total_pct", "rank")


def policy(selection: D.Selection) -> DisclosurePolicy:
    """The sidebar's choice; always on (and never below the default) when health data are shown."""
    if not selection.suppress_below:
        return DisclosurePolicy(enabled=False)
    reason = ""
    if selection.dataset == D.STORE:
        from ui import cache

        reason = default_policy(selection.sources, sensitive=cache.store_sensitive_sources()).reason
    return DisclosurePolicy(enabled=True, threshold=selection.suppress_below, reason=reason or "chosen in the sidebar")


def protected(selection: D.Selection) -> ProtectedCounts | None:
    """The selection's protected counts, or None when nothing is suppressed (police data, estimates)."""
    from ui import cache

    return cache.protected_counts(selection)


def build_protected(data: D.AreaData, pol: DisclosurePolicy) -> ProtectedCounts | None:
    """LSOA counts with their wards, authorities and months, protected together (see the module docstring)."""
    if not pol.enabled or data.counts_are_estimates:
        return None
    areas = data.areas.set_index("area_code")
    steps = None
    if data.points is not None and data.monthly is not None and len(data.monthly):
        pts = data.points
        steps = (pts.pivot_table(index="area_code", columns="month", values="weight", aggfunc="sum", fill_value=0.0)
                 .reindex(index=areas.index, columns=list(data.monthly.index), fill_value=0.0))
    return ProtectedCounts(areas["count"], areas[["ward_code", "lad_code"]], steps, pol, step_levels=TREND_LEVELS)


def statistics_areas(data: D.AreaData, prot: ProtectedCounts | None, measure: str) -> pd.DataFrame:
    """The areas with ``count`` and ``value`` as statistics may use them: hidden counts replaced by
    estimates made from what is shown (unchanged when nothing is suppressed)."""
    if prot is None:
        return data.areas
    out = data.areas.copy()
    out["count"] = prot.statistics_values().reindex(out["area_code"]).to_numpy()
    out["value"] = D.measure_values(out, measure)
    return out


def shown_areas(frame: pd.DataFrame, selection: D.Selection, estimates: bool,
                derived: tuple[str, ...] = OWN_COUNT) -> pd.DataFrame:
    """Area rows safe to show: hidden counts as "<n" or "*", and what describes them withheld."""
    prot = None if estimates else protected(selection)
    if prot is None:
        return frame
    counts = [c for c in ("count",) if c in frame.columns]
    if "count" not in frame.columns and "value" in frame.columns and selection.measure == "count":
        counts = ["value"]
    return prot.label_frame(frame, counts, [c for c in derived if c in frame.columns and c not in counts])


def total_text(counts, selection: D.Selection, geography: str | None = None) -> str:
    """The total of the chosen geography as it may be shown (a custom list only without hidden areas)."""
    prot = protected(selection)
    if prot is None:
        return f"{float(pd.Series(counts).sum()):,.0f}"
    kind, _, code = (geography or selection.geography).partition(":")
    if kind in ("", "all"):
        return prot.total_label()
    if kind in ("lad", "ward"):
        return prot.total_label(f"{kind}_code", code)
    return prot.custom_total([c.strip().upper() for c in code.split(",") if c.strip()])[0]

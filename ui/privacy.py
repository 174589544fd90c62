"""Applying the disclosure rule (analytics.disclosure) to what the pages show."""

from __future__ import annotations

import pandas as pd

from analytics.disclosure import DisclosurePolicy, safe_total, suppress_table
from geo import datasets as D


def policy(selection: D.Selection) -> DisclosurePolicy:
    if selection.suppress_below:
        return DisclosurePolicy(enabled=True, threshold=selection.suppress_below)
    return DisclosurePolicy(enabled=False)


def shown_areas(frame: pd.DataFrame, selection: D.Selection, estimates: bool,
                derived: tuple[str, ...] = ("value", "rate_per_1000", "eb_rate_per_1000", "rate_per_1000_under25",
                                            "eb_rate_per_1000_under25", "share_of_total_pct")) -> pd.DataFrame:
    """Area rows safe to show: small counts as "<n" and values derived from them withheld (grouped by LA)."""
    pol = policy(selection)
    if estimates or not pol.enabled:
        return frame
    counts = [c for c in ("count",) if c in frame.columns]
    if "count" not in frame.columns and "value" in frame.columns and selection.measure == "count":
        counts = ["value"]
    group = "lad_code" if "lad_code" in frame.columns else None
    return suppress_table(frame, counts, [c for c in derived if c in frame.columns and c not in counts], pol, group)


def total_text(counts, selection: D.Selection) -> str:
    return safe_total(counts, policy(selection))

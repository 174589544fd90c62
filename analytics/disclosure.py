"""Statistical disclosure control: one rule for every count a person can see.

Rule (stated wherever it applies):

1. **Primary suppression** — a count from 1 to ``threshold − 1`` (default 1–4) is shown as
   ``"<5"``; zero is shown (it reveals no individual), as are counts at or above the threshold.
2. **Derived values withheld** — rates, shares and ranks computed from a suppressed count are
   withheld (shown blank) because they would reveal it.
3. **Secondary suppression** — where a total is shown for a group (a local authority, a ward, the
   whole table), a group with exactly one suppressed cell would let the cell be recovered by
   subtraction, so the group's smallest other non-zero cell (or, failing that, a zero) is suppressed
   too; repeated until no group has exactly one suppressed cell. A group of one cell cannot be
   protected this way: its total is the cell, and :func:`safe_total` shows it as the label.

It is on by default for health sources (ED, ambulance) and can be switched on for police.uk data
(already public). Counts that are estimates (rate × population) are rounded, not suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5
HEALTH_SOURCES = ("ed", "ambulance")


@dataclass(frozen=True)
class DisclosurePolicy:
    """Whether to suppress, and below which count."""

    enabled: bool = True
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self):
        if int(self.threshold) < 1:
            raise ValueError("the suppression threshold must be at least 1 (e.g. 5)")

    def hides(self, count) -> bool:
        """Whether this count is shown as the label (primary suppression)."""
        return self.enabled and 0 < count < self.threshold

    @property
    def label(self) -> str:
        return f"<{self.threshold}"

    @property
    def rule(self) -> str:
        if not self.enabled:
            return "Small counts are not suppressed (police.uk data is already public)."
        return (f"Counts from 1 to {self.threshold - 1} are shown as \"{self.label}\", rates and shares derived from "
                "them are withheld, and where a total would reveal a suppressed count the next smallest count in "
                "the same group is suppressed too.")


def default_policy(sources: list[str] | tuple[str, ...], threshold: int = DEFAULT_THRESHOLD) -> DisclosurePolicy:
    """On when any health source contributes; off for police-only data."""
    return DisclosurePolicy(enabled=any(s in HEALTH_SOURCES for s in sources), threshold=threshold)


def suppression_mask(counts, groups=None, threshold: int = DEFAULT_THRESHOLD) -> np.ndarray:
    """Boolean mask of the cells to suppress (primary and secondary) — see the module docstring."""
    c = np.asarray(counts, dtype=float)
    mask = (c > 0) & (c < threshold)
    g = np.zeros(len(c), dtype=int) if groups is None else pd.factorize(pd.Series(groups).astype(str))[0]
    changed = True
    while changed:
        changed = False
        for group in np.unique(g):
            members = np.flatnonzero(g == group)
            if mask[members].sum() == 1:
                candidates = ([i for i in members if not mask[i] and c[i] > 0]
                              or [i for i in members if not mask[i]])  # only zeros left: hide a zero too
                if candidates:
                    smallest = min(candidates, key=lambda i: (c[i], i))
                    mask[smallest] = True
                    changed = True
    return mask


def suppress_table(table: pd.DataFrame, count_columns: list[str], derived_columns: list[str],
                   policy: DisclosurePolicy, group_column: str | None = None) -> pd.DataFrame:
    """A copy of ``table`` safe to show: suppressed counts become the label, derived values blank.

    Every count column is checked on its own; a row's derived values are withheld when any of its
    counts is suppressed. Count columns become text so the label fits.
    """
    out = table.copy()
    if not policy.enabled:
        return out
    groups = out[group_column] if group_column else None
    any_suppressed = np.zeros(len(out), dtype=bool)
    for col in count_columns:
        mask = suppression_mask(out[col].to_numpy(float), groups, policy.threshold)
        any_suppressed |= mask
        shown = out[col].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}").astype(object)
        shown[mask] = policy.label
        out[col] = shown
    for col in derived_columns:
        if col in out.columns:
            out[col] = out[col].astype(object)
            out.loc[any_suppressed, col] = None
    return out


def safe_total(counts, policy: DisclosurePolicy) -> str:
    """A total to display: itself, or the label when it is small enough to suppress."""
    total = float(np.nansum(np.asarray(counts, dtype=float)))
    if policy.enabled and 0 < total < policy.threshold:
        return policy.label
    return f"{total:,.0f}"

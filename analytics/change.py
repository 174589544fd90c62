"""Is a change in counts between two equal-length periods more than chance?

Incidents are treated as Poisson counts. Given the two counts, the current one is binomial with
n = current + previous and p = ½ under "no change" (the conditional test for two Poisson rates
with equal exposure); the two-sided exact binomial p-value says whether the change could be noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Change:
    current: float
    previous: float
    pct_change: float | None  # None when there was nothing before
    p_value: float | None

    @property
    def sentence(self) -> str:
        if self.pct_change is None:
            return "No incidents in the previous period to compare with."
        direction = "up" if self.pct_change > 0 else "down" if self.pct_change < 0 else "unchanged"
        size = f"{abs(self.pct_change):.0f} %"
        if self.p_value is None:
            return f"{direction} {size} on the previous period"
        verdict = ("more than chance would explain" if self.p_value < 0.05
                   else "within what chance alone produces")
        return f"{direction.capitalize()} {size} on the previous period — {verdict} (p = {self.p_value:.2g})."


def compare_counts(current: float, previous: float) -> Change:
    """Percentage change and the exact conditional test for two Poisson counts over equal periods."""
    if current < 0 or previous < 0:
        raise ValueError("counts cannot be negative")
    if previous == 0:
        return Change(current, previous, None, None)
    pct = 100.0 * (current - previous) / previous
    n = int(round(current + previous))
    k = int(round(current))
    p = float(stats.binomtest(k, n, 0.5).pvalue) if n > 0 and abs(current - k) < 1e-9 and abs(previous - round(previous)) < 1e-9 else None
    return Change(current, previous, pct, p)

"""How concentrated incidents are across areas (LSOAs, grid cells, ...).

Definitions (documented because several are in use):

- **Lorenz curve** (``lorenz_curve``): areas ranked from the *most* to the
  least incidents; x = cumulative share of areas, y = cumulative share of
  incidents, starting at (0, 0).  This is the orientation used in the crime
  concentration literature (the curve lies above the diagonal) and is read
  directly as "the top x % of areas hold y % of incidents".
- **Gini** (``gini``): ``G = 1 - 2 B`` where B is the area under the classical
  (ascending) Lorenz curve, computed exactly with trapezoids.  Equivalent to
  ``2 sum(i x_(i)) / (N sum x) - (N + 1) / N`` with ascending x.  This is the
  *biased* (sample) Gini, as ``DescTools::Gini(unbiased = FALSE)`` and
  ``lorenzgini::gini(generalized = FALSE, unbiased = FALSE)``: 0 for perfect
  equality and **(N - 1) / N**, not 1, when one area has every incident.
- **Generalized Gini** (``generalized_gini``), Bernasco & Steenbeek (2017),
  "More places than crimes", J Quant Criminol 33:451-467.  When there are
  fewer incidents n than areas N, a perfectly even spread is impossible: the
  most even possible distribution puts one incident in each of n areas (line of
  maximal equality from (0, 0) to (n/N, 1) in the descending orientation).  G'
  measures concentration relative to that line instead of the diagonal:
  ``G' = max(1, N/n) * (G - 1) + 1``, i.e. ``1 - 2 B / min(1, n/N)``.  It equals
  G when n >= N, is 0 when every incident is in a different area, and its
  maximum (all in one area) is (n - 1)/n.  Same as
  ``lorenzgini::gini(generalized = TRUE, unbiased = FALSE)``.
- **Bias-corrected Gini** (``corrected_gini``): ``G * N / (N - 1)``, which is 1 when one area
  holds every incident (the sample Gini's maximum is (N - 1)/N: 0.970 with 33 areas).
- **Top p % share**: share of incidents in the ``k = max(1, round(p/100 * N))``
  areas with most incidents (k is reported, with the share of areas it really is: with 33
  areas, "the top 1 %" is 1 area, 3 % of them; ties at the cut-off don't change it).
- **Areas holding half**: the smallest number of areas whose incidents add up
  to at least half of all incidents.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "Concentration",
    "concentration_sentence",
    "generalized_gini",
    "gini",
    "lorenz_curve",
]

TOP_PERCENTS = (1, 5, 10, 20)


def _counts(counts) -> np.ndarray:
    x = np.asarray(counts, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("counts is empty; pass one incident count per area (zeros included)")
    if not np.all(np.isfinite(x)):
        raise ValueError("counts contain missing values; fill areas with no incidents with 0")
    if np.any(x < 0):
        raise ValueError("counts must be non-negative incident counts")
    return x


def lorenz_curve(counts) -> pd.DataFrame:
    """Lorenz curve points, areas ranked from most to fewest incidents.

    Returns a DataFrame with ``share_of_areas`` and ``share_of_incidents``
    (both 0-1), N + 1 rows starting at (0, 0) and ending at (1, 1).
    """
    x = _counts(counts)
    total = x.sum()
    desc = np.sort(x)[::-1]
    xs = np.arange(len(x) + 1) / len(x)
    ys = np.concatenate([[0.0], np.cumsum(desc) / total]) if total > 0 else np.full(len(x) + 1, np.nan)
    return pd.DataFrame({"share_of_areas": xs, "share_of_incidents": ys})


def _area_under_ascending_lorenz(x: np.ndarray) -> float:
    n = len(x)
    asc = np.sort(x)
    cum = np.cumsum(asc) / asc.sum()
    prev = np.concatenate([[0.0], cum[:-1]])
    return float(np.sum((prev + cum) / 2.0) / n)


def gini(counts) -> float:
    """Sample Gini coefficient (0 = even; (N-1)/N = one area holds everything). NaN if no incidents."""
    x = _counts(counts)
    if x.sum() == 0:
        return float("nan")
    return 1.0 - 2.0 * _area_under_ascending_lorenz(x)


def generalized_gini(counts) -> float:
    """Bernasco & Steenbeek (2017) generalized Gini ``max(1, N/n) (G - 1) + 1``. NaN if no incidents."""
    x = _counts(counts)
    n_inc = x.sum()
    if n_inc == 0:
        return float("nan")
    g = gini(x)
    return max(1.0, len(x) / n_inc) * (g - 1.0) + 1.0


def _fmt_int(v) -> str:
    return f"{int(round(v)):,}"


def _fmt_pct(share: float) -> str:
    p = 100.0 * share
    if p == 0 or p >= 0.1:
        return f"{p:.1f} %"
    return f"{p:.2g} %"


class Concentration:
    """Concentration of incidents across areas.

    Parameters
    ----------
    counts : incident count per area, zeros included (array or Series; a
        Series index is used for ``top_areas``).
    unit : singular name of the areas, e.g. "LSOA", "grid cell".
    unit_plural : plural (default ``unit + "s"``).
    what : what is counted, for the sentence, e.g. "recorded violence".
    area_name : how the whole study area is called in the sentence.

    Attributes
    ----------
    n_areas, n_incidents, gini, generalized_gini, max_gini ((N-1)/N), corrected_gini (G N/(N-1))
    lorenz : DataFrame from :func:`lorenz_curve`.
    top_shares : {percent: share of incidents in the top percent of areas}.
    top_counts : {percent: number of areas that percent is}.
    top_area_shares : {percent: the share of areas those are, k / N}.
    n_areas_half, share_areas_half : areas holding at least half of incidents.
    share_incidents_half : the exact share those areas hold (>= 0.5).
    n_areas_with_incidents : areas with at least one incident.
    top_areas : labels of the ``n_areas_half`` areas (index labels or positions).
    sentence : plain-language summary, see :func:`concentration_sentence`.
    """

    def __init__(self, counts, unit: str = "area", unit_plural: str | None = None,
                 what: str = "recorded incidents", area_name: str = "the area"):
        x = _counts(counts)
        labels = counts.index.to_numpy() if isinstance(counts, pd.Series) else np.arange(len(x))
        self.unit = unit
        self.unit_plural = unit_plural or unit + "s"
        self.what = what
        self.area_name = area_name
        self.n_areas = int(len(x))
        total = float(x.sum())
        self.n_incidents = int(total) if float(total).is_integer() else total
        self.n_areas_with_incidents = int((x > 0).sum())
        self.gini = gini(x)
        self.generalized_gini = generalized_gini(x)
        self.max_gini = (self.n_areas - 1) / self.n_areas
        self.corrected_gini = self.gini * self.n_areas / (self.n_areas - 1) if self.n_areas > 1 else float("nan")
        self.lorenz = lorenz_curve(x)

        order = np.argsort(-x, kind="stable")
        desc = x[order]
        cum = np.cumsum(desc)
        self.top_shares: dict[int, float] = {}
        self.top_counts: dict[int, int] = {}
        self.top_area_shares: dict[int, float] = {}
        for p in TOP_PERCENTS:
            k = max(1, int(math.floor(p / 100.0 * self.n_areas + 0.5)))
            k = min(k, self.n_areas)
            self.top_counts[p] = k
            self.top_area_shares[p] = k / self.n_areas
            self.top_shares[p] = float(cum[k - 1] / total) if total > 0 else float("nan")
        if total > 0:
            k_half = int(np.searchsorted(2.0 * cum, total, side="left")) + 1
            k_half = min(k_half, self.n_areas)
            self.n_areas_half = k_half
            self.share_areas_half = k_half / self.n_areas
            self.share_incidents_half = float(cum[k_half - 1] / total)
            self.top_areas = labels[order[:k_half]]
        else:
            self.n_areas_half = 0
            self.share_areas_half = float("nan")
            self.share_incidents_half = float("nan")
            self.top_areas = labels[:0]
        self.sentence = _sentence(self)

    def to_dict(self, lorenz_points: int = 101) -> dict:
        """JSON-serialisable summary (NaN -> None).  The Lorenz curve is thinned
        to at most ``lorenz_points`` points (always including both ends)."""

        def num(v):
            if v is None:
                return None
            v = float(v)
            return None if math.isnan(v) else v

        lz = self.lorenz
        if len(lz) > lorenz_points:
            idx = np.unique(np.round(np.linspace(0, len(lz) - 1, lorenz_points)).astype(int))
            lz = lz.iloc[idx]
        top_areas = [a.item() if isinstance(a, np.generic) else a for a in self.top_areas]
        return {
            "unit": self.unit,
            "unit_plural": self.unit_plural,
            "what": self.what,
            "n_areas": self.n_areas,
            "n_incidents": self.n_incidents,
            "n_areas_with_incidents": self.n_areas_with_incidents,
            "gini": num(self.gini),
            "gini_definition": "sample Gini, 1 - 2 x area under the Lorenz curve; max (N-1)/N",
            "generalized_gini": num(self.generalized_gini),
            "generalized_gini_definition": "Bernasco & Steenbeek (2017): max(1, N/n) (G - 1) + 1",
            "max_gini": num(self.max_gini),
            "corrected_gini": num(self.corrected_gini),
            "corrected_gini_definition": "G N / (N - 1): 1 when one area holds every incident",
            "top_shares": {f"top_{p}pct": num(v) for p, v in self.top_shares.items()},
            "top_counts": {f"top_{p}pct": int(v) for p, v in self.top_counts.items()},
            "top_area_shares": {f"top_{p}pct": num(v) for p, v in self.top_area_shares.items()},
            "n_areas_half": int(self.n_areas_half),
            "share_areas_half": num(self.share_areas_half),
            "share_incidents_half": num(self.share_incidents_half),
            "top_areas": [str(a) if not isinstance(a, (int, float, str)) else a for a in top_areas],
            "lorenz": {
                "share_of_areas": [float(v) for v in lz["share_of_areas"]],
                "share_of_incidents": [num(v) for v in lz["share_of_incidents"]],
            },
            "sentence": self.sentence,
        }

    def __repr__(self) -> str:
        return (f"Concentration(n_areas={self.n_areas}, n_incidents={self.n_incidents}, "
                f"gini={self.gini:.3f}, n_areas_half={self.n_areas_half})")


def top_share_lines(c: "Concentration") -> list[str]:
    """One line per top share, saying how many areas it is and what share of them they really are."""
    out = []
    for p, share in c.top_shares.items():
        k = c.top_counts[p]
        noun = c.unit if k == 1 else c.unit_plural
        out.append(f"top {p} % of {c.unit_plural} ({k:,} {noun}, {_fmt_pct(c.top_area_shares[p])} of the "
                   f"{c.n_areas:,}) hold {_fmt_pct(share)} of {c.what}")
    return out


def gini_line(c: "Concentration") -> str:
    """The Gini values with what their maximum is (the sample Gini never reaches 1)."""
    return (f"Gini {c.gini:.3f} (its maximum with {c.n_areas:,} {c.unit_plural} is {c.max_gini:.3f}, when one holds "
            f"everything; bias-corrected {c.corrected_gini:.3f}, on a scale to 1); generalized Gini "
            f"(Bernasco & Steenbeek) {c.generalized_gini:.3f}")


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def _sentence(c: Concentration) -> str:
    if c.n_incidents == 0:
        return f"No {c.what} in {_possessive(c.area_name)} {_fmt_int(c.n_areas)} {c.unit_plural}."
    k = c.n_areas_half
    noun = c.unit if k == 1 else c.unit_plural
    verb = "holds" if k == 1 else "hold"
    total_noun = c.unit if c.n_areas == 1 else c.unit_plural
    return (f"{_fmt_int(k)} {noun} \N{EM DASH} {_fmt_pct(c.share_areas_half)} of "
            f"{_possessive(c.area_name)} {_fmt_int(c.n_areas)} {total_noun} \N{EM DASH} {verb} half of {c.what}.")


def concentration_sentence(counts, unit: str = "area", unit_plural: str | None = None,
                           what: str = "recorded incidents", area_name: str = "the area") -> str:
    """The sentence a meeting needs, e.g.

    "42 LSOAs — 2.4 % of the area's 1,719 LSOAs — hold half of recorded violence."

    ``counts`` may be per-area counts or an existing :class:`Concentration`.
    "Half" means the smallest number of areas holding at least half of all
    incidents (their exact share is ``Concentration.share_incidents_half``).
    """
    if isinstance(counts, Concentration):
        return counts.sentence
    return Concentration(counts, unit=unit, unit_plural=unit_plural, what=what, area_name=area_name).sentence

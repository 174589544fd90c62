"""Emerging hot spots: space-time Getis-Ord Gi* per bin, a Mann-Kendall trend per location, and
the pattern names of ArcGIS Pro's Emerging Hot Spot Analysis.

Gi* per bin
-----------
A bin is one location i in one time step t.  Its space-time neighbours are i and its contiguity
neighbours (binary, self included) in step t and in the ``time_window`` previous steps (only steps
inside the cube, so bins of the first steps have fewer).  With y the counts of all bins::

    S_it = sum of y over the K_it space-time neighbours of (i, t)
    K_it = (k_i + 1) * (min(t, time_window) + 1)           k_i = contiguity neighbours of i
    z_it = (S_it - K_it * ybar) / (s * sqrt(K_it * (n - K_it) / (n - 1)))

ybar and s (population standard deviation) over ALL n = n_locations * n_steps bins, as in
analytics.getis_ord for one step.  p = two-sided normal.  The sums are one sparse product,
(I + W) @ Y, then a sum over the window of previous steps: no loop over bins.

``permutations=P`` adds conditional-permutation pseudo p-values: for each bin its own value is held
fixed and its K - 1 other neighbours are drawn without replacement from the other n - 1 bins
(analytics._permutation.ConditionalDraws over the flattened bins), two-sided
p = min(1, 2 (1 + min(ge, le)) / (P + 1)), ties counted as extreme.  Hot and cold bins are then
decided by these pseudo p-values (the analytic z still gives the sign and the trend).

A bin is hot (cold) when significant at ``alpha`` and z > 0 (z < 0); with ``fdr=True`` (default)
significance is decided by Benjamini-Hochberg across all tested bins at once.  Locations without
contiguity neighbours (islands) are not tested, as in analytics.getis_ord: never hot or cold,
"No Pattern Detected".

Trend and patterns
------------------
Each location's series of z over the steps gets a Mann-Kendall test (tie-corrected, continuity
correction, two-sided, at ``alpha``; not corrected for multiple testing, as in ArcGIS).  The whole
area's series gets one too (``area_trend``), on incidents per day when the step lengths are known
(so a 28-day February does not read as a fall), else on counts.

By default (``trend_steps="complete"``) the trend test uses only the steps whose space-time
neighbourhood is complete, t >= time_window.  The first steps have fewer neighbours (K is smaller),
so a location with a constant excess gets a z smaller by sqrt(K_t / K_full) there: a steady hot
spot would read as intensifying.  Measured on a 60 x 60 lattice with 30 planted constant hot
blocks (5 seeds, 12 steps): time_window 1 over all steps gave 66 Intensifying against 12
Diminishing (time_window 2: 232 against 9); over the complete steps 42 against 32 (79 against
109), balanced.  ``trend_steps="all"`` tests every step, as sfdep's emerging_hotspot_analysis
does.  The counts of hot and cold steps (the 90 % rules) always use every step.

With time_window >= 1 consecutive z share bins, so each z series is autocorrelated and the
Mann-Kendall test (which assumes independent values) over-calls trends in both directions
(time_window 0 in the same experiment: 6 against 5); time_window 0 gives trend p-values that
are right under the null.

Patterns follow from :func:`classify_patterns`; the rules are in ``PATTERN_RULES``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import erfc

from . import _inputs
from ._permutation import ConditionalDraws, check_permutations, pseudo_p, resolve_rng
from .mann_kendall import MannKendall, mann_kendall_rows, min_p_value
from .multiple_testing import benjamini_hochberg
from .space_time import LOW_POWER_STEPS, MIN_STEPS, SpaceTimeCube

__all__ = [
    "EmergingHotSpots",
    "TREND_STEPS",
    "classify_patterns",
    "PATTERNS",
    "HOT_PATTERNS",
    "COLD_PATTERNS",
    "NO_PATTERN",
    "PATTERN_DEFINITIONS",
    "PATTERN_RULES",
]

#: which steps the per-location trend test uses: "complete" = those with a full space-time neighbourhood
#: (t >= time_window, the default), "all" = every step (as sfdep does)
TREND_STEPS = ("complete", "all")

_KINDS = ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic", "Oscillating", "Historical")
HOT_PATTERNS = tuple(f"{k} Hot Spot" for k in _KINDS)
COLD_PATTERNS = tuple(f"{k} Cold Spot" for k in _KINDS)
NO_PATTERN = "No Pattern Detected"
#: every pattern, hot first, then cold, then none (legend order)
PATTERNS = HOT_PATTERNS + COLD_PATTERNS + (NO_PATTERN,)

PATTERN_DEFINITIONS = {
    "New Hot Spot": "Hot spot in the final step and never a hot spot before.",
    "Consecutive Hot Spot": "One unbroken run of hot-spot steps ending at the final step, never hot before the run, "
                            "hot in under 90 % of steps.",
    "Intensifying Hot Spot": "Hot spot in at least 90 % of steps including the final one, clustering getting "
                             "significantly stronger over time.",
    "Persistent Hot Spot": "Hot spot in at least 90 % of steps including the final one, with no significant trend "
                           "in the strength of clustering.",
    "Diminishing Hot Spot": "Hot spot in at least 90 % of steps including the final one, clustering getting "
                            "significantly weaker over time.",
    "Sporadic Hot Spot": "Hot spot in the final step, on and off before, hot in under 90 % of steps, never a cold spot.",
    "Oscillating Hot Spot": "Hot spot in the final step that was a cold spot in an earlier step, hot in under 90 % "
                            "of steps.",
    "Historical Hot Spot": "Not a hot spot in the final step, but a hot spot in at least 90 % of steps.",
    "New Cold Spot": "Cold spot in the final step and never a cold spot before.",
    "Consecutive Cold Spot": "One unbroken run of cold-spot steps ending at the final step, never cold before the run, "
                             "cold in under 90 % of steps.",
    "Intensifying Cold Spot": "Cold spot in at least 90 % of steps including the final one, low counts clustering "
                              "significantly more strongly over time.",
    "Persistent Cold Spot": "Cold spot in at least 90 % of steps including the final one, with no significant trend "
                            "in the strength of clustering.",
    "Diminishing Cold Spot": "Cold spot in at least 90 % of steps including the final one, low counts clustering "
                             "significantly less strongly over time.",
    "Sporadic Cold Spot": "Cold spot in the final step, on and off before, cold in under 90 % of steps, never a hot "
                          "spot.",
    "Oscillating Cold Spot": "Cold spot in the final step that was a hot spot in an earlier step, cold in under 90 % "
                             "of steps.",
    "Historical Cold Spot": "Not a cold spot in the final step, but a cold spot in at least 90 % of steps.",
    NO_PATTERN: "None of the patterns above: not a significant hot or cold spot in enough steps to form one.",
}

PATTERN_RULES = (
    "Each area in each time step (a bin) gets a Getis-Ord Gi* z-score computed over its space-time neighbourhood: "
    "the area and its adjacent areas, in that step and in the chosen number of previous steps (the time window). "
    "A bin is a hot spot when its Gi* is significant at the chosen level (5 % by default, after a Benjamini-Hochberg "
    "false-discovery-rate correction across all bins unless that is switched off) and z is positive, a cold spot when significant and z is "
    "negative. The trend of each area's z-scores over time is tested with a two-sided Mann-Kendall test at the same "
    "level, by default over the steps whose neighbourhood is complete (with a time window of w steps the first w "
    "steps have fewer neighbours, so they are left out of the trend test, and only of it). With n steps, H the hot steps and C the cold "
    "steps of an area, and '90 %' meaning at least 0.9 n steps, the "
    "rules are applied in this order. If the final step is hot: hot in at least 90 % of steps gives an Intensifying "
    "Hot Spot when the z-scores trend significantly upward, a Diminishing Hot Spot when they trend significantly "
    "downward and a Persistent Hot Spot otherwise (this comes first, so a rare cold step does not prevent it); "
    "otherwise an area that was ever a cold spot is an Oscillating Hot Spot; otherwise an area hot in the final step "
    "only is a New Hot Spot, one whose hot steps form a single unbroken run ending at the final step is a Consecutive "
    "Hot Spot, and any other is a Sporadic Hot Spot. If the final step is cold the rules are the mirror image: an "
    "Intensifying Cold Spot trends significantly downward (ever colder), a Diminishing Cold Spot trends significantly "
    "upward, and an area that was ever a hot spot is an Oscillating Cold Spot. If the final step is neither: hot in at "
    "least 90 % of steps gives a Historical Hot Spot, cold in at least 90 % a Historical Cold Spot, anything else No "
    "Pattern Detected. With fewer than 10 steps, 90 % of the steps means all of them, so Historical patterns cannot "
    "occur; with 4 or fewer steps in the trend test it can never reach significance, so no area is Intensifying or "
    "Diminishing. "
    "Areas with no adjacent areas are not tested and show No Pattern Detected."
)


# --------------------------------------------------------------------------- classifier


def classify_patterns(hot, cold, trend_p, trend_z, alpha: float = 0.05):
    """Emerging hot-spot pattern of each location (pure function, the rules of ``PATTERN_RULES``).

    Parameters
    ----------
    hot, cold : bool arrays, locations x steps (time order), or one location's 1-D series;
        a bin cannot be both
    trend_p : Mann-Kendall p-value of each location's z series (NaN = no trend)
    trend_z : its Mann-Kendall z (or S, or tau: only the sign is used)
    alpha : a trend is significant when trend_p < alpha

    Returns an object array of names from ``PATTERNS`` (a str for 1-D input).
    """
    alpha = _inputs.check_fraction(alpha, "alpha")
    h = np.asarray(hot)
    c = np.asarray(cold)
    single = h.ndim == 1
    if single:
        h, c = h[None, :], c[None, :]
    if h.dtype != bool or c.dtype != bool:
        raise ValueError("hot and cold must be True/False arrays (one value per location and step)")
    if h.ndim != 2 or h.shape != c.shape:
        raise ValueError(f"hot and cold must have the same shape (locations x steps), got {h.shape} and {c.shape}")
    if (h & c).any():
        raise ValueError("a bin cannot be both hot and cold; derive both from one z (hot: z > 0, cold: z < 0)")
    m, n = h.shape
    if n < 1:
        raise ValueError("need at least one time step")
    tp = np.asarray(trend_p, dtype=float).reshape(-1)
    tz = np.asarray(trend_z, dtype=float).reshape(-1)
    if tp.shape != (m,) or tz.shape != (m,):
        raise ValueError(f"trend_p and trend_z need one value per location ({m}), got {tp.size} and {tz.size}")
    sig = np.nan_to_num(tp, nan=1.0) < alpha
    up, down = sig & (tz > 0), sig & (tz < 0)

    out = np.full(m, NO_PATTERN, dtype=object)
    for flags, other, rising, falling, names, final in (
        (h, c, up, down, HOT_PATTERNS, h[:, -1]),
        (c, h, down, up, COLD_PATTERNS, c[:, -1]),
    ):
        new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical = names
        count = flags.sum(axis=1)
        mostly = 10 * count >= 9 * n  # |H| >= 0.9 n in whole numbers
        runs = flags[:, 0].astype(np.int64) + (flags[:, 1:] & ~flags[:, :-1]).sum(axis=1)
        ever_other = other.any(axis=1)
        label = np.select(
            [mostly & rising, mostly & falling, mostly, ever_other, count == 1, runs == 1],
            [intensifying, diminishing, persistent, oscillating, new, consecutive],
            default=sporadic,
        )
        out[final] = label[final]
        neither = ~h[:, -1] & ~c[:, -1]
        out[neither & mostly] = historical
    return out[0] if single else out


# --------------------------------------------------------------------------- the statistic


class EmergingHotSpots:
    """Emerging hot-spot analysis of a space-time cube (formulas in the module docstring).

    Parameters
    ----------
    cube : SpaceTimeCube, or a counts matrix (locations x steps: ndarray, or DataFrame indexed by
        location with one column per step)
    weights : SpatialWeights (binary contiguity, no self-links; self is added here)
    ids : location ids of a counts ndarray (default: ``weights.ids``, same row order)
    steps : step labels of a counts ndarray (default: "1", "2", ...)
    time_window : number of previous steps in each bin's neighbourhood (0 = same step only)
    alpha : significance level of the bins and of the trend tests
    fdr : Benjamini-Hochberg across all tested bins (default) or raw p <= alpha
    permutations : 0 = analytic p (default); P > 0 = decide hot/cold by conditional-permutation pseudo p
    seed : for the permutations
    trend_steps : "complete" (default: Mann-Kendall over the steps t >= time_window, whose neighbourhood
        is complete) or "all" (every step, as sfdep does; biased towards "Intensifying", see above)

    The cube's locations are matched to ``weights.ids`` by label (any order; results are in
    ``weights.ids`` order); the two sets must be the same.

    Attributes
    ----------
    ids, steps, counts (n x T), days (per step or None)
    z, p : analytic z and two-sided p per bin (n x T);  p_sim : pseudo p (n x T) or None
    hot, cold : bool n x T;  hot_steps, cold_steps : counts per location
    trend_z, trend_p, trend_tau, trend_s : Mann-Kendall on each location's z series (from step
        ``trend_first_step``, an index into ``steps``)
    pattern : object array of names from ``PATTERNS``
    final_z, final_p : z and the p used for significance in the final step
    count : total incidents (sum of counts) per location
    area_trend : MannKendall of the whole area's series (per day when ``days`` are known)
    area_series : that series (pandas Series by step);  area_series_basis : "incidents per day" | "count"
    K : number of space-time neighbours per bin (n x T, self included)
    islands : ids of locations without contiguity neighbours (not tested)
    notes : plain sentences;  parameters : dict;  significance_basis, fdr_basis : sentences
    """

    def __init__(self, cube, weights, ids=None, steps=None, time_window: int = 1, alpha: float = 0.05,
                 fdr: bool = True, permutations: int = 0, seed=12345, trend_steps: str = "complete"):
        w = _inputs.as_weights(weights)
        counts, ids_, steps_, days, notes = _resolve_cube(cube, w, ids, steps)
        n_loc, T = counts.shape
        if isinstance(time_window, bool) or not isinstance(time_window, (int, np.integer)) or not 0 <= time_window < T:
            raise ValueError(
                f"time_window must be a whole number of previous steps from 0 to {T - 1}, got {time_window!r}; e.g. 1"
            )
        alpha = _inputs.check_fraction(alpha, "alpha")
        if not isinstance(fdr, (bool, np.bool_)):
            raise ValueError(f"fdr must be True or False, got {fdr!r}")
        permutations = check_permutations(permutations)
        rng = resolve_rng(seed)
        if trend_steps not in TREND_STEPS:
            raise ValueError(f"trend_steps must be 'complete' or 'all', got {trend_steps!r}")
        first_trend = int(time_window) if trend_steps == "complete" else 0
        if T - first_trend < 3:
            raise ValueError(
                f"the trend test needs at least 3 steps with a complete neighbourhood, got {T - first_trend} "
                f"({T} steps, time_window {time_window}); use a smaller time_window or more steps"
            )
        self.weights = w
        self.ids = w.ids
        self.steps = steps_
        self.counts = counts
        self.days = days
        self.time_window = int(time_window)
        self.trend_steps = trend_steps
        self.trend_first_step = first_trend
        self.alpha = alpha
        self.fdr = bool(fdr)
        self.permutations = permutations
        self.seed = seed
        self.n_locations, self.n_steps = n_loc, T
        self.n_bins = nb = n_loc * T

        # ---- space-time Gi*
        card = w.cardinalities
        ybar = counts.mean()
        s = float(np.sqrt(max((counts**2).mean() - ybar**2, 0.0)))
        if s <= 1e-12 * max(abs(ybar), 1.0):
            raise ValueError(
                f"every bin has the same count ({ybar:g}), so there is no variation to test; check the data or the period"
            )
        A1 = (w.adjacency + sparse.identity(n_loc, format="csr")).tocsr()
        spatial = np.asarray(A1 @ counts)
        S = spatial.copy()
        for lag in range(1, self.time_window + 1):
            S[:, lag:] += spatial[:, :-lag]
        K = (card + 1.0)[:, None] * (np.minimum(np.arange(T), self.time_window) + 1.0)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            sd_S = s * np.sqrt(K * (nb - K) / (nb - 1))
            z = np.where(sd_S > 0, (S - K * ybar) / np.where(sd_S > 0, sd_S, 1.0), 0.0)
        self.K = K
        self.z = z
        self.p = erfc(np.abs(z) / np.sqrt(2.0))

        if permutations:
            k_other = (K - 1).astype(np.int64).ravel()
            draws = ConditionalDraws(k_other, permutations, rng)
            ge, le = draws.tail_counts(counts.ravel(), (S - counts).ravel())
            self.p_sim = pseudo_p(ge, le, permutations, "two-sided").reshape(n_loc, T)
            basis = self.p_sim
        else:
            self.p_sim = None
            basis = self.p

        # ---- hot and cold bins
        tested = card > 0
        self.islands = list(w.ids[~tested])
        sig = np.zeros((n_loc, T), dtype=bool)
        if tested.any():
            sig[tested] = benjamini_hochberg(basis[tested], alpha) if self.fdr else basis[tested] <= alpha
        self.hot = sig & (z > 0)
        self.cold = sig & (z < 0)
        self.hot_steps = self.hot.sum(axis=1)
        self.cold_steps = self.cold.sum(axis=1)
        self.final_z = z[:, -1].copy()
        self.final_p = basis[:, -1].copy()
        self.count = counts.sum(axis=1)

        # ---- trends and patterns
        mk = mann_kendall_rows(z[:, self.trend_first_step:], alpha=alpha, slope=False)
        self.trend_z, self.trend_p, self.trend_tau, self.trend_s = mk.z, mk.p, mk.tau, mk.s
        self.pattern = classify_patterns(self.hot, self.cold, self.trend_p, self.trend_z, alpha)
        totals = counts.sum(axis=0)
        if days is not None:
            self.area_series = pd.Series(totals / days, index=pd.Index(steps_, name="step"), name="incidents per day")
            self.area_series_basis = "incidents per day"
        else:
            self.area_series = pd.Series(totals, index=pd.Index(steps_, name="step"), name="count")
            self.area_series_basis = "count"
        self.area_trend = MannKendall(self.area_series.to_numpy(), alpha=alpha)

        # ---- words
        if permutations:
            self.significance_basis = (
                f"conditional-permutation pseudo p-values ({permutations:,} permutations, two-sided, ties counted as "
                f"extreme, seed {seed!r}); z-scores analytic"
            )
        else:
            self.significance_basis = "analytic two-sided p-values of the Gi* z-scores (normal approximation)"
        n_tested = int(tested.sum()) * T
        self.fdr_basis = (
            f"Benjamini-Hochberg false discovery rate at {alpha:g} across all {n_tested:,} tested bins"
            if self.fdr else f"raw p <= {alpha:g} per bin, no multiple-testing correction"
        )
        self.notes = list(notes) + self._own_notes(days, had_low_power=any("little power" in x for x in notes))
        self.parameters = {
            "time_window": self.time_window,
            "trend_steps": trend_steps,
            "trend_first_step": steps_[self.trend_first_step],
            "alpha": alpha,
            "fdr": self.fdr,
            "permutations": permutations,
            "seed": seed if isinstance(seed, (int, np.integer, type(None))) else repr(seed),
            "weights": w.describe(),
            "n_locations": n_loc,
            "n_steps": T,
            "first_step": steps_[0],
            "last_step": steps_[-1],
            "n_bins": nb,
            "mean_count_per_bin": float(ybar),
            "sd_count_per_bin": s,
        }

    # ------------------------------------------------------------------ helpers

    def _own_notes(self, days, had_low_power: bool) -> list[str]:
        T, out = self.n_steps, []
        if T < LOW_POWER_STEPS and not had_low_power:
            out.append(f"Only {T} time steps: the trend test has little power (at least {LOW_POWER_STEPS} are advised), "
                       "so a real trend may go undetected.")
        n_trend = T - self.trend_first_step
        pmin = min_p_value(n_trend)
        if pmin >= self.alpha:
            out.append(f"With {n_trend} steps in the trend test it cannot reach p < {self.alpha:g} (smallest possible "
                       f"p = {pmin:.3f}), so no area can be Intensifying or Diminishing.")
        if T < LOW_POWER_STEPS:
            out.append(f"With fewer than {LOW_POWER_STEPS} steps, 90 % of the steps means all {T}: Historical patterns "
                       "cannot occur, and Persistent, Intensifying and Diminishing need every step.")
        if self.islands:
            shown = ", ".join(str(i) for i in self.islands[:3])
            out.append(f"{len(self.islands):,} area{'s' if len(self.islands) != 1 else ''} without adjacent areas "
                       f"({shown}{', ...' if len(self.islands) > 3 else ''}) {'are' if len(self.islands) != 1 else 'is'} "
                       "not tested and show No Pattern Detected.")
        if days is not None and days.min() != days.max():
            out.append(f"Steps differ in length ({days.min()} to {days.max()} days); Gi* compares counts, so shorter "
                       "steps read slightly cooler, and the whole-area trend is tested on incidents per day.")
        return out

    # ------------------------------------------------------------------ outputs

    def to_frame(self) -> pd.DataFrame:
        """One row per location: area_code, pattern (ordered categorical), trend_z, trend_p, hot_steps,
        cold_steps, final_z, final_p, count."""
        return pd.DataFrame({
            "area_code": self.ids.to_numpy(),
            "pattern": pd.Categorical(self.pattern, categories=list(PATTERNS), ordered=True),
            "trend_z": self.trend_z,
            "trend_p": self.trend_p,
            "hot_steps": self.hot_steps,
            "cold_steps": self.cold_steps,
            "final_z": self.final_z,
            "final_p": self.final_p,
            "count": self.count,
        })

    def steps_frame(self) -> pd.DataFrame:
        """Long table, one row per location and step: area_code, step, count, z, p, hot, cold (and p_sim)."""
        n, T = self.counts.shape
        df = pd.DataFrame({
            "area_code": np.repeat(self.ids.to_numpy(), T),
            "step": pd.Categorical(np.tile(self.steps, n), categories=self.steps, ordered=True),
            "count": self.counts.ravel(),
            "z": self.z.ravel(),
            "p": self.p.ravel(),
            "hot": self.hot.ravel(),
            "cold": self.cold.ravel(),
        })
        if self.p_sim is not None:
            df.insert(5, "p_sim", self.p_sim.ravel())
        return df

    def pattern_counts(self) -> pd.Series:
        """Number of locations per pattern, all 17 in ``PATTERNS`` order (zeros included)."""
        return pd.Series(self.pattern).value_counts().reindex(list(PATTERNS), fill_value=0).rename("locations")

    def metadata(self) -> dict:
        """Strings for export metadata and the Data & method page."""
        at = self.area_trend
        unit = "incidents per day" if self.area_series_basis == "incidents per day" else "counts"
        return {
            "method": "Emerging hot spot analysis: space-time Getis-Ord Gi* per area and step, Mann-Kendall trend of "
                      "each area's z-scores, patterns as named by ArcGIS Pro's Emerging Hot Spot Analysis",
            "rules": PATTERN_RULES,
            "steps": f"{self.n_steps} steps, {self.steps[0]} to {self.steps[-1]}",
            "neighbourhood": (
                f"the area and its neighbours ({self.weights.describe()}), in the same step"
                + (f" and the {self.time_window} previous step{'s' if self.time_window != 1 else ''}"
                   if self.time_window else " only")
                + "; mean and standard deviation over all "
                f"{self.n_bins:,} area-steps"
            ),
            "parameters": (
                f"time window {self.time_window}; alpha {self.alpha:g}; FDR {'on' if self.fdr else 'off'}; "
                f"permutations {self.permutations}" + (f"; seed {self.seed!r}" if self.permutations else "")
            ),
            "significance": self.significance_basis,
            "fdr": self.fdr_basis,
            "trend": f"Mann-Kendall on each area's z-scores (tie-corrected, continuity correction, two-sided, "
                     f"p < {self.alpha:g}), not corrected for multiple testing, over "
                     + (f"the steps from {self.steps[self.trend_first_step]} on, whose space-time neighbourhood is "
                        f"complete (the first {self.trend_first_step} "
                        f"step{'s have' if self.trend_first_step != 1 else ' has'} "
                        "fewer neighbours, which shrinks z towards 0 and would read as a rising trend)"
                        if self.trend_first_step else "all steps"),
            "area_trend": f"whole area, {unit} per step: {at.trend} (Mann-Kendall z = {at.z:.2f}, p = {at.p:.2g}, "
                          f"Sen's slope {at.slope:+.3g} per step)",
            "notes": " ".join(self.notes),
        }

    def __repr__(self) -> str:
        c = self.pattern_counts()
        shown = ", ".join(f"{k}={v}" for k, v in c.items() if v and k != NO_PATTERN)
        return (f"EmergingHotSpots(n={self.n_locations}, steps={self.n_steps}, time_window={self.time_window}, "
                f"fdr={self.fdr}, {shown or 'no patterns'})")


def _resolve_cube(cube, w, ids, steps):
    """(counts aligned to w.ids, ids, step labels, days or None, notes) from any accepted input."""
    days, notes = None, []
    if isinstance(cube, SpaceTimeCube):
        if ids is not None or steps is not None:
            raise ValueError("a SpaceTimeCube carries its own ids and steps; pass ids/steps only with a counts matrix")
        counts, ids_, steps_ = cube.counts, cube.ids, list(cube.steps)
        days, notes = cube.days, list(cube.notes)
    elif isinstance(cube, pd.DataFrame):
        counts = cube.to_numpy(dtype=float)
        ids_ = pd.Index(cube.index) if ids is None else pd.Index(ids)
        steps_ = [str(c) for c in cube.columns] if steps is None else [str(x) for x in steps]
    else:
        try:
            counts = np.asarray(cube, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"counts must be numbers (locations x steps), got {type(cube).__name__}") from None
        if counts.ndim != 2:
            raise ValueError(f"counts must be a 2-D matrix (locations x steps), got shape {counts.shape}")
        ids_ = w.ids if ids is None else pd.Index(ids)
        steps_ = [str(t + 1) for t in range(counts.shape[1])] if steps is None else [str(x) for x in steps]
    if counts.ndim != 2:
        raise ValueError(f"counts must be a 2-D matrix (locations x steps), got shape {counts.shape}")
    if len(ids_) != counts.shape[0]:
        raise ValueError(f"{len(ids_)} ids for {counts.shape[0]} rows of counts; pass one id per location")
    if len(steps_) != counts.shape[1]:
        raise ValueError(f"{len(steps_)} step labels for {counts.shape[1]} steps; pass one label per step")
    if not ids_.is_unique:
        raise ValueError(f"location ids must be unique (duplicates: {ids_[ids_.duplicated()][:3].tolist()})")
    T = counts.shape[1]
    if T < MIN_STEPS:
        raise ValueError(
            f"needs at least {MIN_STEPS} time steps to judge change, got {T}; choose a shorter step or a longer period"
        )
    if not np.all(np.isfinite(counts)):
        raise ValueError("counts has missing or infinite values; fill them (0 for no incidents) first")
    if (counts < 0).any():
        raise ValueError("counts must be non-negative (numbers of incidents)")
    if w.n < 3:
        raise ValueError(f"need at least 3 areas for these statistics, got {w.n}")
    if not ids_.equals(w.ids):
        if len(ids_) == w.n and set(ids_) == set(w.ids):
            counts = counts[ids_.get_indexer(w.ids)]
        else:
            extra = ids_.difference(w.ids)
            missing = w.ids.difference(ids_)
            raise ValueError(
                f"the cube's locations and the weights' areas differ ({len(extra):,} only in the cube, e.g. "
                f"{extra[:3].tolist()}; {len(missing):,} only in the weights, e.g. {missing[:3].tolist()}); "
                "build both from the same list of areas"
            )
    return np.ascontiguousarray(counts, dtype=float), w.ids, steps_, days, notes

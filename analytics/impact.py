"""Did it work?  Evaluate an intervention in a patch: before and after, against a comparison, with displacement.

:class:`ImpactEvaluation` puts the pieces together for monthly incident counts:

1. zones (:mod:`analytics.impact_zones`): target T, buffer B, comparison C;
2. windows: the ``before`` months up to the month before ``start`` and the ``after``
   months from ``start`` (to ``end`` when given).  Default 12 months each, or the
   longest equal length the data allow (said in ``notes``);
3. counts per zone before (b) and after (a), and each zone's monthly series;
4. relative effect (Ta/Tb)/(Ca/Cb) with Wald and, when any count < 20, exact
   inference (:mod:`analytics.relative_effect`);
5. the buffer's own relative effect (Ba/Bb)/(Ca/Cb), the weighted displacement
   quotient and the total net effect (:mod:`analytics.displacement`, Bowers & Johnson 2003);
6. an interrupted time series on the target's monthly counts over the two windows
   (:mod:`analytics.its`, Bernal, Cummins & Gasparrini 2017); skipped, with the reason in
   ``its_skipped_reason``, when it cannot be fitted (e.g. fewer than 3 months on a side);
7. the minimum detectable reduction (:mod:`analytics.power`);
8. a plain-words verdict and the method metadata.

Counts come as one row per (area, month) (``area_code``, ``month`` 'YYYY-MM', ``count``):
areas without a row in a month count 0 and repeated rows are added.  A month with no
rows at all is treated as missing data (police.uk never has a month without violence
in a whole study area); pass ``months=[...]`` to say which months the data cover when
a month really had none.  Zone counts (:meth:`ImpactEvaluation.from_zone_counts`) and
incident points around a centre (:meth:`ImpactEvaluation.from_points`) are accepted too.

Pure statistics: no Streamlit, nothing written.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._impact_common import (as_code, as_count, as_number, check_month, first_few, month_span, pct,
                             shift_month)
from ._inputs import check_fraction
from .displacement import NO_BUFFER, WeightedDisplacementQuotient, fmt_wdq
from .impact_zones import Zones, _areas_frame, _codes, define_zones, point_zone_counts
from .its import InterruptedTimeSeries
from .power import minimum_detectable_reduction
from .relative_effect import EXACT_BELOW, RelativeEffect

__all__ = ["ImpactEvaluation", "DEFAULT_WINDOW", "REFERENCES"]

#: months in each window when before/after are not given
DEFAULT_WINDOW = 12

REFERENCES = ("Bowers, K.J. & Johnson, S.D. (2003) Measuring the geographical displacement and diffusion of benefit "
              "effects of crime prevention activity. J Quant Criminol 19(3):275-301. "
              "Bernal, J.L., Cummins, S. & Gasparrini, A. (2017) Interrupted time series regression for the evaluation "
              "of public health interventions: a tutorial. Int J Epidemiol 46(1):348-355.")

_ZONE_NAMES = {"target": "target", "t": "target", "buffer": "buffer", "b": "buffer",
               "comparison": "comparison", "c": "comparison"}


class ImpactEvaluation:
    """Before/after evaluation of an intervention against a comparison, with displacement.

    Parameters
    ----------
    counts : incidents per area per month: a DataFrame with columns ``area_code``, ``month`` ('YYYY-MM')
        and ``count``, three arrays (area_codes, months, counts), or rows of (area_code, month, count)
    target : the target area code(s)
    start : first month of the intervention ('YYYY-MM')
    end : last month of the after window (optional; default: ``after`` months from the start)
    before, after : window lengths in months (default 12 each, or the longest equal length the data allow)
    buffer : "adjacent" (default), a ring width in metres (needs ``areas``), "none", or a list of codes
    comparison : "rest" (default), "matched", or a list of codes
    weights : SpatialWeights over the study area (built as queen contiguity from ``areas`` when omitted
        and needed).  The study area is ``weights.ids``, else the index of ``areas``, else the codes in
        ``counts``.
    deprivation : scores by area code (Series or dict, e.g. IMD score) or the name of a column of
        ``areas``; used by comparison="matched"
    alpha : 1 - confidence level (0.05: 95 % intervals, two-sided tests)
    areas : GeoDataFrame of the area polygons in EPSG:27700 (index or ``area_code`` column = code)
    n_matched : K for comparison="matched" (default 5 x the number of target areas)
    months : the months the data cover (default: the months with any incident)
    ring_rule : "intersects" (default) or "within", for a ring buffer (see analytics.impact_zones)
    seasonal, days_offset : passed to the interrupted time series (defaults "auto", True)
    area_label : word for the areas in sentences (e.g. "LSOAs"); what : what is counted ("Violence")
    disclosure : a DisclosurePolicy; when enabled, the zone x month counts are protected together with the
        zones' before and after totals (analytics.disclosure.ZoneSeries), the evaluation is refused if one
        of those six totals would be hidden, and the statistics use the counts as shown
    public_months : bool by month: the whole area's month total is shown elsewhere (the Overview), so it
        is never hidden here

    Attributes
    ----------
    zones : Zones; target_areas, buffer_areas, comparison_areas : lists of codes
    before_months, after_months : lists of 'YYYY-MM'; months : both windows in order
    series : DataFrame indexed by month: target, buffer, comparison (incidents summed over the zone)
    target_before, target_after, buffer_before, buffer_after, comparison_before, comparison_after : counts
    relative_effect : RelativeEffect of the target; buffer_effect : RelativeEffect of the buffer (or None)
    displacement : WeightedDisplacementQuotient
    its : InterruptedTimeSeries or None; its_skipped_reason : why not ("" when fitted)
    power : DetectableReduction
    verdict : one or two plain sentences; method : dict of strings; notes : list of strings
    """

    def __init__(self, counts, target, start, end=None, before=None, after=None, buffer="adjacent",
                 comparison="rest", weights=None, deprivation=None, alpha: float = 0.05, *, areas=None,
                 n_matched: int | None = None, months=None, ring_rule: str = "intersects", seasonal="auto",
                 days_offset: bool = True, area_label: str = "areas", what: str = "Violence", disclosure=None,
                 public_months=None):
        alpha = check_fraction(alpha, "alpha")
        self._disclosure, self._public_months = disclosure, public_months
        long = _long_counts(counts, "area_code")
        target = _codes(target, "target")
        areas_f = _areas_frame(areas) if areas is not None else None
        needs_w = (isinstance(buffer, str) and buffer.strip().lower() == "adjacent") or (
            isinstance(comparison, str) and comparison.strip().lower() == "matched")
        if weights is None and areas_f is not None and needs_w:
            from .weights import build_weights

            weights = build_weights(areas_f, "queen")
        if weights is not None:
            from ._inputs import as_weights

            weights = as_weights(weights)
            ids = pd.Index(weights.ids)
            if areas_f is not None and not ids.sort_values().equals(areas_f.index.sort_values()):
                raise ValueError("weights and areas hold different areas; build the weights from the same boundaries")
        elif areas_f is not None:
            ids = pd.Index(areas_f.index)
        else:
            ids = pd.Index(sorted(long["area_code"].unique()))
        unknown = pd.Index(long["area_code"].unique()).difference(ids)
        if len(unknown):
            raise ValueError(f"{len(unknown)} area codes in the counts are not among the {len(ids):,} areas of the "
                             f"boundaries (e.g. {first_few(unknown)}); drop them or pass the matching boundaries")
        missing_t = [c for c in target if c not in ids]
        if missing_t:
            raise ValueError(f"{len(missing_t)} target code(s) are outside the boundaries, not among the "
                             f"{len(ids):,} areas (e.g. {first_few(missing_t)}); check the codes and the area selected")

        win = _windows(_covered(long, months), start, end, before, after)
        span = win["before"] + win["after"]
        matrix = _matrix(long, "area_code", ids, span)
        before_counts = matrix[win["before"]].sum(axis=1)
        if isinstance(deprivation, str):
            if areas_f is None or deprivation not in areas_f.columns:
                raise ValueError(f"deprivation={deprivation!r} names a column, but areas has no such column; "
                                 "pass areas=... with it, or a Series of scores by area code")
            deprivation = areas_f[deprivation]
        zones = define_zones(ids, target, buffer, comparison, weights=weights, areas=areas_f,
                             before_counts=before_counts, deprivation=deprivation, n_matched=n_matched,
                             ring_rule=ring_rule, area_label=area_label)
        series = pd.DataFrame({
            "target": matrix.loc[zones.target].sum(axis=0),
            "buffer": matrix.loc[zones.buffer].sum(axis=0) if zones.buffer else np.nan,
            "comparison": matrix.loc[zones.comparison].sum(axis=0),
        }, index=pd.Index(span, name="month"))
        words = _zone_words(zones, area_label)
        self._evaluate("areas", zones, series, bool(zones.buffer), win, alpha, seasonal, days_offset, words, what)

    # ------------------------------------------------------------------ other inputs

    @classmethod
    def from_zone_counts(cls, zone_counts, start, end=None, before=None, after=None, alpha: float = 0.05, *,
                         has_buffer: bool | None = None, months=None, seasonal="auto", days_offset: bool = True,
                         rules: dict | None = None, labels: dict | None = None, what: str = "Violence",
                         _kind: str = "zones", disclosure=None, public_months=None) -> "ImpactEvaluation":
        """Evaluate from incidents per zone per month: a DataFrame with ``zone`` ("target", "buffer",
        "comparison"; or T/B/C), ``month`` and ``count``.  Zones without rows count 0; ``has_buffer``
        (default: buffer rows are present) says whether a buffer zone exists.  ``rules`` and ``labels``
        ({"target"/"buffer"/"comparison": text}) describe the zones in the metadata and the verdict."""
        alpha = check_fraction(alpha, "alpha")
        long = _long_counts(zone_counts, "zone")
        zone = long["zone"].astype(str).str.strip().str.lower().map(_ZONE_NAMES)
        if zone.isna().any():
            bad = long.loc[zone.isna(), "zone"].unique()
            raise ValueError(f"zone must be target, buffer or comparison (or T/B/C), got {first_few(bad)}")
        long = long.assign(zone=zone)
        if has_buffer is None:
            has_buffer = bool((long["zone"] == "buffer").any())
        if not (long["zone"] == "comparison").any():
            raise ValueError("the comparison is empty: there are no comparison rows in the zone counts")
        win = _windows(_covered(long, months), start, end, before, after)
        span = win["before"] + win["after"]
        wide = _matrix(long, "zone", pd.Index(["target", "buffer", "comparison"]), span).T
        wide.index.name = "month"
        if not has_buffer:
            wide["buffer"] = np.nan
        rules = {"target": "the target zone", "buffer": "the buffer zone" if has_buffer else "none",
                 "comparison": "the comparison zone", **(rules or {})}
        zones = Zones(target=[], buffer=[], comparison=[], buffer_kind="zone" if has_buffer else "none",
                      comparison_kind="zone", rules=rules)
        words = {"buffer": "the buffer", "comparison": "the comparison area", **(labels or {})}
        obj = cls.__new__(cls)
        obj._disclosure, obj._public_months = disclosure, public_months
        obj._evaluate(_kind, zones, wide, has_buffer, win, alpha, seasonal, days_offset, words, what)
        return obj

    @classmethod
    def from_points(cls, points: pd.DataFrame, centre, radius_m: float, buffer_m: float, start, end=None,
                    before=None, after=None, alpha: float = 0.05, *, months=None, seasonal="auto",
                    days_offset: bool = True, weight_col: str | None = None, what: str = "Violence",
                    disclosure=None, public_months=None, **columns) -> "ImpactEvaluation":
        """Evaluate around a point: target = incidents within ``radius_m`` of ``centre`` (easting, northing),
        buffer = incidents radius_m..radius_m + buffer_m away (none when buffer_m = 0), comparison = all other
        incidents in ``points`` (the study area).  ``points`` has easting, northing and month columns
        (rename with easting_col=, northing_col=, month_col=)."""
        zc = point_zone_counts(points, centre, radius_m, buffer_m, weight_col=weight_col, **columns)
        r, b = float(radius_m), float(buffer_m)
        cx, cy = (float(v) for v in centre)
        rules = {"target": f"incidents within {r:g} m of ({cx:.0f}, {cy:.0f}) (EPSG:27700)",
                 "buffer": f"incidents more than {r:g} m and at most {r + b:g} m from the centre" if b > 0 else "none",
                 "comparison": "all other incidents of the study area (the points given)"}
        labels = {"buffer": f"the {b:g} m ring around the target", "comparison": "the rest of the study area"}
        if months is None:
            col = columns.get("month_col", "month")
            months = sorted(points[col].astype(str).unique()) if len(points) else None
        return cls.from_zone_counts(zc, start, end, before, after, alpha, has_buffer=b > 0, months=months,
                                    seasonal=seasonal, days_offset=days_offset, rules=rules, labels=labels,
                                    what=what, _kind="points", disclosure=disclosure, public_months=public_months)

    # ------------------------------------------------------------------ the statistics

    def _protect(self, series, has_buffer, win, covers_area: bool):
        """Under a disclosure policy: the zone x month counts as they may be shown, and stand-ins for the
        statistics (every published figure then comes from what is shown); refused when a zone's before or
        after total would be hidden, since every effect is computed from those six totals."""
        from .disclosure import ZoneSeries

        policy = getattr(self, "_disclosure", None)
        self.series_labels = None
        if policy is None or not policy.enabled:
            return series, []
        cols = ["target", "comparison"] + (["buffer"] if has_buffer else [])
        windows = ["before"] * len(win["before"]) + ["after"] * len(win["after"])
        zs = ZoneSeries(series[cols], windows, policy, getattr(self, "_public_months", None), covers_area)
        small = [f"the {zone} {window}" for zone in cols for window in ("before", "after") if zs.total_hidden(zone, window)]
        if small:
            raise ValueError(f"too few incidents to evaluate under small-number suppression: {', '.join(small)} "
                             f"window holds fewer than {policy.threshold} or would reveal one; widen the target or "
                             "the windows, or use --unsuppressed if you are entitled to the raw data")
        self.series_labels = zs.labels
        out = series.copy()
        out[cols] = zs.stand_in[cols].to_numpy()
        n_hidden = int(zs.labels[cols].isin([policy.label, "*"]).to_numpy().sum())
        note = (f"Small-number suppression ({policy.reason}): {n_hidden} zone-month count(s) are hidden; the "
                "monthly model is fitted on the counts as shown, hidden months estimated from what is shown.")
        return out, [note] if n_hidden else []

    def _evaluate(self, kind, zones, series, has_buffer, win, alpha, seasonal, days_offset, words, what):
        if seasonal not in ("auto", True, False):
            raise ValueError(f"seasonal must be 'auto', True or False, got {seasonal!r}")
        if not isinstance(days_offset, (bool, np.bool_)):
            raise ValueError(f"days_offset must be True or False, got {days_offset!r}")
        self.zones_from = kind
        self.zones = zones
        self.target_areas, self.buffer_areas, self.comparison_areas = zones.target, zones.buffer, zones.comparison
        self.alpha = alpha
        self.start, self.end = win["start"], win["end"]
        self.before_months, self.after_months = win["before"], win["after"]
        self.months = self.before_months + self.after_months
        covers_area = kind == "points" or getattr(zones, "comparison_kind", "") == "rest"
        series, protect_notes = self._protect(series, has_buffer, win, covers_area)
        self.series = series
        self.has_buffer = has_buffer
        notes = list(win["notes"]) + list(zones.notes) + protect_notes
        b, a = self.before_months, self.after_months
        Tb, Ta = float(series.loc[b, "target"].sum()), float(series.loc[a, "target"].sum())
        Cb, Ca = float(series.loc[b, "comparison"].sum()), float(series.loc[a, "comparison"].sum())
        if has_buffer:
            Bb, Ba = float(series.loc[b, "buffer"].sum()), float(series.loc[a, "buffer"].sum())
        else:
            Bb = Ba = None
        bw = f"the before window ({b[0]} to {b[-1]})"
        if Tb == 0:
            raise ValueError(f"the target had no incidents in {bw}, so the relative effect is undefined; "
                             "use a longer before window or a larger target")
        if Cb == 0:
            raise ValueError(f"the comparison had no incidents in {bw}, so the relative effect is undefined; "
                             "choose a larger comparison")
        if Ca == 0:
            raise ValueError(f"the comparison had no incidents in the after window ({a[0]} to {a[-1]}); "
                             "check the data cover those months or choose a larger comparison")
        self.target_before, self.target_after = Tb, Ta
        self.buffer_before, self.buffer_after = Bb, Ba
        self.comparison_before, self.comparison_after = Cb, Ca

        self.relative_effect = RelativeEffect(Tb, Ta, Cb, Ca, alpha=alpha)
        if self.relative_effect.note:
            notes.append(f"relative effect: {self.relative_effect.note}")
        self.buffer_effect = RelativeEffect(Bb, Ba, Cb, Ca, alpha=alpha) if has_buffer and Bb > 0 else None
        self.displacement = WeightedDisplacementQuotient(Tb, Ta, Bb, Ba, Cb, Ca)

        self.its, self.its_skipped_reason = None, ""
        try:
            self.its = InterruptedTimeSeries(series["target"].to_numpy(), self.months, self.start,
                                             seasonal=seasonal, days_offset=days_offset, alpha=alpha)
        except ValueError as exc:
            self.its_skipped_reason = str(exc)
            notes.append(f"interrupted time series not fitted: {exc}")
        if self.its is not None and self.its.dispersion < 1:
            notes.append(f"the target's monthly counts vary less than Poisson (dispersion {self.its.dispersion:.2f}); "
                         "the ITS intervals use it as estimated and may be narrow")

        self.power = minimum_detectable_reduction(Tb, Cb, len(b), len(a), alpha=alpha)
        self.words = words
        self.verdict = self._verdict(words, what)
        self.method = self._method()
        self.notes = notes

    def _verdict(self, words, what) -> str:
        re_ = self.relative_effect
        first = re_.sentence(what, "the target", words["comparison"])
        if re_.reported_method is not None and not re_.significant:
            if self.power.detectable:
                piece = f"with these numbers only a fall of about {pct(100 * self.power.reduction)} % or more would reliably show"
            else:
                piece = "there were too few incidents to tell a change from chance"
            first = f"{first[:-1]}; {piece}."
        d = self.displacement
        if not self.has_buffer:
            second = NO_BUFFER
        elif not d.reported:
            second = "There was no relative fall in the target to displace, so displacement was not assessed."
        else:
            be = self.buffer_effect
            chance = be is not None and be.reported_method is not None and not be.significant
            bw, q = words["buffer"], f"WDQ {fmt_wdq(d.wdq)}"
            if d.band == "none":
                second = f"No sign of displacement to, or diffusion of benefit into, {bw} ({q})."
            elif d.band in ("diffusion", "diffusion_greater"):
                caveat = ", though the buffer's own fall against the comparison is within chance" if chance else ""
                second = f"No sign of displacement to {bw} ({q}: {d.band_words}{caveat})."
            else:
                size = ("smaller than the direct effect" if d.band == "displacement_smaller"
                        else "greater than the direct effect: the scheme did more harm than good")
                if chance:  # no verdict on a harm nobody can tell from chance: the reading only "on its face"
                    face = ("on its face, displacement smaller than the direct effect" if d.band == "displacement_smaller"
                            else "on its face, displacement greater than the direct effect")
                    also = "" if re_.significant else ", and so is the target's own fall"
                    second = (f"Possible displacement to {bw} ({q}: {face}), though the buffer's own rise against "
                              f"the comparison is within chance{also}.")
                elif be is None or be.reported_method is None:
                    second = (f"Possible displacement to {bw} ({q}: {size}); the buffer had no incidents before "
                              "the start, so its rise cannot be tested.")
                else:
                    second = f"Displacement to {bw} ({q}: {size})."
        return f"{first} {second}"

    def _method(self) -> dict:
        re_ = self.relative_effect
        conf = f"{100 * (1 - self.alpha):g} %"
        b, a = self.before_months, self.after_months
        if re_.exact_computed:
            exact = (f"computed because a count is under {EXACT_BELOW}: Fisher's exact test on the 2 x 2 table "
                     "[[Ta, Tb], [Ca, Cb]] (its odds ratio is the relative effect; conditional on the margins) and the "
                     f"conditional-MLE exact {conf} CI (scipy.stats.contingency.odds_ratio, kind='conditional'); "
                     "the verdict quotes that CI with the central exact p, min(1, 2 x the smaller one-sided p), "
                     "which agrees with it (Fisher's own two-sided p is exact_p)")
        elif re_.note and "exact" in re_.note:
            exact = f"not computed: {re_.note}"
        else:
            exact = f"not computed: every count is {EXACT_BELOW} or more, so the Wald interval is used"
        if self.its is not None:
            its = self.its.model_description
        else:
            its = f"not fitted: {self.its_skipped_reason}"
        p = self.power
        m = {
            "relative_effect": (f"RE = (Ta/Tb) / (Ca/Cb); Wald {conf} CI and two-sided p on log RE with "
                                "se = sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb)"),
            "exact_test": exact,
            "verdict_basis": "exact conditional test" if re_.reported_method == "exact" else "Wald test on log RE",
            "buffer_effect": "(Ba/Bb) / (Ca/Cb), same inference as the relative effect",
            "wdq": ("WDQ = (Ba/Ca - Bb/Cb) / (Ta/Ca - Tb/Cb) (Bowers & Johnson 2003), reported only when the "
                    "success measure Ta/Ca - Tb/Cb is negative; > 1 diffusion of benefit greater than the direct "
                    "effect, 0 to 1 diffusion of benefit, 0 none, -1 to 0 displacement smaller than the effect, "
                    "< -1 displacement greater than the effect; no standard error"),
            "total_net_effect": "(Tb*Ca/Cb - Ta) + (Bb*Ca/Cb - Ba) incidents; positive = incidents prevented",
            "its": its,
            "power": (f"smallest reduction r with {pct(100 * p.power)} % power at two-sided alpha {p.alpha:g} for the Wald "
                      "test of log RE, with after counts under the alternative Ta = Tb (1 - r) k and Ca = Cb k, "
                      f"k = after/before months = {len(a)}/{len(b)}"),
            "windows": (f"before: {b[0]} to {b[-1]} ({len(b)} months); after: {a[0]} to {a[-1]} ({len(a)} months); "
                        f"start {self.start}"),
            "counts": ("incidents summed over each zone's areas per month; areas without a row count 0; "
                       "repeated (area, month) rows are added"),
            "target": self.zones.rules.get("target", ""),
            "buffer": self.zones.rules.get("buffer", ""),
            "comparison": self.zones.rules.get("comparison", ""),
            "references": REFERENCES,
        }
        if self.zones.matching is not None:
            mt = self.zones.matching
            prof = ", ".join(f"{k} target {mt['target_profile'][k]:.2f} vs matched {mt['matched_profile'][k]:.2f}"
                             for k in mt["features"])
            sds = ", ".join(f"{k} {mt['sd'][k]:.3g}" for k in mt["features"])
            m["matching"] = f"{mt['rule']}; means: {prof}; standard deviations: {sds}"
        else:
            m["matching"] = "not used"
        return m

    # ------------------------------------------------------------------ output

    @property
    def exact_computed(self) -> bool:
        return bool(self.relative_effect.exact_computed)

    def _shown_series(self, zone: str) -> list:
        """A zone's monthly counts as they may leave: numbers, or their labels where hidden."""
        labels = getattr(self, "series_labels", None)
        if labels is None:
            return [as_count(v) for v in self.series[zone]]
        return [lab if lab in (self._disclosure.label, "*") else as_count(v)
                for lab, v in zip(labels[zone], self.series[zone])]

    def to_dict(self) -> dict:
        """Flat, JSON-serialisable results (NaN and infinite values become None; ``series``, ``method``
        and ``matching`` are the only nested values)."""
        re_, d, p = self.relative_effect, self.displacement, self.power
        be, its = self.buffer_effect, self.its
        out = {
            "zones_from": self.zones_from,
            "target_areas": [as_code(c) for c in self.target_areas],
            "buffer_areas": [as_code(c) for c in self.buffer_areas],
            "comparison_areas": [as_code(c) for c in self.comparison_areas],
            "start": self.start, "end": self.end,
            "before_first": self.before_months[0], "before_last": self.before_months[-1],
            "after_first": self.after_months[0], "after_last": self.after_months[-1],
            "before_months": len(self.before_months), "after_months": len(self.after_months),
            "alpha": self.alpha,
        }
        for k in ("target_before", "target_after", "buffer_before", "buffer_after", "comparison_before",
                  "comparison_after"):
            out[k] = as_count(getattr(self, k))
        out.update({
            "relative_effect": as_number(re_.ratio),
            "relative_effect_ci_low": as_number(re_.ci_low),
            "relative_effect_ci_high": as_number(re_.ci_high),
            "relative_effect_p": as_number(re_.p),
            "relative_effect_percent_change": as_number(re_.percent_change),
            "exact_computed": bool(re_.exact_computed),
            "exact_p": as_number(re_.exact_p),
            "exact_p_central": as_number(re_.exact_p_central),
            "exact_ci_low": as_number(re_.exact_ci_low),
            "exact_ci_high": as_number(re_.exact_ci_high),
            "exact_estimate": as_number(re_.exact_estimate),
            "verdict_basis": re_.reported_method,
            "verdict_p": as_number(re_.reported_p),
            "verdict_ci_low": as_number(re_.reported_ci_low),
            "verdict_ci_high": as_number(re_.reported_ci_high),
            "buffer_relative_effect": as_number(be.ratio) if be else None,
            "buffer_relative_effect_ci_low": as_number(be.reported_ci_low) if be else None,
            "buffer_relative_effect_ci_high": as_number(be.reported_ci_high) if be else None,
            "buffer_relative_effect_p": as_number(be.reported_p) if be else None,
            "wdq": as_number(d.wdq),
            "wdq_reading": d.reading,
            "wdq_band": d.band,
            "success_measure": as_number(d.success_measure),
            "buffer_measure": as_number(d.buffer_measure),
            "total_net_effect": as_number(d.total_net_effect),
            "target_net_effect": as_number(d.target_net_effect),
            "buffer_net_effect": as_number(d.buffer_net_effect),
        })
        for k in ("level_ratio", "level_ci_low", "level_ci_high", "level_p", "slope_ratio", "slope_ci_low",
                  "slope_ci_high", "slope_p", "dispersion"):
            out[f"its_{k}"] = as_number(getattr(its, k)) if its is not None else None
        out.update({
            "its_seasonal": its.seasonal if its is not None else None,
            "its_days_offset": its.days_offset if its is not None else None,
            "its_skipped_reason": self.its_skipped_reason or None,
            "minimum_detectable_reduction": as_number(p.reduction),
            "detectable": bool(p.detectable),
            "power_verdict": p.verdict,
            "series": {
                "month": list(self.months),
                "window": ["before"] * len(self.before_months) + ["after"] * len(self.after_months),
                "target": self._shown_series("target"),
                "buffer": self._shown_series("buffer") if self.has_buffer else None,
                "comparison": self._shown_series("comparison"),
                "target_fitted": [float(v) for v in its.fitted] if its is not None else None,
                "target_counterfactual": [float(v) for v in its.counterfactual] if its is not None else None,
            },
            "verdict": self.verdict,
            "method": dict(self.method),
            "matching": _json_ready(self.zones.matching),
            "notes": list(self.notes),
        })
        return out

    def __repr__(self) -> str:
        re_ = self.relative_effect
        w = "None" if self.displacement.wdq is None else f"{self.displacement.wdq:.2f}"
        return (f"ImpactEvaluation(start={self.start}, T {self.target_before:g}->{self.target_after:g}, "
                f"C {self.comparison_before:g}->{self.comparison_after:g}, RE={re_.ratio:.3f}, WDQ={w})")


# --------------------------------------------------------------------------- helpers


def _json_ready(obj):
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    return as_number(as_code(obj))


def _long_counts(counts, key: str) -> pd.DataFrame:
    """Validated long table with columns key, month ('YYYY-MM'), count (float >= 0)."""
    if isinstance(counts, pd.DataFrame):
        need = [key, "month", "count"]
        missing = [c for c in need if c not in counts.columns]
        if missing:
            raise ValueError(f"counts need columns {', '.join(need)}; missing {', '.join(missing)} "
                             f"(found {first_few(list(counts.columns), 6)})")
        df = counts[need].copy()
    elif isinstance(counts, np.ndarray) and counts.dtype.names:
        df = pd.DataFrame(counts)
        return _long_counts(df, key)
    elif _is_columns(counts):
        cols = [np.asarray(c, dtype=object).ravel() for c in counts]
        if len({len(c) for c in cols}) != 1:
            raise ValueError(f"the three arrays ({key}s, months, counts) have different lengths "
                             f"({', '.join(str(len(c)) for c in cols)}); pass one entry per row in each")
        df = pd.DataFrame({key: cols[0], "month": cols[1], "count": cols[2]})
    elif _is_rows(counts):
        df = pd.DataFrame([tuple(r) for r in counts], columns=[key, "month", "count"])
    else:
        raise ValueError(f"counts must be a DataFrame with {key}, month and count columns, three arrays "
                         f"({key}s, months, counts) or rows of ({key}, month, count); got {type(counts).__name__}")
    if len(df) == 0:
        raise ValueError("counts are empty: no incidents to evaluate")
    if df[key].isna().any():
        raise ValueError(f"{int(df[key].isna().sum())} rows have no {key}; drop them or fill the codes")
    # months are validated once per distinct value (a force's counts hold ~1M rows but ~60 months)
    pos, uniq = pd.factorize(df["month"])
    if (pos < 0).any():
        raise ValueError(f"{int((pos < 0).sum())} rows have no month; drop them or fill the months ('YYYY-MM')")
    uniq = pd.Series(uniq)
    if isinstance(uniq.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(uniq):
        uniq = uniq.dt.strftime("%Y-%m")
    uniq = uniq.astype(str).str.strip()
    bad = ~uniq.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad.any():
        n_bad = int(np.isin(pos, np.flatnonzero(bad.to_numpy())).sum())
        raise ValueError(f"months must be 'YYYY-MM' text (e.g. '2024-04'); {n_bad} rows are not "
                         f"(e.g. {first_few(uniq[bad])})")
    try:
        count = pd.to_numeric(df["count"], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("count must be numbers of incidents") from None
    if not np.all(np.isfinite(count)) or (count < 0).any():
        raise ValueError("count must be finite numbers >= 0; fill missing counts with 0")
    return pd.DataFrame({key: df[key].to_numpy(), "month": uniq.to_numpy(dtype=object)[pos], "count": count})


def _matrix(long: pd.DataFrame, key: str, rows: pd.Index, months: list[str]) -> pd.DataFrame:
    """rows x months table of summed counts (rows without data are 0, repeated rows are added)."""
    r = rows.get_indexer(long[key])
    c = pd.Index(months).get_indexer(long["month"])
    keep = (r >= 0) & (c >= 0)
    nm = len(months)
    flat = np.bincount(r[keep] * nm + c[keep], weights=long["count"].to_numpy()[keep], minlength=len(rows) * nm)
    return pd.DataFrame(flat.reshape(len(rows), nm), index=rows, columns=months)


def _looks_like_month(v) -> bool:
    if isinstance(v, (pd.Period, pd.Timestamp, np.datetime64)):
        return True
    return isinstance(v, str) and re.fullmatch(r"\s*\d{4}-\d{2}\s*", v) is not None


def _is_columns(counts) -> bool:
    """(codes, months, counts) as three equally long array-likes (the middle one holding months)."""
    if not isinstance(counts, (tuple, list)) or len(counts) != 3:
        return False
    parts = list(counts)
    if any(isinstance(p, (str, bytes)) or np.ndim(p) != 1 for p in parts):
        return False
    months = np.asarray(parts[1], dtype=object).ravel()
    return len(months) > 0 and _looks_like_month(months[0])


def _is_rows(counts) -> bool:
    """Rows of (code, month, count)."""
    if isinstance(counts, np.ndarray):
        return counts.ndim == 2 and counts.shape[1] == 3
    if not isinstance(counts, (tuple, list)) or len(counts) == 0:
        return False
    return all(not isinstance(r, (str, bytes)) and np.ndim(r) == 1 and len(r) == 3 for r in counts)


def _covered(long: pd.DataFrame, months) -> list[str]:
    have = sorted(long["month"].unique())
    if months is None:
        return have
    if isinstance(months, str):
        months = [months]
    cov = sorted({check_month(m, "each of months") for m in months})
    outside = sorted(set(have) - set(cov))
    if outside:
        raise ValueError(f"the counts include {len(outside)} month(s) not in months= (e.g. {first_few(outside)}); "
                         "list every month the data cover")
    return cov


def _n_months(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of months >= 1, got {value!r}")
    return int(value)


def _windows(covered: list[str], start, end, before, after) -> dict:
    start = check_month(start, "start")
    first, last = covered[0], covered[-1]
    cov = set(covered)
    if start > last:
        raise ValueError(f"start {start} has no months after it in the data (they run {first} to {last}); "
                         f"pick a start on or before {last}")
    if start <= first:
        raise ValueError(f"start {start} has no months before it in the data (they begin {first}); "
                         f"pick a later start to leave a before window")
    notes = []
    if start not in cov:
        raise ValueError(f"the data have no incidents at all in the start month {start}; if that is right, "
                         "pass months=[...] listing the months covered")
    if end is not None:
        end = check_month(end, "end")
        if end < start:
            raise ValueError(f"end {end} is before start {start}; the after window runs from the start to the end")
        if end > last:
            raise ValueError(f"end {end} is after the last month in the data ({last}); use end <= {last}")
        gap = [m for m in month_span(start, end) if m not in cov]
        if gap:
            raise ValueError(f"the after window {start} to {end} includes month(s) with no data ({first_few(gap)}); "
                             "pass months=[...] if they really had no incidents, or choose another end")
    avail_b = 0
    m = shift_month(start, -1)
    while m in cov:
        avail_b += 1
        m = shift_month(m, -1)
    stop_b = m if m > first else None  # a gap (not the start of the data) ended the run
    avail_a = 0
    m = start
    while m in cov and (end is None or m <= end):
        avail_a += 1
        m = shift_month(m, 1)
    stop_a = m if (end is None and m < last) else None
    if avail_b == 0:
        raise ValueError(f"the data have no incidents at all in {shift_month(start, -1)}, the month before the start; "
                         "if that is right, pass months=[...] listing the months covered")

    nb = None if before is None else _n_months(before, "before")
    if end is not None:
        na_end = len(month_span(start, end))
        if after is not None and _n_months(after, "after") != na_end:
            raise ValueError(f"after={after} conflicts with end={end} ({na_end} months from the start); pass one of them")
        na = na_end
    else:
        na = None if after is None else _n_months(after, "after")
    gap_b = f" (no data in {stop_b})" if stop_b else ""
    gap_a = f" (no data in {stop_a})" if stop_a else ""
    if nb is not None and nb > avail_b:
        raise ValueError(f"before={nb} months, but the data have only {avail_b} consecutive months before {start}"
                         f"{gap_b}; use before <= {avail_b}")
    if na is not None and na > avail_a:
        raise ValueError(f"after={na} months, but the data have only {avail_a} consecutive months from {start}"
                         f"{gap_a}; use after <= {avail_a}")
    if nb is None and na is None:
        n = min(DEFAULT_WINDOW, avail_b, avail_a)
        nb = na = n
        if n < DEFAULT_WINDOW:
            notes.append(f"the data allow only {n} months on one side of the start (before {avail_b}{gap_b}, "
                         f"after {avail_a}{gap_a}), so both windows are {n} months instead of {DEFAULT_WINDOW}")
    elif nb is None:
        nb = min(na, avail_b)
        if nb < na:
            notes.append(f"the data allow only {nb} months before the start{gap_b}, so the before window is "
                         f"{nb} months against {na} after")
    elif na is None:
        na = min(nb, avail_a)
        if na < nb:
            notes.append(f"the data allow only {na} months from the start{gap_a}, so the after window is "
                         f"{na} months against {nb} before")
    if nb != na:
        notes.append(f"the windows differ in length ({nb} months before, {na} after): the ratios compare like with "
                     "like because target and comparison share the windows, but the seasons covered differ")
    before_m = [shift_month(start, -k) for k in range(nb, 0, -1)]
    after_m = [shift_month(start, k) for k in range(na)]
    return {"start": start, "end": end, "before": before_m, "after": after_m, "notes": notes}


def _zone_words(zones: Zones, area_label: str) -> dict:
    if zones.buffer_kind == "adjacent":
        buf = f"the adjacent {area_label}"
    elif zones.buffer_kind == "ring":
        buf = f"the {area_label} within the {zones.buffer_metres:g} m ring"
    else:
        buf = "the buffer areas"
    if zones.comparison_kind == "rest":
        comp = "the rest of the study area"
    elif zones.comparison_kind == "matched":
        comp = f"the {len(zones.comparison)} matched {area_label}"
    else:
        comp = "the comparison areas"
    return {"buffer": buf, "comparison": comp}


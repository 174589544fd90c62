"""Space-time cube: incident counts per location and time step, zeros included.

:func:`build_cube` turns incident records (a location code and a month 'YYYY-MM' each, optionally
a weight) into a :class:`SpaceTimeCube`: every location of the given list x every time step from
the first to the last step of the selection.

Steps
-----
* ``"month"`` (default): one step per calendar month, labelled '2024-01'.
* ``"quarter"``: calendar quarters (Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec), labelled '2024-Q1'.
* ``"Nmonths"`` (e.g. ``"3months"``, ``"6months"``): consecutive blocks of N months starting at the
  first month of the selection, labelled '2024-01 to 2024-03'.  ``"1months"`` is ``"month"``.

A step is kept only if all its months lie inside the selection: an incomplete block at the end
(and, for calendar quarters, an incomplete quarter at the start) is dropped, with a note giving
its months and the incidents left out.  Comparing a two-month "quarter" with full ones would
read as a fall in violence.

Exposure: each step's length in real calendar days (``days``; February 28 or 29), so rates per
day can be compared between unequal steps.

Rules (one-line ValueErrors)
----------------------------
* no incidents in the selection; only one month; a step longer than the selection;
* fewer than 4 complete steps: refused (a trend needs at least 4; with 4 the Mann-Kendall test
  cannot reach p < 0.05, see analytics.mann_kendall.min_p_value);  fewer than 10: kept, with a note
  that the trend test has little power;
* gaps: with ``months_covered`` (the months the data is known to cover, e.g. the store's loaded
  files), any month of the selection not covered is refused.  Without it, a month with no incident
  at all in the whole area is refused when the mean monthly number of incidents m makes that
  implausible, Poisson P(0) = exp(-m) < 0.001 (m > 6.9); otherwise the zero is taken as genuine
  and noted.  The error names the months and says how to fix it (load the month, or choose
  --from/--to to avoid it).  The check uses numbers of records, not weights.

Incidents whose location is not in the list (or is missing) are counted and reported in
``notes`` / ``n_unmatched``, never silently dropped; incidents without a month likewise
(``n_no_month``).  The default selection runs from the earliest to the latest month in the data;
``months_covered`` is used only to check gaps, never to widen the selection.
"""

from __future__ import annotations

import calendar
import re

import numpy as np
import pandas as pd

__all__ = ["SpaceTimeCube", "build_cube", "parse_step", "month_days", "MIN_STEPS", "LOW_POWER_STEPS"]

MIN_STEPS = 4
LOW_POWER_STEPS = 10
_GAP_P0 = 1e-3  # a month with no incidents is a gap when exp(-mean) is below this

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_STEP_RE = re.compile(r"^\s*(\d+)\s*-?\s*months?\s*$", re.IGNORECASE)
_STEP_HELP = 'use "month", "quarter" or "<N>months" (e.g. "3months")'


def parse_step(step) -> tuple[str, int]:
    """("month", 1) | ("quarter", 3) | ("months", N) from "month", "quarter", "3months", ..."""
    if not isinstance(step, str):
        raise ValueError(f"step must be text, got {type(step).__name__}; {_STEP_HELP}")
    text = step.strip().lower()
    if text in ("month", "monthly", "months"):
        return "month", 1
    if text in ("quarter", "quarterly"):
        return "quarter", 3
    m = _STEP_RE.match(text)
    if not m:
        raise ValueError(f"step {step!r} not understood; {_STEP_HELP}")
    n = int(m.group(1))
    if n < 1:
        raise ValueError(f"step must be at least 1 month, got {step!r}; {_STEP_HELP}")
    return ("month", 1) if n == 1 else ("months", n)


def _month_int(text: str) -> int:
    m = _MONTH_RE.match(text)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _month_str(k: int) -> str:
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def month_days(month) -> int:
    """Calendar days of a month given as 'YYYY-MM' or as year * 12 + month - 1."""
    k = _month_int(month) if isinstance(month, str) else int(month)
    return calendar.monthrange(k // 12, k % 12 + 1)[1]


def _parse_one_month(value, name: str) -> int:
    text = str(value).strip() if value is not None else ""
    if not _MONTH_RE.match(text):
        raise ValueError(f"{name} must be a month written YYYY-MM (e.g. 2024-06), got {value!r}")
    return _month_int(text)


def _parse_months(months) -> np.ndarray:
    """int month codes (year * 12 + month - 1) per record, -1 where the month is missing."""
    arr = months
    if isinstance(arr, pd.Series):
        arr = arr.to_numpy()
    arr = np.asarray(arr)
    if np.issubdtype(arr.dtype, np.datetime64):
        arr = pd.PeriodIndex(pd.DatetimeIndex(arr), freq="M").astype(str).to_numpy()
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    values = np.empty(len(uniques), dtype=np.int64)
    bad = []
    for u, v in enumerate(uniques):
        text = str(v).strip()
        if text in ("", "NaT", "nan", "None"):
            values[u] = -1
        elif _MONTH_RE.match(text):
            values[u] = _month_int(text)
        else:
            values[u] = -1
            bad.append(v)
    if bad:
        raise ValueError(f"months must be written YYYY-MM (e.g. 2024-06); found {len(bad)} other values, e.g. {bad[:3]!r}")
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    out[ok] = values[codes[ok]]
    return out


def _plural(n, word, plural=None) -> str:
    n_txt = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{n_txt} {word if n == 1 else (plural or word + 's')}"


class SpaceTimeCube:
    """Counts per location (rows) and time step (columns).

    Build it from incidents with :func:`build_cube`, or wrap a ready matrix directly
    (``SpaceTimeCube(counts, ids, steps)``).

    Attributes
    ----------
    counts : float array, n_locations x n_steps (zeros included)
    ids : pandas.Index of locations (row order)
    steps : list of step labels ('2024-01', '2024-Q1' or '2024-01 to 2024-03')
    step_first_month, step_last_month : lists of 'YYYY-MM' per step (None when unknown)
    days : int array of calendar days per step (exposure; None when unknown)
    step : the step spec ("month", "quarter", "3months", or "custom")
    months : list of the months the steps cover, in order (builder only)
    monthly : float array n_locations x len(months), the counts per month (builder only)
    month_days : int array, calendar days of each month in ``months`` (builder only)
    notes : list of plain sentences (dropped partial steps, unmatched incidents, low power, ...)
    n_incidents : records counted in the cube;  weight_total : sum of their weights
    n_unmatched : records in the selected months whose location is not in the list (or missing)
    unmatched_examples : up to 5 such location codes
    n_no_month : records without a month;  n_outside : records outside the selected months
    n_partial_dropped : records in months of dropped incomplete steps
    """

    def __init__(self, counts, ids, steps, *, days=None, step_first_month=None, step_last_month=None,
                 step: str = "custom", notes=None):
        c = np.asarray(counts, dtype=float)
        if c.ndim != 2:
            raise ValueError(f"counts must be a 2-D matrix (locations x time steps), got shape {c.shape}")
        self.ids = pd.Index(ids)
        if len(self.ids) != c.shape[0]:
            raise ValueError(f"ids has {len(self.ids)} entries but counts has {c.shape[0]} rows; pass one id per location")
        if not self.ids.is_unique:
            dup = self.ids[self.ids.duplicated()][:3].tolist()
            raise ValueError(f"location ids must be unique (duplicates: {dup}); aggregate the rows first")
        self.steps = [str(s) for s in steps]
        if len(self.steps) != c.shape[1]:
            raise ValueError(f"{len(self.steps)} step labels for {c.shape[1]} columns of counts; pass one label per step")
        if len(set(self.steps)) != len(self.steps):
            raise ValueError("step labels must be unique; label each step by its month(s), e.g. '2024-01'")
        if not np.all(np.isfinite(c)):
            raise ValueError("counts has missing or infinite values; fill them (0 for no incidents) first")
        if (c < 0).any():
            raise ValueError("counts must be non-negative (numbers of incidents or non-negative weights)")
        self.counts = c
        self.days = None if days is None else np.asarray(days, dtype=np.int64)
        if self.days is not None and (self.days.shape != (c.shape[1],) or (self.days <= 0).any()):
            raise ValueError(f"days must give a positive number of days for each of the {c.shape[1]} steps")
        self.step_first_month = list(step_first_month) if step_first_month is not None else [None] * c.shape[1]
        self.step_last_month = list(step_last_month) if step_last_month is not None else [None] * c.shape[1]
        self.step = step
        self.notes = list(notes or [])
        self.months: list[str] | None = None
        self.monthly: np.ndarray | None = None
        self.month_days: np.ndarray | None = None
        self.n_incidents = int(round(c.sum())) if np.allclose(c, np.round(c)) else None
        self.weight_total = float(c.sum())
        self.n_unmatched = 0
        self.unmatched_examples: list = []
        self.n_no_month = 0
        self.n_outside = 0
        self.n_partial_dropped = 0

    @property
    def n_locations(self) -> int:
        return self.counts.shape[0]

    @property
    def n_steps(self) -> int:
        return self.counts.shape[1]

    @property
    def first_month(self) -> str | None:
        return self.step_first_month[0] if self.n_steps else None

    @property
    def last_month(self) -> str | None:
        return self.step_last_month[-1] if self.n_steps else None

    def totals(self) -> pd.Series:
        """Whole-area count per step, indexed by the step labels."""
        return pd.Series(self.counts.sum(axis=0), index=pd.Index(self.steps, name="step"), name="count")

    def to_frame(self) -> pd.DataFrame:
        """Long table, one row per location and step: area_code, step, first_month, last_month, days, count."""
        n, T = self.counts.shape
        return pd.DataFrame({
            "area_code": np.repeat(self.ids.to_numpy(), T),
            "step": pd.Categorical(np.tile(self.steps, n), categories=self.steps, ordered=True),
            "first_month": np.tile(np.asarray(self.step_first_month, dtype=object), n),
            "last_month": np.tile(np.asarray(self.step_last_month, dtype=object), n),
            "days": np.tile(self.days, n) if self.days is not None else np.nan,
            "count": self.counts.ravel(),
        })

    def describe(self) -> str:
        """One line for a caption, e.g. '1,700 areas x 24 months (2023-01 to 2024-12), 51,234 incidents'."""
        unit = {"month": "months", "quarter": "quarters"}.get(self.step, f"steps of {self.step}")
        span = f" ({self.first_month} to {self.last_month})" if self.first_month else ""
        total = f"{self.n_incidents:,} incidents" if self.n_incidents is not None else f"total {self.weight_total:,.1f}"
        return f"{self.n_locations:,} locations x {self.n_steps} {unit}{span}, {total}"

    def __repr__(self) -> str:
        return f"SpaceTimeCube({self.describe()})"


def build_cube(locations, months, all_locations, *, weights=None, step: str = "month", first_month=None,
               last_month=None, months_covered=None) -> SpaceTimeCube:
    """Count incidents per location and time step (see the module docstring for the rules).

    Parameters
    ----------
    locations : area code (or grid cell id) of each incident
    months : month of each incident as 'YYYY-MM' (datetime64 values are converted; missing allowed, reported)
    all_locations : every location of the study area; locations without incidents become zero rows
    weights : optional non-negative weight per incident (default 1); counts are sums of weights
    step : "month" | "quarter" | "<N>months"
    first_month, last_month : 'YYYY-MM' bounds of the selection (default: first / last month in the data)
    months_covered : months the data is known to cover (e.g. from the store's loaded files), for the gap check
    """
    kind, size = parse_step(step)
    loc = locations.to_numpy() if isinstance(locations, (pd.Series, pd.Index)) else np.asarray(locations, dtype=object)
    if loc.ndim != 1:
        raise ValueError(f"locations must be one code per incident (1-D), got shape {loc.shape}")
    mon = _parse_months(months)
    if len(mon) != len(loc):
        raise ValueError(f"locations has {len(loc)} entries but months has {len(mon)}; pass one of each per incident")
    if weights is None:
        w = np.ones(len(loc))
    else:
        try:
            w = np.asarray(weights, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ValueError("weights must be numbers (one per incident)") from None
        if len(w) != len(loc):
            raise ValueError(f"weights has {len(w)} values but there are {len(loc)} incidents; pass one per incident")
        if not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValueError("weights must be finite and non-negative; fill missing weights (e.g. with 1) first")
    ids = pd.Index(all_locations)
    if len(ids) == 0:
        raise ValueError("all_locations is empty; pass every area code (or grid cell id) of the study area")
    if not ids.is_unique:
        dup = ids[ids.duplicated()][:3].tolist()
        raise ValueError(f"all_locations must list each location once (duplicates: {dup}); use pd.unique(...) first")

    notes: list[str] = []
    has_month = mon >= 0
    n_no_month = int((~has_month).sum())
    if not has_month.any() and (first_month is None or last_month is None):
        raise ValueError("no incidents with a month to count; load data or relax the filters")
    lo = _parse_one_month(first_month, "first_month") if first_month is not None else int(mon[has_month].min())
    hi = _parse_one_month(last_month, "last_month") if last_month is not None else int(mon[has_month].max())
    if lo > hi:
        raise ValueError(f"the period starts ({_month_str(lo)}) after it ends ({_month_str(hi)}); swap --from and --to")
    in_range = has_month & (mon >= lo) & (mon <= hi)
    n_outside = int((has_month & ~in_range).sum())
    if not in_range.any():
        raise ValueError(
            f"no incidents between {_month_str(lo)} and {_month_str(hi)}; choose another period or relax the filters"
        )
    n_months = hi - lo + 1
    if n_months == 1:
        raise ValueError(
            f"only one month of data ({_month_str(lo)}): change over time needs at least {MIN_STEPS} time steps; "
            "choose a longer period"
        )
    if size > n_months:
        raise ValueError(
            f"the step ({size} months) is longer than the data ({_plural(n_months, 'month')}, {_month_str(lo)} to "
            f"{_month_str(hi)}); choose a shorter step or a longer period"
        )

    # ---- steps: block index of each month of the selection (-1 = in an incomplete, dropped block)
    month_codes = np.arange(lo, hi + 1)
    if kind == "quarter":
        start = lo + (-lo) % 3  # first month of the first complete calendar quarter
    else:
        start = lo
    n_blocks = (hi + 1 - start) // size if hi + 1 >= start else 0
    end = start + n_blocks * size  # exclusive
    kept = (month_codes >= start) & (month_codes < end)
    block_of_month = np.where(kept, (month_codes - start) // size, -1)

    record_month = mon[in_range] - lo
    monthly_records = np.bincount(record_month, minlength=n_months).astype(np.int64)
    dropped_lead = month_codes[month_codes < start]
    dropped_tail = month_codes[month_codes >= end]
    for dropped, where in ((dropped_lead, "first"), (dropped_tail, "last")):
        if len(dropped):
            n_drop = int(monthly_records[dropped - lo].sum())
            span = _month_str(dropped[0]) if len(dropped) == 1 else f"{_month_str(dropped[0])} to {_month_str(dropped[-1])}"
            if kind == "quarter":
                q = int(dropped[0])
                what = f"quarter, {q // 12}-Q{q % 12 // 3 + 1},"
            else:
                what = f"{size}-month block ({_month_str(dropped[0])} to {_month_str(dropped[0] + size - 1)})"
            notes.append(
                f"The {where} {what} is only partly in the period ({span}), so it is left out with its "
                f"{_plural(n_drop, 'incident')}: an incomplete step would look like a fall."
            )
    n_partial = int(monthly_records[~kept].sum())

    if n_blocks < MIN_STEPS:
        unit = {"month": "monthly", "quarter": "quarterly"}.get(kind, f"{size}-month")
        raise ValueError(
            f"needs at least {MIN_STEPS} time steps to judge change ({unit} steps, {_month_str(lo)} to "
            f"{_month_str(hi)}, complete steps only), got {n_blocks}; choose a shorter step or a longer period"
        )

    # ---- gaps, on the months kept
    kept_codes = month_codes[kept]
    if months_covered is not None:
        cov = {_parse_one_month(m, "months_covered") for m in _as_list(months_covered)}
        missing = [int(k) for k in kept_codes if int(k) not in cov]
        if missing:
            raise ValueError(
                f"the data does not cover {_month_list(missing)}, inside the period {_month_str(kept_codes[0])} to "
                f"{_month_str(kept_codes[-1])}; load {'that month' if len(missing) == 1 else 'those months'} or choose "
                f"--from/--to to avoid {'it' if len(missing) == 1 else 'them'}"
            )
    kept_records = monthly_records[kept]
    mean_monthly = kept_records.sum() / len(kept_records)
    zero = kept_codes[kept_records == 0]
    if len(zero):
        if months_covered is None and np.exp(-mean_monthly) < _GAP_P0:
            raise ValueError(
                f"no incidents at all in {_month_list(zero)} although the area averages {mean_monthly:,.1f} a month "
                f"(a month with none has Poisson chance below {_GAP_P0:g}): "
                + ("the month looks missing from the data; load it" if len(zero) == 1 else
                   "the months look missing from the data; load them")
                + " or choose --from/--to to avoid " + ("it" if len(zero) == 1 else "them")
            )
        notes.append(
            f"{_month_list(zero)} {'has' if len(zero) == 1 else 'have'} no incidents at all; "
            + ("the data is known to cover " + ("it" if len(zero) == 1 else "them")
               if months_covered is not None else
               f"with {mean_monthly:,.1f} a month on average this can happen by chance")
            + ", so the zero is counted as a genuine zero."
        )

    # ---- counts
    loc_codes, loc_uniques = pd.factorize(loc, use_na_sentinel=True)
    lookup = ids.get_indexer(loc_uniques)
    row = np.full(len(loc), -1, dtype=np.int64)
    has_loc = loc_codes >= 0
    row[has_loc] = lookup[loc_codes[has_loc]]
    month_block = np.full(len(loc), -1, dtype=np.int64)
    month_block[in_range] = block_of_month[mon[in_range] - lo]
    counted_month = in_range & (month_block >= 0)
    unmatched = counted_month & (row < 0)
    n_unmatched = int(unmatched.sum())
    use = counted_month & (row >= 0)
    if not use.any():
        raise ValueError(
            f"none of the {_plural(int(counted_month.sum()), 'incident')} in the period has a location in all_locations "
            "(e.g. " + ", ".join(repr(v) for v in pd.unique(loc[unmatched])[:3]) + "); check that the codes match "
            "(same boundary year, same code column)"
        )
    n_kept_months = len(kept_codes)
    col = mon[use] - kept_codes[0]
    monthly = np.bincount(row[use] * n_kept_months + col, weights=w[use],
                          minlength=len(ids) * n_kept_months).reshape(len(ids), n_kept_months)
    counts = monthly.reshape(len(ids), n_blocks, size).sum(axis=2)

    examples: list = []
    if n_unmatched:
        vals = pd.Series(loc[unmatched], dtype=object)
        examples = ["(missing)" if pd.isna(v) else v for v in pd.unique(vals)[:5]]
        share = n_unmatched / counted_month.sum()
        notes.append(
            f"{_plural(n_unmatched, 'incident')} ({share:.1%}) in the period {_verb(n_unmatched, 'has', 'have')} a "
            "location that is not in the list "
            f"of areas (e.g. {', '.join(map(str, examples[:3]))}) and {_verb(n_unmatched, 'is', 'are')} not counted."
        )
    if n_no_month:
        notes.append(f"{_plural(n_no_month, 'incident')} {_verb(n_no_month, 'has', 'have')} no month and "
                     f"{_verb(n_no_month, 'is', 'are')} not counted.")
    if n_outside:
        notes.append(
            f"{_plural(n_outside, 'incident')} {_verb(n_outside, 'falls', 'fall')} before {_month_str(lo)} or after "
            f"{_month_str(hi)}, outside the selected period, and {_verb(n_outside, 'is', 'are')} not counted."
        )
    if n_blocks < LOW_POWER_STEPS:
        notes.append(
            f"Only {n_blocks} time steps: the trend test has little power (at least {LOW_POWER_STEPS} are advised), "
            "so a real trend may go undetected."
        )

    firsts = [_month_str(start + b * size) for b in range(n_blocks)]
    lasts = [_month_str(start + b * size + size - 1) for b in range(n_blocks)]
    if kind == "month":
        labels = firsts
    elif kind == "quarter":
        labels = [f"{(start + b * 3) // 12}-Q{(start + b * 3) % 12 // 3 + 1}" for b in range(n_blocks)]
    else:
        labels = [f"{a} to {b}" for a, b in zip(firsts, lasts)]
    mdays = np.array([month_days(int(k)) for k in kept_codes], dtype=np.int64)
    days = mdays.reshape(n_blocks, size).sum(axis=1)
    spec = "month" if kind == "month" else "quarter" if kind == "quarter" else f"{size}months"
    cube = SpaceTimeCube(counts, ids, labels, days=days, step_first_month=firsts, step_last_month=lasts,
                         step=spec, notes=notes)
    cube.months = [_month_str(int(k)) for k in kept_codes]
    cube.monthly = monthly
    cube.month_days = mdays
    cube.n_incidents = int(use.sum())
    cube.weight_total = float(w[use].sum())
    cube.n_unmatched = n_unmatched
    cube.unmatched_examples = examples
    cube.n_no_month = n_no_month
    cube.n_outside = n_outside
    cube.n_partial_dropped = n_partial
    return cube


def _verb(n, one: str, many: str) -> str:
    return one if n == 1 else many


def _as_list(values) -> list:
    if isinstance(values, str):
        return [values]
    return list(values)


def _month_list(codes) -> str:
    codes = [int(c) for c in codes]
    shown = ", ".join(_month_str(c) for c in codes[:6])
    return shown + (f" and {len(codes) - 6} more" if len(codes) > 6 else "")

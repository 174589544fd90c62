"""Small shared helpers for the impact-evaluation statistics (months, counts, JSON values, wording)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(value, name: str) -> str:
    """A month as 'YYYY-MM' text (a pandas Period or Timestamp is accepted and converted)."""
    if isinstance(value, (pd.Period, pd.Timestamp)):
        value = value.strftime("%Y-%m")
    if not isinstance(value, str) or not _MONTH_RE.match(value.strip()):
        raise ValueError(f"{name} must be a month as 'YYYY-MM' text (e.g. '2024-04'), got {value!r}")
    return value.strip()


def shift_month(month: str, k: int) -> str:
    """``month`` moved by ``k`` calendar months ('2024-01', -1 -> '2023-12')."""
    return (pd.Period(month, freq="M") + int(k)).strftime("%Y-%m")


def month_span(first: str, last: str) -> list[str]:
    """Every calendar month from ``first`` to ``last`` inclusive."""
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def days_in_month(months) -> np.ndarray:
    return np.array([pd.Period(m, freq="M").days_in_month for m in months], dtype=float)


def count_value(value, name: str) -> float:
    """One incident count: a finite number >= 0."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number of incidents, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of incidents, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} is missing or infinite ({value!r}); fill periods without incidents with 0")
    if v < 0:
        raise ValueError(f"{name} cannot be negative, got {value!r}")
    return v


def is_whole(*values) -> bool:
    return all(abs(v - round(v)) < 1e-9 for v in values)


def as_number(v):
    """A JSON-ready scalar: numpy -> Python, whole floats stay floats, NaN/inf -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    return v


def as_count(v):
    """A count for JSON: int when whole, else float."""
    if v is None:
        return None
    v = float(v)
    return int(round(v)) if is_whole(v) else v


def as_code(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.str_):
        return str(v)
    return v


def first_few(values, k: int = 3) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:k])
    return shown + (", ..." if len(values) > k else "")


def pct(x: float) -> str:
    """A percentage for prose: whole numbers, one decimal below 1 % (so a small change is not '0 %')."""
    x = abs(float(x))
    return f"{x:.1f}" if 0 < x < 1 else f"{x:.0f}"


def ci_words(low: float, high: float, confidence: str) -> str:
    """The interval of a ratio in words: '95 % CI 8 % to 37 %' (both a fall), or 'from a 30 % fall to a 12 % rise'."""
    if not (math.isfinite(low) and math.isfinite(high)):
        if math.isfinite(low) and low > 1:
            return f"{confidence} a rise of at least {pct(100 * (low - 1))} %"
        if math.isfinite(low) and low < 1:
            return f"{confidence} from a {pct(100 * (1 - low))} % fall to any rise"
        return f"{confidence} unbounded"
    if high < 1:
        return f"{confidence} {pct(100 * (1 - high))} % to {pct(100 * (1 - low))} %"
    if low > 1:
        return f"{confidence} {pct(100 * (low - 1))} % to {pct(100 * (high - 1))} %"
    return f"{confidence} from a {pct(100 * (1 - low))} % fall to a {pct(100 * (high - 1))} % rise"

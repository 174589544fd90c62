"""Colour schemes and classed legends (ColorBrewer palettes, colour-blind safe where it matters)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

# ColorBrewer OrRd (sequential) — counts and rates
SEQUENTIAL = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#d9d9d9"


def hex_to_rgba(colour: str, alpha: int = 200) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def quantile_breaks(values: pd.Series, k: int = 5) -> list[float]:
    """Upper bounds of ``k`` quantile classes (distinct, so small data gives fewer classes)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, k + 1)[1:]))
    return [float(q) for q in qs]


def classify(values: pd.Series, breaks: list[float]) -> pd.Series:
    """Class index (0..len(breaks)-1) of each value; -1 for missing."""
    v = pd.to_numeric(values, errors="coerce")
    idx = np.searchsorted(np.asarray(breaks), v.to_numpy(), side="left")
    idx = np.minimum(idx, len(breaks) - 1)
    return pd.Series(np.where(v.isna(), -1, idx), index=values.index)


def class_colours(values: pd.Series, breaks: list[float], palette: list[str] = SEQUENTIAL, alpha: int = 200):
    """RGBA list per value for a classed choropleth."""
    pal = palette[-len(breaks):] if len(breaks) < len(palette) else palette
    return [hex_to_rgba(NO_DATA if c < 0 else pal[c], alpha) for c in classify(values, breaks)]


def legend_rows(breaks: list[float], values: pd.Series, palette: list[str] = SEQUENTIAL, decimals: int = 1):
    """(colour, label) per class, labels like '12.3 – 20.0'."""
    pal = palette[-len(breaks):] if len(breaks) < len(palette) else palette
    low = float(pd.to_numeric(values, errors="coerce").min()) if len(breaks) else 0.0
    rows, lower = [], low
    for colour, upper in zip(pal, breaks):
        rows.append((colour, f"{lower:,.{decimals}f} – {upper:,.{decimals}f}"))
        lower = upper
    return rows


def legend_html(title: str, rows: list[tuple[str, str]], note: str | None = None) -> str:
    """A legend block: swatches and labels, every text escaped."""
    items = "".join(
        f'<div style="display:flex;align-items:center;gap:.5em;margin:.15em 0">'
        f'<span style="display:inline-block;width:1.4em;height:1em;background:{html.escape(c)};'
        f'border:1px solid #666"></span><span>{html.escape(label)}</span></div>' for c, label in rows)
    foot = f'<div style="font-size:.85em;color:#444;margin-top:.3em">{html.escape(note)}</div>' if note else ""
    return (f'<div style="font-size:1rem;line-height:1.3"><strong>{html.escape(title)}</strong>{items}{foot}</div>')

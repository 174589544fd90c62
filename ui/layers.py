"""Map layers for the dashboard: classed areas, hot-spot classes, points, outlines and overlays.

Every tooltip is one pre-built plain-text ``tip`` property (lines separated by newlines) shown
through the template :data:`TOOLTIP_HTML`. Streamlit HTML-escapes a property's value when it fills
the template, so a location such as ``<img src=x onerror=…>`` shows as text (the browser tests
check this); the tips therefore must not be escaped again here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydeck as pdk

from ui.colours import NO_DATA, SEQUENTIAL, class_colours, hex_to_rgba, legend_rows, quantile_breaks

GI_COLOURS = {  # ColorBrewer RdBu, diverging: red hot, blue cold
    "Hot spot 99%": "#b2182b", "Hot spot 95%": "#ef8a62", "Hot spot 90%": "#fddbc7", "Not significant": "#f2f2f2",
    "Cold spot 90%": "#d1e5f0", "Cold spot 95%": "#67a9cf", "Cold spot 99%": "#2166ac",
}
LISA_COLOURS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6", "Not significant": "#f2f2f2"}
LISA_LABELS = {"HH": "High among high (hot spot)", "HL": "High among low (outlier)", "LH": "Low among high (outlier)",
               "LL": "Low among low (cold spot)", "Not significant": "Not significant"}


TOOLTIP_HTML = '<div style="white-space:pre-line;max-width:28em">{tip}</div>'


def tip(title: str, rows: list[tuple[str, object]]) -> str:
    """Tooltip text: the title, then one "label: value" line per row."""
    return "\n".join([str(title), *(f"{k}: {_fmt(v)}" for k, v in rows)])


def _fmt(v) -> str:
    if v is None:
        return "withheld (small numbers)"
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "–"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)


def area_tips(frame: pd.DataFrame, value_label: str, estimate: bool, brief: bool = False,
              mode: str = "gi") -> list[str]:
    """One tooltip per area: name, ward/LA, the value and the hot-spot classes.

    ``brief`` (a national map): name, value and the class the map is coloured by (Local Moran on
    a local Moran map, else Gi*).
    """
    out = []
    label = value_label + (" (est.)" if estimate and "estimat" not in value_label.lower() else "")
    # only the columns read, as Python objects: iterating Arrow-backed strings row by row, with the
    # geometry alongside, took 0.12 s for 1,719 areas on every new measure
    cols = [c for c in ("area_name", "area_code", "ward_name", "lad_name", "value", "gi_class", "lisa_class")
            if c in frame.columns]
    for row in frame[cols].astype(object).itertuples(index=False):
        classes = []
        if hasattr(row, "gi_class"):
            lisa = ("Local Moran", LISA_LABELS.get(row.lisa_class, row.lisa_class))
            classes = [lisa] if brief and mode == "lisa" else [("Gi*", row.gi_class)] if brief else \
                [("Gi*", row.gi_class), lisa]
        place = ", ".join(p for p in (str(getattr(row, "ward_name", "") or ""), str(getattr(row, "lad_name", "") or ""))
                          if p and p != "nan")
        where = [] if brief or not place else [("Area", place)]
        out.append(tip(f"{row.area_name} ({row.area_code})", [*where, (label, row.value), *classes]))
    return out


def palette_index(fills) -> tuple[list[list[int]], list[int]]:
    """The distinct colours of ``fills`` (RGBA lists) and each row's index into them: a map then sends one
    small palette and a digit per area instead of four numbers per area."""
    palette: dict[tuple, int] = {}
    index = [palette.setdefault(tuple(int(c) for c in f), len(palette)) for f in fills]
    return [list(c) for c in palette], index


def class_fill(classes: pd.Series, colours: dict[str, str], alpha: int = 210) -> list[list[int]]:
    return [hex_to_rgba(colours.get(c, NO_DATA), alpha) for c in classes]


def points_layer(layer_id: str, points: pd.DataFrame, colour=(20, 20, 20, 200), radius_m: float = 12,
                 pickable: bool = True) -> pdk.Layer:
    """Incident points, grouped by snap location (police.uk points share anchor locations)."""
    grouped = (points.groupby(["longitude", "latitude"], as_index=False)
               .agg(n=("weight", "sum"), location=("location", "first")))
    grouped["tip"] = [tip(str(loc) or "Location", [("Incidents", n)])
                      for loc, n in zip(grouped["location"], grouped["n"])]
    grouped["r"] = radius_m * np.sqrt(grouped["n"])
    grouped["position"] = grouped[["longitude", "latitude"]].round(5).to_numpy().tolist()
    return pdk.Layer("ScatterplotLayer", grouped[["position", "r", "tip"]].to_dict("records"), id=layer_id,
                     get_position="position", get_radius="r", radius_units="meters", get_fill_color=list(colour),
                     pickable=pickable, stroked=False)


def value_classes(values: pd.Series) -> tuple[list[list[int]], list[tuple[str, str]]]:
    """Quintile fill colours and legend rows for a classed choropleth."""
    breaks = quantile_breaks(values)
    return class_colours(values, breaks), legend_rows(breaks, values, SEQUENTIAL)

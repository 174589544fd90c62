"""pydeck map building: the base map (none unless a deployment configures tiles), area and line layers.

Drawing cost matters more than usual here: a meeting-room laptop or a locked-down council PC
often has no usable GPU, and the browser then draws WebGL in software. Measured on this
machine (benchmarks/README.md), outlines drawn the GeoJSON way (deck.gl's path layer) cost
seconds per frame in software, and a MapLibre base map adds its own start-up. So, by default,
no base map library is loaded at all (the map draws boundaries itself and works offline), the
area layer draws fills only, and every outline is a ``LineLayer`` of unique boundary segments
(:func:`ui.mapdata.edge_segments`).
"""

from __future__ import annotations

import functools
import json
import os
import re

import pydeck as pdk
from pydeck.bindings import deck as _pydeck_deck
from pydeck.bindings.json_tools import default_serialize

# pydeck asks five times per Deck whether its Jupyter widget can be made, by importing it; without
# ipywidgets the import fails and Python, which does not remember failed imports, reads and runs
# pydeck.widget's files again each time: ~30 ms of every rerun on the server (py-spy). The answer
# cannot change while the app runs, so it is asked once.
_pydeck_deck.has_jupyter_extra = functools.cache(_pydeck_deck.has_jupyter_extra)

WM_VIEW = pdk.ViewState(latitude=52.48, longitude=-1.89, zoom=9.3, pitch=0)
NO_BASEMAP = "__MAP_STYLE__"  # pydeck's "no style given" value: with no provider Streamlit draws no base map


def map_style() -> str | None:
    """A deployment's base map style URL (HOTSPOT_MAP_STYLE, a MapLibre style), or None for no base map."""
    return os.environ.get("HOTSPOT_MAP_STYLE", "").strip() or None


def area_layer(layer_id: str, geojson: dict | RawJson, pickable: bool = True) -> pdk.Layer:
    """Filled areas (no outline: outlines are a :func:`line_layer`), hover-highlighted when pickable."""
    return pdk.Layer("GeoJsonLayer", geojson, id=layer_id, filled=True, stroked=False, pickable=pickable,
                     get_fill_color="properties.fill", auto_highlight=pickable)


def polygon_layer(layer_id: str, rows: list | RawJson, palette: list[list[int]], pickable: bool = True) -> pdk.Layer:
    """Filled areas from :func:`ui.mapdata.polygon_rows` rows whose ``k`` indexes ``palette`` (RGBA colours)."""
    return pdk.Layer("PolygonLayer", rows, id=layer_id, get_polygon="p", position_format="'XY'", filled=True,
                     stroked=False, pickable=pickable, auto_highlight=pickable, get_fill_color=palette_accessor(palette))


def palette_accessor(palette: list[list[int]]) -> str:
    """A deck.gl JSON expression giving ``palette[k]`` for a row (``k == 0 ? c0 : k == 1 ? c1 : … : cn``).

    deck.gl's expression language reads array literals but, measured here, not an index into one
    (``[c0, c1][k]`` paints black), so the lookup is a chain of conditions: a handful of classes.
    """
    colours = [json.dumps(list(c), separators=(",", ":")) for c in palette] or ["[0,0,0,0]"]
    return "".join(f"k=={i}?{c}:" for i, c in enumerate(colours[:-1])) + colours[-1]


def line_layer(layer_id: str, segments: list | RawJson, colour, width_px: float) -> pdk.Layer:
    """Boundary lines from ``[lon1, lat1, lon2, lat2]`` segments, ``width_px`` screen pixels wide."""
    return pdk.Layer("LineLayer", segments, id=layer_id, get_source_position="[this[0], this[1]]",
                     get_target_position="[this[2], this[3]]", get_color=list(colour), get_width=width_px,
                     pickable=False)  # LineLayer widths are in pixels by default


class RawJson:
    """Layer data already serialised (cached as JSON text): put into the deck's JSON as it is.

    A cached GeoJSON of 1,719 LSOAs costs ~0.1 s to unpickle as a dict and ~0.1 s to serialise
    again on every rerun; as text it costs a copy.
    """

    def __init__(self, text: str):
        self.text = text


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation (pydeck pretty-prints, which nearly quadruples the
    payload) and whose :class:`RawJson` layer data is spliced in unparsed."""

    def to_json(self):
        raw: list[str] = []

        def default(o):
            if isinstance(o, RawJson):
                raw.append(o.text)
                return f"@@raw{len(raw) - 1}@@"
            return default_serialize(o)

        text = json.dumps(self, sort_keys=True, default=default, separators=(",", ":"))
        return _RAW.sub(lambda m: raw[int(m.group(1))], text) if raw else text  # one pass over the text


_RAW = re.compile(r'"@@raw(\d+)@@"')


def deck(layers: list[pdk.Layer], tooltip_html: str | None = None, view: pdk.ViewState = WM_VIEW) -> pdk.Deck:
    tooltip = {"html": tooltip_html, "style": {"fontSize": "15px", "backgroundColor": "#222", "color": "white"}} \
        if tooltip_html else False
    style = map_style()
    return CompactDeck(layers=layers, initial_view_state=view, map_style=style or NO_BASEMAP,
                       map_provider="carto" if style else None, tooltip=tooltip)
